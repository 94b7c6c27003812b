//! The state as records, each in the collection and under the key the state file keeps it by,
//! with the fields the file writes: the terms an operation's changes are in (R23), and the way
//! back from replayed records to a state.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Decoded, SCHEMA_VERSION};
use crate::domain::contract::Contract;
use crate::domain::incident::Incident;
use crate::domain::operation::{Fields, RecordKey, Records, without_nulls};
use crate::domain::state::State;
use crate::store::StoreError;
use crate::store::catalog::CatalogRecord;

/// The collections that hold one record, under the key "".
const SINGLE: [&str; 2] = ["organization", "catalog"];

fn fields_of<T: Serialize>(value: &T) -> Fields {
    match serde_json::to_value(value).expect("a record serializes") {
        // When each field was set is how a merge weighs it, not what an operation sets.
        Value::Object(mut fields) => {
            fields.remove("set_at");
            without_nulls(fields)
        }
        // A bare value (a refund candidate's ID, the current account) is a record of one field.
        other => Map::from_iter([("value".to_string(), other)]),
    }
}

fn put<T: Serialize>(records: &mut Records, collection: &str, key: String, value: &T) {
    records.insert((collection.to_string(), key), fields_of(value));
}

/// Every record of `state` but its incidents.
pub fn header(state: &State) -> Records {
    let mut r = Records::new();
    if let Some(o) = &state.organization {
        put(&mut r, "organization", String::new(), o);
    }
    put(
        &mut r,
        "catalog",
        String::new(),
        &CatalogRecord::of(&state.catalog),
    );
    // Not the current account: who acts is each person's own, not a shared record (R23).
    for c in &state.other_catalogs {
        put(
            &mut r,
            "other_catalogs",
            c.name.clone(),
            &CatalogRecord::of(c),
        );
    }
    for a in &state.accounts {
        put(&mut r, "accounts", a.email.to_string(), a);
    }
    for o in &state.offers {
        put(&mut r, "offers", o.name(), o);
    }
    for p in &state.pending {
        put(&mut r, "pending", p.benefit.clone(), p);
    }
    for d in &state.declined {
        put(&mut r, "declined", format!("{} {}", d.benefit, d.year), d);
    }
    for o in &state.observations {
        put(
            &mut r,
            "observations",
            format!("{} {}", o.contract, o.on),
            o,
        );
    }
    for id in &state.refund_candidates {
        put(&mut r, "refund_candidates", id.to_string(), id);
    }
    for c in &state.contracts {
        let mut fields = fields_of(c);
        // An Access ID is a credential: a record holds its mark, never the ID (the history
        // holds records, and is shown).
        fields.insert("access_id".into(), access_mark(c.access_id.expose()).into());
        r.insert(("contracts".into(), c.contract_id.to_string()), fields);
    }
    for c in &state.conflicts {
        put(&mut r, "conflicts", c.names(), c);
    }
    r
}

/// What a record holds for Access ID `id`: its last four characters and a digest, enough to
/// tell one ID from another and never enough to show it.
pub fn access_mark(id: &str) -> String {
    let tail: String = id
        .chars()
        .skip(id.chars().count().saturating_sub(4))
        .collect();
    format!(
        "****{tail} xxh3:{:016x}",
        xxhash_rust::xxh3::xxh3_64(id.as_bytes())
    )
}

/// The Access IDs of `contracts` by their marks: what turns replayed records back into a state.
pub fn access_ids<'a>(
    contracts: impl IntoIterator<Item = &'a Contract>,
) -> BTreeMap<String, String> {
    contracts
        .into_iter()
        .map(|c| {
            let id = c.access_id.expose().to_string();
            (access_mark(&id), id)
        })
        .collect()
}

/// An incident as a record.
pub fn incident(i: &Incident) -> (RecordKey, Fields) {
    (("incidents".to_string(), i.id.to_string()), fields_of(i))
}

/// Sets the field `name` of incident `i`, as its record names it, to `value` as its record holds
/// it (`null`: none): a change to one field of an incident, made without turning the incident
/// into fields and back. `Err` for a name that is not a field a change sets (an incident's ID
/// is its key: no change sets it), or a value the field cannot hold; `i` is then as it was.
pub fn set_incident_field(i: &mut Incident, name: &str, value: &Value) -> serde_json::Result<()> {
    use crate::domain::values::ymd;
    use serde::Deserialize;
    fn read<'a, T: Deserialize<'a>>(value: &'a Value) -> serde_json::Result<T> {
        T::deserialize(value)
    }
    match name {
        "contract_id" => i.contract_id = read(value)?,
        "opened_on" => i.opened_on = ymd::deserialize(value)?,
        "closed_on" => i.closed_on = ymd::option::deserialize(value)?,
        "void" => i.void = read(value)?,
        "refund" => i.refund = read(value)?,
        "scope" => i.scope = read(value)?,
        "title" => i.title = read(value)?,
        "product" => i.product = read(value)?,
        "case_number" => i.case_number = read(value)?,
        "csp_customer" => i.csp_customer = read(value)?,
        "opened_by" => i.opened_by = read(value)?,
        "note" => i.note = read(value)?,
        "outside_policy" => i.outside_policy = read(value)?,
        // `set_at` is no part of a record.
        other => return Err(serde::de::Error::unknown_field(other, &[])),
    }
    Ok(())
}

/// Every record of `state`, whose incidents' whole records are `incidents`.
pub fn all(state: &State, incidents: &[Incident]) -> Records {
    let mut r = header(state);
    r.extend(incidents.iter().map(incident));
    r
}

/// The state `records` and the incidents `incidents` make, read as a state file holding them
/// would be (checked by the same rules); `path` names it in an error. Each contract's Access ID
/// is the one of `access_ids` its mark names; a mark none names is no Access ID, and the state
/// is refused.
pub fn state_of(
    records: &Records,
    incidents: &[Incident],
    access_ids: &BTreeMap<String, String>,
    path: &Path,
) -> Result<Decoded, StoreError> {
    let mut doc = Map::new();
    doc.insert("schema_version".into(), SCHEMA_VERSION.into());
    for ((collection, _), fields) in records {
        let mut value = match fields.get("value") {
            Some(v) if fields.len() == 1 => v.clone(),
            _ => Value::Object(fields.clone()),
        };
        if collection == "contracts"
            && let Some(mark) = value.get("access_id").and_then(Value::as_str)
            && let Some(id) = access_ids.get(mark)
        {
            value["access_id"] = id.clone().into();
        }
        if SINGLE.contains(&collection.as_str()) {
            doc.insert(collection.clone(), value);
        } else if let Value::Array(list) = doc
            .entry(collection.clone())
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            list.push(value);
        }
    }
    // A state with no record yet still has a catalog: today's.
    doc.entry("catalog").or_insert_with(|| {
        serde_json::to_value(CatalogRecord::of(&super::Loaded::empty(path).state.catalog))
            .expect("a catalog serializes")
    });
    // The incidents given whole are written as they are, not made fields first.
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Written<'a> {
        Fields(Value),
        Whole(&'a Incident),
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        #[serde(flatten)]
        rest: Map<String, Value>,
        incidents: Vec<Written<'a>>,
    }
    let mut all: Vec<Written> = match doc.remove("incidents") {
        Some(Value::Array(list)) => list.into_iter().map(Written::Fields).collect(),
        _ => Vec::new(),
    };
    all.extend(incidents.iter().map(Written::Whole));
    let bytes = serde_json::to_vec(&Doc {
        rest: doc,
        incidents: all,
    })
    .expect("records serialize");
    super::read_in_full(path, bytes)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::operation::{Change, apply};
    use crate::domain::testing::incident as testing_incident;

    /// Every field of an incident's record a change can set (all of them, but its ID) is set
    /// on the incident as on its fields; a value the field cannot hold leaves it as it was.
    #[test]
    fn a_field_set_on_an_incident_is_the_field_set_on_its_record() {
        let every: Incident = serde_json::from_value(json!({
            "id": "INC-0007", "contract_id": "C2", "opened_on": "2026-04-01",
            "closed_on": "2026-04-03", "scope": "on-premises", "title": "Crash",
            "product": "SQL Server 2022", "case_number": "2604010000001", "csp_customer": "T1",
            "opened_by": "ana@contoso.com", "note": "n", "outside_policy": "accepted",
            "void": {"on": "2026-04-04", "reason": "typo", "by": "ben@contoso.com"},
            "refund": {"on": "2026-04-05", "reason": "duplicate", "by": "ana@contoso.com"},
        }))
        .expect("an incident with every field");
        let (key, fields) = incident(&every);
        let base = testing_incident(7, Some("C1"));
        let mut names = 0;
        for (name, value) in fields.iter().filter(|(name, _)| *name != "id") {
            for value in [value.clone(), Value::Null] {
                let mut set = base.clone();
                let fitted = set_incident_field(&mut set, name, &value);
                let mut records = Records::from([incident(&base)]);
                apply(
                    &mut records,
                    &Change {
                        collection: key.0.clone(),
                        key: key.1.clone(),
                        was: Some(Fields::new()),
                        set: Some(Fields::from_iter([(name.clone(), value.clone())])),
                    },
                );
                let as_fields = records.remove(&key).unwrap();
                match fitted {
                    Ok(()) => assert_eq!(incident(&set).1, as_fields, "{name} = {value}"),
                    // Only a field every incident has cannot be taken away.
                    Err(_) => {
                        assert!(value.is_null(), "{name} = {value}");
                        assert_eq!(set, base, "{name} = {value}");
                    }
                }
            }
            names += 1;
        }
        assert_eq!(names, 13, "every field but the ID: {fields:?}");
        let mut set = base.clone();
        for (name, value) in [
            ("id", json!("INC-0009")),
            ("set_at", json!({})),
            ("colour", json!("red")),
            ("opened_on", json!("2026-02-30")),
        ] {
            assert!(
                set_incident_field(&mut set, name, &value).is_err(),
                "{name}"
            );
        }
        assert_eq!(set, base);
    }
}
