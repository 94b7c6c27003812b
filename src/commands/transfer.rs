//! `export` and `import`: records out as JSON or CSV, and back in, merged all or nothing.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::cli::{ExportArgs, FormatArg, ImportArgs, WhatArg};
use crate::domain::incident::Incident;
use crate::domain::merge::{Import, Merged};
use crate::domain::refusal::Refusal;
use crate::domain::state::SCHEMA_VERSION;
use crate::error::Error;
use crate::render::export::{self, EXPORT_FORMAT, Export, INCIDENT_COLUMNS};

/// Runs `export`.
pub fn export(ctx: &mut super::Ctx, args: ExportArgs) -> Result<(), Error> {
    let loaded = ctx.load()?;
    let state = &loaded.state;
    let views = state.contract_views(ctx.today);
    let incidents = loaded.records(|_| true)?;
    let plan = |i: &Incident| {
        let id = i.contract_id.as_ref()?;
        state.contract(id.as_str()).ok().map(|c| c.plan.to_string())
    };
    match (args.format, args.what) {
        (FormatArg::Csv, WhatArg::Incidents) => {
            export::incidents_csv(&mut ctx.out, &incidents, plan)?
        }
        (FormatArg::Csv, WhatArg::Contracts) => {
            export::contracts_csv(&mut ctx.out, &views, ctx.reveal)?
        }
        (FormatArg::Csv, WhatArg::All) => {
            return Err(Refusal::BadCombination(
                "a CSV file holds one table: add `--what incidents` or `--what contracts`".into(),
            )
            .into());
        }
        (FormatArg::Json, what) => {
            let all = what == WhatArg::All;
            let mut doc = Export::new(ctx.today);
            if all {
                doc.organization = state.organization.as_ref();
                doc.accounts = Some(&state.accounts);
                doc.offers = Some(&state.offers);
                doc.pending = Some(&state.pending);
            }
            if all || what == WhatArg::Contracts {
                doc.contracts = Some(export::stored_contracts(&views, ctx.reveal)?);
            }
            if all || what == WhatArg::Incidents {
                doc.incidents = Some(&incidents);
            }
            ctx.print_json(&doc)?;
        }
    }
    Ok(())
}

/// Runs `import`.
pub fn import(ctx: &mut super::Ctx, args: ImportArgs) -> Result<(), Error> {
    let bad =
        |why: String| Refusal::BadImport(format!("cannot import `{}`: {why}", args.file.display()));
    let text = std::fs::read_to_string(&args.file).map_err(|e| bad(e.to_string()))?;
    let import = if text.trim_start().starts_with('{') {
        from_json(&text).map_err(bad)?
    } else {
        from_csv(&text).map_err(bad)?
    };
    let (_, merged) = ctx.mutate_if("import", |state, stored, _| {
        let recorded = import
            .incident_ids()
            .filter(|id| state.incidents.find(*id).is_some())
            .map(|id| stored.record(&state.incidents, id))
            .collect::<Result<Vec<_>, _>>()?;
        let merged = state.merge(import, &recorded)?;
        let summary = (merged.added.total() > 0).then(|| summary(&merged, file_name(&args.file)));
        Ok((merged, summary))
    })?;
    if ctx.json {
        return Ok(ctx.print_json(&merged)?);
    }
    ctx.say(summary(&merged, file_name(&args.file)))?;
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn summary(m: &Merged, file: String) -> String {
    let part = |n: usize, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    let list = |c: &crate::domain::merge::Counts| {
        [
            part(c.incidents, "incident", "incidents"),
            part(c.contracts, "contract", "contracts"),
            part(c.accounts, "account", "accounts"),
            part(c.offers, "offer", "offers"),
            part(c.pending, "pending activation", "pending activations"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    };
    let added = match m.added.total() {
        0 => "nothing new".to_string(),
        _ => list(&m.added),
    };
    match m.duplicates.total() {
        0 => format!("imported {added} from {file}"),
        n => format!(
            "imported {added} from {file} ({n} already recorded: {})",
            list(&m.duplicates)
        ),
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
    if version != u64::from(SCHEMA_VERSION) {
        return Err(format!(
            "it has schema version {version}; this build imports version {SCHEMA_VERSION}"
        ));
    }
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
    Ok(Import {
        organization: field(&mut doc, "organization")?,
        accounts: field(&mut doc, "accounts")?.unwrap_or_default(),
        offers: field(&mut doc, "offers")?.unwrap_or_default(),
        pending: field(&mut doc, "pending")?.unwrap_or_default(),
        contracts: field(&mut doc, "contracts")?.unwrap_or_default(),
        incidents: field(&mut doc, "incidents")?.unwrap_or_default(),
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
    for (n, row) in reader.records().enumerate() {
        let row = row.map_err(|e| e.to_string())?;
        let get = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| row.get(i))
                .filter(|v| !v.is_empty())
                .map(|v| Value::String(v.to_string()))
                .unwrap_or(Value::Null)
        };
        let refund = match get("refunded_on") {
            Value::Null => Value::Null,
            on => {
                serde_json::json!({"on": on, "reason": get("refund_reason"), "by": get("refunded_by")})
            }
        };
        let record = serde_json::json!({
            "id": get("id"), "contract_id": get("contract_id"), "opened_on": get("opened_on"),
            "closed_on": get("closed_on"), "refund": refund, "scope": get("scope"), "title": get("title"),
            "product": get("product"), "case_number": get("case_number"),
            "csp_customer": get("csp_customer"), "opened_by": get("opened_by"),
        });
        let incident: Incident =
            serde_json::from_value(record).map_err(|e| format!("row {}: {e}", n + 2))?;
        incidents.push(incident);
    }
    Ok(Import {
        incidents,
        ..Import::default()
    })
}
