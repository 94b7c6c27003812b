//! The incidents of a state. Each is kept as the JSON text it was stored as, with the few fields
//! the rules read (ID, contract, dates, refunded) taken out when the file is loaded; the whole
//! record is decoded only when a command shows or changes it. Loading 100 000 incidents then
//! costs a scan of the text, not a parse of every title.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::contract::Usage;
use super::incident::{Incident, IncidentId};
use super::values::{Id, ymd};

/// What the rules read of an incident without decoding it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Head {
    id: IncidentId,
    contract_id: Option<Id>,
    opened_on: NaiveDate,
    closed_on: Option<NaiveDate>,
    refunded: bool,
}

impl Head {
    fn of(i: &Incident) -> Head {
        Head {
            id: i.id,
            contract_id: i.contract_id.clone(),
            opened_on: i.opened_on,
            closed_on: i.closed_on,
            refunded: i.refund.is_some(),
        }
    }
}

/// One incident: as stored (decoded on first use), or as built or changed by this command.
#[derive(Clone)]
pub struct Entry(Body);

#[derive(Clone)]
enum Body {
    Stored {
        head: Head,
        raw: Box<RawValue>,
        full: OnceCell<Box<Incident>>,
    },
    Owned(Box<Incident>, Head),
}

/// A stored incident that does not decode (a hand edit broke one of its values).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("incident {id} in the state file cannot be read: {reason}")]
pub struct Unreadable {
    /// The incident.
    pub id: IncidentId,
    /// What is wrong with it.
    pub reason: String,
}

impl Entry {
    fn head(&self) -> &Head {
        match &self.0 {
            Body::Stored { head, .. } | Body::Owned(_, head) => head,
        }
    }

    /// The incident's ID.
    pub fn id(&self) -> IncidentId {
        self.head().id
    }

    /// The contract it charged, if any.
    pub fn contract_id(&self) -> Option<&Id> {
        self.head().contract_id.as_ref()
    }

    /// The day it was opened.
    pub fn opened_on(&self) -> NaiveDate {
        self.head().opened_on
    }

    /// The day it was closed, if it was.
    pub fn closed_on(&self) -> Option<NaiveDate> {
        self.head().closed_on
    }

    /// Whether Microsoft refunded it.
    pub fn is_refunded(&self) -> bool {
        self.head().refunded
    }

    /// The whole incident, decoded now if it was not yet.
    pub fn get(&self) -> Result<&Incident, Unreadable> {
        match &self.0 {
            Body::Owned(i, _) => Ok(i),
            Body::Stored { head, raw, full } => {
                if let Some(i) = full.get() {
                    return Ok(i);
                }
                let decoded = decode(head.id, raw)?;
                Ok(full.get_or_init(|| Box::new(decoded)))
            }
        }
    }
}

fn decode(id: IncidentId, raw: &RawValue) -> Result<Incident, Unreadable> {
    serde_json::from_str(raw.get()).map_err(|e| Unreadable {
        id,
        reason: e.to_string(),
    })
}

/// Every incident, in ID order once normalized.
#[derive(Clone, Default)]
pub struct Incidents {
    entries: Vec<Entry>,
    /// What each contract has charged and had refunded, counted once per state (every list
    /// and rule needs it) and forgotten whenever an incident is added or changed.
    usage: OnceCell<HashMap<Id, Usage>>,
}

impl Incidents {
    /// The incidents, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Entry> {
        self.entries.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The last one (the highest ID once normalized).
    pub fn last(&self) -> Option<&Entry> {
        self.entries.last()
    }

    /// What the incidents charged to `contract` add up to (R14).
    pub fn usage_of(&self, contract: &Id) -> Usage {
        let by_contract = self.usage.get_or_init(|| {
            let mut map: HashMap<Id, Usage> = HashMap::new();
            // Neighbouring incidents mostly charge the same contract: count runs, then add.
            let mut run: Option<(&Id, Usage)> = None;
            for e in &self.entries {
                let Some(id) = e.contract_id() else { continue };
                match &mut run {
                    Some((current, usage)) if *current == id => {
                        usage.charged += 1;
                        usage.refunded += u32::from(e.is_refunded());
                    }
                    _ => {
                        if let Some((done, usage)) = run.take() {
                            let total = map.entry(done.clone()).or_default();
                            total.charged += usage.charged;
                            total.refunded += usage.refunded;
                        }
                        run = Some((
                            id,
                            Usage {
                                charged: 1,
                                refunded: u32::from(e.is_refunded()),
                            },
                        ));
                    }
                }
            }
            if let Some((done, usage)) = run {
                let total = map.entry(done.clone()).or_default();
                total.charged += usage.charged;
                total.refunded += usage.refunded;
            }
            map
        });
        by_contract.get(contract).copied().unwrap_or_default()
    }

    /// Adds one at the end.
    pub fn push(&mut self, incident: Incident) {
        self.usage = OnceCell::new();
        let head = Head::of(&incident);
        self.entries
            .push(Entry(Body::Owned(Box::new(incident), head)));
    }

    /// The incidents whose head passes `keep`, decoded, in order.
    pub fn select(&self, keep: impl Fn(&Entry) -> bool) -> Result<Vec<&Incident>, Unreadable> {
        self.entries
            .iter()
            .filter(|e| keep(e))
            .map(Entry::get)
            .collect()
    }

    /// The one with this ID.
    pub fn find(&self, id: IncidentId) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id() == id)
    }

    /// Changes the one with this ID (decoding it first); `None` when there is none.
    pub fn update<T>(
        &mut self,
        id: IncidentId,
        change: impl FnOnce(&mut Incident) -> T,
    ) -> Option<Result<T, Unreadable>> {
        self.usage = OnceCell::new();
        let entry = self.entries.iter_mut().find(|e| e.id() == id)?;
        let mut incident = match std::mem::replace(&mut entry.0, placeholder()) {
            Body::Owned(i, _) => *i,
            Body::Stored { head, raw, full } => {
                match full
                    .into_inner()
                    .map_or_else(|| decode(head.id, &raw), |i| Ok(*i))
                {
                    Ok(i) => i,
                    Err(e) => {
                        entry.0 = Body::Stored {
                            head,
                            raw,
                            full: OnceCell::new(),
                        };
                        return Some(Err(e));
                    }
                }
            }
        };
        let value = change(&mut incident);
        let head = Head::of(&incident);
        entry.0 = Body::Owned(Box::new(incident), head);
        Some(Ok(value))
    }

    /// Decodes every stored record, so that each is written back in this build's layout (after
    /// a migration: an older file's records are in an older field order).
    pub fn decode_all(&mut self) -> Result<(), Unreadable> {
        for entry in &mut self.entries {
            if let Body::Stored { head, raw, full } = &mut entry.0 {
                let incident = match full.take() {
                    Some(i) => *i,
                    None => decode(head.id, raw)?,
                };
                let head = Head::of(&incident);
                entry.0 = Body::Owned(Box::new(incident), head);
            }
        }
        Ok(())
    }

    /// Sorts by ID (stable, so duplicates stay for the consistency check to name).
    pub fn sort(&mut self) {
        if !self.entries.is_sorted_by_key(Entry::id) {
            self.entries.sort_by_key(Entry::id);
        }
    }
}

/// A momentary stand-in while an entry's body is moved out.
fn placeholder() -> Body {
    Body::Owned(
        Box::new(Incident {
            id: IncidentId(0),
            scope: super::contract::Scope::Cloud,
            title: "-".parse().expect("valid text"),
            product: None,
            case_number: None,
            contract_id: None,
            csp_customer: None,
            opened_on: NaiveDate::MIN,
            opened_by: None,
            closed_on: None,
            refund: None,
        }),
        Head {
            id: IncidentId(0),
            contract_id: None,
            opened_on: NaiveDate::MIN,
            closed_on: None,
            refunded: false,
        },
    )
}

impl FromIterator<Incident> for Incidents {
    fn from_iter<I: IntoIterator<Item = Incident>>(iter: I) -> Self {
        let mut all = Incidents::default();
        for i in iter {
            all.push(i);
        }
        all
    }
}

impl fmt::Debug for Incidents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.entries
                    .iter()
                    .map(|e| e.get().map_err(|u| u.reason.clone())),
            )
            .finish()
    }
}

impl PartialEq for Incidents {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|(a, b)| matches!((a.get(), b.get()), (Ok(a), Ok(b)) if a == b))
    }
}

impl Eq for Incidents {}

impl Serialize for Incidents {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.entries.len()))?;
        for entry in &self.entries {
            match &entry.0 {
                // Written back exactly as it was read: nothing to decode, nothing to change.
                Body::Stored { raw, .. } => seq.serialize_element(raw)?,
                Body::Owned(i, _) => seq.serialize_element(i)?,
            }
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Incidents {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Seq;
        impl<'de> Visitor<'de> for Seq {
            type Value = Incidents;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of incidents")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Incidents, A::Error> {
                let mut all = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
                    all.push(entry(raw).map_err(serde::de::Error::custom)?);
                }
                Ok(Incidents {
                    entries: all,
                    usage: OnceCell::new(),
                })
            }
        }
        d.deserialize_seq(Seq)
    }
}

/// An entry for a stored record: its head read off the text when the text is in the one-line
/// form this program writes, else the whole record decoded (a hand-edited or older file).
fn entry(raw: Box<RawValue>) -> Result<Entry, String> {
    if raw.get().starts_with('{')
        && !raw.get().contains('\n')
        && let Some(head) = scan_head(raw.get())?
    {
        return Ok(Entry(Body::Stored {
            head,
            raw,
            full: OnceCell::new(),
        }));
    }
    let incident: Incident =
        serde_json::from_str(raw.get()).map_err(|e| format!("an incident {e}"))?;
    let head = Head::of(&incident);
    Ok(Entry(Body::Owned(Box::new(incident), head)))
}

/// Reads the head fields off one record's text (a JSON object serde_json has already checked).
/// `Ok(None)` means "decode it the slow way" (an escape in a field read here).
fn scan_head(text: &str) -> Result<Option<Head>, String> {
    let mut id = None;
    let mut contract_id = None;
    let mut opened_on = None;
    let mut closed_on = None;
    let mut refunded = false;
    let mut fields = Fields { text, at: 1 };
    // The five fields come first in a record this program wrote: stop when all are seen.
    let mut seen = 0;
    while seen < 5
        && let Some((key, value)) = fields.next()
    {
        if !matches!(
            key,
            "id" | "contract_id" | "opened_on" | "closed_on" | "refund"
        ) {
            continue;
        }
        seen += 1;
        let s = match value {
            Value::String(s) if s.contains('\\') => return Ok(None),
            Value::String(s) => Some(s),
            _ => None,
        };
        let bad = |what: &str| format!("an incident has a bad `{key}` ({what})");
        match key {
            "id" => {
                id = Some(
                    s.ok_or_else(|| bad("expected text"))?
                        .parse::<IncidentId>()
                        .map_err(|e| bad(&e.0))?,
                )
            }
            "contract_id" => {
                contract_id = s
                    .map(|s| s.parse::<Id>().map_err(|e| bad(&e.0)))
                    .transpose()?
            }
            "opened_on" => {
                opened_on = Some(
                    s.and_then(ymd::parse)
                        .ok_or_else(|| bad("expected a date"))?,
                )
            }
            "closed_on" => {
                closed_on = s
                    .map(|s| ymd::parse(s).ok_or_else(|| bad("expected a date")))
                    .transpose()?
            }
            "refund" => refunded = !matches!(value, Value::Null),
            _ => {}
        }
    }
    let missing = |f: &str| format!("an incident has no `{f}`");
    Ok(Some(Head {
        id: id.ok_or_else(|| missing("id"))?,
        contract_id,
        opened_on: opened_on.ok_or_else(|| missing("opened_on"))?,
        closed_on,
        refunded,
    }))
}

/// A top-level value of a record, as far as the head needs to know.
enum Value<'a> {
    String(&'a str),
    Null,
    Other,
}

/// The key–value pairs of one JSON object's text, which must already be valid JSON.
struct Fields<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Fields<'a> {
    fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while self.byte().is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    /// The string starting at the opening quote under the cursor, escapes left as they are.
    fn string(&mut self) -> &'a str {
        let bytes = self.text.as_bytes();
        let start = self.at + 1;
        let mut i = start;
        while bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        self.at = i + 1;
        // Both ends are ASCII quotes, so the slice falls on character boundaries.
        &self.text[start..i]
    }

    /// Skips an object, array or literal.
    fn skip_value(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.text.as_bytes()[self.at] {
                b'"' => {
                    self.string();
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => return,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.at += 1;
                        return;
                    }
                }
                b',' if depth == 0 => return,
                _ => {}
            }
            self.at += 1;
        }
    }

    fn next(&mut self) -> Option<(&'a str, Value<'a>)> {
        self.skip_space();
        if self.byte() == Some(b',') {
            self.at += 1;
            self.skip_space();
        }
        if self.byte() != Some(b'"') {
            return None;
        }
        let key = self.string();
        self.skip_space();
        self.at += 1; // the colon
        self.skip_space();
        let value = match self.text.as_bytes()[self.at] {
            b'"' => Value::String(self.string()),
            b'n' => {
                self.at += 4;
                Value::Null
            }
            _ => {
                self.skip_value();
                Value::Other
            }
        };
        Some((key, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_read_off_the_text_matches_the_decoded_record() {
        let lines = [
            r#"{"id": "INC-0007", "scope": "cloud", "title": "A \"quoted\", {braced} title", "contract_id": "7000001", "opened_on": "2026-03-01", "closed_on": "2026-03-04", "refund": {"on": "2026-03-05", "reason": "duplicate"}}"#,
            r#"{"id":"INC-0008","scope":"on-premises","title":"x","opened_on":"2026-03-01","closed_on":null,"refund":null}"#,
            r#"{"title": "no contract", "id": "INC-0009", "scope": "cloud", "csp_customer": "T1", "opened_on": "2026-03-01"}"#,
        ];
        for line in lines {
            let raw = RawValue::from_string(line.to_string()).unwrap();
            let scanned = scan_head(line).unwrap().expect("read off the text");
            let decoded: Incident = serde_json::from_str(line).unwrap();
            assert_eq!(scanned, Head::of(&decoded), "{line}");
            assert!(matches!(entry(raw).unwrap().0, Body::Stored { .. }));
        }
    }

    #[test]
    fn escapes_and_bad_heads_take_the_slow_road_or_are_refused() {
        let escaped =
            r#"{"id": "INC-\u0030001", "scope": "cloud", "title": "x", "opened_on": "2026-03-01"}"#;
        assert_eq!(scan_head(escaped).unwrap(), None);
        let e = entry(RawValue::from_string(escaped.into()).unwrap()).unwrap();
        assert_eq!(e.id(), IncidentId(1));
        for bad in [
            r#"{"id": "INC-x", "opened_on": "2026-03-01"}"#,
            r#"{"id": "INC-0001", "opened_on": "2026-02-30"}"#,
            r#"{"id": "INC-0001"}"#,
            r#"{"id": "INC-0001", "opened_on": "2026-03-01", "contract_id": "has space"}"#,
        ] {
            assert!(scan_head(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_stored_record_is_written_back_as_it_was_and_a_changed_one_anew() {
        let line =
            r#"{"id": "INC-0001", "scope": "cloud", "title": "Outage", "opened_on": "2026-03-01"}"#;
        let mut all: Incidents = serde_json::from_str(&format!("[{line}]")).unwrap();
        assert_eq!(serde_json::to_string(&all).unwrap(), format!("[{line}]"));
        let closed = crate::domain::values::ymd::parse("2026-03-02");
        all.update(IncidentId(1), |i| i.closed_on = closed)
            .unwrap()
            .unwrap();
        assert_eq!(all.iter().next().unwrap().closed_on(), closed);
        assert!(
            serde_json::to_string(&all)
                .unwrap()
                .contains(r#""closed_on":"2026-03-02""#)
        );
    }
}
