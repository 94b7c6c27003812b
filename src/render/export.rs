//! `export`: the records as one JSON document (what `import` reads back) or as CSV for a
//! spreadsheet (RFC 4180, through the csv crate).

use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use crate::domain::account::Account;
use crate::domain::incident::{CSP_PLAN, Incident};
use crate::domain::offer::Offer;
use crate::domain::state::{ContractView, Organization, PendingActivation, SCHEMA_VERSION};

/// What a JSON export says it is, so `import` can tell it from any other JSON.
pub const EXPORT_FORMAT: &str = "partner-support export";

/// The JSON export: the stored records, Access IDs masked unless revealed.
#[derive(Debug, Serialize)]
pub struct Export<'a> {
    /// Always [`EXPORT_FORMAT`].
    pub format: &'static str,
    /// The state schema the records follow.
    pub schema_version: u32,
    /// The day it was exported under.
    pub as_of: NaiveDate,
    /// The organization (with `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<&'a Organization>,
    /// Accounts (with `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<&'a [Account]>,
    /// Offers (with `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offers: Option<&'a [Offer]>,
    /// Pending activations (with `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<&'a [PendingActivation]>,
    /// Contracts as stored (with `all` or `contracts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contracts: Option<Vec<Value>>,
    /// Incidents as stored (with `all` or `incidents`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<&'a [Incident]>,
}

impl<'a> Export<'a> {
    /// An export of nothing yet, as of `today`.
    pub fn new(as_of: NaiveDate) -> Self {
        Export {
            format: EXPORT_FORMAT,
            schema_version: SCHEMA_VERSION,
            as_of,
            organization: None,
            accounts: None,
            offers: None,
            pending: None,
            contracts: None,
            incidents: None,
        }
    }
}

/// Contracts as stored, their Access IDs masked unless `reveal`.
pub fn stored_contracts(views: &[ContractView<'_>], reveal: bool) -> io::Result<Vec<Value>> {
    views
        .iter()
        .map(|v| {
            let mut c = serde_json::to_value(v.contract)?;
            c["access_id"] = super::access_id(&v.contract.access_id, reveal).into();
            Ok(c)
        })
        .collect()
}

fn csv_error(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

/// The columns of the incidents CSV (also what `import` reads).
pub const INCIDENT_COLUMNS: &[&str] = &[
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
];

/// The incidents as CSV; `plan` names a contract's plan.
pub fn incidents_csv(
    w: &mut dyn Write,
    incidents: &[Incident],
    plan: impl Fn(&Incident) -> Option<String>,
) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(INCIDENT_COLUMNS).map_err(csv_error)?;
    let text = |v: Option<String>| v.unwrap_or_default();
    for i in incidents {
        let plan = match &i.contract_id {
            Some(_) => plan(i),
            None if i.csp_customer.is_some() => Some(CSP_PLAN.to_string()),
            None => None,
        };
        out.write_record([
            i.id.to_string(),
            i.opened_on.to_string(),
            i.scope.slug().to_string(),
            i.title.to_string(),
            text(i.product.as_ref().map(ToString::to_string)),
            text(i.contract_id.as_ref().map(ToString::to_string)),
            text(plan),
            text(i.case_number.as_ref().map(ToString::to_string)),
            text(i.csp_customer.as_ref().map(ToString::to_string)),
            text(i.opened_by.as_ref().map(ToString::to_string)),
            text(i.closed_on.map(|d| d.to_string())),
            text(i.refund.as_ref().map(|r| r.on.to_string())),
            text(i.refund.as_ref().map(|r| r.reason.slug().to_string())),
            text(
                i.refund
                    .as_ref()
                    .and_then(|r| r.by.as_ref())
                    .map(ToString::to_string),
            ),
        ])
        .map_err(csv_error)?;
    }
    out.flush()
}

/// The contracts as CSV, with their balance and status on the export's day.
pub fn contracts_csv(
    w: &mut dyn Write,
    views: &[ContractView<'_>],
    reveal: bool,
) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "contract_id",
        "access_id",
        "plan",
        "kind",
        "benefit",
        "scope",
        "allowance",
        "used",
        "refunded",
        "remaining",
        "start",
        "end",
        "status",
        "linked_accounts",
    ])
    .map_err(csv_error)?;
    for v in views {
        let c = v.contract;
        out.write_record([
            c.contract_id.to_string(),
            super::access_id(&c.access_id, reveal),
            c.plan.to_string(),
            c.kind.slug().to_string(),
            c.benefit.clone().unwrap_or_default(),
            c.coverage.slug().to_string(),
            c.allowance.to_string(),
            v.usage.used().to_string(),
            v.usage.refunded.to_string(),
            v.remaining
                .map_or_else(|| "unlimited".to_string(), |r| r.to_string()),
            c.start.to_string(),
            c.end.to_string(),
            v.status.slug().to_string(),
            c.linked_accounts
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(";"),
        ])
        .map_err(csv_error)?;
    }
    out.flush()
}
