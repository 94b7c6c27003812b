//! What the dashboard warns about: stale or pending activations (R4), contracts ending soon,
//! contracts running out of incidents.

use chrono::NaiveDate;

use super::activation::PENDING_HINT_DAYS;
use super::contract::Status;
use super::state::State;

/// Contracts ending within this many days are flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 30;
/// Limited contracts with this many incidents left or fewer are flagged.
pub const LOW_INCIDENTS: u32 = 2;

/// One dashboard warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// An activation still waiting for its IDs; `stale` past [`PENDING_HINT_DAYS`].
    Pending {
        /// The benefit.
        benefit: String,
        /// Day requested.
        since: NaiveDate,
        /// Days since.
        days: i64,
        /// Long enough to check Partner Center.
        stale: bool,
    },
    /// An active contract ending soon.
    Expiring {
        /// The contract.
        contract: String,
        /// Its last day.
        end: NaiveDate,
        /// Days left.
        days_left: i64,
    },
    /// An active contract nearly out of incidents.
    Low {
        /// The contract.
        contract: String,
        /// Incidents left.
        remaining: u32,
    },
}

impl Warning {
    /// A stable code for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Warning::Pending { stale: true, .. } => "activation-stale",
            Warning::Pending { .. } => "activation-pending",
            Warning::Expiring { .. } => "contract-expiring",
            Warning::Low { .. } => "incidents-low",
        }
    }
}

impl State {
    /// The warnings for `today`: pending activations first, then contracts in ID order.
    pub fn warnings(&self, today: NaiveDate) -> Vec<Warning> {
        let mut out: Vec<Warning> = self
            .pending
            .iter()
            .map(|p| {
                let days = (today - p.requested_on).num_days();
                Warning::Pending {
                    benefit: p.benefit.clone(),
                    since: p.requested_on,
                    days,
                    stale: days > PENDING_HINT_DAYS,
                }
            })
            .collect();
        for v in self.contract_views(today) {
            if v.status != Status::Active {
                continue;
            }
            let contract = v.contract.contract_id.to_string();
            if v.days_left <= EXPIRY_WARNING_DAYS {
                out.push(Warning::Expiring {
                    contract: contract.clone(),
                    end: v.contract.end,
                    days_left: v.days_left,
                });
            }
            if let Some(remaining) = v.remaining.filter(|r| *r <= LOW_INCIDENTS) {
                out.push(Warning::Low {
                    contract,
                    remaining,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::{Allowance, Coverage};
    use crate::domain::state::PendingActivation;
    use crate::domain::testing::{contract, d, org_with};

    #[test]
    fn thresholds() {
        let mut s = org_with(&[]);
        s.contracts = vec![
            contract(
                "ENDS",
                Coverage::Cloud,
                Allowance::Unlimited,
                "2026-01-01",
                "2026-07-15",
            ),
            contract(
                "FAR",
                Coverage::Cloud,
                Allowance::Unlimited,
                "2026-01-01",
                "2026-07-16",
            ),
            contract(
                "LOW",
                Coverage::OnPremises,
                Allowance::Incidents(2),
                "2026-01-01",
                "2026-12-31",
            ),
            contract(
                "OK",
                Coverage::OnPremises,
                Allowance::Incidents(3),
                "2026-01-01",
                "2026-12-31",
            ),
            contract(
                "GONE",
                Coverage::OnPremises,
                Allowance::Incidents(1),
                "2025-01-01",
                "2025-12-31",
            ),
        ];
        s.pending = vec![
            PendingActivation {
                benefit: "a/product-support".into(),
                requested_on: d("2026-06-08"),
                requested_by: None,
            },
            PendingActivation {
                benefit: "b/product-support".into(),
                requested_on: d("2026-06-07"),
                requested_by: None,
            },
        ];
        let codes: Vec<_> = s
            .warnings(d("2026-06-15"))
            .iter()
            .map(|w| w.code())
            .collect();
        assert_eq!(
            codes,
            [
                "activation-pending",
                "activation-stale",
                "contract-expiring",
                "incidents-low"
            ]
        );
        assert_eq!(
            s.warnings(d("2026-06-15"))[2],
            Warning::Expiring {
                contract: "ENDS".into(),
                end: d("2026-07-15"),
                days_left: 30
            }
        );
    }
}
