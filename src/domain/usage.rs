//! `report`: what was used in a period, grouped by contract, account, product, scope or month,
//! with what lapsed unused (R19), what is left and the forecast (R20) per contract, totals per
//! scope (never added across scopes), and each limited contract's burn-down for a chart.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::contract::{Allowance, Scope, Status};
use super::incident::Incident;
use super::refusal::{Misuse, Refusal};
use super::state::{ContractView, State};
use super::values::Id;

/// What the rows of a report are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One row per contract charged, or that lapsed or ran in the period.
    Contract,
    /// One row per account that opened incidents.
    Account,
    /// One row per product named.
    Product,
    /// One row per scope.
    Scope,
    /// One row per calendar month.
    Month,
}

impl GroupBy {
    /// The word used in output and on the command line.
    pub fn slug(self) -> &'static str {
        match self {
            GroupBy::Contract => "contract",
            GroupBy::Account => "account",
            GroupBy::Product => "product",
            GroupBy::Scope => "scope",
            GroupBy::Month => "month",
        }
    }
}

/// The days a report covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub since: NaiveDate,
    /// Last day.
    pub until: NaiveDate,
}

impl Period {
    /// The period a report asks for: calendar year `year`, or `since` (default: 1 January of
    /// today's year) to `until` (default: today). It never runs past today: what has not
    /// happened is not reported. Refused (a usage error) when it ends before it starts or starts
    /// after today.
    pub fn asked(
        year: Option<i32>,
        since: Option<NaiveDate>,
        until: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Period, Refusal> {
        use chrono::Datelike;
        let day = |y: i32, m: u32, d: u32| {
            NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| {
                Refusal::BadCombination(format!("the year {y} has no {m:02}-{d:02}"))
            })
        };
        let (since, until) = match year {
            Some(y) => (day(y, 1, 1)?, day(y, 12, 31)?),
            None => (
                match since {
                    Some(d) => d,
                    None => day(today.year(), 1, 1)?,
                },
                until.unwrap_or(today),
            ),
        };
        if since > today {
            return Err(Refusal::BadCombination(format!(
                "the period starts on {since}, after today ({today}): nothing has been used in it yet"
            )));
        }
        if until < since {
            return Err(Refusal::Misuse(Misuse::PeriodBackwards { since, until }));
        }
        Ok(Period {
            since,
            until: until.min(today),
        })
    }

    /// Whether `day` is in it.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.since <= day && day <= self.until
    }
}

/// What a contract has left at the end of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    /// This many incidents.
    Incidents(u32),
    /// No limit.
    Unlimited,
}

/// One group's use in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRow {
    /// The contract ID, account, product, scope or `YYYY-MM`.
    pub key: String,
    /// The contract's plan, for a row by contract.
    pub plan: Option<String>,
    /// Incidents opened (and charged) in the period.
    pub charged: u32,
    /// Incidents refunded in the period.
    pub refunded: u32,
    /// Charged less refunded (negative when refunds of earlier charges outweigh).
    pub net: i64,
    /// For a contract that ended in the period, the incidents it had left: lapsed unused.
    pub lapsed: Option<u32>,
    /// For a contract still usable at the period's end, what it has left.
    pub left: Option<Left>,
    /// When a contract runs out before its end at its recent rate (R20).
    pub runs_out_on: Option<NaiveDate>,
}

/// One scope's totals: scopes are never added together (R9).
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeUsage {
    /// The scope.
    pub scope: Scope,
    /// Incidents of this scope charged in the period.
    pub charged: u32,
    /// … and refunded in it.
    pub refunded: u32,
    /// Charged less refunded.
    pub net: i64,
    /// Lapsed unused on contracts covering this scope that ended in the period (a plan covering
    /// both counts in both).
    pub lapsed: u32,
    /// Left at the period's end on the usable contracts covering it.
    pub left: Left,
}

/// A limited contract's incidents left over its life, for a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BurnDown {
    /// The contract.
    pub contract_id: String,
    /// Its plan.
    pub plan: String,
    /// Incidents it was granted.
    pub allowance: u32,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// Incidents left after each day that changed them, from the start (`allowance`) to the
    /// report's last day or the contract's end, whichever is first.
    pub steps: Vec<(NaiveDate, u32)>,
    /// The forecast's run-out day, when before the end.
    pub runs_out_on: Option<NaiveDate>,
    /// What lapsed unused at its end, when it ended by the report's last day.
    pub lapsed: Option<u32>,
}

/// A whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageReport {
    /// The days covered.
    pub period: Period,
    /// What the rows are.
    pub by: GroupBy,
    /// One row per group, in key order.
    pub rows: Vec<UsageRow>,
    /// One total per scope.
    pub totals: Vec<ScopeUsage>,
    /// One burn-down per limited contract that ran in the period.
    pub burn_downs: Vec<BurnDown>,
    /// The counts Partner Center showed in the period, each beside the record's that day.
    pub observations: Vec<super::reconcile::Comparison>,
}

impl State {
    /// The report of `period` by `by`. `records` are the incidents opened or refunded in the
    /// period (with their accounts and products); the balances are as of the period's last day.
    pub fn usage_report(&self, period: Period, by: GroupBy, records: &[Incident]) -> UsageReport {
        let day = period.until;
        let views = self.contract_views(day);
        let forecasts = self.forecasts(&views, day);
        let ran = |v: &ContractView<'_>| v.contract.start <= day && v.contract.end >= period.since;
        let lapsed = |v: &ContractView<'_>| {
            period
                .contains(v.contract.end)
                .then(|| v.lapsed())
                .flatten()
        };
        let left = |v: &ContractView<'_>| {
            matches!(v.status, Status::Active | Status::Exhausted).then(|| match v.remaining {
                Some(n) => Left::Incidents(n),
                None => Left::Unlimited,
            })
        };

        let mut rows: BTreeMap<String, UsageRow> = BTreeMap::new();
        let blank = |key: String| UsageRow {
            key,
            plan: None,
            charged: 0,
            refunded: 0,
            net: 0,
            lapsed: None,
            left: None,
            runs_out_on: None,
        };
        let key_of = |i: &Incident, on: NaiveDate| -> String {
            match by {
                GroupBy::Contract => i
                    .contract_id
                    .as_ref()
                    .map(Id::to_string)
                    .unwrap_or_default(),
                GroupBy::Account => i
                    .opened_by
                    .as_ref()
                    .map_or_else(|| "(not recorded)".to_string(), |e| e.to_string()),
                GroupBy::Product => i
                    .product
                    .as_ref()
                    .map_or_else(|| "(not named)".to_string(), |p| p.to_string()),
                GroupBy::Scope => i.scope.slug().to_string(),
                GroupBy::Month => on.format("%Y-%m").to_string(),
            }
        };
        let mut totals: BTreeMap<Scope, (u32, u32)> = BTreeMap::new();
        for i in records
            .iter()
            .filter(|i| i.contract_id.is_some() && i.void.is_none())
        {
            if period.contains(i.opened_on) {
                let row = rows
                    .entry(key_of(i, i.opened_on))
                    .or_insert_with_key(|k| blank(k.clone()));
                row.charged += 1;
                totals.entry(i.scope).or_default().0 += 1;
            }
            if let Some(r) = i.refund.as_ref().filter(|r| period.contains(r.on)) {
                let row = rows
                    .entry(key_of(i, r.on))
                    .or_insert_with_key(|k| blank(k.clone()));
                row.refunded += 1;
                totals.entry(i.scope).or_default().1 += 1;
            }
        }
        if by == GroupBy::Contract {
            for v in views.iter().filter(|v| ran(v)) {
                let row = rows
                    .entry(v.contract.contract_id.to_string())
                    .or_insert_with_key(|k| blank(k.clone()));
                row.plan = Some(v.contract.plan.to_string());
                row.lapsed = lapsed(v);
                row.left = left(v);
                row.runs_out_on = forecasts
                    .get(&v.contract.contract_id)
                    .and_then(|f| f.runs_out_on);
            }
        }
        let mut rows: Vec<UsageRow> = rows.into_values().collect();
        for row in &mut rows {
            row.net = i64::from(row.charged) - i64::from(row.refunded);
        }

        let totals = [Scope::OnPremises, Scope::Cloud]
            .into_iter()
            .map(|scope| {
                let (charged, refunded) = totals.get(&scope).copied().unwrap_or_default();
                let covering = views.iter().filter(|v| v.contract.coverage.covers(scope));
                let lapsed = covering.clone().filter_map(lapsed).sum();
                let usable: Vec<Left> = covering.filter_map(left).collect();
                let left = match usable.contains(&Left::Unlimited) {
                    true => Left::Unlimited,
                    false => Left::Incidents(
                        usable
                            .iter()
                            .map(|l| match l {
                                Left::Incidents(n) => *n,
                                Left::Unlimited => 0,
                            })
                            .sum(),
                    ),
                };
                ScopeUsage {
                    scope,
                    charged,
                    refunded,
                    net: i64::from(charged) - i64::from(refunded),
                    lapsed,
                    left,
                }
            })
            .collect();

        let burn_downs = views
            .iter()
            .filter(|v| ran(v))
            .filter_map(|v| {
                let Allowance::Incidents(allowance) = v.contract.allowance else {
                    return None;
                };
                Some(self.burn_down(v, allowance, day, &forecasts))
            })
            .collect();
        let observations = self
            .observations
            .iter()
            .filter(|o| period.contains(o.on))
            .filter_map(|o| self.compare(o).ok())
            .collect();
        UsageReport {
            period,
            by,
            rows,
            totals,
            burn_downs,
            observations,
        }
    }

    fn burn_down(
        &self,
        v: &ContractView<'_>,
        allowance: u32,
        day: NaiveDate,
        forecasts: &BTreeMap<Id, super::forecast::Forecast>,
    ) -> BurnDown {
        let c = v.contract;
        let last = day.min(c.end);
        // Each day's net change: a charge takes one, a refund gives it back.
        let mut changes: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for h in self
            .incidents
            .iter()
            .filter(|h| h.counts() && h.contract_id.as_ref() == Some(&c.contract_id))
        {
            if h.opened_on <= last {
                *changes.entry(h.opened_on).or_default() -= 1;
            }
            if let Some(on) = h.refunded_on.filter(|on| *on <= last) {
                *changes.entry(on).or_default() += 1;
            }
        }
        let mut left = i64::from(allowance);
        let mut steps = vec![(c.start, allowance)];
        for (on, change) in changes {
            left += change;
            steps.push((on.max(c.start), left.clamp(0, i64::from(allowance)) as u32));
        }
        BurnDown {
            contract_id: c.contract_id.to_string(),
            plan: c.plan.to_string(),
            allowance,
            start: c.start,
            end: c.end,
            steps,
            runs_out_on: forecasts.get(&c.contract_id).and_then(|f| f.runs_out_on),
            lapsed: (c.end <= day).then_some(v.remaining).flatten(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::Coverage;
    use crate::domain::incident::{Refund, RefundReason};
    use crate::domain::testing::{contract, d, incident, org_with};

    fn opened(n: u32, on: &str, contract: &str, month_refunded: Option<&str>) -> Incident {
        let mut i = incident(n, Some(contract));
        i.opened_on = d(on);
        i.refund = month_refunded.map(|r| Refund {
            on: d(r),
            reason: RefundReason::Duplicate,
            by: None,
        });
        i
    }

    /// A 10-pack that ended in March with 7 left and a 5-pack in use, with a charge of the old
    /// year refunded in the new one.
    fn state_and_records() -> (State, Vec<Incident>) {
        let mut s = org_with(&[]);
        s.contracts = vec![
            contract(
                "OLD",
                Coverage::Cloud,
                Allowance::Incidents(10),
                "2025-04-01",
                "2026-03-31",
            ),
            contract(
                "NEW",
                Coverage::Cloud,
                Allowance::Incidents(5),
                "2026-04-01",
                "2027-03-31",
            ),
        ];
        let records = vec![
            opened(1, "2025-12-20", "OLD", Some("2026-01-05")),
            opened(2, "2026-02-10", "OLD", None),
            opened(3, "2026-02-11", "OLD", None),
            opened(4, "2026-05-02", "NEW", None),
            opened(5, "2026-05-20", "NEW", Some("2026-05-22")),
        ];
        s.incidents = records.iter().cloned().collect();
        (s, records)
    }

    #[test]
    fn r19_r20_a_report_counts_charges_and_refunds_in_the_period_and_what_lapsed() {
        let (s, records) = state_and_records();
        let year = Period {
            since: d("2026-01-01"),
            until: d("2026-06-30"),
        };
        let r = s.usage_report(year, GroupBy::Contract, &records);
        type Case = (&'static str, u32, u32, i64, Option<u32>, Option<Left>);
        let cases: [Case; 2] = [
            // OLD: 2 charged in the period, 1 refunded (charged in 2025); 10 − 2 = 8 lapsed.
            ("NEW", 2, 1, 1, None, Some(Left::Incidents(4))),
            ("OLD", 2, 1, 1, Some(8), None),
        ];
        for (row, (key, charged, refunded, net, lapsed, left)) in r.rows.iter().zip(cases) {
            assert_eq!(
                (
                    row.key.as_str(),
                    row.charged,
                    row.refunded,
                    row.net,
                    row.lapsed,
                    row.left
                ),
                (key, charged, refunded, net, lapsed, left)
            );
        }
        assert_eq!(r.rows.len(), 2);
        let cloud = &r.totals[1];
        assert_eq!(
            (
                cloud.scope,
                cloud.charged,
                cloud.refunded,
                cloud.lapsed,
                cloud.left
            ),
            (Scope::Cloud, 4, 2, 8, Left::Incidents(4))
        );
        // By month, a refund counts in the month it was given.
        let months = s.usage_report(year, GroupBy::Month, &records);
        let months: Vec<_> = months
            .rows
            .iter()
            .map(|r| (r.key.as_str(), r.charged, r.refunded))
            .collect();
        assert_eq!(
            months,
            [("2026-01", 0, 1), ("2026-02", 2, 0), ("2026-05", 2, 1)]
        );
        // The burn-down of NEW: 5, then 4 on 05-02, 3 on 05-20, 4 again on 05-22.
        let new = r
            .burn_downs
            .iter()
            .find(|b| b.contract_id == "NEW")
            .unwrap();
        assert_eq!(
            new.steps,
            [
                (d("2026-04-01"), 5),
                (d("2026-05-02"), 4),
                (d("2026-05-20"), 3),
                (d("2026-05-22"), 4)
            ]
        );
        let old = r
            .burn_downs
            .iter()
            .find(|b| b.contract_id == "OLD")
            .unwrap();
        assert_eq!(old.lapsed, Some(8));
    }

    #[test]
    fn the_period_asked_ends_today_at_the_latest() {
        let today = d("2026-11-25");
        // Year, since, until: the period, or what the refusal says.
        type Case = (
            Option<i32>,
            Option<&'static str>,
            Option<&'static str>,
            Result<(&'static str, &'static str), &'static str>,
        );
        let cases: [Case; 6] = [
            (None, None, None, Ok(("2026-01-01", "2026-11-25"))),
            (Some(2025), None, None, Ok(("2025-01-01", "2025-12-31"))),
            (Some(2026), None, None, Ok(("2026-01-01", "2026-11-25"))),
            (
                None,
                Some("2026-07-01"),
                Some("2027-01-01"),
                Ok(("2026-07-01", "2026-11-25")),
            ),
            (None, Some("2026-12-01"), None, Err("after today")),
            (
                None,
                Some("2026-06-01"),
                Some("2026-05-01"),
                Err("comes before its first"),
            ),
        ];
        for (year, since, until, expected) in cases {
            let got = Period::asked(year, since.map(d), until.map(d), today);
            match (got, expected) {
                (Ok(p), Ok((s, u))) => assert_eq!((p.since, p.until), (d(s), d(u))),
                (Err(e), Err(why)) => assert!(e.to_string().contains(why), "{e}"),
                (got, expected) => {
                    panic!("{year:?} {since:?} {until:?}: {got:?}, not {expected:?}")
                }
            }
        }
    }

    #[test]
    fn periods_include_both_days() {
        let p = Period {
            since: d("2026-01-01"),
            until: d("2026-03-31"),
        };
        for (day, inside) in [
            ("2025-12-31", false),
            ("2026-01-01", true),
            ("2026-03-31", true),
            ("2026-04-01", false),
        ] {
            assert_eq!(p.contains(d(day)), inside, "{day}");
        }
    }
}
