//! Plain values shared by the domain's unit tests.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::account::{Account, AccountKind, Role};
use super::catalog::{Category, Level};
use super::contract::{Allowance, Contract, Coverage, PlanKind};
use super::offer::{Competency, Offer};
use super::state::{Organization, State};

/// The "today" of the unit tests.
pub const TODAY: &str = "2026-06-15";

/// A date from its text.
pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A state with an organization and nothing else.
pub fn org() -> State {
    let mut s = State::default();
    s.init(
        Organization {
            partner_id: "4012345".parse().unwrap(),
            name: "Contoso Ltd".parse().unwrap(),
        },
        None,
    )
    .unwrap();
    s
}

/// A state with an organization and these offers, all started on 2026-01-01.
pub fn org_with(offers: &[(Level, Option<(&str, Category)>)]) -> State {
    let mut s = org();
    for (level, comp) in offers {
        s.offers.push(Offer {
            level: *level,
            competency: comp.map(|(name, category)| Competency {
                name: name.parse().unwrap(),
                category,
            }),
            years: vec![super::offer::Term {
                start: d("2026-01-01"),
                end: None,
            }],
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
    }
}

/// An open cloud incident opened on 2026-03-01, charged to `contract` (none: a CSP-less record).
pub fn incident(n: u32, contract: Option<&str>) -> super::incident::Incident {
    super::incident::Incident {
        id: super::incident::IncidentId(n),
        contract_id: contract.map(|c| c.parse().unwrap()),
        opened_on: d("2026-03-01"),
        closed_on: None,
        refund: None,
        void: None,
        scope: super::contract::Scope::Cloud,
        title: "Outage".parse().unwrap(),
        product: None,
        case_number: None,
        csp_customer: None,
        opened_by: None,
    }
}
