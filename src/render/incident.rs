//! Incidents: the table, the JSON shape, the CSV row.

use std::io::{self, Write};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Screen;
use super::csv::cells;
use super::table::{day, day_header, fit, one_year, or_dash, scope, shown, table};
use crate::domain::incident::{CSP_PLAN, Incident};
use crate::domain::values::ymd;

/// The incidents table; `plan` names an incident's contract plan.
pub fn incidents(
    w: &mut dyn Write,
    screen: &Screen,
    incidents: &[Incident],
    plan: impl Fn(&Incident) -> Option<String>,
) -> io::Result<()> {
    if incidents.is_empty() {
        return writeln!(
            w,
            "No incidents. `--all` also lists closed and voided ones."
        );
    }
    let build = |screen: &Screen| {
        let opened = one_year(screen, incidents.iter().map(|i| i.opened_on));
        let mut t = table(
            screen,
            [
                "ID".to_string(),
                day_header("Opened", opened),
                "Scope".into(),
                "Title".into(),
                "Product".into(),
                "Contract".into(),
                "Case".into(),
                "By".into(),
                "State".into(),
            ],
        );
        for i in incidents {
            let contract = match (&i.contract_id, &i.csp_customer) {
                // On a narrow screen the contract's ID says enough.
                (Some(c), _) if screen.compact() => c.to_string(),
                (Some(c), _) => match plan(i) {
                    Some(plan) => format!("{c} ({})", shown(plan)),
                    // Its contract is not there on the day read (R15): a hand edit doctor names.
                    None => c.to_string(),
                },
                (None, Some(tenant)) => format!("{CSP_PLAN}: {tenant}"),
                (None, None) => "-".to_string(),
            };
            let mut state = match i.closed_on {
                Some(on) => format!("closed {on}"),
                None => "open".to_string(),
            };
            if let Some(r) = &i.refund {
                state.push_str(&format!(", refunded {} ({})", r.on, r.reason.slug()));
            }
            if let Some(v) = &i.void {
                state = format!("voided {}: {}", v.on, shown(&v.reason));
            }
            if i.outside_policy.is_some() {
                state.push_str(", outside N-1");
            }
            t.add_row(vec![
                i.id.to_string(),
                day(i.opened_on, opened),
                scope(i.scope.slug(), screen),
                shown(&i.title),
                or_dash(i.product.as_ref()),
                contract,
                or_dash(i.case_number.as_ref()),
                or_dash(i.opened_by.as_ref()),
                state,
            ]);
        }
        fit(
            &mut t,
            screen,
            &["By", "Case", "Product", "Scope", "Opened"],
            &["Title", "Product", "Contract", "State"],
        );
        t
    };
    writeln!(w, "{}", super::table::fitted(screen, build))
}

/// An incident, borrowing its text from the incident (lists can be long).
#[derive(Debug, Serialize)]
pub struct IncidentJson<'a> {
    pub id: String,
    pub scope: &'static str,
    pub title: &'a str,
    pub product: Option<&'a str>,
    pub case_number: Option<&'a str>,
    pub contract_id: Option<&'a str>,
    pub plan: Option<&'a str>,
    pub csp_customer: Option<&'a str>,
    #[serde(serialize_with = "ymd::serialize")]
    pub opened_on: NaiveDate,
    pub opened_by: Option<&'a str>,
    pub status: &'static str,
    #[serde(serialize_with = "ymd::option::serialize")]
    pub closed_on: Option<NaiveDate>,
    pub refunded: bool,
    pub refund: Option<NoteJson<'a>>,
    /// A billing, quota or subscription ticket Microsoft refunds on closure, not yet refunded.
    pub refund_candidate: bool,
    pub voided: bool,
    pub void: Option<NoteJson<'a>>,
    pub note: Option<&'a str>,
    /// Why Microsoft accepted it outside the N-1 policy.
    pub outside_policy: Option<&'a str>,
}

/// A refund or a void: when, why and who.
#[derive(Debug, Serialize)]
pub struct NoteJson<'a> {
    #[serde(serialize_with = "ymd::serialize")]
    pub on: NaiveDate,
    pub reason: &'a str,
    pub by: Option<&'a str>,
}

impl<'a> IncidentJson<'a> {
    /// The incident; `plan` is its contract's plan name, if it has one; `awaits_refund`
    /// whether it still waits for the refund Microsoft gives on closure.
    pub fn new(i: &'a Incident, plan: Option<&'a str>, awaits_refund: bool) -> Self {
        IncidentJson {
            id: i.id.to_string(),
            scope: i.scope.slug(),
            title: i.title.as_str(),
            product: i.product.as_ref().map(|p| p.as_str()),
            case_number: i.case_number.as_ref().map(|c| c.as_str()),
            contract_id: i.contract_id.as_ref().map(|c| c.as_str()),
            plan: if i.csp_customer.is_some() {
                Some(CSP_PLAN)
            } else {
                plan
            },
            csp_customer: i.csp_customer.as_ref().map(|c| c.as_str()),
            opened_on: i.opened_on,
            opened_by: i.opened_by.as_ref().map(|e| e.as_str()),
            note: i.note.as_ref().map(|n| n.as_str()),
            outside_policy: i.outside_policy.as_ref().map(|n| n.as_str()),
            status: match (&i.void, i.closed_on) {
                (Some(_), _) => "voided",
                (None, Some(_)) => "closed",
                (None, None) => "open",
            },
            closed_on: i.closed_on,
            refunded: i.refund.is_some(),
            refund_candidate: awaits_refund,
            refund: i.refund.as_ref().map(|r| NoteJson {
                on: r.on,
                reason: r.reason.slug(),
                by: r.by.as_ref().map(|e| e.as_str()),
            }),
            voided: i.void.is_some(),
            void: i.void.as_ref().map(|v| NoteJson {
                on: v.on,
                reason: v.reason.as_str(),
                by: v.by.as_ref().map(|e| e.as_str()),
            }),
        }
    }
}

/// `incidents list --json`.
#[derive(Serialize)]
pub struct IncidentsJson<'a> {
    pub incidents: Vec<IncidentJson<'a>>,
}

/// One incident in detail, every field a row (as `contract show`); `plan` is its contract's
/// plan name, `awaits_refund` whether it waits for Microsoft's refund, `conflict` the merge's conflict
/// that names it.
pub fn detail(
    w: &mut dyn Write,
    screen: &Screen,
    i: &Incident,
    plan: Option<&str>,
    awaits_refund: bool,
    conflict: Option<&crate::domain::conflict::Conflict>,
) -> io::Result<()> {
    let note = |on: NaiveDate, why: String, by: Option<&crate::domain::values::Email>| match by {
        Some(by) => format!("{on} ({why}, by {by})"),
        None => format!("{on} ({why})"),
    };
    let contract = match (&i.contract_id, &i.csp_customer) {
        (Some(c), _) => match plan {
            Some(plan) => format!("{c} ({})", shown(plan)),
            None => c.to_string(),
        },
        (None, Some(tenant)) => format!("{CSP_PLAN}: {tenant}"),
        (None, None) => "-".to_string(),
    };
    let rows = [
        ("ID", i.id.to_string()),
        ("Title", shown(&i.title)),
        ("Scope", i.scope.slug().to_string()),
        ("Product", or_dash(i.product.as_ref())),
        ("Case", or_dash(i.case_number.as_ref())),
        ("Contract", contract),
        ("Opened", i.opened_on.to_string()),
        ("Opened by", or_dash(i.opened_by.as_ref())),
        ("Closed", or_dash(i.closed_on)),
        (
            "Refunded",
            match &i.refund {
                Some(r) => note(r.on, r.reason.slug().to_string(), r.by.as_ref()),
                None if awaits_refund => {
                    "not yet: a billing, quota or subscription ticket, refunded on closure"
                        .to_string()
                }
                None => "-".to_string(),
            },
        ),
        (
            "Voided",
            i.void.as_ref().map_or_else(
                || "-".to_string(),
                |v| note(v.on, shown(&v.reason), v.by.as_ref()),
            ),
        ),
        ("Note", or_dash(i.note.as_ref())),
        (
            "N-1",
            i.outside_policy.as_ref().map_or_else(
                || "-".to_string(),
                |why| format!("accepted outside the policy: {}", shown(why)),
            ),
        ),
        (
            "Conflict",
            match conflict {
                None => "-".to_string(),
                Some(c) => match &c.accepted {
                    None => format!("open since the merge of {}: {}", c.on, shown(&c.rule)),
                    Some(a) => format!(
                        "accepted on {} ({}): {}",
                        a.on,
                        shown(&a.reason),
                        shown(&c.rule)
                    ),
                },
            },
        ),
    ];
    super::table::fields(w, screen, rows)
}

/// One incident as a row of the incidents CSV: what `export --format csv --what incidents`
/// writes and what `import` reads back (`plan` is the contract's, ignored on import). Every
/// cell goes through [`cells`], so a formula-like text is written as text and read as it was.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct IncidentRow {
    #[serde(with = "cells", default)]
    pub id: Option<String>,
    #[serde(with = "cells", default)]
    pub opened_on: Option<String>,
    #[serde(with = "cells", default)]
    pub scope: Option<String>,
    #[serde(with = "cells", default)]
    pub title: Option<String>,
    #[serde(with = "cells", default)]
    pub product: Option<String>,
    #[serde(with = "cells", default)]
    pub contract_id: Option<String>,
    #[serde(with = "cells", default)]
    pub plan: Option<String>,
    #[serde(with = "cells", default)]
    pub case_number: Option<String>,
    #[serde(with = "cells", default)]
    pub csp_customer: Option<String>,
    #[serde(with = "cells", default)]
    pub opened_by: Option<String>,
    #[serde(with = "cells", default)]
    pub closed_on: Option<String>,
    #[serde(with = "cells", default)]
    pub refunded_on: Option<String>,
    #[serde(with = "cells", default)]
    pub refund_reason: Option<String>,
    #[serde(with = "cells", default)]
    pub refunded_by: Option<String>,
    #[serde(with = "cells", default)]
    pub voided_on: Option<String>,
    #[serde(with = "cells", default)]
    pub void_reason: Option<String>,
    #[serde(with = "cells", default)]
    pub voided_by: Option<String>,
    #[serde(with = "cells", default)]
    pub note: Option<String>,
    #[serde(with = "cells", default)]
    pub outside_policy: Option<String>,
}

impl IncidentRow {
    /// The columns, in order (the header even of an empty export).
    pub const COLUMNS: &[&str] = &[
        "id",
        "opened_on",
        "scope",
        "title",
        "product",
        "contract_id",
        "plan",
        "case_number",
        "csp_customer",
        "opened_by",
        "closed_on",
        "refunded_on",
        "refund_reason",
        "refunded_by",
        "voided_on",
        "void_reason",
        "voided_by",
        "note",
        "outside_policy",
    ];

    /// The columns a row must have to be read.
    pub const REQUIRED: [&str; 4] = ["id", "opened_on", "scope", "title"];

    /// The row of `i`; `plan` is its contract's plan name.
    pub fn new(i: &Incident, plan: Option<String>) -> Self {
        let text = |v: &dyn std::fmt::Display| Some(v.to_string());
        IncidentRow {
            id: text(&i.id),
            opened_on: text(&i.opened_on),
            scope: text(&i.scope.slug()),
            title: text(&i.title),
            product: i.product.as_ref().map(ToString::to_string),
            contract_id: i.contract_id.as_ref().map(ToString::to_string),
            plan: match &i.contract_id {
                Some(_) => plan,
                None if i.csp_customer.is_some() => Some(CSP_PLAN.to_string()),
                None => None,
            },
            case_number: i.case_number.as_ref().map(ToString::to_string),
            csp_customer: i.csp_customer.as_ref().map(ToString::to_string),
            opened_by: i.opened_by.as_ref().map(ToString::to_string),
            closed_on: i.closed_on.map(|d| d.to_string()),
            refunded_on: i.refund.as_ref().map(|r| r.on.to_string()),
            refund_reason: i.refund.as_ref().map(|r| r.reason.slug().to_string()),
            refunded_by: i
                .refund
                .as_ref()
                .and_then(|r| r.by.as_ref())
                .map(ToString::to_string),
            voided_on: i.void.as_ref().map(|v| v.on.to_string()),
            void_reason: i.void.as_ref().map(|v| v.reason.to_string()),
            voided_by: i
                .void
                .as_ref()
                .and_then(|v| v.by.as_ref())
                .map(ToString::to_string),
            note: i.note.as_ref().map(ToString::to_string),
            outside_policy: i.outside_policy.as_ref().map(ToString::to_string),
        }
    }
}

impl IncidentRow {
    /// The record a row read back stands for, as the state file spells it (for serde to check
    /// by the record's own rules): every column that is a stored field, `plan` left out.
    pub fn record(&self) -> serde_json::Value {
        let note = |on: &Option<String>, reason: &Option<String>, by: &Option<String>| {
            on.as_ref()
                .map(|on| serde_json::json!({"on": on, "reason": reason, "by": by}))
        };
        serde_json::json!({
            "id": self.id, "contract_id": self.contract_id, "opened_on": self.opened_on,
            "closed_on": self.closed_on,
            "void": note(&self.voided_on, &self.void_reason, &self.voided_by),
            "refund": note(&self.refunded_on, &self.refund_reason, &self.refunded_by),
            "scope": self.scope, "title": self.title, "product": self.product,
            "case_number": self.case_number, "csp_customer": self.csp_customer,
            "opened_by": self.opened_by, "note": self.note,
            "outside_policy": self.outside_policy,
        })
    }
}

/// The incidents as CSV; `plan` names a contract's plan.
pub fn csv(
    w: &mut dyn Write,
    incidents: &[Incident],
    plan: impl Fn(&Incident) -> Option<String>,
) -> io::Result<()> {
    let rows = incidents.iter().map(|i| IncidentRow::new(i, plan(i)));
    super::csv::write(w, IncidentRow::COLUMNS, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_header_is_the_rows_fields() {
        assert_eq!(
            super::super::csv::header_of(IncidentRow::default()),
            IncidentRow::COLUMNS
        );
    }
}
