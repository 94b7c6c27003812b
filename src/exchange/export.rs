//! What `import` reads of what `export` wrote: a JSON export (its records in the state file's
//! shape, brought up to this version by the state file's own migrations), or an incidents CSV
//! (the same row type `export` writes, `render::incident::IncidentRow`).

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::domain::incident::Incident;
use crate::domain::merge::Import;
use crate::render::export::EXPORT_FORMAT;
use crate::render::incident::IncidentRow;
use crate::store::catalog::CatalogRecord;
use crate::store::file::SCHEMA_VERSION;

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
    let mut catalogs = Vec::new();
    for record in field::<CatalogRecord>(&mut doc, "catalog")?
        .into_iter()
        .chain(field::<Vec<CatalogRecord>>(&mut doc, "other_catalogs")?.unwrap_or_default())
    {
        catalogs.push(
            record
                .resolve()
                .map_err(|e| format!("`catalog` `{}`: {e}", record.name))?,
        );
    }
    Ok(Import {
        organization: field(&mut doc, "organization")?,
        catalogs,
        accounts: field(&mut doc, "accounts")?.unwrap_or_default(),
        offers: field(&mut doc, "offers")?.unwrap_or_default(),
        pending: field(&mut doc, "pending")?.unwrap_or_default(),
        declined: field(&mut doc, "declined")?.unwrap_or_default(),
        observations: field(&mut doc, "observations")?.unwrap_or_default(),
        refund_candidates: field(&mut doc, "refund_candidates")?.unwrap_or_default(),
        conflicts: field(&mut doc, "conflicts")?.unwrap_or_default(),
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
    for required in IncidentRow::REQUIRED {
        if !headers.iter().any(|h| h == required) {
            return Err(format!(
                "the CSV has no `{required}` column (expected {})",
                IncidentRow::COLUMNS.join(",")
            ));
        }
    }
    let mut incidents = Vec::new();
    let mut rows = std::collections::BTreeMap::new();
    for (n, row) in reader.deserialize::<IncidentRow>().enumerate() {
        let line = n + 2;
        let row = row.map_err(|e| format!("row {line}: {e}"))?;
        // Through serde's JSON form, so a row is checked by the record's own rules.
        let incident: Incident =
            serde_json::from_value(row.record()).map_err(|e| format!("row {line}: {e}"))?;
        rows.insert(incident.id, line);
        incidents.push(incident);
    }
    Ok(Import {
        incidents,
        rows,
        ..Import::default()
    })
}
