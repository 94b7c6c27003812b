//! The days worth a calendar entry: contract ends, membership anniversaries, activations pending
//! past a week, and the days contracts run out at their recent rate (R20). Each has a key that
//! stays the same while the thing it is about does, so a calendar that imports it again updates
//! the entry rather than adding a second.

use chrono::{Days, NaiveDate};

use super::activation::PENDING_HINT_DAYS;
use super::contract::Status;
use super::state::State;

/// One day to remember.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDay {
    /// What the entry is about, stable across runs (`contract-end/7000001`).
    pub key: String,
    /// The day.
    pub day: NaiveDate,
    /// One line.
    pub summary: String,
    /// What it means, and the figures as of the day the calendar was made.
    pub description: String,
    /// What to do about it, when something is to be done (the edge says how).
    pub next: Option<NextStep>,
    /// Whether it is worth a reminder some days ahead: a contract's end (what is left can still
    /// be used) and a membership anniversary (the renewal is due), not a forecast or a nudge.
    pub remind_ahead: bool,
}

/// What to do on a day to remember.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Record the offer's next membership year (R17).
    RenewOffer(String),
    /// Record the Access ID and Contract ID Partner Center shows for a benefit (R4).
    RecordActivation(String),
}

impl State {
    /// Every day from `today` on worth an entry, in day order.
    pub fn due_days(&self, today: NaiveDate) -> Vec<DueDay> {
        let mut days = Vec::new();
        let views = self.contract_views(today);
        let forecasts = self.forecasts(&views, today);
        for v in views.iter().filter(|v| v.contract.end >= today) {
            let c = v.contract;
            let left = match (v.status, v.remaining) {
                (Status::Waiting, _) => format!("It starts on {}.", c.start),
                (_, Some(n)) => format!(
                    "{n} incident{} left as of {today}: what is not used by then lapses.",
                    if n == 1 { "" } else { "s" }
                ),
                (_, None) => "Unlimited incidents.".to_string(),
            };
            days.push(DueDay {
                key: format!("contract-end/{}", c.contract_id),
                day: c.end,
                summary: format!("Support contract {} ({}) ends", c.contract_id, c.plan),
                description: format!("The last day of contract {}. {left}", c.contract_id),
                next: None,
                remind_ahead: true,
            });
            if let Some(on) = forecasts.get(&c.contract_id).and_then(|f| f.runs_out_on) {
                let rate = forecasts[&c.contract_id].rate_per_30_days;
                days.push(DueDay {
                    key: format!("runs-out/{}", c.contract_id),
                    day: on,
                    summary: format!("Contract {} runs out at its recent rate", c.contract_id),
                    description: format!(
                        "At {rate:.1} incidents per 30 days, contract {} ({}) has none left on {on}, before it ends on {} (forecast as of {today}).",
                        c.contract_id, c.plan, c.end
                    ),
                    next: None,
                    remind_ahead: false,
                });
            }
        }
        for o in &self.offers {
            for year in o.all_years(today).into_iter().filter(|y| y.end >= today) {
                let Some(next) = year.end.checked_add_days(Days::new(1)) else {
                    continue;
                };
                days.push(DueDay {
                    key: format!("anniversary/{}/{}", o.name(), next),
                    day: next,
                    summary: format!("Membership anniversary: {}", o.name()),
                    description: format!(
                        "The membership year {year} of {} has ended: its benefits' allocations come again with the next year.",
                        o.name(),
                    ),
                    next: Some(NextStep::RenewOffer(o.name())),
                    remind_ahead: true,
                });
            }
        }
        for p in &self.pending {
            let Some(due) = p
                .requested_on
                .checked_add_days(Days::new(PENDING_HINT_DAYS as u64))
            else {
                continue;
            };
            days.push(DueDay {
                key: format!("activation-pending/{}/{}", p.benefit, p.requested_on),
                day: due.max(today),
                summary: format!("Activation of {} pending a week", p.benefit),
                description: format!(
                    "Requested on {}: check Partner Center for its Access ID and Contract ID.",
                    p.requested_on
                ),
                next: Some(NextStep::RecordActivation(p.benefit.clone())),
                remind_ahead: false,
            });
        }
        days.sort_by(|a, b| (a.day, &a.key).cmp(&(b.day, &b.key)));
        days
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::contract::{Allowance, Coverage};
    use crate::domain::state::PendingActivation;
    use crate::domain::testing::{contract, d, org_with};

    #[test]
    fn due_days_are_ends_anniversaries_pending_activations_and_run_outs() {
        let mut s = org_with(&[("action-pack", None)]);
        s.contracts = vec![
            contract(
                "OLD",
                Coverage::Cloud,
                Allowance::Incidents(5),
                "2025-01-01",
                "2025-12-31",
            ),
            contract(
                "NOW",
                Coverage::Cloud,
                Allowance::Incidents(5),
                "2026-01-01",
                "2026-12-31",
            ),
        ];
        s.pending = vec![PendingActivation {
            benefit: "action-pack/product-support".into(),
            requested_on: d("2026-06-01"),
            requested_by: None,
        }];
        let today = d("2026-06-15");
        let days = s.due_days(today);
        let keys: Vec<(&str, String)> = days
            .iter()
            .map(|d| (d.key.as_str(), d.day.to_string()))
            .collect();
        let offer_end = s.offers[0].all_years(today)[0].end;
        let anniversary = (offer_end + chrono::Days::new(1)).to_string();
        let mut expected = vec![
            // Past its week already: shown today.
            (
                "activation-pending/action-pack/product-support/2026-06-01",
                "2026-06-15".to_string(),
            ),
            ("contract-end/NOW", "2026-12-31".to_string()),
        ];
        let key = format!("anniversary/action-pack/{anniversary}");
        expected.push((&key, anniversary.clone()));
        expected.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
        // The contract that ended last year is not there.
        assert_eq!(
            keys.iter()
                .map(|(k, d)| (*k, d.clone()))
                .collect::<Vec<_>>(),
            expected
        );
    }
}
