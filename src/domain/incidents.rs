//! The incidents of a state. Each is kept as the JSON text it was stored as, with the few fields
//! the rules read (ID, contract, dates, refunded) taken out when the file is loaded; the whole
//! record is decoded only when a command shows or changes it. A file this program wrote is
//! read line by line without parsing it as a whole ([`Incidents::from_lines`]); any other is
//! parsed by serde_json first. Loading 100 000 incidents then costs a scan of the text, not a
//! parse of every title.

use std::cell::OnceCell;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::contract::Usage;
use super::incident::{Incident, IncidentId};
use super::values::{Id, ymd};
use super::written::{self, Cursor};

/// What the rules read of an incident without decoding it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Head {
    id: IncidentId,
    /// Shared by the incidents of one contract when read from a file.
    contract_id: Option<Arc<Id>>,
    opened_on: NaiveDate,
    closed_on: Option<NaiveDate>,
    refunded: bool,
}

impl Head {
    fn of(i: &Incident) -> Head {
        Head {
            id: i.id,
            contract_id: i.contract_id.clone().map(Arc::new),
            opened_on: i.opened_on,
            closed_on: i.closed_on,
            refunded: i.refund.is_some(),
        }
    }
}

/// One incident as kept: as stored (decoded on first use), or as built or changed by this
/// command.
#[derive(Clone)]
struct Slot(Body);

#[derive(Clone)]
enum Body {
    Stored {
        head: Head,
        text: Text,
        full: OnceCell<Box<Incident>>,
    },
    Owned(Box<Incident>, Head),
}

impl Slot {
    fn head(&self) -> &Head {
        match &self.0 {
            Body::Stored { head, .. } | Body::Owned(_, head) => head,
        }
    }

    fn id(&self) -> IncidentId {
        self.head().id
    }
}

/// A stored record's text.
#[derive(Clone)]
enum Text {
    /// Its own copy, checked by serde_json (a file read in full).
    Own(Box<RawValue>),
    /// A line of the file the incidents were read from, one this program wrote and whose
    /// checksum matched. Its UTF-8 is checked with the rest of the record when it is decoded.
    Line(Range<usize>),
}

impl Text {
    fn get<'a>(&'a self, file: &'a [u8]) -> &'a [u8] {
        match self {
            Text::Own(raw) => raw.get().as_bytes(),
            Text::Line(range) => &file[range.clone()],
        }
    }
}

/// How to write an incident back: its stored text when it is unchanged, else the incident.
pub enum Written<'a> {
    /// The text it was read from, one line of JSON.
    Text(&'a [u8]),
    /// The same, as a line of the file the incidents were read from: `file[range]`.
    Line {
        /// The whole file.
        file: &'a [u8],
        /// Where the record is in it.
        range: Range<usize>,
    },
    /// An incident added or changed since.
    Incident(&'a Incident),
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

/// One incident of a state: the fields the rules read at hand, the whole record decoded on
/// first use.
#[derive(Clone, Copy)]
pub struct Entry<'a> {
    slot: &'a Slot,
    /// The file the incidents were read from, where a stored line's text is.
    file: &'a [u8],
}

impl<'a> Entry<'a> {
    /// The incident's ID.
    pub fn id(self) -> IncidentId {
        self.slot.id()
    }

    /// The contract it charged, if any.
    pub fn contract_id(self) -> Option<&'a Id> {
        self.slot.head().contract_id.as_deref()
    }

    /// The day it was opened.
    pub fn opened_on(self) -> NaiveDate {
        self.slot.head().opened_on
    }

    /// The day it was closed, if it was.
    pub fn closed_on(self) -> Option<NaiveDate> {
        self.slot.head().closed_on
    }

    /// Whether Microsoft refunded it.
    pub fn is_refunded(self) -> bool {
        self.slot.head().refunded
    }

    /// The whole incident, decoded now if it was not yet.
    pub fn get(self) -> Result<&'a Incident, Unreadable> {
        match &self.slot.0 {
            Body::Owned(i, _) => Ok(i),
            Body::Stored { head, text, full } => {
                if let Some(i) = full.get() {
                    return Ok(i);
                }
                let decoded = decode(head.id, text, self.file)?;
                Ok(full.get_or_init(|| Box::new(decoded)))
            }
        }
    }

    /// What to write for it: the text it was stored as, unless it changed.
    pub fn written(self) -> Written<'a> {
        match &self.slot.0 {
            Body::Stored {
                text: Text::Line(range),
                ..
            } => Written::Line {
                file: self.file,
                range: range.clone(),
            },
            Body::Stored { text, .. } => Written::Text(text.get(self.file)),
            Body::Owned(i, _) => Written::Incident(i),
        }
    }
}

fn decode(id: IncidentId, text: &Text, file: &[u8]) -> Result<Incident, Unreadable> {
    let decoded = match text {
        Text::Own(raw) => serde_json::from_str(raw.get()),
        Text::Line(range) => {
            let text = &file[range.clone()];
            Incident::read_written(text).map_or_else(|| written::record(text), Ok)
        }
    };
    decoded.map_err(|e| Unreadable {
        id,
        reason: e.to_string(),
    })
}

/// The bytes of a file incidents are read from, in memory or mapped. Text taken from them is
/// copied before its UTF-8 is checked: a mapped file's bytes are only as stable as the file.
pub type FileBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// Every incident, in ID order once normalized.
#[derive(Clone)]
pub struct Incidents {
    slots: Vec<Slot>,
    /// The file stored lines are in (empty when none are).
    file: FileBytes,
    /// What each contract has charged and had refunded, counted once per state (every list
    /// and rule needs it) and forgotten whenever an incident is added or changed.
    usage: OnceCell<FxHashMap<Id, Usage>>,
}

impl Default for Incidents {
    fn default() -> Self {
        Incidents {
            slots: Vec::new(),
            file: Arc::new([]),
            usage: OnceCell::new(),
        }
    }
}

impl Incidents {
    /// The incidents, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Entry<'_>> + ExactSizeIterator {
        // The file's bytes looked up once, not once per entry (it may be a mapping).
        let file = (*self.file).as_ref();
        self.slots.iter().map(move |slot| Entry { slot, file })
    }

    fn entry<'a>(&'a self, slot: &'a Slot) -> Entry<'a> {
        Entry {
            slot,
            file: (*self.file).as_ref(),
        }
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The last one (the highest ID once normalized).
    pub fn last(&self) -> Option<Entry<'_>> {
        self.slots.last().map(|slot| self.entry(slot))
    }

    /// What the incidents charged to `contract` add up to (R14).
    pub fn usage_of(&self, contract: &Id) -> Usage {
        self.usages().get(contract).copied().unwrap_or_default()
    }

    /// The contracts the incidents charged, each once, in no particular order.
    pub fn charged_contracts(&self) -> impl Iterator<Item = &Id> {
        self.usages().keys()
    }

    fn usages(&self) -> &FxHashMap<Id, Usage> {
        self.usage.get_or_init(|| {
            // Counted by the shared copy of the ID, which is cheaper to hash than its text;
            // incidents added since the file was read have copies of their own, summed below.
            let mut by_copy: FxHashMap<*const Id, (&Id, Usage)> = FxHashMap::default();
            for slot in &self.slots {
                let head = slot.head();
                if let Some(id) = &head.contract_id {
                    let (_, usage) = by_copy
                        .entry(Arc::as_ptr(id))
                        .or_insert((id, Usage::default()));
                    usage.count(head.refunded);
                }
            }
            let mut usages: FxHashMap<Id, Usage> = FxHashMap::default();
            for (id, u) in by_copy.into_values() {
                let usage = usages.entry(id.clone()).or_default();
                usage.charged += u.charged;
                usage.refunded += u.refunded;
            }
            usages
        })
    }

    /// Adds one at the end.
    pub fn push(&mut self, incident: Incident) {
        self.usage = OnceCell::new();
        let head = Head::of(&incident);
        self.slots.push(Slot(Body::Owned(Box::new(incident), head)));
    }

    /// The incidents whose head passes `keep`, decoded, in order.
    pub fn select(&self, keep: impl Fn(Entry<'_>) -> bool) -> Result<Vec<&Incident>, Unreadable> {
        self.iter().filter(|e| keep(*e)).map(Entry::get).collect()
    }

    /// The one with this ID.
    pub fn find(&self, id: IncidentId) -> Option<Entry<'_>> {
        self.iter().find(|e| e.id() == id)
    }

    /// Changes the one with this ID (decoding it first); `None` when there is none.
    pub fn update<T>(
        &mut self,
        id: IncidentId,
        change: impl FnOnce(&mut Incident) -> T,
    ) -> Option<Result<T, Unreadable>> {
        self.usage = OnceCell::new();
        let slot = self.slots.iter_mut().find(|s| s.id() == id)?;
        let mut incident = match std::mem::replace(&mut slot.0, placeholder()) {
            Body::Owned(i, _) => *i,
            Body::Stored { head, text, full } => {
                match full
                    .into_inner()
                    .map_or_else(|| decode(head.id, &text, (*self.file).as_ref()), |i| Ok(*i))
                {
                    Ok(i) => i,
                    Err(e) => {
                        slot.0 = Body::Stored {
                            head,
                            text,
                            full: OnceCell::new(),
                        };
                        return Some(Err(e));
                    }
                }
            }
        };
        let value = change(&mut incident);
        let head = Head::of(&incident);
        slot.0 = Body::Owned(Box::new(incident), head);
        Some(Ok(value))
    }

    /// Decodes every stored record, so that each is written back in this build's layout (after
    /// a migration: an older file's records are in an older field order).
    pub fn decode_all(&mut self) -> Result<(), Unreadable> {
        for slot in &mut self.slots {
            if let Body::Stored { head, text, full } = &mut slot.0 {
                let incident = match full.take() {
                    Some(i) => *i,
                    None => decode(head.id, text, (*self.file).as_ref())?,
                };
                let head = Head::of(&incident);
                slot.0 = Body::Owned(Box::new(incident), head);
            }
        }
        Ok(())
    }

    /// Sorts by ID (stable, so duplicates stay for the consistency check to name).
    pub fn sort(&mut self) {
        if !self.slots.is_sorted_by_key(Slot::id) {
            self.slots.sort_by_key(Slot::id);
        }
    }

    /// The incidents stored one per `line` of `file`, a file this program wrote and whose
    /// checksum matched, so its records are not checked again as JSON here: each is read only
    /// as far as its head and checked in full when it is first decoded. `None` when a line does
    /// not read as an incident (the caller then reads the file the careful way, which names
    /// what is wrong).
    pub fn from_lines(file: FileBytes, lines: &[Range<usize>]) -> Option<Incidents> {
        let mut slots = Vec::with_capacity(lines.len());
        let mut contracts = Contracts::default();
        // Usage is counted while reading, unless a record needs another reader.
        let mut counted = true;
        let bytes = (*file).as_ref();
        for range in lines {
            let line = bytes.get(range.clone()).filter(|l| l.starts_with(b"{"))?;
            let (head, full) = match written_head(line, &mut contracts) {
                Some((head, contract)) => {
                    if let Some(k) = contract {
                        contracts.named[k].2.count(head.refunded);
                    }
                    (head, OnceCell::new())
                }
                None => {
                    counted = false;
                    let line = String::from_utf8(line.to_vec()).ok()?;
                    match scan_head(&line).ok()? {
                        Some(head) => (head, OnceCell::new()),
                        // An escape in a head field: decode this one now.
                        None => {
                            let incident: Incident = serde_json::from_str(&line).ok()?;
                            (Head::of(&incident), OnceCell::from(Box::new(incident)))
                        }
                    }
                }
            };
            slots.push(Slot(Body::Stored {
                head,
                text: Text::Line(range.clone()),
                full,
            }));
        }
        let usage = OnceCell::new();
        if counted {
            // Dropped, like any other, when an incident is added or changed.
            usage.get_or_init(|| contracts.usages());
        }
        Some(Incidents { slots, file, usage })
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
            .entries(self.iter().map(|e| e.get().map_err(|u| u.reason.clone())))
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

impl<'de> Deserialize<'de> for Incidents {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Seq;
        impl<'de> Visitor<'de> for Seq {
            type Value = Incidents;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of incidents")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Incidents, A::Error> {
                let mut slots = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
                    slots.push(slot(raw).map_err(serde::de::Error::custom)?);
                }
                Ok(Incidents {
                    slots,
                    ..Incidents::default()
                })
            }
        }
        d.deserialize_seq(Seq)
    }
}

/// A slot for a stored record: its head read off the text when the text is in the one-line
/// form this program writes, else the whole record decoded (a hand-edited or older file).
fn slot(raw: Box<RawValue>) -> Result<Slot, String> {
    if raw.get().starts_with('{')
        && !raw.get().contains('\n')
        && let Some(head) = scan_head(raw.get())?
    {
        return Ok(Slot(Body::Stored {
            head,
            text: Text::Own(raw),
            full: OnceCell::new(),
        }));
    }
    let incident: Incident =
        serde_json::from_str(raw.get()).map_err(|e| format!("an incident {e}"))?;
    let head = Head::of(&incident);
    Ok(Slot(Body::Owned(Box::new(incident), head)))
}

/// The contracts the records of one file name: each ID read once and shared, and what the
/// records charged to it, counted as they are read.
struct Contracts<'a> {
    /// Each one named: its text, its shared ID, its usage so far.
    named: Vec<(&'a [u8], Arc<Id>, Usage)>,
    by_text: FxHashMap<&'a [u8], usize>,
    /// The last few named, newest first: neighbouring records name the few contracts in use
    /// at the time, found here without hashing.
    recent: [usize; 4],
}

impl Default for Contracts<'_> {
    fn default() -> Self {
        Contracts {
            named: Vec::new(),
            by_text: FxHashMap::default(),
            recent: [usize::MAX; 4],
        }
    }
}

impl<'a> Contracts<'a> {
    /// Which of `named` is written as `text` (no escapes); `None` if it is not a valid ID.
    fn get(&mut self, text: &'a [u8]) -> Option<usize> {
        for at in 0..self.recent.len() {
            let k = self.recent[at];
            if self.named.get(k).is_some_and(|(t, ..)| *t == text) {
                self.recent[..=at].rotate_right(1);
                return Some(k);
            }
        }
        let k = match self.by_text.get(text) {
            Some(&k) => k,
            None => {
                let id: Id = written::value(text)?;
                self.named.push((text, Arc::new(id), Usage::default()));
                self.by_text.insert(text, self.named.len() - 1);
                self.named.len() - 1
            }
        };
        self.recent.rotate_right(1);
        self.recent[0] = k;
        Some(k)
    }

    /// What each contract's records charged, as [`Incidents::usages`] counts it.
    fn usages(self) -> FxHashMap<Id, Usage> {
        self.named
            .into_iter()
            .map(|(_, id, usage)| (Arc::unwrap_or_clone(id), usage))
            .collect()
    }
}

/// Reads the head fields off a record written exactly as this program writes one (the five
/// fields first, in order, no escapes, the ID as `INC-` and up to nine digits), sharing one
/// contract ID among the records that name it. `None` for anything else, which [`scan_head`]
/// then reads (and names what is wrong with).
fn written_head<'a>(
    text: &'a [u8],
    contracts: &mut Contracts<'a>,
) -> Option<(Head, Option<usize>)> {
    /// The ID's number, then its closing quote.
    fn id(c: &mut Cursor<'_>) -> Option<IncidentId> {
        let digits = c.0.strip_prefix(b"\"INC-")?;
        let mut n = 0u32;
        // Nine digits at most, so `n` cannot overflow; a longer one is left to the scanner.
        for (at, &b) in digits.iter().enumerate().take(10) {
            match b {
                b'0'..=b'9' if at < 9 => n = n * 10 + u32::from(b - b'0'),
                b'"' if n > 0 => {
                    c.0 = &digits[at + 1..];
                    return Some(IncidentId(n));
                }
                _ => return None,
            }
        }
        None
    }
    let mut c = Cursor(text);
    c.expect(br#"{"id": "#)?;
    let id = id(&mut c)?;
    c.expect(br#", "contract_id": "#)?;
    let contract = c.string_or_null()?;
    c.expect(br#", "opened_on": "#)?;
    let opened_on = c.date()?;
    c.expect(br#", "closed_on": "#)?;
    let closed_on = c.date_or_null()?;
    c.expect(br#", "refund": "#)?;
    let contract = match contract {
        None => None,
        Some(c) => Some(contracts.get(c)?),
    };
    let head = Head {
        id,
        contract_id: contract.map(|k| Arc::clone(&contracts.named[k].1)),
        opened_on,
        closed_on,
        refunded: !c.rest().starts_with(b"null"),
    };
    Some((head, contract))
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
                    .map(|s| s.parse::<Id>().map(Arc::new).map_err(|e| bad(&e.0)))
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

/// The key–value pairs of one JSON object's text. On valid JSON it reads what serde_json would;
/// on anything else it stops (`None`) rather than guess or panic.
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
    fn string(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let start = self.at + 1;
        let mut i = start;
        while *bytes.get(i)? != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        self.at = i + 1;
        // Both ends are ASCII quotes, so the slice falls on character boundaries.
        self.text.get(start..i)
    }

    /// Skips an object, array or literal.
    fn skip_value(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.byte()? {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => return Some(()),
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.at += 1;
                        return Some(());
                    }
                }
                b',' if depth == 0 => return Some(()),
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
        let key = self.string()?;
        self.skip_space();
        if self.byte() != Some(b':') {
            return None;
        }
        self.at += 1;
        self.skip_space();
        let value = match self.byte()? {
            b'"' => Value::String(self.string()?),
            b'n' if self.text.get(self.at..self.at + 4) == Some("null") => {
                self.at += 4;
                Value::Null
            }
            _ => {
                self.skip_value()?;
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
            assert!(matches!(slot(raw).unwrap().0, Body::Stored { .. }));
        }
    }

    #[test]
    fn the_written_form_is_read_by_position_and_any_other_left_to_the_scanner() {
        let written = r#"{"id": "INC-0007", "contract_id": "7000001", "opened_on": "2026-03-01", "closed_on": "2026-03-04", "refund": {"on": "2026-03-05", "reason": "duplicate"}, "scope": "cloud", "title": "x"}"#;
        let mut contracts = Contracts::default();
        let (head, _) = written_head(written.as_bytes(), &mut contracts).expect("the written form");
        assert_eq!(Some(head), scan_head(written).unwrap());
        for other in [
            // Another order, other spacing, an escape, a bad date or ID: not the written form.
            r#"{"contract_id": "7000001", "id": "INC-0007", "opened_on": "2026-03-01", "closed_on": null, "refund": null}"#,
            r#"{"id":"INC-0007","contract_id":"7000001","opened_on":"2026-03-01","closed_on":null,"refund":null}"#,
            r#"{"id": "INC-\u0030007", "contract_id": null, "opened_on": "2026-03-01", "closed_on": null, "refund": null}"#,
            r#"{"id": "INC-0007", "contract_id": null, "opened_on": "2026-02-30", "closed_on": null, "refund": null}"#,
            r#"{"id": "INC-x", "contract_id": null, "opened_on": "2026-03-01", "closed_on": null, "refund": null}"#,
            r#"{"id": "INC-0007", "contract_id": "has space", "opened_on": "2026-03-01", "closed_on": null, "refund": null}"#,
            r#"{"id": "INC-0007", "contract_id": null, "opened_on": "2026-03-01""#,
            r#"{"id": "INC-0000", "contract_id": null, "opened_on": "2026-03-01", "closed_on": null, "refund": null}"#,
        ] {
            assert_eq!(
                written_head(other.as_bytes(), &mut contracts),
                None,
                "{other}"
            );
        }
        // Ten digits are left to the scanner, which reads them without overflowing.
        let long = r#"{"id": "INC-4000000000", "contract_id": null, "opened_on": "2026-03-01", "closed_on": null, "refund": null}"#;
        assert_eq!(written_head(long.as_bytes(), &mut contracts), None);
        assert_eq!(
            scan_head(long).unwrap().unwrap().id,
            IncidentId(4_000_000_000)
        );
    }

    #[test]
    fn usage_adds_up_records_read_from_a_file_and_records_added_since() {
        let lines = [
            r#"{"id": "INC-0001", "contract_id": "A", "opened_on": "2026-03-01", "closed_on": null, "refund": null, "scope": "cloud", "title": "x"}"#,
            r#"{"id": "INC-0002", "contract_id": "B", "opened_on": "2026-03-01", "closed_on": null, "refund": null, "scope": "cloud", "title": "x"}"#,
            r#"{"id": "INC-0003", "contract_id": "A", "opened_on": "2026-03-01", "closed_on": "2026-03-02", "refund": {"on": "2026-03-02", "reason": "duplicate"}, "scope": "cloud", "title": "x"}"#,
        ];
        let file = lines.join("\n").into_bytes();
        let mut ranges = Vec::new();
        let mut start = 0;
        for line in lines {
            ranges.push(start..start + line.len());
            start += line.len() + 1;
        }
        let mut all = Incidents::from_lines(Arc::new(file), &ranges).expect("the lines read");
        let usage = |all: &Incidents, c: &str| {
            let u = all.usage_of(&c.parse().unwrap());
            (u.charged, u.refunded)
        };
        assert_eq!(usage(&all, "A"), (2, 1));
        assert_eq!(usage(&all, "B"), (1, 0));
        // An incident added since has its own copy of the contract's ID.
        all.push(crate::domain::testing::incident(4, Some("A")));
        assert_eq!(usage(&all, "A"), (3, 1));
        assert_eq!(usage(&all, "C"), (0, 0));
        let mut charged: Vec<String> = all.charged_contracts().map(|c| c.to_string()).collect();
        charged.sort();
        assert_eq!(charged, ["A", "B"]);
        // A record in another form (an escape) is read another way, and still counted.
        let escaped = r#"{"id": "INC-0004", "contract_id": "\u0042", "opened_on": "2026-03-01", "closed_on": null, "refund": null, "scope": "cloud", "title": "x"}"#;
        let file = [lines[0], escaped].join("\n").into_bytes();
        let ranges = [0..lines[0].len(), lines[0].len() + 1..file.len()];
        let mixed = Incidents::from_lines(Arc::new(file), &ranges).expect("the lines read");
        assert_eq!((usage(&mixed, "A"), usage(&mixed, "B")), ((1, 0), (1, 0)));
    }

    #[test]
    fn escapes_and_bad_heads_take_the_slow_road_or_are_refused() {
        let escaped =
            r#"{"id": "INC-\u0030001", "scope": "cloud", "title": "x", "opened_on": "2026-03-01"}"#;
        assert_eq!(scan_head(escaped).unwrap(), None);
        let e = slot(RawValue::from_string(escaped.into()).unwrap()).unwrap();
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
        let file = format!("[\n{line}\n]").into_bytes();
        let shared = Incidents::from_lines(
            Arc::new(file.clone()),
            std::slice::from_ref(&(2..2 + line.len())),
        );
        let read: Incidents = serde_json::from_slice(&file).unwrap();
        for mut all in [shared.expect("the line reads"), read] {
            let only = all.iter().next().unwrap();
            let text = match only.written() {
                Written::Text(t) => t,
                Written::Line { file, range } => &file[range],
                Written::Incident(_) => panic!("an unchanged record is written as it was read"),
            };
            assert_eq!(text, line.as_bytes());
            let closed = crate::domain::values::ymd::parse("2026-03-02");
            all.update(IncidentId(1), |i| i.closed_on = closed)
                .unwrap()
                .unwrap();
            let only = all.iter().next().unwrap();
            assert_eq!(only.closed_on(), closed);
            assert!(matches!(only.written(), Written::Incident(i) if i.closed_on == closed));
        }
    }
}
