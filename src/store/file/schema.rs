//! The schema guard: every version of the stored records has its field names recorded
//! (`fields/vN.txt`), and a test holds [`SCHEMA_VERSION`] to them. A stored field added, renamed
//! or removed without a migration step fails `cargo test`: an older build would otherwise refuse a
//! teammate's healthy file over a field it does not know, instead of saying the file is newer.

#[cfg(test)]
use super::SCHEMA_VERSION;

/// The field names recorded for each schema version, one dotted path a line (`[]` for the items
/// of a list). Versions before 5 were not recorded; their files are read through their steps.
#[cfg(test)]
const RECORDED: &[(u32, &str)] = &[(5, include_str!("fields/v5.txt"))];

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::{NaiveDate, TimeZone, Utc};
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use super::{RECORDED, SCHEMA_VERSION};
    use crate::domain::account::{Account, AccountKind, Role};
    use crate::domain::contract::{Allowance, Contract, Coverage, PlanKind, Scope};
    use crate::domain::incident::{Incident, IncidentId, Refund, RefundReason, Void};
    use crate::domain::offer::{Choice, Offer, Term};
    use crate::domain::state::{BalanceChange, HistoryEntry, Organization, PendingActivation};
    use crate::store::catalog::CatalogRecord;
    use crate::store::file::layout::Document;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("a day")
    }

    fn value<T: std::str::FromStr>(text: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        text.parse().expect("a valid value")
    }

    /// One record of every stored type with every field given, an optional one too: written
    /// as struct literals, so a new field does not compile until it is given here.
    fn full_document() -> Document {
        let email = || Some(value("anna@contoso.com"));
        let history = HistoryEntry {
            revision: 7,
            at: Utc.with_ymd_and_hms(2026, 3, 4, 9, 0, 0).unwrap(),
            as_of: day(4),
            account: email(),
            action: "incidents open".into(),
            summary: "opened INC-0001".into(),
            balances: vec![BalanceChange {
                contract: "3001".into(),
                used_before: 0,
                used_after: 1,
                remaining_before: Some(20),
                remaining_after: Some(19),
            }],
        };
        Document {
            schema_version: SCHEMA_VERSION,
            revision: 7,
            organization: Some(Organization {
                partner_id: value("4012345"),
                name: value("Contoso"),
            }),
            // A file's catalog: its copy is kept whole (a built-in one is kept by name).
            catalog: CatalogRecord::of(
                &crate::store::catalog::parse(include_str!(
                    "../../../examples/catalogs/ai-cloud-partner-program.toml"
                ))
                .expect("the example catalog"),
            ),
            current_account: email(),
            accounts: vec![Account {
                email: value("anna@contoso.com"),
                kind: AccountKind::Aad,
                roles: [Role::GlobalAdmin].into(),
                csp_only: false,
            }],
            offers: vec![Offer {
                kind: "gold".into(),
                option: Some(Choice {
                    name: value("Cloud Platform"),
                    category: Some("cloud".into()),
                }),
                years: vec![Term {
                    start: day(1),
                    end: Some(day(31)),
                }],
            }],
            pending: vec![PendingActivation {
                benefit: "gold-cloud-platform/cloud-support".into(),
                requested_on: day(2),
                requested_by: email(),
            }],
            contracts: vec![Contract {
                contract_id: value("3001"),
                access_id: value("ACCESS-1"),
                kind: PlanKind::Benefit,
                plan: value("Partner On-premises Support 20"),
                benefit: Some("gold-cloud-platform/product-support".into()),
                coverage: Coverage::OnPremises,
                allowance: Allowance::Incidents(20),
                start: day(3),
                end: day(31),
                linked_accounts: [value("anna@contoso.com")].into(),
                recorded_on: Some(day(3)),
                requested_on: Some(day(2)),
            }],
            last_change: Some(history),
            incidents: vec![Incident {
                id: IncidentId(1),
                contract_id: Some(value("3001")),
                opened_on: day(4),
                closed_on: Some(day(5)),
                void: Some(Box::new(Void {
                    on: day(6),
                    reason: value("typed twice"),
                    by: email(),
                })),
                refund: Some(Refund {
                    on: day(5),
                    reason: RefundReason::Duplicate,
                    by: email(),
                }),
                scope: Scope::OnPremises,
                title: value("Cluster fails over"),
                product: Some(value("Windows Server 2025")),
                case_number: Some(value("2603040010001")),
                csp_customer: Some(value("fabrikam.onmicrosoft.com")),
                opened_by: email(),
            }],
            _checksum: Some("xxh3-128:00".into()),
        }
    }

    /// The fields of the full record as the writer writes them to a state file.
    fn written_paths() -> BTreeSet<String> {
        let path = std::path::Path::new("state.json");
        let decoded =
            super::super::in_full(path, full_document(), Vec::new(), SCHEMA_VERSION.into())
                .expect("the full record is a state");
        let mut bytes = Vec::new();
        super::super::write(&mut bytes, &decoded.loaded.state, &decoded.loaded.stored)
            .expect("written");
        let doc: Value = serde_json::from_slice(&bytes).expect("the file is JSON");
        let mut found = BTreeSet::new();
        paths(&doc, "", &mut found);
        found
    }

    /// Every field path of a JSON value: `contracts[].access_id`.
    fn paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
        match v {
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

    #[test]
    fn every_stored_field_is_given_in_the_full_record() {
        let found = written_paths();
        // Each stored type, with where its records sit in the file.
        let types: BTreeMap<&str, BTreeSet<String>> = [
            ("", fields_of::<Document>()),
            ("organization", fields_of::<Organization>()),
            ("catalog", fields_of::<CatalogRecord>()),
            ("accounts[]", fields_of::<Account>()),
            ("offers[]", fields_of::<Offer>()),
            ("offers[].option", fields_of::<Choice>()),
            ("offers[].years[]", fields_of::<Term>()),
            ("pending[]", fields_of::<PendingActivation>()),
            ("contracts[]", fields_of::<Contract>()),
            ("last_change", fields_of::<HistoryEntry>()),
            ("last_change.balances[]", fields_of::<BalanceChange>()),
            ("incidents[]", fields_of::<Incident>()),
            ("incidents[].refund", fields_of::<Refund>()),
            ("incidents[].void", fields_of::<Void>()),
        ]
        .into();
        for (at, fields) in types {
            assert!(!fields.is_empty(), "no fields read of `{at}`");
            for field in fields {
                let path = match at {
                    "" => field,
                    at => format!("{at}.{field}"),
                };
                assert!(
                    found.contains(&path),
                    "the full record in store/file/schema.rs leaves `{path}` out: give it a value, so that the schema guard sees it"
                );
            }
        }
    }

    #[test]
    fn the_stored_fields_are_the_ones_recorded_for_this_schema_version() {
        let found = written_paths();
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
            "a stored field changed (added: {added:?}; removed: {removed:?}) but the schema version is still {SCHEMA_VERSION}: a migration step is needed. Add one to STEPS in src/store/file/migrate.rs (it makes the version {next}), then record the fields as src/store/file/fields/v{next}.txt. Without it, the previous release refuses every file this one writes over a field it does not know.",
            next = SCHEMA_VERSION + 1
        );
    }
}
