//! Plain values shared by the domain's unit tests.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::account::{Account, AccountKind, Role};
use super::catalog::{BenefitKind, Catalog, Grant, OfferKind, OptionKind, Validity};
use super::contract::{Allowance, Contract, Coverage, PlanKind};
use super::offer::{Choice, Offer};
use super::state::{Organization, State};

/// The "today" of the unit tests.
pub const TODAY: &str = "2026-06-15";

/// A date from its text.
pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The legacy program's catalog as the domain's tests use it: the figures of the built-in
/// `mpn-2021` file (a store test holds them equal), with a few of its competencies.
pub fn mpn() -> Catalog {
    let benefit = |id: &str, title: &str, aliases: &[&str], coverage, n_minus_one| BenefitKind {
        id: id.into(),
        title: title.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        coverage,
        n_minus_one,
    };
    let grant = |benefit: &str, category: Option<&str>, allowance, plan: &str| Grant {
        benefit: benefit.into(),
        category: category.map(String::from),
        allowance,
        plan: plan.into(),
        former_plans: Vec::new(),
        renamed_on: None,
        validity: Validity::FromActivation(12),
        source: "test".into(),
        status: None,
    };
    // Microsoft renamed two of the plans on 2025-06-23.
    let renamed = |g: Grant, before: &str| Grant {
        former_plans: vec![before.into()],
        renamed_on: Some(d("2025-06-23")),
        ..g
    };
    let offer = |id: &str, title: &str, option: Option<&str>, grants| OfferKind {
        id: id.into(),
        title: title.into(),
        kind: if option.is_some() {
            "competency"
        } else {
            "subscription"
        }
        .into(),
        option: option.map(String::from),
        package: Default::default(),
        grants,
    };
    use Allowance::{Incidents, Unlimited};
    let values = [
        ("Security", "cloud"),
        ("Cloud Platform", "cloud"),
        ("Cloud Productivity", "cloud"),
        ("Data Analytics", "other"),
        ("Datacenter", "other"),
    ];
    Catalog {
        name: "mpn-2021".into(),
        title: "Microsoft Partner Network".into(),
        version: "2021.1".into(),
        note: None,
        source: None,
        sold_until: None,
        options: vec![OptionKind {
            id: "competency".into(),
            values: values
                .iter()
                .map(|(v, c)| (v.to_string(), Some(c.to_string())))
                .collect(),
            categories: vec!["cloud".into(), "other".into()],
            open: true,
        }],
        benefits: vec![
            benefit(
                "product-support",
                "Microsoft Product Support",
                &["partner-on-premises-support"],
                Coverage::OnPremises,
                true,
            ),
            benefit(
                "cloud-support",
                "Signature Cloud Support",
                &["partner-cloud-support"],
                Coverage::Cloud,
                false,
            ),
        ],
        offers: vec![
            offer(
                "action-pack",
                "Action Pack",
                None,
                vec![grant(
                    "product-support",
                    None,
                    Incidents(10),
                    "Partner support MAPS 10pack",
                )],
            ),
            offer(
                "silver",
                "Silver",
                Some("competency"),
                vec![
                    grant(
                        "product-support",
                        None,
                        Incidents(15),
                        "Partner support Silver 15pack",
                    ),
                    grant(
                        "cloud-support",
                        Some("cloud"),
                        Unlimited,
                        "Partner Signature Cloud Support",
                    ),
                    renamed(
                        grant(
                            "cloud-support",
                            Some("other"),
                            Incidents(5),
                            "Partner Cloud Support 5",
                        ),
                        "Partner Signature 5pack",
                    ),
                ],
            ),
            offer(
                "gold",
                "Gold",
                Some("competency"),
                vec![
                    renamed(
                        grant(
                            "product-support",
                            None,
                            Incidents(20),
                            "Partner On-premises Support 20",
                        ),
                        "Partner support Gold 20pack",
                    ),
                    grant(
                        "cloud-support",
                        Some("cloud"),
                        Unlimited,
                        "Partner Signature Cloud Support",
                    ),
                    grant(
                        "cloud-support",
                        Some("other"),
                        Incidents(10),
                        "Partner Signature 10pack",
                    ),
                ],
            ),
        ],
        copy: None,
    }
}

/// A state with an organization and nothing else, under the legacy catalog.
pub fn org() -> State {
    let mut s = State {
        catalog: std::sync::Arc::new(mpn()),
        ..State::default()
    };
    s.init(
        Organization {
            partner_id: "4012345".parse().unwrap(),
            name: "Contoso Ltd".parse().unwrap(),
            set_at: Default::default(),
        },
        None,
    )
    .unwrap();
    s
}

/// A state with an organization and these offers, all started on 2026-01-01.
pub fn org_with(offers: &[(&str, Option<(&str, &str)>)]) -> State {
    let mut s = org();
    for (kind, choice) in offers {
        s.offers.push(Offer {
            catalog: s.catalog.name.clone(),
            kind: kind.parse().unwrap(),
            option: choice.map(|(name, category)| Choice {
                name: name.parse().unwrap(),
                category: Some(category.to_string()),
            }),
            years: vec![super::offer::Term {
                start: d("2026-01-01"),
                end: None,
            }],
            set_at: Default::default(),
        });
    }
    s
}

/// An account.
pub fn account(email: &str, roles: &[Role], csp_only: bool) -> Account {
    Account {
        email: email.parse().unwrap(),
        kind: AccountKind::Aad,
        roles: roles.iter().copied().collect(),
        csp_only,
        set_at: Default::default(),
    }
}

/// A hand-made contract.
pub fn contract(
    id: &str,
    coverage: Coverage,
    allowance: Allowance,
    start: &str,
    end: &str,
) -> Contract {
    Contract {
        contract_id: id.parse().unwrap(),
        access_id: format!("ACCESS-{id}").parse().unwrap(),
        kind: PlanKind::Custom,
        plan: "Test plan".parse().unwrap(),
        benefit: None,
        coverage,
        allowance,
        start: d(start),
        end: d(end),
        linked_accounts: BTreeSet::new(),
        recorded_on: None,
        requested_on: None,
        set_at: Default::default(),
    }
}

/// An open cloud incident opened on 2026-03-01, charged to `contract` (none: a CSP-less record).
pub fn incident(n: u32, contract: Option<&str>) -> super::incident::Incident {
    // As a file would spell it: a field the record gains later takes its default here too.
    serde_json::from_value(serde_json::json!({
        "id": format!("INC-{n:04}"),
        "contract_id": contract,
        "opened_on": "2026-03-01",
        "scope": "cloud",
        "title": "Outage",
    }))
    .expect("a valid incident")
}
