//! Contracts with their balances: the list, one in detail, `incidents remaining` and its
//! totals, the JSON shapes, the CSV row.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::NaiveDate;
use comfy_table::Cell;
use serde::Serialize;

use super::csv::cells;
use super::incident::IncidentJson;
use super::offer::YearJson;
use super::table::{
    allowance, counts, day, day_header, fit, one_year, or_dash, plan_name, right, scope, shown,
    status_cell, table,
};
use super::{Screen, access_id, bar};
use crate::domain::contract::{Allowance, Scope, Status};
use crate::domain::forecast::Forecast;
use crate::domain::incident::Incident;
use crate::domain::offer::Year;
use crate::domain::state::{ContractView, Lapsed, ScopeTotal, Totals};
use crate::domain::values::Id;

/// What a contract has left with a bar (on a roomy screen), for one that can still be used;
/// else in words.
fn left(v: &ContractView<'_>, screen: &Screen) -> String {
    match (v.status, v.remaining, v.contract.allowance) {
        (Status::Active | Status::Exhausted, Some(r), Allowance::Incidents(n)) => {
            if screen.compact() {
                format!("{r}/{n}")
            } else {
                format!("{} {r}/{n}", bar(r, n))
            }
        }
        _ => left_text(v),
    }
}

/// The contracts table; `with_reason` adds why a contract is unavailable (R7).
pub fn contracts(
    w: &mut dyn Write,
    screen: &Screen,
    views: &[ContractView<'_>],
    reveal: bool,
    with_reason: bool,
    forecasts: Option<&BTreeMap<Id, Forecast>>,
) -> io::Result<()> {
    if views.is_empty() {
        return writeln!(
            w,
            "No usable contracts. `--all` also lists expired and exhausted ones."
        );
    }
    let build = |screen: &Screen| {
        let starts = one_year(screen, views.iter().map(|v| v.contract.start));
        let ends = one_year(screen, views.iter().map(|v| v.contract.end));
        let mut header = vec![
            "Contract".to_string(),
            "Access ID".into(),
            "Plan".into(),
            "Scope".into(),
            "Charged".into(),
            "Refunded".into(),
            "Left".into(),
            day_header("Start", starts),
            day_header("End", ends),
            "Days left".into(),
            "Status".into(),
        ];
        if forecasts.is_some() {
            header.push("Runs out".into());
        }
        if with_reason {
            header.push("Reason".into());
        }
        let mut t = table(screen, header);
        for v in views {
            let c = v.contract;
            let mut row: Vec<Cell> = [
                c.contract_id.to_string(),
                access_id(&c.access_id, reveal),
                plan_name(c.plan.as_str(), screen),
                scope(c.coverage.slug(), screen),
                v.usage.charged.to_string(),
                v.usage.refunded.to_string(),
                left(v, screen),
                day(c.start, starts),
                day(c.end, ends),
                v.days_left.max(0).to_string(),
            ]
            .into_iter()
            .map(Cell::new)
            .collect();
            row.push(status_cell(v.status));
            if let Some(forecasts) = forecasts {
                row.push(Cell::new(runs_out(forecasts, v)));
            }
            if with_reason {
                row.push(Cell::new(v.reason().unwrap_or_default()));
            }
            t.add_row(row);
        }
        right(&mut t, &[4, 5, 9]);
        // Runs out gives way last of those that can: it is what a manager reads first. With the
        // reason, which says why a contract is not usable, the status can go too.
        let give_way: &[&str] = match with_reason {
            true => &[
                "Start",
                "Refunded",
                "Charged",
                "Access ID",
                "Days left",
                "Status",
                "Runs out",
            ],
            false => &[
                "Start",
                "Refunded",
                "Charged",
                "Access ID",
                "Days left",
                "Runs out",
            ],
        };
        fit(&mut t, screen, give_way, &["Plan", "Left", "Reason"]);
        t
    };
    writeln!(w, "{}", super::table::fitted(screen, build))
}

/// One contract in detail, with its incidents.
pub fn contract_detail(
    w: &mut dyn Write,
    screen: &Screen,
    v: &ContractView<'_>,
    year: Option<Year>,
    incidents: &[Incident],
    reveal: bool,
) -> io::Result<()> {
    let c = v.contract;
    let linked: Vec<_> = c.linked_accounts.iter().map(|e| e.as_str()).collect();
    let rows = [
        ("Contract ID", c.contract_id.to_string()),
        ("Access ID", access_id(&c.access_id, reveal)),
        ("Plan", shown(&c.plan)),
        ("Benefit", or_dash(c.benefit.as_ref())),
        ("Membership year", or_dash(year)),
        ("Scope", c.coverage.slug().to_string()),
        ("Allowance", allowance(c.allowance)),
        ("Charged", v.usage.charged.to_string()),
        ("Refunded", v.usage.refunded.to_string()),
        ("Left", left(v, screen)),
        ("Start", c.start.to_string()),
        (
            "End",
            format!("{} ({} days left)", c.end, v.days_left.max(0)),
        ),
        (
            "Status",
            match v.reason() {
                Some(r) => format!("{} ({r})", v.status.slug()),
                None => v.status.slug().to_string(),
            },
        ),
        (
            "Linked accounts",
            if linked.is_empty() {
                "-".into()
            } else {
                linked.join(", ")
            },
        ),
    ];
    super::table::fields(w, screen, rows)?;
    if !incidents.is_empty() {
        writeln!(w)?;
        super::incident::incidents(w, screen, incidents, |_| Some(c.plan.to_string()))?;
    }
    Ok(())
}

/// `incidents remaining`: one row per contract, then the totals.
pub fn remaining(
    w: &mut dyn Write,
    screen: &Screen,
    views: &[ContractView<'_>],
    forecasts: &BTreeMap<Id, Forecast>,
    by_scope: &[ScopeTotal],
) -> io::Result<()> {
    if views.is_empty() {
        return writeln!(w, "No usable contracts: no incidents remaining.");
    }
    let build = |screen: &Screen| {
        let ends = one_year(screen, views.iter().map(|v| v.contract.end));
        let mut t = table(
            screen,
            [
                "Contract".to_string(),
                "Plan".into(),
                "Scope".into(),
                "Allowance".into(),
                "Charged".into(),
                "Refunded".into(),
                "Left".into(),
                day_header("End", ends),
                "Days left".into(),
                "Runs out".into(),
            ],
        );
        for v in views {
            let c = v.contract;
            t.add_row(vec![
                c.contract_id.to_string(),
                plan_name(c.plan.as_str(), screen),
                scope(c.coverage.slug(), screen),
                c.allowance.to_string(),
                v.usage.charged.to_string(),
                v.usage.refunded.to_string(),
                left_text(v),
                day(c.end, ends),
                v.days_left.max(0).to_string(),
                runs_out(forecasts, v),
            ]);
        }
        right(&mut t, &[3, 4, 5, 6, 8]);
        fit(
            &mut t,
            screen,
            // What this table is for, charged, refunded and left, goes last.
            &["Allowance", "Days left", "Runs out", "Refunded", "Charged"],
            &["Plan", "Left"],
        );
        t
    };
    writeln!(w, "{}", super::table::fitted(screen, build))?;
    for total in by_scope {
        writeln!(w, "{}", scope_total(total))?;
    }
    Ok(())
}

/// When a contract runs out at its recent rate (R20): a day before its end, or "—".
fn runs_out(forecasts: &BTreeMap<Id, Forecast>, v: &ContractView<'_>) -> String {
    forecasts
        .get(&v.contract.contract_id)
        .and_then(|f| f.runs_out_on)
        .map_or_else(|| "—".to_string(), |d| d.to_string())
}

/// One year's lapsed incidents as a line: "Lapsed unused in 2026: 8 (6000010: 8)".
pub fn lapsed(l: &Lapsed) -> String {
    let each: Vec<String> = l
        .contracts
        .iter()
        .map(|(id, n)| format!("{id}: {n}"))
        .collect();
    format!(
        "Lapsed unused in {}: {} ({})",
        l.year,
        l.incidents,
        each.join(", ")
    )
}

/// One scope's total as a line: "On-premises: 58 left in 4 contracts, next end 2027-01-18".
pub fn scope_total(t: &ScopeTotal) -> String {
    let name = match t.scope {
        Scope::OnPremises => "On-premises",
        Scope::Cloud => "Cloud",
    };
    let limited = match (t.contracts, t.next_end) {
        (0, _) | (_, None) => None,
        (n, Some(end)) => Some(format!(
            "{} left in {n} contract{}, next end {end}",
            t.left,
            if n == 1 { "" } else { "s" }
        )),
    };
    match (t.unlimited_until, limited) {
        (Some(until), None) => format!("{name}: unlimited until {until}"),
        (Some(until), Some(l)) => format!("{name}: unlimited until {until} (and {l})"),
        (None, Some(l)) => format!("{name}: {l}"),
        (None, None) => format!("{name}: nothing usable today"),
    }
}

/// What a contract has left, in words: a waiting one says when it starts, an expired one what
/// lapsed unused (R19).
fn left_text(v: &ContractView<'_>) -> String {
    match (v.status, v.remaining) {
        (Status::Waiting, _) => {
            let days = v.starts_in_days().unwrap_or_default();
            format!("starts in {days} day{}", if days == 1 { "" } else { "s" })
        }
        (Status::Expired, Some(0)) => "none lapsed".to_string(),
        (Status::Expired, Some(n)) => format!("{n} lapsed unused"),
        (_, Some(r)) => r.to_string(),
        (_, None) => "unlimited".to_string(),
    }
}

/// A contract with its derived balance and status.
#[derive(Debug, Serialize)]
pub struct ContractJson {
    pub contract_id: String,
    pub access_id: String,
    pub plan: String,
    pub kind: &'static str,
    pub benefit: Option<String>,
    pub scope: &'static str,
    pub unlimited: bool,
    pub allowance: Option<u32>,
    pub charged: u32,
    pub refunded: u32,
    pub used: u32,
    pub remaining: Option<u32>,
    pub lapsed: Option<u32>,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub days_left: i64,
    pub starts_in_days: Option<i64>,
    pub status: &'static str,
    pub reason: Option<String>,
    pub linked_accounts: Vec<String>,
    pub recorded_on: Option<NaiveDate>,
    /// R18, for a benefit's contract in a list: the membership year it was allocated for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<YearJson>,
    /// R20, for an active limited contract in a document that forecasts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast: Option<ForecastJson>,
}

/// A contract's forecast (R20).
#[derive(Debug, Serialize)]
pub struct ForecastJson {
    pub rate_per_30_days: f64,
    pub runs_out_on: Option<NaiveDate>,
}

impl ContractJson {
    /// With the membership year it was allocated for, when it is a benefit's.
    pub fn with_year(mut self, year: Option<Year>) -> Self {
        self.year = year.map(YearJson::from);
        self
    }

    /// With its forecast, when it has one.
    pub fn with_forecast(mut self, forecast: Option<&Forecast>) -> Self {
        self.forecast = forecast.map(|f| ForecastJson {
            rate_per_30_days: f.rate_per_30_days,
            runs_out_on: f.runs_out_on,
        });
        self
    }
}

impl ContractJson {
    /// The contract, its Access ID masked unless `reveal`.
    pub fn new(v: &ContractView<'_>, reveal: bool) -> Self {
        let c = v.contract;
        let (unlimited, allowance) = counts(c.allowance);
        ContractJson {
            contract_id: c.contract_id.to_string(),
            access_id: access_id(&c.access_id, reveal),
            plan: c.plan.to_string(),
            kind: c.kind.slug(),
            benefit: c.benefit.clone(),
            scope: c.coverage.slug(),
            unlimited,
            allowance,
            charged: v.usage.charged,
            refunded: v.usage.refunded,
            used: v.usage.used(),
            remaining: v.remaining,
            lapsed: v.lapsed(),
            start: c.start,
            end: c.end,
            days_left: v.days_left,
            starts_in_days: v.starts_in_days(),
            status: v.status.slug(),
            reason: v.reason(),
            linked_accounts: c.linked_accounts.iter().map(|e| e.to_string()).collect(),
            recorded_on: c.recorded_on,
            year: None,
            forecast: None,
        }
    }
}

/// `contract list --json`.
#[derive(Serialize)]
pub struct ContractsJson {
    pub as_of: NaiveDate,
    pub contracts: Vec<ContractJson>,
}

/// `contract show --json`: the contract and its incidents.
#[derive(Serialize)]
pub struct ContractShownJson<'a> {
    #[serde(flatten)]
    pub contract: ContractJson,
    pub incidents: Vec<IncidentJson<'a>>,
    /// What Partner Center showed left, oldest first, beside the record.
    pub observations: Vec<ObservationJson>,
}

/// One count Partner Center showed, beside the record's on that day.
#[derive(Debug, Serialize)]
pub struct ObservationJson {
    pub on: NaiveDate,
    pub left: u32,
    pub record_left: u32,
    pub agrees: bool,
}

impl ObservationJson {
    /// The JSON of `compared`.
    pub fn new(compared: &crate::domain::reconcile::Comparison) -> Self {
        ObservationJson {
            on: compared.observation.on,
            left: compared.observation.left,
            record_left: compared.record_left,
            agrees: compared.agrees(),
        }
    }
}

/// The counts Partner Center showed on a contract, one line each, after its detail.
pub fn observations(
    w: &mut dyn Write,
    compared: &[crate::domain::reconcile::Comparison],
) -> io::Result<()> {
    if compared.is_empty() {
        return Ok(());
    }
    writeln!(w, "Partner Center showed:")?;
    for c in compared {
        let verdict = match c.agrees() {
            true => "as the record".to_string(),
            false => format!("the record {}", c.record_left),
        };
        writeln!(
            w,
            "  {}: {} left ({verdict})",
            c.observation.on, c.observation.left
        )?;
    }
    Ok(())
}

/// `incidents open --json`: the incident and the contract it charged.
#[derive(Serialize)]
pub struct OpenedJson<'a> {
    #[serde(flatten)]
    pub incident: IncidentJson<'a>,
    pub contract: Option<ContractJson>,
}

/// `contract link --json`.
#[derive(Serialize)]
pub struct LinkedJson {
    pub account: String,
    pub already_linked: bool,
    pub contract: ContractJson,
}

/// `incidents remaining --json`.
#[derive(Serialize)]
pub struct RemainingJson {
    pub as_of: NaiveDate,
    pub contracts: Vec<ContractJson>,
    pub totals: Totals,
    pub by_scope: Vec<ScopeTotalJson>,
    pub lapsed_by_year: Vec<LapsedJson>,
}

/// What lapsed unused in one year (R19).
#[derive(Debug, Serialize)]
pub struct LapsedJson {
    pub year: i32,
    pub incidents: u32,
    pub contracts: Vec<LapsedContractJson>,
}

/// One contract's lapsed incidents.
#[derive(Debug, Serialize)]
pub struct LapsedContractJson {
    pub contract_id: String,
    pub incidents: u32,
}

impl LapsedJson {
    /// One year's.
    pub fn new(l: &Lapsed) -> Self {
        LapsedJson {
            year: l.year,
            incidents: l.incidents,
            contracts: l
                .contracts
                .iter()
                .map(|(id, n)| LapsedContractJson {
                    contract_id: id.clone(),
                    incidents: *n,
                })
                .collect(),
        }
    }
}

/// What one scope has to spend today.
#[derive(Debug, Serialize)]
pub struct ScopeTotalJson {
    pub scope: &'static str,
    pub left: u32,
    pub contracts: usize,
    pub next_end: Option<NaiveDate>,
    pub unlimited: bool,
    pub unlimited_until: Option<NaiveDate>,
}

impl ScopeTotalJson {
    /// One scope's total.
    pub fn new(t: &ScopeTotal) -> Self {
        ScopeTotalJson {
            scope: t.scope.slug(),
            left: t.left,
            contracts: t.contracts,
            next_end: t.next_end,
            unlimited: t.unlimited_until.is_some(),
            unlimited_until: t.unlimited_until,
        }
    }
}

/// One contract as a row of the contracts CSV, with its balance and status on the export's
/// day. Every cell goes through [`cells`].
#[derive(Debug, Default, Serialize)]
pub struct ContractRow {
    #[serde(with = "cells")]
    pub contract_id: Option<String>,
    #[serde(with = "cells")]
    pub access_id: Option<String>,
    #[serde(with = "cells")]
    pub plan: Option<String>,
    #[serde(with = "cells")]
    pub kind: Option<String>,
    #[serde(with = "cells")]
    pub benefit: Option<String>,
    #[serde(with = "cells")]
    pub scope: Option<String>,
    #[serde(with = "cells")]
    pub allowance: Option<String>,
    #[serde(with = "cells")]
    pub charged: Option<String>,
    #[serde(with = "cells")]
    pub refunded: Option<String>,
    #[serde(with = "cells")]
    pub remaining: Option<String>,
    #[serde(with = "cells")]
    pub lapsed: Option<String>,
    #[serde(with = "cells")]
    pub start: Option<String>,
    #[serde(with = "cells")]
    pub end: Option<String>,
    #[serde(with = "cells")]
    pub status: Option<String>,
    #[serde(with = "cells")]
    pub linked_accounts: Option<String>,
}

impl ContractRow {
    /// The columns, in order (the header even of an empty export).
    pub const COLUMNS: &[&str] = &[
        "contract_id",
        "access_id",
        "plan",
        "kind",
        "benefit",
        "scope",
        "allowance",
        "charged",
        "refunded",
        "remaining",
        "lapsed",
        "start",
        "end",
        "status",
        "linked_accounts",
    ];

    /// The row of `v`, its Access ID masked unless `reveal`.
    pub fn new(v: &ContractView<'_>, reveal: bool) -> Self {
        let c = v.contract;
        let text = |v: &dyn std::fmt::Display| Some(v.to_string());
        ContractRow {
            contract_id: text(&c.contract_id),
            access_id: Some(access_id(&c.access_id, reveal)),
            plan: text(&c.plan),
            kind: text(&c.kind.slug()),
            benefit: c.benefit.clone(),
            scope: text(&c.coverage.slug()),
            allowance: text(&c.allowance),
            charged: text(&v.usage.charged),
            refunded: text(&v.usage.refunded),
            remaining: Some(
                v.remaining
                    .map_or_else(|| "unlimited".to_string(), |r| r.to_string()),
            ),
            lapsed: v.lapsed().map(|n| n.to_string()),
            start: text(&c.start),
            end: text(&c.end),
            status: text(&v.status.slug()),
            linked_accounts: Some(
                c.linked_accounts
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(";"),
            ),
        }
    }
}

/// The contracts as CSV, with their balance and status on the export's day.
pub fn csv(w: &mut dyn Write, views: &[ContractView<'_>], reveal: bool) -> io::Result<()> {
    let rows = views.iter().map(|v| ContractRow::new(v, reveal));
    super::csv::write(w, ContractRow::COLUMNS, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_header_is_the_rows_fields() {
        assert_eq!(
            super::super::csv::header_of(ContractRow::default()),
            ContractRow::COLUMNS
        );
    }
}

/// What `contract reconcile` found: Partner Center's count beside the record's, and when they
/// differ, the likely causes.
pub fn reconciled(
    w: &mut dyn Write,
    screen: &Screen,
    compared: &crate::domain::reconcile::Comparison,
    causes: &[crate::domain::reconcile::Cause],
) -> io::Result<()> {
    let o = &compared.observation;
    if compared.agrees() {
        return writeln!(
            w,
            "contract {}: Partner Center showed {} left on {}, as the record does",
            o.contract, o.left, o.on
        );
    }
    writeln!(
        w,
        "contract {}: Partner Center showed {} left on {}, the record {}",
        o.contract, o.left, o.on, compared.record_left
    )?;
    if causes.is_empty() {
        return writeln!(
            w,
            "No likely cause in the record: check each incident against Partner Center's list."
        );
    }
    writeln!(w, "Likely causes:")?;
    for cause in causes {
        writeln!(
            w,
            "{}",
            screen.wrap(&format!("  - {}", cause_text(cause)), 4)
        )?;
    }
    Ok(())
}

/// A likely cause, in words.
fn cause_text(cause: &crate::domain::reconcile::Cause) -> String {
    use crate::domain::reconcile::Cause;
    let list = |ids: &[crate::domain::incident::IncidentId]| {
        ids.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match cause {
        Cause::NotImported(n) => format!(
            "{n} more charged at Microsoft than recorded: cases opened and not in the record yet (`partner-support import --from azure-tickets FILE`)"
        ),
        Cause::RefundsRecorded(ids) => format!(
            "refunds recorded here that Microsoft may not have applied yet: {}",
            list(ids)
        ),
        Cause::NoCaseNumber(ids) => format!(
            "incidents with no case number, perhaps never opened with Microsoft or typed twice (`incidents void ID`): {}",
            list(ids)
        ),
        Cause::AwaitingRefund(ids) => format!(
            "billing, quota or subscription tickets Microsoft refunds on closure, not refunded here (`incidents refund ID --reason other`): {}",
            list(ids)
        ),
    }
}

/// `contract reconcile --json`.
#[derive(Debug, Serialize)]
pub struct ReconciledJson {
    pub contract: String,
    pub on: NaiveDate,
    pub left: u32,
    pub record_left: u32,
    pub agrees: bool,
    pub causes: Vec<CauseJson>,
}

/// A likely cause: `not-imported` (with `count`), `refunds-recorded`, `no-case-number` or
/// `awaiting-refund` (with their `incidents`).
#[derive(Debug, Serialize)]
pub struct CauseJson {
    pub cause: &'static str,
    pub count: usize,
    pub incidents: Vec<String>,
    pub message: String,
}

impl ReconciledJson {
    /// The document of `compared` and its `causes`.
    pub fn new(
        compared: &crate::domain::reconcile::Comparison,
        causes: &[crate::domain::reconcile::Cause],
    ) -> Self {
        use crate::domain::reconcile::Cause;
        ReconciledJson {
            contract: compared.observation.contract.to_string(),
            on: compared.observation.on,
            left: compared.observation.left,
            record_left: compared.record_left,
            agrees: compared.agrees(),
            causes: causes
                .iter()
                .map(|c| {
                    let (cause, ids): (&'static str, &[crate::domain::incident::IncidentId]) =
                        match c {
                            Cause::NotImported(_) => ("not-imported", &[]),
                            Cause::RefundsRecorded(ids) => ("refunds-recorded", ids),
                            Cause::NoCaseNumber(ids) => ("no-case-number", ids),
                            Cause::AwaitingRefund(ids) => ("awaiting-refund", ids),
                        };
                    CauseJson {
                        cause,
                        count: match c {
                            Cause::NotImported(n) => *n as usize,
                            _ => ids.len(),
                        },
                        incidents: ids.iter().map(ToString::to_string).collect(),
                        message: cause_text(c),
                    }
                })
                .collect(),
        }
    }
}
