//! The schema guard: every version of the stored records has its field names recorded
//! (`fields/vN.txt`), and a test holds [`SCHEMA_VERSION`] to them. A stored field added, renamed
//! or removed without a migration step fails `cargo test`: an older build would otherwise refuse a
//! teammate's healthy file over a field it does not know, instead of saying the file is newer.
//!
//! The fields are the ones serde knows of each stored type (every one denies unknown fields, and
//! its refusal lists them); a second test writes a record of every type with every field given,
//! through the real writer, and checks that the file holds exactly those fields.

/// The field names recorded for each schema version, one dotted path a line (`[]` for the items
/// of a list). Versions before 5 were not recorded; their files are read through their steps.
#[cfg(test)]
const RECORDED: &[(u32, &str)] = &[
    (5, include_str!("fields/v5.txt")),
    (6, include_str!("fields/v6.txt")),
    (7, include_str!("fields/v7.txt")),
    (8, include_str!("fields/v8.txt")),
    (9, include_str!("fields/v9.txt")),
    (10, include_str!("fields/v10.txt")),
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    use super::RECORDED;
    use crate::domain::account::Account;
    use crate::domain::contract::Contract;
    use crate::domain::incident::{Incident, Refund, Void};
    use crate::domain::offer::{Choice, Offer, Term};
    use crate::domain::state::{BalanceChange, HistoryEntry, Organization, PendingActivation};
    use crate::store::catalog::CatalogRecord;
    use crate::store::file::SCHEMA_VERSION;
    use crate::store::file::layout::Document;

    /// Each stored type, with where its records sit in the file.
    fn stored_types() -> Vec<(&'static str, BTreeSet<String>)> {
        vec![
            ("", fields_of::<Document>()),
            ("organization", fields_of::<Organization>()),
            ("catalog", fields_of::<CatalogRecord>()),
            ("other_catalogs[]", fields_of::<CatalogRecord>()),
            ("accounts[]", fields_of::<Account>()),
            ("offers[]", fields_of::<Offer>()),
            ("offers[].option", fields_of::<Choice>()),
            ("offers[].years[]", fields_of::<Term>()),
            ("pending[]", fields_of::<PendingActivation>()),
            (
                "declined[]",
                fields_of::<crate::domain::decline::Declined>(),
            ),
            (
                "observations[]",
                fields_of::<crate::domain::reconcile::Observation>(),
            ),
            ("contracts[]", fields_of::<Contract>()),
            (
                "conflicts[]",
                fields_of::<crate::domain::conflict::Conflict>(),
            ),
            (
                "conflicts[].accepted",
                fields_of::<crate::domain::conflict::Accepted>(),
            ),
            ("last_change", fields_of::<HistoryEntry>()),
            ("last_change.balances[]", fields_of::<BalanceChange>()),
            (
                "last_change.renumbered[]",
                fields_of::<crate::domain::state::Renumbering>(),
            ),
            (
                "last_change.changes[]",
                fields_of::<crate::domain::operation::Change>(),
            ),
            ("incidents[]", fields_of::<Incident>()),
            ("incidents[].refund", fields_of::<Refund>()),
            ("incidents[].void", fields_of::<Void>()),
        ]
    }

    /// The fields serde reads of `T`, as its refusal of an unknown field lists them (every
    /// stored type denies unknown fields).
    fn fields_of<T: DeserializeOwned>() -> BTreeSet<String> {
        let Err(e) = serde_json::from_str::<T>(r#"{"a field no record has": 0}"#) else {
            panic!("{} accepted an unknown field", std::any::type_name::<T>());
        };
        let message = e.to_string();
        let expected = message.split_once("expected ").map_or("", |(_, rest)| rest);
        expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    /// Every stored field, as a dotted path (`contracts[].access_id`), as serde knows them.
    fn stored_fields() -> BTreeSet<String> {
        stored_types()
            .into_iter()
            .flat_map(|(at, fields)| {
                fields.into_iter().map(move |field| match at {
                    "" => field,
                    at => format!("{at}.{field}"),
                })
            })
            .collect()
    }

    /// One record of every stored type with every field known today given, an optional one
    /// too, as a file spells it.
    fn full_document() -> Value {
        // A file's catalog: its copy is kept whole (a built-in one is kept by name).
        let catalog = CatalogRecord::of(
            &crate::store::catalog::parse(include_str!(
                "../../../examples/catalogs/ai-cloud-partner-program.toml"
            ))
            .expect("the example catalog"),
        );
        // A legacy year's catalog kept beside it, as a file's copy too.
        let legacy = CatalogRecord::of(
            &crate::store::catalog::parse(include_str!("../../../catalogs/mpn-2021.toml"))
                .expect("the legacy catalog"),
        );
        let anna = "anna@contoso.com";
        json!({
            "schema_version": SCHEMA_VERSION,
            "revision": 7,
            "organization": {
                "partner_id": "4012345", "name": "Contoso", "set_at": {"name": [5, 1_772_614_800_000_i64]}
            },
            "catalog": catalog,
            "other_catalogs": [legacy],
            "current_account": anna,
            "accounts": [{
                "email": anna, "kind": "aad", "roles": ["global-admin"], "csp_only": false,
                "set_at": {"roles": [5, 1_772_614_800_000_i64]}
            }],
            "offers": [{
                "catalog": "mpn-2021",
                "kind": "gold",
                "option": {"name": "Cloud Platform", "category": "cloud"},
                "years": [{"start": "2024-03-01", "end": "2025-02-28"}],
                "set_at": {"years": [5, 1_772_614_800_000_i64]}
            }, {
                "catalog": "ai-cloud-partner-program",
                "kind": "solutions-partner",
                "option": {"name": "Data & AI (Azure)", "category": "cloud"},
                "years": [{"start": "2026-03-01", "end": "2027-02-28"}]
            }],
            "pending": [{
                "benefit": "solutions-partner/cloud-support",
                "requested_on": "2026-03-02",
                "requested_by": anna
            }],
            "declined": [{
                "benefit": "gold-cloud-platform/cloud-support", "year": "2024-03-01",
                "on": "2024-03-05", "by": anna, "reason": "Premier covers cloud"
            }],
            "refund_candidates": ["INC-0001"],
            "observations": [{
                "contract": "3001", "on": "2026-03-05", "left": 19, "by": anna
            }],
            "contracts": [{
                "contract_id": "3001", "access_id": "ACCESS-1", "kind": "benefit",
                "plan": "Partner On-premises Support 20",
                "benefit": "solutions-partner/product-support", "coverage": "on-premises",
                "allowance": 20, "start": "2026-03-03", "end": "2027-02-28",
                "linked_accounts": [anna], "recorded_on": "2026-03-03",
                "requested_on": "2026-03-02",
                "set_at": {"end": [5, 1_772_614_800_000_i64]}
            }],
            "conflicts": [{
                "incident": "INC-0001", "contract": "3001", "on": "2026-03-07",
                "kind": "exhausted",
                "rule": "INC-0001 could not have been charged to contract `3001` on 2026-03-04",
                "accepted": {"on": "2026-03-08", "by": anna, "reason": "Microsoft charged it"}
            }, {
                "contracts": ["3001", "3002"], "on": "2026-03-07", "kind": "activated-twice",
                "rule": "benefit solutions-partner/product-support was activated twice for one year"
            }],
            "last_change": {
                "revision": 7, "at": "2026-03-04T09:00:00Z", "as_of": "2026-03-04",
                "account": anna, "action": "merge", "summary": "merged state.json onto revision 6: took 1 record",
                "balances": [{
                    "contract": "3001", "used_before": 0, "used_after": 1,
                    "remaining_before": 20, "remaining_after": 19
                }],
                "op": "0123456789abcdef0123456789abcdef", "clock": 7,
                "changes": [{"in": "incidents", "key": "INC-0001", "was": {}, "set": {}}],
                // Not both on one real entry: each is written, so that the guard sees it.
                "changes_left_out": true,
                "renumbered": [{"from": "INC-0002", "to": "INC-0003"}]
            },
            "incidents": [{
                "id": "INC-0001", "contract_id": "3001", "opened_on": "2026-03-04",
                "closed_on": "2026-03-05",
                "void": {"on": "2026-03-06", "reason": "typed twice", "by": anna},
                "refund": {"on": "2026-03-05", "reason": "duplicate", "by": anna},
                "scope": "on-premises", "title": "Cluster fails over",
                "product": "Windows Server 2025", "case_number": "2603040010001",
                "csp_customer": "fabrikam.onmicrosoft.com", "opened_by": anna,
                "note": "waiting on the customer's logs",
                "outside_policy": "accepted by the engineer on the call",
                "set_at": {"closed_on": [7, 1_772_614_800_000_i64]}
            }],
            "checksum": "xxh3-128:00"
        })
    }

    /// The fields of the full record as the writer writes them to a state file.
    fn written_paths() -> BTreeSet<String> {
        let path = std::path::Path::new("state.json");
        let doc: Document = serde_json::from_value(full_document()).expect("a document");
        let decoded = super::super::in_full(path, doc, Vec::new(), SCHEMA_VERSION.into())
            .expect("the full record is a state");
        let mut bytes = Vec::new();
        super::super::write(&mut bytes, &decoded.loaded.state, &decoded.loaded.stored)
            .expect("written");
        let doc: Value = serde_json::from_slice(&bytes).expect("the file is JSON");
        let mut found = BTreeSet::new();
        paths(&doc, "", &mut found);
        found
    }

    /// Objects whose keys are data (a record's fields, in `set_at`), not field names.
    const KEYED_BY_DATA: &[&str] = &[
        "organization.set_at",
        "accounts[].set_at",
        "offers[].set_at",
        "contracts[].set_at",
        "incidents[].set_at",
    ];

    /// Every field path of a JSON value: `contracts[].access_id`.
    fn paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(_) if KEYED_BY_DATA.contains(&prefix) => {}
            Value::Object(map) => {
                for (k, v) in map {
                    let path = match prefix {
                        "" => k.clone(),
                        p => format!("{p}.{k}"),
                    };
                    out.insert(path.clone());
                    paths(v, &path, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    paths(item, &format!("{prefix}[]"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn the_stored_fields_are_the_ones_recorded_for_this_schema_version() {
        let found = stored_fields();
        let listing = found.iter().map(|p| format!("{p}\n")).collect::<String>();
        let Some((_, recorded)) = RECORDED.iter().find(|(v, _)| *v == SCHEMA_VERSION) else {
            panic!(
                "schema version {SCHEMA_VERSION} has no recorded fields: save these lines as src/store/file/fields/v{SCHEMA_VERSION}.txt and add it to RECORDED in src/store/file/schema.rs:\n{listing}"
            );
        };
        let recorded: BTreeSet<String> = recorded.lines().map(str::to_string).collect();
        let added: Vec<_> = found.difference(&recorded).cloned().collect();
        let removed: Vec<_> = recorded.difference(&found).cloned().collect();
        assert!(
            added.is_empty() && removed.is_empty(),
            "a stored field changed (added: {added:?}; removed: {removed:?}) but the schema version is still {SCHEMA_VERSION}: a migration step is needed. Add one to STEPS in src/store/file/migrate.rs (it makes the version {next}), record the fields as src/store/file/fields/v{next}.txt and add it to RECORDED in src/store/file/schema.rs. Without it, the previous release refuses every file this one writes over a field it does not know.",
            next = SCHEMA_VERSION + 1
        );
    }

    #[test]
    fn the_full_record_gives_every_stored_field_and_nothing_else() {
        let written = written_paths();
        let stored = stored_fields();
        let left_out: Vec<_> = stored.difference(&written).collect();
        assert!(
            left_out.is_empty(),
            "the full record in src/store/file/schema.rs leaves {left_out:?} out: give each a value, so that the guard sees it written"
        );
        let unnamed: Vec<_> = written.difference(&stored).collect();
        assert!(
            unnamed.is_empty(),
            "the writer writes {unnamed:?}, which no stored type in src/store/file/schema.rs names: add its type to stored_types()"
        );
    }
}
