//! `export` and `import`: records out as JSON or CSV, and back in, merged all or nothing.

use std::path::Path;

use std::collections::BTreeMap;

use crate::cli::{ExportArgs, FormatArg, ImportArgs, ImportFrom, WhatArg};
use crate::domain::incident::Incident;
use crate::domain::merge::Merged;
use crate::domain::refusal::Refusal;
use crate::domain::tickets::Fate;
use crate::error::Error;
use crate::render::export::{self, Export};

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
            crate::render::incident::csv(&mut ctx.out, &incidents, plan)?
        }
        (FormatArg::Csv, WhatArg::Contracts) => {
            crate::render::contract::csv(&mut ctx.out, &views, ctx.reveal)?
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
                doc.other_catalogs = state
                    .other_catalogs
                    .iter()
                    .map(|c| crate::store::catalog::CatalogRecord::of(c))
                    .collect();
                doc.accounts = Some(&state.accounts);
                doc.offers = Some(&state.offers);
                doc.pending = Some(&state.pending);
                doc.declined = Some(state.declined.as_slice()).filter(|d| !d.is_empty());
                doc.observations = Some(state.observations.as_slice()).filter(|o| !o.is_empty());
                doc.refund_candidates =
                    Some(state.refund_candidates.as_slice()).filter(|r| !r.is_empty());
                doc.conflicts = Some(state.conflicts.as_slice()).filter(|c| !c.is_empty());
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
    if args.from == ImportFrom::AzureTickets {
        return import_tickets(ctx, args);
    }
    if let Some(more) = args.more.first() {
        return Err(Refusal::BadCombination(format!(
            "`{}`: an export or a CSV is one file; several files go with `--from azure-tickets` (the pages of one list)",
            more.display()
        ))
        .into());
    }
    if let Some(c) = &args.contract {
        return Err(Refusal::BadCombination(format!(
            "`--contract {c}` places Azure tickets: it goes with `--from azure-tickets`"
        ))
        .into());
    }
    let bad =
        |why: String| Refusal::BadImport(format!("cannot import `{}`: {why}", args.file.display()));
    let text = crate::store::read_input(&args.file, crate::store::MAX_IMPORT_BYTES)
        .map_err(|e| bad(e.to_string()))?;
    let import = crate::exchange::export::parse(&text).map_err(bad)?;
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
            part(c.declined, "declined benefit", "declined benefits"),
            part(
                c.observations,
                "Partner Center count",
                "Partner Center counts",
            ),
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

/// `import --from azure-tickets FILE`: every ticket a cloud incident on its own day, all or
/// nothing; the outcome of each as a table (what `-n` previews).
fn import_tickets(ctx: &mut super::Ctx, args: ImportArgs) -> Result<(), Error> {
    // Every page, read and checked before anything is imported: all or nothing.
    let mut tickets = Vec::new();
    let mut last_link = None;
    for path in std::iter::once(&args.file).chain(&args.more) {
        let bad =
            |why: String| Refusal::BadImport(format!("cannot import `{}`: {why}", path.display()));
        let text = crate::store::read_input(path, crate::store::MAX_IMPORT_BYTES)
            .map_err(|e| bad(e.to_string()))?;
        let page = crate::exchange::tickets::parse(&text).map_err(bad)?;
        tickets.extend(page.tickets);
        last_link = page.next_link;
    }
    if last_link.is_some() {
        ctx.warn(
            "the last file is one page of a longer list (it has a nextLink): the tickets on the pages after it are not in it; name every page (`import --from azure-tickets p1.json p2.json …`)",
        )?;
    }
    let lifecycle = ctx.lifecycle()?;
    let today = ctx.today;
    let name = file_name(&args.file);
    let seen = crate::store::team::highest_elsewhere(ctx.store.path());
    let (_, outcomes) = ctx.mutate_if("import azure-tickets", |state, stored, actor| {
        state.incidents_seen = seen.unwrap_or(0);
        let mut known = BTreeMap::new();
        let ids: Vec<_> = state.incidents.iter().map(|h| h.id).collect();
        for id in ids {
            let record = stored.record(&state.incidents, id)?;
            if let Some(case) = record.case_number.clone() {
                known.insert(case, record);
            }
        }
        let outcomes = state.import_tickets(
            tickets.clone(),
            &known,
            args.contract.as_ref(),
            actor,
            today,
            &lifecycle,
        )?;
        let charged: Vec<String> = outcomes
            .iter()
            .filter_map(|o| match &o.fate {
                Fate::Charged { incident, .. } => Some(incident.to_string()),
                _ => None,
            })
            .collect();
        let synced: Vec<String> = outcomes
            .iter()
            .filter_map(|o| match &o.fate {
                Fate::Synced { incident, change } => {
                    Some(crate::render::ticket::synced(*incident, *change))
                }
                _ => None,
            })
            .collect();
        let imported = match charged.as_slice() {
            [] => None,
            [one] => Some(format!(
                "imported 1 Azure support ticket from {name} as {one}"
            )),
            [first, .., last] => Some(format!(
                "imported {} Azure support tickets from {name} as {first}–{last}",
                charged.len()
            )),
        };
        let summary = match (imported, synced.is_empty()) {
            (None, true) => None,
            (Some(i), true) => Some(i),
            (None, false) => Some(format!("synced with {name}: {}", synced.join(", "))),
            (Some(i), false) => Some(format!("{i}; {}", synced.join(", "))),
        };
        Ok((outcomes, summary))
    })?;
    if ctx.json {
        return Ok(ctx.print_json(&crate::render::ticket::TicketsJson::of(&outcomes))?);
    }
    crate::render::ticket::tickets(&mut ctx.out, &ctx.screen, &outcomes)?;
    let count = |f: fn(&Fate) -> bool| outcomes.iter().filter(|o| f(&o.fate)).count();
    let (charged, duplicates, skipped, synced, differs) = (
        count(|f| matches!(f, Fate::Charged { .. })),
        count(|f| matches!(f, Fate::Duplicate { .. })),
        count(|f| matches!(f, Fate::Skipped)),
        count(|f| matches!(f, Fate::Synced { .. })),
        count(|f| matches!(f, Fate::Differs { .. })),
    );
    ctx.say(format_args!(
        "{charged} ticket{} recorded as incidents, {duplicates} already recorded, {synced} brought up to date with Azure, {skipped} skipped (plans that are not partner benefits; `--contract C` places them)",
        if charged == 1 { "" } else { "s" }
    ))?;
    if differs > 0 {
        ctx.warn(format_args!(
            "{differs} recorded incident{} differ{} from Azure in a way not applied: see the table's Outcome",
            if differs == 1 { "" } else { "s" },
            if differs == 1 { "s" } else { "" }
        ))?;
    }
    let refundable = outcomes
        .iter()
        .filter(|o| matches!(o.fate, Fate::Charged { .. }) && o.ticket.may_be_refunded())
        .count();
    if refundable > 0 {
        ctx.note(format_args!(
            "{refundable} of them (billing, quota or subscription management) may be refunded on closure: record it with `incidents refund ID --reason other` when Microsoft does"
        ))?;
    }
    Ok(())
}
