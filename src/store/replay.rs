//! A history's operations replayed back into records (R23), an entry at a time: what `doctor`
//! checks a file's records against, and what two copies held in common. An incident a change
//! added whole, most of what a long history holds, is read and kept as an incident rather than
//! as fields by name: that is what makes a history of 100 000 incidents quick to check.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

use super::file::records;
use crate::domain::incident::{Incident, IncidentId};
use crate::domain::operation::{self, Change, Divergence, Fields, RecordKey, Records};
use crate::domain::state::HistoryEntry;

/// Why a history cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreplayable {
    /// Its first operation is neither a start nor the first change of a state that had none
    /// before: the start was lost.
    NoStart,
    /// The operation of this revision has no records: its line was lost (a crash between the
    /// file and the log, or an edit) and restored from the file's copy, which left them out.
    Lost(u64),
}

/// A change as the replay reads it from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logged {
    /// An incident added whole (its `set` with no `was`) under its own ID, decoded as an
    /// incident.
    Incident(Box<Incident>),
    /// Any other change, as fields.
    Fields(Change),
}

impl Default for Logged {
    fn default() -> Logged {
        Logged::Fields(Change::default())
    }
}

/// The collection whose records are read as incidents.
const INCIDENTS: &str = "incidents";

impl<'de> Deserialize<'de> for Logged {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Logged, D::Error> {
        #[derive(Deserialize)]
        #[serde(field_identifier)]
        enum Name {
            #[serde(rename = "in")]
            In,
            #[serde(rename = "key")]
            Key,
            #[serde(rename = "was")]
            Was,
            #[serde(rename = "set")]
            Set,
        }
        struct Read;
        impl<'de> Visitor<'de> for Read {
            type Value = Logged;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a change")
            }

            // The log writes `in`, `key`, `was`, `set` in that order; a change written
            // otherwise (by hand) is refused here and read as a plain change instead
            // (`decode`), so that what it means never depends on the order.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Logged, A::Error> {
                let mut collection: Option<String> = None;
                let mut key: Option<String> = None;
                let mut was: Option<Option<Fields>> = None;
                let mut set: Option<Option<Fields>> = None;
                let mut incident: Option<Box<Incident>> = None;
                while let Some(name) = map.next_key()? {
                    let again = || de::Error::custom("a field twice, or out of order");
                    match name {
                        Name::In if collection.is_none() => collection = Some(map.next_value()?),
                        Name::Key if key.is_none() => key = Some(map.next_value()?),
                        // A replay needs of `was` only whether it is there (a record
                        // changed, not added): what it holds is not read.
                        Name::Was if was.is_none() && set.is_none() && incident.is_none() => {
                            let there = map.next_value::<Option<de::IgnoredAny>>()?.is_some();
                            was = Some(there.then(Fields::new));
                        }
                        Name::Set if set.is_none() && incident.is_none() => {
                            let whole = was.is_none() && collection.as_deref() == Some(INCIDENTS);
                            match whole {
                                true => match map.next_value::<Option<Box<Incident>>>()? {
                                    // Stamps are no part of an operation's record: one that
                                    // has them is compared as fields, which tell them apart.
                                    Some(i) if !i.set_at.is_empty() => return Err(again()),
                                    Some(i) => incident = Some(i),
                                    None => set = Some(None),
                                },
                                false => set = Some(map.next_value()?),
                            }
                        }
                        _ => return Err(again()),
                    }
                }
                let collection = collection.ok_or_else(|| de::Error::missing_field("in"))?;
                let key = key.ok_or_else(|| de::Error::missing_field("key"))?;
                Ok(match incident {
                    Some(incident) if incident.id.to_string() == key => Logged::Incident(incident),
                    // Under a key that is not how its ID is written: read as fields, which
                    // keep both as they are.
                    Some(_) => return Err(de::Error::custom("a key other than its ID")),
                    None => Logged::Fields(Change {
                        collection,
                        key,
                        was: was.flatten(),
                        set: set.flatten(),
                    }),
                })
            }
        }
        d.deserialize_map(Read)
    }
}

/// The entry on one line of the log, its changes read for the replay; `None` when the line is
/// not an entry. A line the quick reading refuses (a change written by hand otherwise than the
/// log writes it) is read as plain changes, so that it means the same either way.
pub fn decode(line: &str) -> Option<HistoryEntry<Logged>> {
    serde_json::from_str(line).ok().or_else(|| {
        let plain: HistoryEntry = serde_json::from_str(line).ok()?;
        Some(plain.map_changes(Logged::Fields))
    })
}

/// A history replayed one entry at a time, so that a long one is never held whole.
#[derive(Debug, Default)]
pub struct Replayer {
    replayed: Replayed,
    before_operations: bool,
    from_nothing: Option<bool>,
    failed: Option<Unreplayable>,
}

impl Replayer {
    /// Applies the next entry's operation.
    pub fn push(&mut self, entry: &HistoryEntry) {
        self.push_owned(entry.clone());
    }

    /// [`Replayer::push`], taking the entry (its records are moved, not copied).
    pub fn push_owned(&mut self, entry: HistoryEntry) {
        self.push_logged(entry.map_changes(Logged::Fields));
    }

    /// [`Replayer::push_owned`], of an entry read for the replay ([`decode`]).
    pub fn push_logged(&mut self, entry: HistoryEntry<Logged>) {
        if self.failed.is_some() && entry.action != "start" {
            return;
        }
        if entry.op.is_none() {
            // A change from before operations: the start holds what it did.
            self.before_operations = true;
            return;
        }
        // A start after a history that cannot be replayed starts it again: it holds every
        // record there was.
        if entry.action == "start" && (self.failed.is_some() || self.from_nothing == Some(false)) {
            self.replayed = Replayed::default();
            self.failed = None;
            self.from_nothing = Some(true);
        }
        let first = *self.from_nothing.get_or_insert(
            entry.action == "start" || (!self.before_operations && entry.clock == 1),
        );
        if !first {
            self.failed = Some(Unreplayable::NoStart);
        } else if entry.changes_left_out {
            self.failed = Some(Unreplayable::Lost(entry.revision));
        } else {
            for change in entry.changes {
                self.replayed.apply(change);
            }
        }
    }

    /// The records the entries made.
    pub fn finish(self) -> Result<Records, Unreplayable> {
        self.finish_apart().map(Replayed::into_records)
    }

    /// [`Replayer::finish`], the incidents added whole kept apart as incidents.
    pub fn finish_apart(self) -> Result<Replayed, Unreplayable> {
        match self.failed {
            Some(why) => Err(why),
            None => Ok(self.replayed),
        }
    }
}

/// The records `entries` make when their operations are replayed in order from nothing.
pub fn replay<'a>(
    entries: impl IntoIterator<Item = &'a HistoryEntry>,
) -> Result<Records, Unreplayable> {
    let mut replayer = Replayer::default();
    for entry in entries {
        replayer.push(entry);
    }
    replayer.finish()
}

/// What a history replays to. A record is in one of the two maps: an incident added whole and
/// changed since by nothing is kept as an incident; anything else as fields.
#[derive(Debug, Default)]
pub struct Replayed {
    records: Records,
    incidents: BTreeMap<IncidentId, Box<Incident>>,
    /// Whether `records` may hold an incident: until one is set field by field, an incident
    /// added whole has no fields to take out.
    incidents_as_fields: bool,
}

fn incident_key(key: String) -> RecordKey {
    (INCIDENTS.to_string(), key)
}

impl Replayed {
    fn apply(&mut self, change: Logged) {
        match change {
            Logged::Incident(incident) => {
                if self.incidents_as_fields {
                    self.records.remove(&incident_key(incident.id.to_string()));
                }
                self.incidents.insert(incident.id, incident);
            }
            Logged::Fields(change) => {
                if change.collection == INCIDENTS {
                    let whole = change
                        .key
                        .parse()
                        .ok()
                        .filter(|id: &IncidentId| id.to_string() == change.key)
                        .and_then(|id| self.incidents.remove(&id));
                    if let (Some(mut whole), Some(_), Some(set)) = (whole, &change.was, &change.set)
                    {
                        // Fields set on an incident, one by one; should one not fit, the
                        // incident is fields from here. (Those set before it are set again
                        // below, as the change holds them.)
                        let fits = set.iter().all(|(name, value)| {
                            records::set_incident_field(&mut whole, name, value).is_ok()
                        });
                        if fits {
                            self.incidents.insert(whole.id, whole);
                            return;
                        }
                        let fields = records::incident(&whole).1;
                        self.records
                            .insert(incident_key(change.key.clone()), fields);
                    }
                    self.incidents_as_fields = true;
                }
                operation::apply_owned(&mut self.records, change);
            }
        }
    }

    /// The state these records make, as [`records::state_of`] reads them.
    pub fn into_state(
        self,
        access_ids: &BTreeMap<String, String>,
        path: &std::path::Path,
    ) -> Result<super::file::Decoded, super::StoreError> {
        let incidents: Vec<Incident> = self.incidents.into_values().map(|i| *i).collect();
        records::state_of(&self.records, &incidents, access_ids, path)
    }

    /// Every record as fields.
    pub fn into_records(self) -> Records {
        let mut records = self.records;
        for incident in self.incidents.into_values() {
            let (key, fields) = records::incident(&incident);
            records.insert(key, fields);
        }
        records
    }

    /// Where these records and a state's part, in key order: `header` is its records but its
    /// incidents, `incidents` its incidents' whole records. An incident kept as an incident is
    /// compared as one, whenever its fields were set; told apart by field only when it differs.
    pub fn divergences(mut self, header: Records, incidents: &[Incident]) -> Vec<Divergence> {
        let mut compared = Vec::new();
        for incident in incidents {
            if let Some(mut whole) = self.incidents.remove(&incident.id) {
                whole.set_at.clone_from(&incident.set_at);
                if *whole == *incident {
                    continue;
                }
                let (key, fields) = records::incident(&whole);
                self.records.insert(key, fields);
            }
            compared.push(records::incident(incident));
        }
        let records = self.into_records();
        operation::divergences_from(records, header.into_iter().chain(compared))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::domain::operation::{Diverges, OpId};
    use crate::domain::stamp::Stamp;
    use crate::domain::testing::incident;

    /// A log line of one operation whose changes are `changes`, JSON texts of changes.
    fn line(changes: &[String]) -> String {
        let head = serde_json::to_string(&HistoryEntry::<Change> {
            revision: 1,
            at: "2026-03-01T09:00:00Z".parse().unwrap(),
            as_of: crate::domain::testing::d("2026-03-01"),
            action: "start".into(),
            summary: "s".into(),
            op: Some(OpId(7)),
            clock: 1,
            ..HistoryEntry::default()
        })
        .unwrap();
        let head = head.strip_suffix('}').unwrap();
        format!("{head},\"changes\":[{}]}}", changes.join(","))
    }

    /// A change as the log writes it (`in`, `key`, `was`, `set`).
    fn change(collection: &str, key: &str, was: Option<Value>, set: Option<Value>) -> String {
        let fields = |v: Value| v.as_object().unwrap().clone();
        serde_json::to_string(&Change {
            collection: collection.into(),
            key: key.into(),
            was: was.map(fields),
            set: set.map(fields),
        })
        .unwrap()
    }

    fn fields(i: &Incident) -> Value {
        serde_json::to_value(records::incident(i).1).unwrap()
    }

    fn added(n: u32) -> String {
        let i = incident(n, Some("C1"));
        change("incidents", &i.id.to_string(), None, Some(fields(&i)))
    }

    fn replayed(lines: &[String]) -> Records {
        let mut replayer = Replayer::default();
        for l in lines {
            replayer.push_logged(decode(l).expect("an entry"));
        }
        replayer.finish().unwrap()
    }

    fn replayed_plain(lines: &[String]) -> Records {
        let entries: Vec<HistoryEntry> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        replay(&entries).unwrap()
    }

    #[test]
    fn an_incident_added_whole_is_read_as_an_incident_and_anything_else_as_fields() {
        let closed = change(
            "incidents",
            "INC-0001",
            Some(json!({"closed_on": null})),
            Some(json!({"closed_on": "2026-03-02"})),
        );
        let allowance = change("contracts", "C1", None, Some(json!({"allowance": 5})));
        let entry = decode(&line(&[added(1), closed, allowance])).unwrap();
        assert!(matches!(&entry.changes[0], Logged::Incident(i) if i.id == IncidentId(1)));
        assert!(matches!(&entry.changes[1], Logged::Fields(c) if c.key == "INC-0001"));
        assert!(matches!(&entry.changes[2], Logged::Fields(c) if c.key == "C1"));
    }

    /// Each line replays to the records its plain changes replay to, however it is written.
    #[test]
    fn a_line_means_what_its_plain_changes_mean() {
        let two = fields(&incident(2, None));
        let with = |name: &str, value: Value| {
            let mut record = two.clone();
            record[name] = value;
            change("incidents", "INC-0002", None, Some(record))
        };
        let closed = change(
            "incidents",
            "INC-0001",
            Some(json!({"closed_on": null})),
            Some(json!({"closed_on": "2026-03-02", "note": null})),
        );
        let cases: Vec<(&str, Vec<String>)> = vec![
            ("as the log writes it", vec![added(1), added(2)]),
            ("then closed", vec![added(1), closed]),
            ("then set a value no incident holds", vec![added(1), change("incidents", "INC-0001", Some(json!({"title": "Outage"})), Some(json!({"title": ""})))]),
            ("then two fields, the second one no incident holds", vec![added(1), change("incidents", "INC-0001", Some(json!({})), Some(json!({"closed_on": "2026-03-02", "title": ""})))]),
            ("then its ID", vec![added(1), change("incidents", "INC-0001", Some(json!({})), Some(json!({"id": "INC-0002"})))]),
            ("then a field taken away", vec![added(1), change("incidents", "INC-0001", Some(json!({})), Some(json!({"contract_id": null})))]),
            ("then removed", vec![added(1), change("incidents", "INC-0001", Some(json!({})), None)]),
            ("then added again", vec![added(1), added(1)]),
            ("set before in", vec![format!(r#"{{"set":{two},"in":"incidents","key":"INC-0002"}}"#)]),
            ("set before was", vec![added(1), r#"{"in":"incidents","key":"INC-0001","set":{"title":"T"},"was":{"title":"Outage"}}"#.into()]),
            ("stamps in the record", vec![with("set_at", json!({"title": [3, 0]}))]),
            ("a field no incident has", vec![with("colour", json!("red"))]),
            ("added, then again as fields", vec![added(2), with("colour", json!("red"))]),
            ("as fields, then added", vec![with("colour", json!("red")), added(2)]),
            ("a key written otherwise", vec![added(1), change("incidents", "inc-1", None, Some(fields(&incident(1, None))))]),
            ("a key that is not its ID", vec![with("id", json!("INC-0009"))]),
            ("a null field", vec![with("note", Value::Null)]),
            ("set null", vec![added(1), r#"{"in":"incidents","key":"INC-0001","set":null}"#.into()]),
        ];
        for (case, changes) in cases {
            let lines: Vec<String> = changes.into_iter().map(|c| line(&[c])).collect();
            assert_eq!(replayed(&lines), replayed_plain(&lines), "{case}");
        }
    }

    #[test]
    fn a_line_that_is_no_entry_is_none() {
        let no_key = line(&[r#"{"in":"incidents","set":{}}"#.into()]);
        for text in ["{", "{}", &no_key] {
            assert!(decode(text).is_none(), "{text}");
        }
    }

    #[test]
    fn the_state_is_compared_by_incident_and_told_apart_by_field() {
        let start = line(&[added(1), added(2), added(3)]);
        let one = || incident(1, Some("C1"));
        let mut stamped = one();
        stamped.set_at.insert("title".into(), Stamp(4, 0));
        let mut retitled = incident(2, Some("C1"));
        retitled.title = "Another".parse().unwrap();
        let (two, three) = (incident(2, Some("C1")), incident(3, Some("C1")));
        type Case<'a> = (&'a str, Vec<Incident>, Vec<(&'a str, Diverges)>);
        let cases: Vec<Case> = vec![
            ("the same", vec![one(), two.clone(), three.clone()], vec![]),
            (
                "stamped",
                vec![stamped.clone(), two.clone(), three.clone()],
                vec![],
            ),
            (
                "a field",
                vec![stamped, retitled, three.clone()],
                vec![("INC-0002", Diverges::Field("title".into()))],
            ),
            (
                "one missing",
                vec![one(), three.clone()],
                vec![("INC-0002", Diverges::NotInState)],
            ),
            (
                "one more",
                vec![one(), two, three, incident(4, None)],
                vec![("INC-0004", Diverges::NotInHistory)],
            ),
        ];
        for (case, incidents, expected) in cases {
            let mut replayer = Replayer::default();
            replayer.push_logged(decode(&start).unwrap());
            let found = replayer
                .finish_apart()
                .unwrap()
                .divergences(Records::new(), &incidents);
            let found: Vec<(String, Diverges)> =
                found.into_iter().map(|d| (d.record.1, d.how)).collect();
            let expected: Vec<(String, Diverges)> = expected
                .into_iter()
                .map(|(k, h)| (k.to_string(), h))
                .collect();
            assert_eq!(found, expected, "{case}");
        }
    }
}
