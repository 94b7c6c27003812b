//! `contract list|show|link|add|edit` (R5–R7, R13).

use crate::cli::{ContractAddArgs, ContractCommand};
use crate::domain::plans::{ContractEdit, NewPlan};
use crate::domain::refusal::Refusal;
use crate::domain::values::Email;
use crate::error::Error;
use crate::render::contract::ContractJson;
use crate::render::contract::ContractShownJson;
use crate::render::contract::ContractsJson;
use crate::render::contract::LinkedJson;
use crate::render::incident::IncidentJson;

use super::Ctx;

/// Why the Azure portal's error is harmless (R6).
const AZURE_ALREADY_ASSOCIATED: &str = "\
The Azure portal's \"This Access ID is already associated to an account\" error means exactly \
this: the contract is already linked to the account. It can be ignored; create the support \
request with \"+ New support request\" and the plan will be listed.";

pub fn contract(ctx: &mut Ctx, command: ContractCommand) -> Result<(), Error> {
    match command {
        ContractCommand::List { all } => list(ctx, all),
        ContractCommand::Show { contract } => show(ctx, contract.as_str()),
        ContractCommand::Link { contract, account } => link(ctx, contract.as_str(), account),
        ContractCommand::Add(args) => add(ctx, args),
        ContractCommand::Edit {
            contract,
            end,
            name,
            access_id,
        } => edit(
            ctx,
            contract.as_str(),
            ContractEdit {
                end,
                name,
                access_id,
            },
        ),
        ContractCommand::Reconcile { contract, left, on } => {
            reconcile(ctx, contract.as_str(), left, on)
        }
        ContractCommand::Remove { contract } => remove(ctx, contract.as_str()),
    }
}

/// `contract remove C`: a contract recorded by mistake, gone (the history keeps it).
fn remove(ctx: &mut Ctx, id: &str) -> Result<(), Error> {
    let (_, removed) = ctx.mutate("contract remove", |state, _, _| {
        let removed = state.remove_contract(id)?;
        let summary = format!(
            "removed contract {} ({})",
            removed.contract_id, removed.plan
        );
        Ok((removed, summary))
    })?;
    if ctx.json {
        return Ok(ctx.print_json(&serde_json::json!({
            "removed": removed.contract_id.to_string()
        }))?);
    }
    ctx.say(format_args!(
        "removed contract {} ({})",
        removed.contract_id, removed.plan
    ))?;
    Ok(())
}

/// `contract reconcile`: records Partner Center's count (with `--left`) and compares it, or
/// the last one recorded, with the record; the likely causes when they differ (exit 4).
fn reconcile(
    ctx: &mut Ctx,
    id: &str,
    left: Option<u32>,
    on: Option<chrono::NaiveDate>,
) -> Result<(), Error> {
    let today = ctx.today;
    let on = on.unwrap_or(today);
    let (loaded, compared) = match left {
        Some(left) => ctx.mutate("contract reconcile", |state, _, actor| {
            let compared = state.reconcile(id, left, on, actor, today)?;
            let summary = format!(
                "Partner Center showed {left} left on contract {id} on {on}; the record {}",
                compared.record_left
            );
            Ok((compared, summary))
        })?,
        None => {
            let loaded = ctx.load()?;
            let compared = loaded.state.last_comparison(id)?;
            (loaded, compared)
        }
    };
    let incidents = loaded.records_on(today, |i| {
        i.contract_id.as_ref() == Some(&compared.observation.contract)
    })?;
    let causes = crate::domain::reconcile::causes(&compared, &incidents);
    if ctx.json {
        ctx.print_json(&crate::render::contract::ReconciledJson::new(
            &compared, &causes,
        ))?;
    } else {
        crate::render::contract::reconciled(&mut ctx.out, &ctx.screen, &compared, &causes)?;
    }
    match compared.agrees() {
        true => Ok(()),
        false => Err(Error::Disagrees),
    }
}

fn edit(ctx: &mut Ctx, id: &str, edit: ContractEdit) -> Result<(), Error> {
    let today = ctx.today;
    let (loaded, changed) = ctx.mutate("contract edit", |state, _, _| {
        let (_, changed) = state.edit_contract(id, edit)?;
        let summary = format!("changed contract {id}: {}", changed.join(", "));
        Ok((changed, summary))
    })?;
    let view = loaded.state.contract_view(id, today)?;
    if ctx.json {
        return Ok(ctx.print_json(&ContractJson::new(&view, ctx.reveal))?);
    }
    ctx.say(format_args!(
        "changed contract {id}: {}",
        changed.join(", ")
    ))?;
    Ok(())
}

fn list(ctx: &mut Ctx, all: bool) -> Result<(), Error> {
    let loaded = ctx.load()?;
    let state = &loaded.state;
    let views: Vec<_> = state
        .contract_views(ctx.today)
        .into_iter()
        .filter(|v| all || v.is_listed())
        .collect();
    let forecasts = state.forecasts(&views, ctx.today);
    if ctx.json {
        let contracts = views
            .iter()
            .map(|v| {
                ContractJson::new(v, ctx.reveal)
                    .with_forecast(forecasts.get(&v.contract.contract_id))
                    .with_year(state.allocation_year(v.contract))
            })
            .collect();
        return Ok(ctx.print_json(&ContractsJson {
            as_of: ctx.today,
            contracts,
        })?);
    }
    Ok(crate::render::contract::contracts(
        &mut ctx.out,
        &ctx.screen,
        &views,
        ctx.reveal,
        all,
        Some(&forecasts),
    )?)
}

fn show(ctx: &mut Ctx, id: &str) -> Result<(), Error> {
    let loaded = ctx.load()?;
    let state = &loaded.state;
    let view = state.contract_view(id, ctx.today)?;
    let c = view.contract;
    let incidents = loaded.records_on(ctx.today, |i| {
        i.contract_id.as_ref() == Some(&c.contract_id)
    })?;
    if ctx.json {
        let doc = ContractShownJson {
            contract: ContractJson::new(&view, ctx.reveal).with_year(state.allocation_year(c)),
            incidents: incidents
                .iter()
                .map(|i| IncidentJson::new(i, Some(c.plan.as_str()), state.awaits_refund(i)))
                .collect(),
            observations: state
                .comparisons_of(&c.contract_id)
                .iter()
                .map(crate::render::contract::ObservationJson::new)
                .collect(),
        };
        return Ok(ctx.print_json(&doc)?);
    }
    crate::render::contract::contract_detail(
        &mut ctx.out,
        &ctx.screen,
        &view,
        state.allocation_year(c),
        &incidents,
        ctx.reveal,
    )?;
    Ok(crate::render::contract::observations(
        &mut ctx.out,
        &state.comparisons_of(&c.contract_id),
    )?)
}

fn link(ctx: &mut Ctx, id: &str, account: Option<Email>) -> Result<(), Error> {
    let today = ctx.today;
    let (loaded, (who, changed)) = ctx.mutate_if("contract link", |state, _, actor| {
        let who = account.or_else(|| actor.cloned()).ok_or_else(|| {
            Refusal::BadCombination(
                "no account to link: pass `--account EMAIL`, `--as EMAIL`, or run `partner-support account use EMAIL`".into(),
            )
        })?;
        let changed = state.link(id, &who, today)?;
        let summary = changed.then(|| format!("linked {who} to contract {id}"));
        Ok(((who, changed), summary))
    })?;
    let state = &loaded.state;
    let view = state.contract_view(id, today)?;
    if ctx.json {
        let doc = LinkedJson {
            account: who.to_string(),
            already_linked: !changed,
            contract: ContractJson::new(&view, ctx.reveal),
        };
        return Ok(ctx.print_json(&doc)?);
    }
    if changed {
        ctx.say(format_args!("linked {who} to contract {id}"))?;
    } else {
        ctx.say(format_args!(
            "{who} is already linked to contract {id}: nothing to do"
        ))?;
        ctx.say(AZURE_ALREADY_ASSOCIATED)?;
    }
    Ok(())
}

fn add(ctx: &mut Ctx, args: ContractAddArgs) -> Result<(), Error> {
    let plan = NewPlan {
        kind: args.plan.into(),
        contract_id: args.contract_id,
        access_id: args.access_id,
        allowance: args.incidents,
        coverage: args.scope.into(),
        start: args.start,
        end: args.end,
        name: args.name,
    };
    let today = ctx.today;
    let (loaded, id) = ctx.mutate("contract add", |state, _, _| {
        let c = state.add_plan(plan, today)?;
        let id = c.contract_id.clone();
        let summary = format!(
            "added contract {id} ({}, {} incidents)",
            c.plan, c.allowance
        );
        Ok((id, summary))
    })?;
    let state = &loaded.state;
    let view = state.contract_view(id.as_str(), today)?;
    let c = view.contract;
    if ctx.json {
        return Ok(ctx.print_json(&ContractJson::new(&view, ctx.reveal))?);
    }
    ctx.say(format_args!(
        "added contract {} ({}, {} incidents, {} products, {} to {})",
        c.contract_id,
        c.plan,
        c.allowance,
        c.coverage.slug(),
        c.start,
        c.end
    ))?;
    Ok(())
}
