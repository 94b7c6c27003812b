//! R20, the forecast: each active limited contract's burn rate, and the day it would run out at
//! that rate when that comes before its end.
//!
//! The rate is the incidents charged per day over the last [`WINDOW_DAYS`] days up to "today"
//! (or since the contract started, if that is shorter, but never fewer than [`MIN_DAYS`]), less
//! the refunds given in that window; voided incidents never count. It is a straight line through the recent past: it knows nothing
//! of seasons, of a project about to start, or of refunds still to come. It names a run-out day
//! only once the contract has been in use [`MIN_LIFE_DAYS`] days with [`MIN_CHARGED`] incidents
//! charged in its window: the rate alone is shown before that.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use super::contract::Status;
use super::incident::IncidentHead;
use super::state::{ContractView, State};
use super::values::Id;

/// How far back the rate looks.
pub const WINDOW_DAYS: i64 = 90;

/// The fewest days a rate is spread over, for a contract that started less than this ago.
pub const MIN_DAYS: i64 = 14;

/// A run-out day is named only for a contract in use at least this many days…
pub const MIN_LIFE_DAYS: i64 = 30;

/// … with at least this many incidents charged (net of refunds) in its window: before that, one
/// incident on a new pack's first day would read as a pace, and page people (R20).
pub const MIN_CHARGED: i64 = 3;

/// One contract's forecast.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecast {
    /// Net incidents charged per 30 days at the recent rate.
    pub rate_per_30_days: f64,
    /// The day the last incident would be used at that rate, when it comes before the
    /// contract's end; `None` when it won't (or nothing is being used).
    pub runs_out_on: Option<NaiveDate>,
}

impl State {
    /// The forecast of every active limited contract among `views` (as of `today`), by Contract
    /// ID.
    pub fn forecasts(
        &self,
        views: &[ContractView<'_>],
        today: NaiveDate,
    ) -> BTreeMap<Id, Forecast> {
        let windows: BTreeMap<&Id, (NaiveDate, NaiveDate, f64, u32, bool)> = views
            .iter()
            .filter(|v| v.status == Status::Active)
            .filter_map(|v| {
                let remaining = v.remaining?;
                let from = (today - chrono::Duration::days(WINDOW_DAYS - 1)).max(v.contract.start);
                // A young contract's few days would make a burst look like a pace.
                let days = ((today - from).num_days() + 1).max(MIN_DAYS) as f64;
                let old_enough = (today - v.contract.start).num_days() + 1 >= MIN_LIFE_DAYS;
                Some((
                    &v.contract.contract_id,
                    (from, v.contract.end, days, remaining, old_enough),
                ))
            })
            .collect();
        let mut net: BTreeMap<&Id, i64> = BTreeMap::new();
        // Most incidents are older than every window: they are passed over by their dates
        // before their contract is looked up.
        let Some(earliest) = windows.values().map(|(from, ..)| *from).min() else {
            return BTreeMap::new();
        };
        let recent = |h: &&IncidentHead| {
            h.opened_on >= earliest || h.refunded_on.is_some_and(|r| r >= earliest)
        };
        for h in self.incidents.iter().filter(recent).filter(|h| h.counts()) {
            let Some(cid) = &h.contract_id else { continue };
            let Some((from, ..)) = windows.get(cid) else {
                continue;
            };
            let within = |d: NaiveDate| *from <= d && d <= today;
            let n = net.entry(cid).or_default();
            *n += i64::from(within(h.opened_on));
            *n -= i64::from(h.refunded_on.is_some_and(within));
        }
        windows
            .into_iter()
            .map(|(cid, (_, end, days, remaining, old_enough))| {
                let charged = net.get(cid).copied().unwrap_or(0).max(0);
                let per_day = charged as f64 / days;
                let runs_out_on = (per_day > 0.0 && old_enough && charged >= MIN_CHARGED)
                    .then(|| (f64::from(remaining) / per_day).ceil() as u64)
                    .and_then(|in_days| today.checked_add_days(Days::new(in_days)))
                    .filter(|d| *d <= end);
                (
                    cid.clone(),
                    Forecast {
                        rate_per_30_days: (per_day * 30.0 * 10.0).round() / 10.0,
                        runs_out_on,
                    },
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::contract::{Allowance, Coverage};
    use crate::domain::incident::{Incident, Refund, RefundReason};
    use crate::domain::testing::{contract, d, incident, org_with};

    fn opened(n: u32, day: &str) -> Incident {
        let mut i = incident(n, Some("A"));
        i.opened_on = d(day);
        i
    }

    #[test]
    fn r20_the_recent_rate_says_when_a_pack_runs_out_before_its_end() {
        let mut s = org_with(&[]);
        s.contracts = vec![contract(
            "A",
            Coverage::Cloud,
            Allowance::Incidents(20),
            "2026-01-01",
            "2026-12-31",
        )];
        // 6 in the last 90 days (one refunded: 5 net), and one long before.
        let mut refunded = opened(7, "2026-05-20");
        refunded.refund = Some(Refund {
            on: d("2026-05-25"),
            reason: RefundReason::Duplicate,
            by: None,
        });
        s.incidents = [
            opened(1, "2026-01-10"),
            opened(2, "2026-04-01"),
            opened(3, "2026-04-20"),
            opened(4, "2026-05-05"),
            opened(5, "2026-05-30"),
            opened(6, "2026-06-10"),
            refunded,
        ]
        .into_iter()
        .collect();
        let today = d("2026-06-15");
        let views = s.contract_views(today);
        let f = s.forecasts(&views, today)[&"A".parse::<crate::domain::values::Id>().unwrap()];
        // 5 net over 90 days: 1.7 per 30 days; 14 left at 5/90 a day is 252 days: after the end.
        assert_eq!((f.rate_per_30_days, f.runs_out_on), (1.7, None));
        // Faster: 12 more in June.
        for n in 8..20 {
            s.incidents.push(opened(n, "2026-06-12"));
        }
        let views = s.contract_views(today);
        let f = s.forecasts(&views, today)[&"A".parse::<crate::domain::values::Id>().unwrap()];
        // 17 net over 90 days; 2 left: ceil(2 / (17/90)) = 11 days.
        assert_eq!(
            (f.rate_per_30_days, f.runs_out_on),
            (5.7, Some(d("2026-06-26")))
        );
        // A contract started 10 days ago is measured over 14, the fewest a rate is spread over.
        let mut young = contract(
            "B",
            Coverage::Cloud,
            Allowance::Incidents(10),
            "2026-06-06",
            "2027-06-05",
        );
        young.contract_id = "B".parse().unwrap();
        s.contracts.push(young);
        let mut b = incident(30, Some("B"));
        b.opened_on = d("2026-06-07");
        s.incidents.push(b);
        let views = s.contract_views(today);
        let f = s.forecasts(&views, today)[&"B".parse::<crate::domain::values::Id>().unwrap()];
        // Its rate, but no day yet: 10 days old and 1 incident are not a pace.
        assert_eq!((f.rate_per_30_days, f.runs_out_on), (2.1, None));
        // 30 days on, with 3 charged in them, they are: 3 over 30 days, 7 left, 70 days.
        for (n, day) in [(31, "2026-06-20"), (32, "2026-07-01")] {
            let mut b = incident(n, Some("B"));
            b.opened_on = d(day);
            s.incidents.push(b);
        }
        let later = d("2026-07-05");
        let views = s.contract_views(later);
        let f = s.forecasts(&views, later)[&"B".parse::<crate::domain::values::Id>().unwrap()];
        assert_eq!(
            (f.rate_per_30_days, f.runs_out_on),
            (3.0, Some(d("2026-09-13")))
        );
        // 29 days old with 3 charged: not yet.
        let early = d("2026-07-04");
        let views = s.contract_views(early);
        let f = s.forecasts(&views, early)[&"B".parse::<crate::domain::values::Id>().unwrap()];
        assert_eq!(f.runs_out_on, None);
    }
}
