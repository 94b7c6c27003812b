//! Older state files brought up to the current schema, one version at a time. A migrated file is
//! only rewritten by the next mutation; reading never writes.

use serde_json::Value;

/// The version of the records' schema this build reads and writes (state files and exports):
/// one more than the steps that bring older files up to it. A stored field added, renamed or
/// removed needs a step, even one that changes nothing (`v2_to_v3`): an older build then says
/// the file is newer instead of refusing a field it does not know. `schema.rs`'s test holds
/// every version to the fields recorded for it.
pub const SCHEMA_VERSION: u32 = STEPS.len() as u32 + 1;

/// One step: the document at version `n` becomes version `n + 1`.
type Step = fn(&mut Value) -> Result<(), String>;

/// `STEPS[i]` turns version `i + 1` into version `i + 2`.
const STEPS: &[Step] = &[
    v1_to_v2, v2_to_v3, v3_to_v4, v4_to_v5, v5_to_v6, v6_to_v7, v7_to_v8, v8_to_v9, v9_to_v10,
];

/// Brings a document written at `from` up to [`SCHEMA_VERSION`].
pub fn migrate(doc: &mut Value, from: u64) -> Result<(), String> {
    if from == 0 {
        return Err("schema version 0 was never written by partner-support".into());
    }
    for step in STEPS.iter().skip(from as usize - 1) {
        step(doc)?;
    }
    doc["schema_version"] = Value::from(SCHEMA_VERSION);
    Ok(())
}

/// Version 2 stores an allowance as it is typed (`20`, `"unlimited"`) instead of
/// `{"incidents": 20}`.
fn v1_to_v2(doc: &mut Value) -> Result<(), String> {
    let Some(contracts) = doc.get_mut("contracts").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for contract in contracts {
        let Some(allowance) = contract.get_mut("allowance") else {
            continue;
        };
        if let Some(n) = allowance.get("incidents").cloned() {
            if !n.is_u64() {
                return Err(format!(
                    "a contract's allowance is {allowance}, expected a count"
                ));
            }
            *allowance = n;
        }
    }
    Ok(())
}

/// Version 3 adds an incident's `void` and a contract's `recorded_on` and `requested_on`. A
/// version 2 record has none of them: never voided, and recorded before any day it is read on
/// (serde's defaults). Nothing is rewritten.
fn v2_to_v3(_: &mut Value) -> Result<(), String> {
    Ok(())
}

/// Version 4 records an offer by its membership years (R17): the `start` and `end` of a version 3
/// offer become its one term, `"years": [{"start", "end"}]`.
fn v3_to_v4(doc: &mut Value) -> Result<(), String> {
    let Some(offers) = doc.get_mut("offers").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for offer in offers {
        let Some(fields) = offer.as_object_mut() else {
            return Err(format!("an offer is {offer}, expected an object"));
        };
        let mut term = serde_json::Map::new();
        for key in ["start", "end"] {
            if let Some(v) = fields.remove(key) {
                term.insert(key.to_string(), v);
            }
        }
        fields.insert("years".to_string(), Value::Array(vec![Value::Object(term)]));
    }
    Ok(())
}

/// Version 5 records the program catalog (`"catalog": {"name": "mpn-2021"}`, the only one
/// before it) and names an offer as any catalog does: `level` becomes `kind`, `competency`
/// becomes `option`.
fn v4_to_v5(doc: &mut Value) -> Result<(), String> {
    let Some(fields) = doc.as_object_mut() else {
        return Err("the document is not an object".into());
    };
    fields
        .entry("catalog")
        .or_insert_with(|| serde_json::json!({"name": crate::store::catalog::LEGACY}));
    let Some(offers) = fields.get_mut("offers").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for offer in offers {
        let Some(fields) = offer.as_object_mut() else {
            return Err(format!("an offer is {offer}, expected an object"));
        };
        for (old, new) in [("level", "kind"), ("competency", "option")] {
            if let Some(v) = fields.remove(old) {
                fields.insert(new.to_string(), v);
            }
        }
    }
    Ok(())
}

/// Version 6 adds an incident's `note` and `outside_policy`. A version 5 incident has neither
/// (serde's default).
/// Nothing is rewritten.
fn v5_to_v6(_: &mut Value) -> Result<(), String> {
    Ok(())
}

/// Version 7 names each offer's catalog (a state can hold offers of several programs) and may
/// keep `other_catalogs` beside the one in use. Every offer of a version 6 state is of its one
/// catalog.
fn v6_to_v7(doc: &mut Value) -> Result<(), String> {
    let name = doc
        .get("catalog")
        .and_then(|c| c.get("name"))
        .cloned()
        .unwrap_or_else(|| Value::from(crate::store::catalog::LEGACY));
    let Some(offers) = doc.get_mut("offers").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for offer in offers {
        let Some(fields) = offer.as_object_mut() else {
            return Err(format!("an offer is {offer}, expected an object"));
        };
        fields.entry("catalog").or_insert_with(|| name.clone());
    }
    Ok(())
}

/// Version 8 may hold `conflicts`: incidents a team's merge kept although they break a rule
/// (R23). A version 7 state has none. Nothing is rewritten.
fn v7_to_v8(_: &mut Value) -> Result<(), String> {
    Ok(())
}

/// Version 9 records each change as an operation (R23): the last change may hold its `op`,
/// `clock` and, for a merge, its `changes`. A version 8 state's last change has none: its
/// history starts over as operations with the next change. Nothing is rewritten.
fn v8_to_v9(_: &mut Value) -> Result<(), String> {
    Ok(())
}

/// Version 10 records what a merge renumbered as data (`renumbered`), not only in its summary.
/// A version 9 merge says it in words, and is read so; nothing is rewritten.
fn v9_to_v10(_: &mut Value) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::SCHEMA_VERSION;
    use super::migrate;

    #[test]
    fn v1_allowances_become_plain_counts() {
        let mut doc = json!({
            "schema_version": 1,
            "contracts": [
                {"contract_id": "A", "allowance": {"incidents": 20}},
                {"contract_id": "B", "allowance": "unlimited"}
            ]
        });
        migrate(&mut doc, 1).unwrap();
        assert_eq!(
            doc,
            json!({
                "schema_version": SCHEMA_VERSION,
                "catalog": {"name": "mpn-2021"},
                "contracts": [
                    {"contract_id": "A", "allowance": 20},
                    {"contract_id": "B", "allowance": "unlimited"}
                ]
            })
        );
    }

    #[test]
    fn v3_offers_become_one_term() {
        let mut doc = json!({
            "schema_version": 3,
            "offers": [
                {"level": "action-pack", "start": "2026-01-01"},
                {"level": "gold", "start": "2026-02-01", "end": "2027-01-31"}
            ]
        });
        migrate(&mut doc, 3).unwrap();
        assert_eq!(
            doc["offers"],
            json!([
                {"catalog": "mpn-2021", "kind": "action-pack", "years": [{"start": "2026-01-01"}]},
                {"catalog": "mpn-2021", "kind": "gold", "years": [{"start": "2026-02-01", "end": "2027-01-31"}]}
            ])
        );
    }

    #[test]
    fn v4_offers_are_named_as_a_catalog_names_them() {
        let mut doc = json!({
            "schema_version": 4,
            "offers": [
                {"level": "gold", "competency": {"name": "Cloud Platform", "category": "cloud"},
                 "years": [{"start": "2026-02-01"}]}
            ]
        });
        migrate(&mut doc, 4).unwrap();
        assert_eq!(doc["catalog"], json!({"name": "mpn-2021"}));
        assert_eq!(
            doc["offers"],
            json!([{"catalog": "mpn-2021", "kind": "gold",
                    "option": {"name": "Cloud Platform", "category": "cloud"},
                    "years": [{"start": "2026-02-01"}]}])
        );
    }

    #[test]
    fn v6_offers_are_of_the_one_catalog_the_state_had() {
        let mut doc = json!({
            "schema_version": 6,
            "catalog": {"name": "own", "version": "1", "text": "…"},
            "offers": [{"kind": "partner", "years": [{"start": "2026-02-01"}]}]
        });
        migrate(&mut doc, 6).unwrap();
        assert_eq!(doc["offers"][0]["catalog"], "own");
        assert_eq!(doc["catalog"]["name"], "own");
        assert!(doc.get("other_catalogs").is_none());
    }

    #[test]
    fn a_malformed_older_file_is_named_not_guessed() {
        let mut doc =
            json!({"schema_version": 1, "contracts": [{"allowance": {"incidents": "x"}}]});
        assert!(
            migrate(&mut doc, 1)
                .unwrap_err()
                .contains("expected a count")
        );
        assert!(migrate(&mut json!({}), 0).is_err());
    }
}
