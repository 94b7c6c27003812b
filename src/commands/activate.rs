//! `benefits` (the Technical benefits page), `activate` (R1–R4) and `decline`.

use crate::cli::{ActivateArgs, BenefitsArgs, DeclineArgs};
use crate::domain::activation::{Activation, BenefitState};
use crate::error::Error;
use crate::render::benefit::ActivatedJson;
use crate::render::benefit::BenefitJson;
use crate::render::benefit::BenefitsJson;
use crate::render::benefit::NO_BENEFITS;
use crate::render::contract::ContractJson;

use super::Ctx;

pub fn benefits(ctx: &mut Ctx, args: BenefitsArgs) -> Result<(), Error> {
    let loaded = ctx.load()?;
    let state = &loaded.state;
    let actor = state.actor(ctx.as_account.as_ref())?;
    state.require_benefits_page(actor)?;
    let today = ctx.today;
    let views = match (args.all, args.year) {
        (true, _) => state.benefits_in(today, |o| o.all_years(today)),
        (false, Some(day)) => state.benefits_in(today, |o| o.year_on(day).into_iter().collect()),
        (false, None) => state.benefits(today),
    };
    let ended = match (args.all, args.year) {
        (false, None) => state.membership_ended(today),
        _ => None,
    };
    if ctx.json {
        let message = match (views.is_empty(), ended) {
            (false, _) => None,
            (true, Some(on)) => Some(crate::render::benefit::membership_ended(on)),
            (true, None) => Some(NO_BENEFITS.to_string()),
        };
        let doc = BenefitsJson {
            as_of: today,
            benefits: views.iter().map(BenefitJson::from).collect(),
            message,
        };
        return Ok(ctx.print_json(&doc)?);
    }
    Ok(crate::render::benefit::benefits(
        &mut ctx.out,
        &ctx.screen,
        &views,
        &state.catalog,
        today,
        ended,
    )?)
}

pub fn activate(ctx: &mut Ctx, args: ActivateArgs) -> Result<(), Error> {
    let activation = Activation {
        ids: args.access_id.zip(args.contract_id),
        start: args.start,
        end: args.end,
    };
    let today = ctx.today;
    let (loaded, (name, contract_id)) = ctx.mutate("activate", |state, _, actor| {
        let (name, contract) = state.activate(&args.benefit, activation, actor, today)?;
        let summary = match &contract {
            Some(c) => format!("activated {name}: contract {c}"),
            None => format!("requested activation of {name}"),
        };
        Ok(((name, contract), summary))
    })?;
    let state = &loaded.state;
    let views = state.benefits(today);
    let view = views
        .iter()
        .find(|v| v.name == name)
        .expect("just activated");
    let contract = contract_id
        .as_ref()
        .map(|id| state.contract_view(id.as_str(), today))
        .transpose()?;
    if ctx.json {
        let doc = ActivatedJson {
            benefit: BenefitJson::from(view),
            contract: contract.as_ref().map(|c| ContractJson::new(c, ctx.reveal)),
        };
        return Ok(ctx.print_json(&doc)?);
    }
    match (&view.state, contract) {
        (_, Some(c)) => {
            let c = c.contract;
            ctx.say(format_args!(
                "activated {name}: contract {} ({}, {} incidents, {} to {})",
                c.contract_id, c.plan, c.allowance, c.start, c.end
            ))?;
        }
        (BenefitState::Pending { since, .. }, None) => {
            ctx.say(format_args!(
                "requested activation of {name} on {since}: it is pending"
            ))?;
            ctx.say(
                "allow a few days; when Partner Center shows the Access ID and Contract ID, record them with \
                 `partner-support activate BENEFIT --access-id A --contract-id C`",
            )?;
        }
        _ => {}
    }
    Ok(())
}

pub fn decline(ctx: &mut Ctx, args: DeclineArgs) -> Result<(), Error> {
    let today = ctx.today;
    let (loaded, (name, year)) = ctx.mutate("decline", |state, _, actor| {
        let (name, year) = state.decline(&args.benefit, args.reason, actor, today)?;
        let summary = format!("declined {name} for {year}");
        Ok(((name, year), summary))
    })?;
    if ctx.json {
        let views = loaded.state.benefits(today);
        let view = views
            .iter()
            .find(|v| v.name == name)
            .expect("just declined");
        return Ok(ctx.print_json(&BenefitJson::from(view))?);
    }
    ctx.say(format_args!(
        "declined {name} for its year {year}: `check` asks nothing about it until the next year (`partner-support activate {name}` withdraws the decline)"
    ))?;
    Ok(())
}
