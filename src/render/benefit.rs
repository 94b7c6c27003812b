//! The Technical benefits page: the table, R1's empty page, the JSON shapes.

use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;

use super::Screen;
use super::contract::ContractJson;
use super::offer::YearJson;
use super::table::{allowance, counts, fit, scope, table};
use crate::domain::activation::{BenefitState, BenefitView, PENDING_HINT_DAYS};
use crate::domain::catalog::Catalog;

/// The R1 message, in Partner Center's words.
pub const NO_BENEFITS: &str = "Looks like you don't have any benefits yet";

/// The Technical benefits page (R1 when empty).
pub fn benefits(
    w: &mut dyn Write,
    screen: &Screen,
    views: &[BenefitView<'_>],
    catalog: &Catalog,
    today: NaiveDate,
    ended: Option<NaiveDate>,
) -> io::Result<()> {
    if views.is_empty() {
        if let Some(on) = ended {
            return writeln!(w, "{}", membership_ended(on));
        }
        writeln!(w, "{NO_BENEFITS}.")?;
        return writeln!(w, "{}", add_an_offer(catalog));
    }
    let several_years = views.iter().any(|b| b.year != views[0].year);
    let make = |screen: &Screen, short_names: bool| {
        let mut t = table(
            screen,
            ["Benefit", "Year", "Support", "Scope", "Allowance", "State"],
        );
        for b in views {
            let state = match &b.state {
                BenefitState::NotActivated => "not activated".to_string(),
                BenefitState::Pending { since, .. } => {
                    let days = (today - *since).num_days();
                    let mut s = format!("pending since {since}");
                    if days > PENDING_HINT_DAYS {
                        s.push_str(&format!(" ({days} days: check Partner Center)"));
                    }
                    s
                }
                BenefitState::Active { contract } => format!("active: contract {contract}"),
                BenefitState::Lapsed { contract, status } if screen.compact() => {
                    format!("{}: contract {contract}", status.slug())
                }
                BenefitState::Lapsed { contract, status } => format!(
                    "{}: contract {contract}; the next allocation comes with the next year",
                    status.slug()
                ),
                BenefitState::Declined { on, .. } if screen.compact() => {
                    format!("declined on {on}")
                }
                BenefitState::Declined { on, reason } => match reason {
                    Some(r) => {
                        format!("declined on {on} for this year: {}", super::table::shown(r))
                    }
                    None => format!("declined on {on} for this year"),
                },
            };
            let name = match b.name.split_once('/') {
                Some((offer, benefit)) if short_names => format!("{offer}/\n{benefit}"),
                _ => b.name.clone(),
            };
            let year = match screen.compact() {
                true => b.year.start.to_string(),
                false => b.year.to_string(),
            };
            t.add_row(vec![
                name,
                year,
                b.entitlement.kind.title.clone(),
                scope(b.entitlement.coverage.slug(), screen),
                allowance(b.entitlement.allowance),
                state,
            ]);
        }
        // Benefits of several membership years differ by their year alone: then it stays, and
        // wraps between its two days when it must.
        let (give_way, wrap): (&[&str], &[&str]) = match several_years {
            true => (
                &["Support", "Allowance", "Scope"],
                &["Year", "Support", "State"],
            ),
            false => (&["Year", "Support", "Allowance"], &["Support", "State"]),
        };
        fit(&mut t, screen, give_way, wrap);
        t
    };
    // Shortened, a year is named by its first day; and where the names whole would cost a
    // column, a name breaks after its `/`, where it reads as two (never hiding more, so a
    // wider screen still never shows fewer columns).
    let build = |screen: &Screen| {
        let whole = make(screen, false);
        if !screen.compact() || super::table::hidden_columns(&whole) == 0 {
            return whole;
        }
        let broken = make(screen, true);
        match super::table::hidden_columns(&broken) <= super::table::hidden_columns(&whole) {
            true => broken,
            false => whole,
        }
    };
    writeln!(w, "{}", super::table::fitted(screen, build))?;
    // Figures the catalog is not sure of are said so, every time they are shown.
    let mut unsure: Vec<&str> = views
        .iter()
        .filter(|b| crate::domain::catalog::FigureStatus::to_confirm(b.entitlement.status))
        .map(|b| b.name.as_str())
        .collect();
    unsure.dedup();
    if !unsure.is_empty() {
        writeln!(
            w,
            "{}",
            screen.wrap(
                &format!(
                    "The allowances of {} are not verified in the catalog: confirm them in Partner Center.",
                    unsure.join(", ")
                ),
                0
            )
        )?;
    }
    Ok(())
}

/// R1's hint: how to add an offer of `catalog`, one without an option and one with, when it
/// has them.
fn add_an_offer(catalog: &Catalog) -> String {
    let plain = catalog.offers.iter().find(|o| o.option.is_none());
    let with = catalog.offers.iter().rev().find(|o| o.option.is_some());
    let with = with.map(|o| {
        let option = o.option.as_deref().unwrap_or_default();
        format!(
            "`offer add {} {} NAME`",
            o.id,
            crate::hint::option_flag(option)
        )
    });
    match (plain, with) {
        (Some(p), Some(w)) => format!(
            "Add a membership offer first: `partner-support offer add {}`, or {w}.",
            p.id
        ),
        (Some(p), None) => format!(
            "Add a membership offer first: `partner-support offer add {}`.",
            p.id
        ),
        (None, Some(w)) => format!("Add a membership offer first: `partner-support {}.", &w[1..]),
        (None, None) => "Add a membership offer first: `partner-support catalog show` lists the catalog's offers.".into(),
    }
}

/// What `benefits` and `status` say once every offer has ended (R17).
pub fn membership_ended(on: NaiveDate) -> String {
    format!(
        "The membership ended on {on}. `partner-support offer renew NAME` adds the next year (`offer list --all` shows the years)."
    )
}

/// A benefit on the benefits page.
#[derive(Debug, Serialize)]
pub struct BenefitJson {
    pub name: String,
    pub offer: String,
    pub benefit: String,
    pub title: String,
    pub plan: String,
    pub scope: &'static str,
    pub unlimited: bool,
    pub allowance: Option<u32>,
    pub status: &'static str,
    pub pending_since: Option<NaiveDate>,
    pub requested_by: Option<String>,
    pub contract_id: Option<String>,
    pub declined_on: Option<NaiveDate>,
    pub declined_reason: Option<String>,
    pub year: YearJson,
}

impl From<&BenefitView<'_>> for BenefitJson {
    fn from(b: &BenefitView<'_>) -> Self {
        let (unlimited, allowance) = counts(b.entitlement.allowance);
        let (pending_since, requested_by) = match &b.state {
            BenefitState::Pending { since, by } => {
                (Some(*since), by.as_ref().map(|e| e.to_string()))
            }
            _ => (None, None),
        };
        let contract_id = match &b.state {
            BenefitState::Active { contract } | BenefitState::Lapsed { contract, .. } => {
                Some(contract.clone())
            }
            _ => None,
        };
        let (declined_on, declined_reason) = match &b.state {
            BenefitState::Declined { on, reason } => (Some(*on), reason.clone()),
            _ => (None, None),
        };
        BenefitJson {
            name: b.name.clone(),
            offer: b.offer.name(),
            benefit: b.entitlement.kind.id.clone(),
            title: b.entitlement.kind.title.clone(),
            plan: b.entitlement.plan.to_string(),
            scope: b.entitlement.coverage.slug(),
            unlimited,
            allowance,
            status: b.state.slug(),
            pending_since,
            requested_by,
            contract_id,
            declined_on,
            declined_reason,
            year: b.year.into(),
        }
    }
}

/// `benefits --json`.
#[derive(Serialize)]
pub struct BenefitsJson {
    pub as_of: NaiveDate,
    pub benefits: Vec<BenefitJson>,
    pub message: Option<String>,
}

/// `activate --json`: the benefit, and the contract once active.
#[derive(Serialize)]
pub struct ActivatedJson {
    pub benefit: BenefitJson,
    pub contract: Option<ContractJson>,
}
