//! `export` and `import`: records out as JSON or CSV, and back in, merged all or nothing.

use std::path::Path;

use crate::cli::{ExportArgs, FormatArg, ImportArgs, WhatArg};
use crate::domain::incident::Incident;
use crate::domain::merge::Merged;
use crate::domain::refusal::Refusal;
use crate::error::Error;
use crate::render::exchange::{self, Export};

/// Runs `export`.
pub fn export(ctx: &mut super::Ctx, args: ExportArgs) -> Result<(), Error> {
    let loaded = ctx.load()?;
    let state = &loaded.state;
    let views = state.contract_views(ctx.today);
    let incidents = loaded.records_on(ctx.today, |_| true)?;
    let plan = |i: &Incident| {
        let id = i.contract_id.as_ref()?;
        state.contract(id.as_str()).ok().map(|c| c.plan.to_string())
    };
    match (args.format, args.what) {
        (FormatArg::Csv, WhatArg::Incidents) => {
            exchange::incidents_csv(&mut ctx.out, &incidents, plan)?
        }
        (FormatArg::Csv, WhatArg::Contracts) => {
            exchange::contracts_csv(&mut ctx.out, &views, ctx.reveal)?
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
                doc.catalog = Some(crate::store::catalog::CatalogRecord::of(&state.catalog));
                doc.accounts = Some(&state.accounts);
                doc.offers = Some(&state.offers);
                doc.pending = Some(&state.pending);
            }
            if all || what == WhatArg::Contracts {
                doc.contracts = Some(exchange::stored_contracts(&views, ctx.reveal)?);
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
    let import = exchange::parse(&text).map_err(bad)?;
    let lifecycle = ctx.lifecycle()?;
    let (_, merged) = ctx.mutate_if("import", |state, stored, actor| {
        // Adding accounts is a change to the accounts (an admin's, once there is one).
        if import
            .accounts
            .iter()
            .any(|a| state.account(&a.email).is_none())
        {
            state.require_account_admin(actor.and_then(|e| state.account(e)))?;
        }
        let recorded = import
            .incident_ids()
            .filter(|id| state.incidents.find(*id).is_some())
            .map(|id| stored.record(&state.incidents, id))
            .collect::<Result<Vec<_>, _>>()?;
        let merged = state.merge(import, &recorded, &lifecycle)?;
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
