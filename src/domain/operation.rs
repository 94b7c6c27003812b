//! Operations (R23): every change is recorded with an ID of its own, a logical clock and the
//! records it set, in structured form. Two copies merge by the union of their operations, and a
//! history is checked against its state by replaying them; both work on records as plain
//! fields, so that this module knows no command and no file.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An operation's ID: 128 bits, written as 32 hex digits. A change's is random; the start of a
/// history (the records a file held before its changes were operations) is named by what it
/// holds, so that two copies that start from the same records share it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpId(pub u128);

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl FromStr for OpId {
    type Err = String;

    fn from_str(s: &str) -> Result<OpId, String> {
        // Digit by digit: every line of a history has one.
        let digits = (s.len() == 32).then(|| {
            s.bytes().try_fold(0u128, |n, b| {
                let digit = (b as char).to_digit(16)?;
                Some(n << 4 | u128::from(digit))
            })
        });
        digits
            .flatten()
            .map(OpId)
            .ok_or_else(|| format!("`{s}` is not an operation ID (32 hex digits)"))
    }
}

impl Serialize for OpId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for OpId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<OpId, D::Error> {
        struct Hex;
        impl serde::de::Visitor<'_> for Hex {
            type Value = OpId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an operation ID (32 hex digits)")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<OpId, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Hex)
    }
}

/// A record's fields by name, as the state file writes them (a field with no value is absent).
pub type Fields = Map<String, Value>;

/// Where a record is kept: its collection (`contracts`) and its key there (`3100003`).
pub type RecordKey = (String, String);

/// Records by collection and key.
pub type Records = BTreeMap<RecordKey, Fields>;

/// What one change did to one record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The collection (`incidents`).
    #[serde(rename = "in")]
    pub collection: String,
    /// The record's key there (`INC-0004`).
    pub key: String,
    /// The fields it changed, as they were (`null`: it had none); absent when the change added
    /// the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was: Option<Fields>,
    /// The fields it set (`null`: taken away); absent when the change removed the record. An
    /// added record is here whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<Fields>,
}

impl Change {
    /// Where the record is.
    pub fn record(&self) -> RecordKey {
        (self.collection.clone(), self.key.clone())
    }
}

/// `fields` without the ones that hold no value: a field written `null` and one left out are
/// the same record.
pub fn without_nulls(mut fields: Fields) -> Fields {
    fields.retain(|_, v| !v.is_null());
    fields
}

/// What changed the record at `key` from `before` to `after`; `None` when nothing did.
pub fn diff(key: &RecordKey, before: Option<&Fields>, after: Option<&Fields>) -> Option<Change> {
    let change = |was, set| Change {
        collection: key.0.clone(),
        key: key.1.clone(),
        was,
        set,
    };
    match (before, after) {
        (None, None) => None,
        (None, Some(after)) => Some(change(None, Some(after.clone()))),
        (Some(before), None) => Some(change(Some(before.clone()), None)),
        (Some(before), Some(after)) => {
            let (mut was, mut set) = (Fields::new(), Fields::new());
            for name in before.keys().chain(after.keys()) {
                let (b, a) = (before.get(name), after.get(name));
                if b != a && !set.contains_key(name) {
                    was.insert(name.clone(), b.cloned().unwrap_or(Value::Null));
                    set.insert(name.clone(), a.cloned().unwrap_or(Value::Null));
                }
            }
            (!set.is_empty()).then(|| change(Some(was), Some(set)))
        }
    }
}

/// Every record that differs between `before` and `after`, in key order.
pub fn changes(before: &Records, after: &Records) -> Vec<Change> {
    let mut keys: Vec<&RecordKey> = before.keys().chain(after.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| diff(k, before.get(k), after.get(k)))
        .collect()
}

/// Applies one change to `records`: an added record is put whole, a removed one taken out, and
/// a changed one gets the fields set (a `null` takes the field away).
pub fn apply(records: &mut Records, change: &Change) {
    apply_owned(records, change.clone());
}

/// [`apply`], taking the change (a long history is replayed without copying its records).
pub fn apply_owned(records: &mut Records, change: Change) {
    let key = (change.collection, change.key);
    match (change.was, change.set) {
        (_, None) => {
            records.remove(&key);
        }
        (None, Some(set)) => {
            records.insert(key, without_nulls(set));
        }
        (Some(_), Some(set)) => {
            let fields = records.entry(key).or_default();
            for (name, value) in set {
                if value.is_null() {
                    fields.remove(&name);
                } else {
                    fields.insert(name, value);
                }
            }
        }
    }
}

/// What a merge itself must set so that replaying both sides' operations, in whichever order
/// they interleave, and then the merge gives `merged`: each record `merged` holds otherwise than
/// either side, whole (a field either side had and the merge has not, `null`), or taken out.
/// Its `was` is this side's record.
pub fn merge_changes(ours: &Records, theirs: &Records, merged: &Records) -> Vec<Change> {
    let mut keys: Vec<&RecordKey> = ours
        .keys()
        .chain(theirs.keys())
        .chain(merged.keys())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        let (o, t, m) = (ours.get(key), theirs.get(key), merged.get(key));
        if o == m && t == m {
            continue;
        }
        let set = m.map(|m| {
            let mut set = m.clone();
            for name in o.iter().chain(t.iter()).flat_map(|f| f.keys()) {
                set.entry(name.clone()).or_insert(Value::Null);
            }
            set
        });
        let was = match (o, &set) {
            (Some(o), _) => Some(o.clone()),
            // Not here before: a record added (put whole), or one only the other side had.
            (None, Some(_)) => None,
            (None, None) => Some(t.cloned().unwrap_or_default()),
        };
        out.push(Change {
            collection: key.0.clone(),
            key: key.1.clone(),
            was,
            set,
        });
    }
    out
}

/// [`merge_changes`], after earlier merges no log holds yet (`earlier`, what they set): git's
/// driver writes a merge into the file only, for the next change to log, so two pulls before a
/// change leave the first merge in neither the file nor a log. Each record one of them set is
/// set again here, whole (a field it or either side named and the merge has not, `null`), so
/// that replaying the logs and then this merge gives `merged` without them.
pub fn merge_changes_after(
    ours: &Records,
    theirs: &Records,
    merged: &Records,
    earlier: &[&Change],
) -> Vec<Change> {
    let mut out = merge_changes(ours, theirs, merged);
    let mut done: std::collections::BTreeSet<RecordKey> = out.iter().map(Change::record).collect();
    for e in earlier {
        let key = e.record();
        if !done.insert(key.clone()) {
            continue;
        }
        let (o, t, m) = (ours.get(&key), theirs.get(&key), merged.get(&key));
        let set = m.map(|m| {
            let mut set = m.clone();
            let named = [o, t, e.was.as_ref(), e.set.as_ref()];
            for name in named.iter().flatten().flat_map(|f| f.keys()) {
                set.entry(name.clone()).or_insert(Value::Null);
            }
            set
        });
        out.push(Change {
            collection: key.0,
            key: key.1,
            was: Some(o.cloned().unwrap_or_default()),
            set,
        });
    }
    out.sort_by(|a, b| (&a.collection, &a.key).cmp(&(&b.collection, &b.key)));
    out
}

/// Where a replayed history and a state part: each record the one holds otherwise than the other,
/// with which field (the first that differs) when both hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The record.
    pub record: RecordKey,
    /// `None`: the history has no such record; else whether the state lacks it (`Missing`) or
    /// the field that differs.
    pub how: Diverges,
}

/// How a record of the state differs from the history's replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diverges {
    /// The state holds it; no operation of the history made it.
    NotInHistory,
    /// An operation made it; the state does not hold it.
    NotInState,
    /// Both hold it; this field differs.
    Field(String),
}

/// Where `replayed` (a history's operations replayed) and a state's records, given one at a
/// time (so that they are never all held at once), part; in key order.
pub fn divergences_from(
    mut replayed: Records,
    state: impl IntoIterator<Item = (RecordKey, Fields)>,
) -> Vec<Divergence> {
    let mut found = Vec::new();
    for (key, fields) in state {
        let how = match replayed.remove(&key) {
            None => Diverges::NotInHistory,
            Some(r) => match r
                .keys()
                .chain(fields.keys())
                .find(|n| r.get(*n) != fields.get(*n))
            {
                None => continue,
                Some(field) => Diverges::Field(field.clone()),
            },
        };
        found.push(Divergence { record: key, how });
    }
    found.extend(replayed.into_keys().map(|record| Divergence {
        record,
        how: Diverges::NotInState,
    }));
    found.sort_by(|a, b| a.record.cmp(&b.record));
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(v: Value) -> Fields {
        v.as_object().unwrap().clone()
    }

    fn key(c: &str, k: &str) -> RecordKey {
        (c.to_string(), k.to_string())
    }

    #[test]
    fn an_operation_id_is_32_hex_digits_and_nothing_else() {
        let id = OpId(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(id.to_string(), "0123456789abcdef0011223344556677");
        assert_eq!(id.to_string().parse::<OpId>(), Ok(id));
        assert_eq!("0123456789ABCDEF0011223344556677".parse::<OpId>(), Ok(id));
        let read: OpId = serde_json::from_str(r#""0123456789abcdef0011223344556677""#).unwrap();
        assert_eq!(read, id);
        for bad in [
            "",
            "0123",
            &"é".repeat(16),
            "0123456789abcdef0011223344556677aa",
            "g123456789abcdef0011223344556677",
            "+123456789abcdef0011223344556677",
        ] {
            assert!(bad.parse::<OpId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_diff_names_each_field_set_with_its_old_value_and_replays_to_the_new_record() {
        let k = key("contracts", "3100003");
        let before = fields(
            json!({"contract_id": "3100003", "linked_accounts": ["ana@x.com"], "refund": "r"}),
        );
        let after = fields(
            json!({"contract_id": "3100003", "linked_accounts": ["ana@x.com", "ben@x.com"], "ends_on": "2027-01-01"}),
        );
        // (before, after, was, set)
        type Case<'a> = (
            Option<&'a Fields>,
            Option<&'a Fields>,
            Option<Value>,
            Option<Value>,
        );
        let cases: [Case; 4] = [
            (None, Some(&after), None, Some(Value::Object(after.clone()))),
            (
                Some(&before),
                None,
                Some(Value::Object(before.clone())),
                None,
            ),
            (
                Some(&before),
                Some(&after),
                Some(json!({"linked_accounts": ["ana@x.com"], "refund": "r", "ends_on": null})),
                Some(
                    json!({"linked_accounts": ["ana@x.com", "ben@x.com"], "refund": null, "ends_on": "2027-01-01"}),
                ),
            ),
            (Some(&before), Some(&before), None, None),
        ];
        for (b, a, was, set) in cases {
            let change = diff(&k, b, a);
            let Some(change) = change else {
                assert_eq!((was, set), (None, None));
                continue;
            };
            assert_eq!(change.was.clone().map(Value::Object), was);
            assert_eq!(change.set.clone().map(Value::Object), set);
            let mut records = Records::new();
            if let Some(b) = b {
                records.insert(k.clone(), b.clone());
            }
            apply(&mut records, &change);
            assert_eq!(
                records.get(&k),
                a,
                "replaying the change gives the record after it"
            );
        }
    }

    #[test]
    fn a_merges_changes_make_any_interleaving_of_both_sides_replay_to_the_merge() {
        let base: Records = [
            (key("contracts", "A"), fields(json!({"n": 1, "x": "base"}))),
            (key("incidents", "INC-0001"), fields(json!({"t": "old"}))),
        ]
        .into();
        let mut ours = base.clone();
        ours.insert(key("contracts", "A"), fields(json!({"n": 1, "x": "ours"})));
        ours.insert(key("incidents", "INC-0002"), fields(json!({"t": "ana"})));
        let mut theirs = base.clone();
        theirs.insert(
            key("contracts", "A"),
            fields(json!({"n": 2, "x": "theirs"})),
        );
        theirs.insert(key("incidents", "INC-0002"), fields(json!({"t": "ben"})));
        // The merge kept the later `x`, both `n`s' later, and renumbered Ben's incident.
        let mut merged = base.clone();
        merged.insert(key("contracts", "A"), fields(json!({"n": 2, "x": "ours"})));
        merged.insert(key("incidents", "INC-0002"), fields(json!({"t": "ana"})));
        merged.insert(key("incidents", "INC-0003"), fields(json!({"t": "ben"})));
        let by_merge = merge_changes(&ours, &theirs, &merged);
        let (o, t) = (changes(&base, &ours), changes(&base, &theirs));
        for order in [[&o, &t], [&t, &o]] {
            let mut records = base.clone();
            for c in order.into_iter().flatten().chain(&by_merge) {
                apply(&mut records, c);
            }
            assert_eq!(records, merged);
            assert_eq!(divergences_from(records.clone(), merged.clone()), []);
        }
        // Only what a side's operations would not give is the merge's.
        let named: Vec<_> = by_merge.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(named, ["A", "INC-0002", "INC-0003"]);
    }

    /// Two merges before a change: the first is in no log, and the second's changes, made
    /// after it, still replay both sides' operations to the merge.
    #[test]
    fn a_merge_after_an_unlogged_one_sets_again_what_that_one_set() {
        let base: Records = [(key("incidents", "INC-0001"), fields(json!({"t": "first"})))].into();
        // Ours opened INC-0002; the other side too; the first merge renumbered ours to 3.
        let mut ours_op = base.clone();
        ours_op.insert(
            key("incidents", "INC-0002"),
            fields(json!({"t": "ben", "c": "x"})),
        );
        let mut theirs1 = base.clone();
        theirs1.insert(key("incidents", "INC-0002"), fields(json!({"t": "ana"})));
        let mut first = theirs1.clone();
        first.insert(
            key("incidents", "INC-0003"),
            fields(json!({"t": "ben", "c": "x"})),
        );
        let unlogged = merge_changes(&ours_op, &theirs1, &first);
        // The other side opens again; the second merge.
        let mut theirs2 = theirs1.clone();
        theirs2.insert(key("incidents", "INC-0004"), fields(json!({"t": "ana 2"})));
        let mut second = first.clone();
        second.insert(key("incidents", "INC-0004"), fields(json!({"t": "ana 2"})));
        let earlier: Vec<&Change> = unlogged.iter().collect();
        let plain = merge_changes(&first, &theirs2, &second);
        let after = merge_changes_after(&first, &theirs2, &second, &earlier);
        // The logs, in the order the changes were made: both sides' operations, not the first
        // merge.
        let ops: Vec<Change> = changes(&base, &theirs1)
            .into_iter()
            .chain(changes(&base, &ours_op))
            .chain(changes(&theirs1, &theirs2))
            .collect();
        let replay = |merge: &[Change]| {
            let mut records = base.clone();
            for c in ops.iter().chain(merge) {
                apply(&mut records, c);
            }
            records
        };
        assert_ne!(
            replay(&plain),
            second,
            "without the first merge the replay parts"
        );
        assert_eq!(replay(&after), second);
    }

    #[test]
    fn divergences_name_the_record_and_how() {
        let replayed: Records = [
            (
                key("accounts", "a@x.com"),
                fields(json!({"email": "a@x.com", "roles": []})),
            ),
            (
                key("incidents", "INC-0001"),
                fields(json!({"id": "INC-0001", "title": "t"})),
            ),
        ]
        .into();
        let state: Records = [
            (
                key("accounts", "a@x.com"),
                fields(json!({"email": "a@x.com", "roles": ["x"]})),
            ),
            (
                key("incidents", "INC-0002"),
                fields(json!({"id": "INC-0002"})),
            ),
        ]
        .into();
        let found: Vec<_> = divergences_from(replayed, state)
            .into_iter()
            .map(|d| (d.record.1, d.how))
            .collect();
        assert_eq!(
            found,
            [
                ("a@x.com".to_string(), Diverges::Field("roles".into())),
                ("INC-0001".into(), Diverges::NotInState),
                ("INC-0002".into(), Diverges::NotInHistory),
            ]
        );
    }
}
