//! The exchange format: what `export` writes, the records as one JSON document or as CSV for a
//! spreadsheet (RFC 4180, through the csv crate), and what `import` reads back of either.

use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::domain::account::Account;
use crate::domain::incident::{CSP_PLAN, Incident};
use crate::domain::merge::Import;
use crate::domain::offer::Offer;
use crate::domain::state::{ContractView, Organization, PendingActivation, SCHEMA_VERSION};
use crate::store::catalog::CatalogRecord;

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
    /// The catalog the offers are of (with `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog: Option<CatalogRecord>,
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
            catalog: None,
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

/// A cell as a spreadsheet can take it safely: one that starts as a formula would (`=`, `+`, `-`,
/// `@`, a tab or a carriage return) gets a `'` in front, which spreadsheets show as text and
/// `import` takes off again (OWASP's rule for CSV injection).
fn cell(text: String) -> String {
    match text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => format!("'{text}"),
        false => text,
    }
}

/// A cell read back: the `'` that [`cell`] put in front of a formula-like text taken off.
fn uncell(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
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
    "voided_on",
    "void_reason",
    "voided_by",
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
        out.write_record(
            [
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
                text(i.void.as_ref().map(|v| v.on.to_string())),
                text(i.void.as_ref().map(|v| v.reason.to_string())),
                text(
                    i.void
                        .as_ref()
                        .and_then(|v| v.by.as_ref())
                        .map(ToString::to_string),
                ),
            ]
            .map(cell),
        )
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
        "charged",
        "refunded",
        "remaining",
        "lapsed",
        "start",
        "end",
        "status",
        "linked_accounts",
    ])
    .map_err(csv_error)?;
    for v in views {
        let c = v.contract;
        out.write_record(
            [
                c.contract_id.to_string(),
                super::access_id(&c.access_id, reveal),
                c.plan.to_string(),
                c.kind.slug().to_string(),
                c.benefit.clone().unwrap_or_default(),
                c.coverage.slug().to_string(),
                c.allowance.to_string(),
                v.usage.charged.to_string(),
                v.usage.refunded.to_string(),
                v.remaining
                    .map_or_else(|| "unlimited".to_string(), |r| r.to_string()),
                v.lapsed().map(|n| n.to_string()).unwrap_or_default(),
                c.start.to_string(),
                c.end.to_string(),
                v.status.slug().to_string(),
                c.linked_accounts
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(";"),
            ]
            .map(cell),
        )
        .map_err(csv_error)?;
    }
    out.flush()
}

/// An `import` file: a JSON export, or an incidents CSV; what is wrong with it in words.
pub fn parse(text: &str) -> Result<Import, String> {
    if text.trim_start().starts_with('{') {
        from_json(text)
    } else {
        from_csv(text)
    }
}

fn field<T: DeserializeOwned>(
    doc: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<T>, String> {
    doc.remove(key)
        .map(|v| serde_json::from_value(v).map_err(|e| format!("`{key}`: {e}")))
        .transpose()
}

/// A JSON export: its records and the organization it came from.
fn from_json(text: &str) -> Result<Import, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let Value::Object(mut doc) = doc else {
        return Err("expected a JSON object".into());
    };
    if doc.get("format").and_then(Value::as_str) != Some(EXPORT_FORMAT) {
        return Err(format!(
            "it is not a `partner-support export --format json` file (no \"format\": \"{EXPORT_FORMAT}\")"
        ));
    }
    let version = doc
        .get("schema_version")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    // Its records are in the state file's shape: an older export is brought up to this
    // version's by the state file's own migrations.
    if !(2..=u64::from(SCHEMA_VERSION)).contains(&version) {
        return Err(format!(
            "it has schema version {version}; this build imports versions 2 to {SCHEMA_VERSION}"
        ));
    }
    let mut whole = Value::Object(std::mem::take(&mut doc));
    crate::store::file::migrate(&mut whole, version)?;
    let Value::Object(mut doc) = whole else {
        unreachable!("a migration keeps a document an object")
    };
    if let Some(Value::Array(contracts)) = doc.get("contracts")
        && let Some(masked) = contracts.iter().find(|c| {
            c["access_id"]
                .as_str()
                .is_some_and(|a| a.starts_with("****"))
        })
    {
        return Err(format!(
            "contract `{}` has a masked Access ID; export with `--reveal` to carry contracts over",
            masked["contract_id"].as_str().unwrap_or("?")
        ));
    }
    let catalog = field::<CatalogRecord>(&mut doc, "catalog")?
        .map(|record| record.resolve().map_err(|e| format!("`catalog`: {e}")))
        .transpose()?;
    Ok(Import {
        organization: field(&mut doc, "organization")?,
        catalog,
        accounts: field(&mut doc, "accounts")?.unwrap_or_default(),
        offers: field(&mut doc, "offers")?.unwrap_or_default(),
        pending: field(&mut doc, "pending")?.unwrap_or_default(),
        contracts: field(&mut doc, "contracts")?.unwrap_or_default(),
        incidents: field(&mut doc, "incidents")?.unwrap_or_default(),
        rows: Default::default(),
    })
}

/// An incidents CSV with the columns `export --format csv --what incidents` writes (`plan` is
/// ignored: it is the contract's).
fn from_csv(text: &str) -> Result<Import, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    for required in ["id", "opened_on", "scope", "title"] {
        if !headers.iter().any(|h| h == required) {
            return Err(format!(
                "the CSV has no `{required}` column (expected {})",
                INCIDENT_COLUMNS.join(",")
            ));
        }
    }
    let mut incidents = Vec::new();
    let mut rows = std::collections::BTreeMap::new();
    for (n, row) in reader.records().enumerate() {
        let row = row.map_err(|e| e.to_string())?;
        let get = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| row.get(i))
                .filter(|v| !v.is_empty())
                .map(|v| Value::String(uncell(v).to_string()))
                .unwrap_or(Value::Null)
        };
        let refund = match get("refunded_on") {
            Value::Null => Value::Null,
            on => {
                serde_json::json!({"on": on, "reason": get("refund_reason"), "by": get("refunded_by")})
            }
        };
        let void = match get("voided_on") {
            Value::Null => Value::Null,
            on => {
                serde_json::json!({"on": on, "reason": get("void_reason"), "by": get("voided_by")})
            }
        };
        let record = serde_json::json!({
            "id": get("id"), "contract_id": get("contract_id"), "opened_on": get("opened_on"),
            "closed_on": get("closed_on"), "void": void, "refund": refund, "scope": get("scope"), "title": get("title"),
            "product": get("product"), "case_number": get("case_number"),
            "csp_customer": get("csp_customer"), "opened_by": get("opened_by"),
        });
        let incident: Incident =
            serde_json::from_value(record).map_err(|e| format!("row {}: {e}", n + 2))?;
        rows.insert(incident.id, n + 2);
        incidents.push(incident);
    }
    Ok(Import {
        incidents,
        rows,
        ..Import::default()
    })
}
