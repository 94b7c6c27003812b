//! `incidents open|list|close|edit|void|reopen|refund|remaining` (R8–R12, R14).

use std::io::Write;

use crate::cli::{EditArgs, IncidentsCommand, OpenArgs};
use crate::domain::contract::Scope;
use crate::domain::incident::{
    CSP_PLAN, Incident, IncidentEdit, IncidentId, NewIncident, RefundReason,
};
use crate::domain::state::{Lapsed, ScopeTotal, State, Totals};
use crate::domain::values::{Id, Text};
use crate::error::Error;
use crate::render::contract::ContractJson;
use crate::render::contract::LapsedJson;
use crate::render::contract::OpenedJson;
use crate::render::contract::RemainingJson;
use crate::render::contract::ScopeTotalJson;
use crate::render::incident::IncidentJson;
use crate::render::incident::IncidentsJson;

use super::Ctx;

pub fn incidents(ctx: &mut Ctx, command: IncidentsCommand) -> Result<(), Error> {
    match command {
        IncidentsCommand::Open(args) => open(ctx, args),
        IncidentsCommand::List { contract, all } => {
            list(ctx, contract.as_ref().map(|c| c.as_str()), all)
        }
        IncidentsCommand::Show { id } => show(ctx, id),
        IncidentsCommand::Close { id } => close(ctx, id),
        IncidentsCommand::Edit(args) => edit(ctx, args),
        IncidentsCommand::Reopen { id } => reopen(ctx, id),
        IncidentsCommand::NotRefunded { id } => not_refunded(ctx, id),
        IncidentsCommand::Void { id, reason } => void(ctx, id, reason),
        IncidentsCommand::Refund { id, reason } => refund(ctx, id, reason.into()),
        IncidentsCommand::Remaining {
            contract,
            scope,
            all,
        } => remaining(
            ctx,
            contract.as_ref().map(|c| c.as_str()),
            scope.map(Into::into),
            all,
        ),
    }
}

/// An incident as JSON, with its contract's plan name.
fn incident_json<'a>(state: &'a State, i: &'a Incident) -> IncidentJson<'a> {
    IncidentJson::new(
        i,
        plan_of(state, i.contract_id.as_ref()),
        state.awaits_refund(i),
    )
}

fn plan_of<'a>(state: &'a State, contract: Option<&Id>) -> Option<&'a str> {
    contract
        .and_then(|id| state.contract(id.as_str()).ok())
        .map(|c| c.plan.as_str())
}

fn open(ctx: &mut Ctx, args: OpenArgs) -> Result<(), Error> {
    let lifecycle = ctx.lifecycle()?;
    let new = NewIncident {
        scope: args.scope.into(),
        title: args.title,
        product: args.product,
        contract: args.contract,
        case_number: args.case_number,
        csp_customer: args.csp_customer,
        note: args.note,
        outside_policy: args.reason.filter(|_| args.outside_policy),
    };
    let today = ctx.today;
    let seen = crate::store::team::highest_elsewhere(ctx.store.path());
    let (loaded, opened) = ctx.mutate("incidents open", |state, _, actor| {
        state.incidents_seen = seen.unwrap_or(0);
        let opened = state.open_incident(new, actor, today, &lifecycle)?;
        let i = state
            .incidents
            .record(opened.id)
            .expect("an incident just opened is held whole");
        let summary = match &i.contract_id {
            Some(c) => format!("opened {} ({}) on contract {c}", i.id, i.scope.slug()),
            None => format!("opened {} under the {CSP_PLAN} plan", i.id),
        };
        Ok((opened, summary))
    })?;
    if let Some(note) = &opened.unchecked {
        ctx.note(crate::hint::unchecked(note))?;
    }
    let state = &loaded.state;
    let incident = loaded.record(opened.id)?;
    let view = incident
        .contract_id
        .as_ref()
        .map(|id| state.contract_view(id.as_str(), today))
        .transpose()?;
    if ctx.json {
        let doc = OpenedJson {
            incident: incident_json(state, &incident),
            contract: view.as_ref().map(|v| ContractJson::new(v, ctx.reveal)),
        };
        return Ok(ctx.print_json(&doc)?);
    }
    let Some(v) = view else {
        ctx.say(format_args!(
            "opened {} for CSP customer {} under the \"{CSP_PLAN}\" plan: no contract charged",
            incident.id,
            incident
                .csp_customer
                .as_ref()
                .map(|t| t.as_str())
                .unwrap_or_default()
        ))?;
        return Ok(());
    };
    let c = v.contract;
    let how = if opened.chosen_from > 0 {
        "chose"
    } else {
        "charged"
    };
    let left = match v.remaining {
        Some(r) => format!("{r} of {} incidents left", c.allowance),
        None => "unlimited".to_string(),
    };
    ctx.say(format_args!(
        "opened {}: {how} contract {} ({}): {left}",
        incident.id, c.contract_id, c.plan
    ))?;
    if opened.chosen_from > 0 {
        let why = match (opened.chosen_from, v.remaining) {
            (1, _) => format!(
                "the only usable plan for {} products",
                incident.scope.slug()
            ),
            (_, None) => "an unlimited plan is used before counted incidents".to_string(),
            _ => "of the usable plans, it ends first".to_string(),
        };
        ctx.say(format_args!("  ({why}; pass --contract to choose another)"))?;
    }
    if let (true, Some(by)) = (opened.linked, &incident.opened_by) {
        ctx.say(format_args!(
            "  linked {by} to contract {} (first use)",
            c.contract_id
        ))?;
    }
    Ok(())
}

fn list(ctx: &mut Ctx, contract: Option<&str>, all: bool) -> Result<(), Error> {
    let loaded = ctx.load()?;
    let state = &loaded.state;
    if let Some(id) = contract {
        state.contract(id)?;
    }
    let incidents = loaded.records_on(ctx.today, |i| {
        (all || i.is_open_on(ctx.today))
            && contract.is_none_or(|c| i.contract_id.as_ref().is_some_and(|x| x.as_str() == c))
    })?;
    if ctx.json {
        let incidents = incidents.iter().map(|i| incident_json(state, i)).collect();
        return Ok(ctx.print_json(&IncidentsJson { incidents })?);
    }
    Ok(crate::render::incident::incidents(
        &mut ctx.out,
        &ctx.screen,
        &incidents,
        |i| plan_of(state, i.contract_id.as_ref()).map(str::to_string),
    )?)
}

/// `incidents show ID`: the incident, and what a merge did to the number: an incident of the
/// other side that had it is now another ("INC-0042 … is now INC-0044").
fn show(ctx: &mut Ctx, id: IncidentId) -> Result<(), Error> {
    let loaded = ctx.load()?;
    let state = &loaded.state;
    let history = ctx.store.history(state)?;
    let moved: Vec<(IncidentId, u64)> = crate::domain::three_way::renumberings(&history)
        .into_iter()
        .filter(|(from, ..)| *from == id)
        .map(|(_, to, revision)| (to, revision))
        .collect();
    let incident = match state.incident(id) {
        Ok(_) => Some(loaded.record(id)?),
        Err(unknown) if moved.is_empty() => return Err(unknown.into()),
        Err(_) => None,
    };
    let Some(incident) = incident else {
        // The number was only ever the other side's: say where it went.
        for (to, revision) in &moved {
            ctx.say(format_args!(
                "{id} is now {to} (renumbered by the merge of revision {revision})"
            ))?;
        }
        return Ok(());
    };
    if ctx.json {
        let mut doc =
            serde_json::to_value(incident_json(state, &incident)).map_err(std::io::Error::from)?;
        doc["renumbered"] = moved
            .iter()
            .map(|(to, revision)| serde_json::json!({"now": to.to_string(), "revision": revision}))
            .collect();
        doc["conflict"] =
            serde_json::to_value(state.conflict_of(id)).map_err(std::io::Error::from)?;
        return Ok(ctx.print_json(&doc)?);
    }
    let plan = plan_of(state, incident.contract_id.as_ref());
    crate::render::incident::detail(
        &mut ctx.out,
        &ctx.screen,
        &incident,
        plan,
        state.awaits_refund(&incident),
        state.conflict_of(id),
    )?;
    for (to, revision) in &moved {
        ctx.note(format_args!(
            "another incident numbered {id}, on one side of the merge of revision {revision}, is now {to}"
        ))?;
    }
    Ok(())
}

fn close(ctx: &mut Ctx, id: IncidentId) -> Result<(), Error> {
    let today = ctx.today;
    let (loaded, i) = ctx.mutate("incidents close", |state, stored, _| {
        state.incident(id)?;
        let record = stored.record(&state.incidents, id)?;
        let closed = state.close_incident(record, today)?.clone();
        Ok((closed, format!("closed {id}")))
    })?;
    let state = &loaded.state;
    if ctx.json {
        return Ok(ctx.print_json(&incident_json(state, &i))?);
    }
    ctx.say(format_args!(
        "closed {id} (the contract's balance is unchanged)"
    ))?;
    Ok(())
}

fn edit(ctx: &mut Ctx, args: EditArgs) -> Result<(), Error> {
    let id = args.id;
    let change = IncidentEdit {
        title: args.title,
        product: args.product,
        case_number: args.case_number,
        contract: args.contract,
        note: args.note,
    };
    let lifecycle = ctx.lifecycle()?;
    let (loaded, (i, changed)) = ctx.mutate("incidents edit", |state, stored, _| {
        state.incident(id)?;
        let record = stored.record(&state.incidents, id)?;
        let (edited, changed) = state.edit_incident(record, change, &lifecycle)?;
        let summary = format!("corrected the {} of {id}", changed.join(" and "));
        Ok(((edited.clone(), changed), summary))
    })?;
    if ctx.json {
        return Ok(ctx.print_json(&incident_json(&loaded.state, &i))?);
    }
    ctx.say(format_args!(
        "corrected the {} of {id}",
        changed.join(" and ")
    ))?;
    Ok(())
}

fn reopen(ctx: &mut Ctx, id: IncidentId) -> Result<(), Error> {
    let today = ctx.today;
    let (loaded, i) = ctx.mutate("incidents reopen", |state, stored, _| {
        state.incident(id)?;
        let record = stored.record(&state.incidents, id)?;
        let reopened = state.reopen_incident(record, today)?.clone();
        Ok((reopened, format!("reopened {id}")))
    })?;
    if ctx.json {
        return Ok(ctx.print_json(&incident_json(&loaded.state, &i))?);
    }
    ctx.say(format_args!(
        "reopened {id} (the contract's balance is unchanged)"
    ))?;
    Ok(())
}

/// `incidents not-refunded`: a refund candidate Microsoft did not refund is no longer listed.
fn not_refunded(ctx: &mut Ctx, id: IncidentId) -> Result<(), Error> {
    ctx.mutate("incidents not-refunded", |state, _, _| {
        state.dismiss_refund(id)?;
        Ok(((), format!("{id} is no longer a refund candidate")))
    })?;
    if ctx.json {
        return Ok(ctx.print_json(&serde_json::json!({
            "incident": id.to_string(),
            "refund_candidate": false
        }))?);
    }
    ctx.say(format_args!(
        "{id} is no longer a refund candidate: `check` stops listing it"
    ))?;
    Ok(())
}

fn void(ctx: &mut Ctx, id: IncidentId, reason: Text) -> Result<(), Error> {
    let today = ctx.today;
    let (loaded, i) = ctx.mutate("incidents void", |state, stored, actor| {
        state.incident(id)?;
        let record = stored.record(&state.incidents, id)?;
        let summary = format!("voided {id} ({reason})");
        let voided = state.void_incident(record, reason, actor, today)?.clone();
        Ok((voided, summary))
    })?;
    if ctx.json {
        return Ok(ctx.print_json(&incident_json(&loaded.state, &i))?);
    }
    match &i.contract_id {
        Some(cid) => ctx.say(format_args!(
            "voided {id}: it no longer counts on contract {cid} (`incidents list --all` still shows it)"
        ))?,
        None => ctx.say(format_args!(
            "voided {id} (`incidents list --all` still shows it)"
        ))?,
    }
    Ok(())
}

fn refund(ctx: &mut Ctx, id: IncidentId, reason: RefundReason) -> Result<(), Error> {
    let today = ctx.today;
    let (loaded, i) = ctx.mutate("incidents refund", |state, stored, actor| {
        state.incident(id)?;
        let record = stored.record(&state.incidents, id)?;
        let refunded = state.refund_incident(record, reason, actor, today)?.clone();
        Ok((refunded, format!("refunded {id} ({})", reason.slug())))
    })?;
    let state = &loaded.state;
    if ctx.json {
        return Ok(ctx.print_json(&incident_json(state, &i))?);
    }
    let cid = i
        .contract_id
        .as_ref()
        .expect("only charged incidents are refunded");
    let left = match state.contract_view(cid.as_str(), ctx.today)?.remaining {
        Some(1) => "1 incident".to_string(),
        Some(n) => format!("{n} incidents"),
        None => "unlimited incidents".to_string(),
    };
    ctx.say(format_args!(
        "refunded {id} ({}): contract {cid} has {left} left",
        reason.slug()
    ))?;
    Ok(())
}

fn remaining(
    ctx: &mut Ctx,
    contract: Option<&str>,
    scope: Option<Scope>,
    all: bool,
) -> Result<(), Error> {
    let loaded = ctx.load()?;
    let state = &loaded.state;
    if let Some(id) = contract {
        state.contract(id)?;
    }
    let views: Vec<_> = state
        .contract_views(ctx.today)
        .into_iter()
        .filter(|v| match contract {
            Some(id) => v.contract.contract_id.as_str() == id,
            None => all || v.is_listed(),
        })
        .filter(|v| scope.is_none_or(|s| v.contract.coverage.covers(s)))
        .collect();
    let totals = Totals::of(&views);
    let forecasts = state.forecasts(&views, ctx.today);
    if ctx.json {
        let doc = RemainingJson {
            as_of: ctx.today,
            contracts: views
                .iter()
                .map(|v| {
                    ContractJson::new(v, ctx.reveal)
                        .with_forecast(forecasts.get(&v.contract.contract_id))
                })
                .collect(),
            totals,
            lapsed_by_year: Lapsed::by_year(&views)
                .iter()
                .map(LapsedJson::new)
                .collect(),
            by_scope: ScopeTotal::of(&views)
                .iter()
                .filter(|t| scope.is_none_or(|s| s == t.scope))
                .map(ScopeTotalJson::new)
                .collect(),
        };
        return Ok(ctx.print_json(&doc)?);
    }
    let by_scope: Vec<_> = ScopeTotal::of(&views)
        .into_iter()
        .filter(|t| scope.is_none_or(|s| s == t.scope))
        .collect();
    crate::render::contract::remaining(&mut ctx.out, &ctx.screen, &views, &forecasts, &by_scope)?;
    if all {
        for year in Lapsed::by_year(&views) {
            writeln!(ctx.out, "{}", crate::render::contract::lapsed(&year))?;
        }
    }
    Ok(())
}
