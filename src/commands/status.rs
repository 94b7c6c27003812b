//! `status`: the dashboard.

use std::io::Write;

use crate::domain::check::{Filter, Thresholds};
use crate::error::Error;
use crate::render::account::AccountJson;
use crate::render::catalog::CatalogNameJson;
use crate::render::check::WarningJson;
use crate::render::contract::ContractJson;
use crate::render::status::OrganizationJson;
use crate::render::status::StatusJson;

use super::Ctx;

pub fn status(ctx: &mut Ctx) -> Result<(), Error> {
    let loaded = ctx.load()?;
    let state = &loaded.state;
    let account = state.actor(ctx.as_account.as_ref())?;
    let views: Vec<_> = state
        .contract_views(ctx.today)
        .into_iter()
        .filter(|v| v.is_listed())
        .collect();
    let forecasts = state.forecasts(&views, ctx.today);
    // One set of findings: the dashboard shows what `check` finds, with its default thresholds.
    let warnings = match state.organization {
        Some(_) => {
            state
                .check(ctx.today, &Thresholds::default(), &Filter::default())?
                .findings
        }
        None => Vec::new(),
    };
    if ctx.json {
        let doc = StatusJson {
            as_of: ctx.today,
            organization: state.organization.as_ref().map(OrganizationJson::from),
            catalog: CatalogNameJson::from(&*state.catalog),
            account: account.map(|a| AccountJson::new(a, true)),
            contracts: views
                .iter()
                .map(|v| {
                    ContractJson::new(v, ctx.reveal)
                        .with_forecast(forecasts.get(&v.contract.contract_id))
                })
                .collect(),
            warnings: warnings.iter().map(WarningJson::from).collect(),
        };
        return Ok(ctx.print_json(&doc)?);
    }
    let Some(org) = &state.organization else {
        writeln!(
            ctx.out,
            "No organization yet in {}.\nStart with: partner-support init --partner-id ID --name NAME --account EMAIL --role global-admin",
            ctx.store.path().display()
        )?;
        return Ok(());
    };
    let dashboard = crate::render::status::Dashboard {
        org,
        account,
        views: &views,
        forecasts: &forecasts,
        warnings: &warnings,
        ended: state.membership_ended(ctx.today),
        today: ctx.today,
        catalog: &state.catalog,
        other_catalogs: &state.other_catalogs,
    };
    crate::render::status::status(&mut ctx.out, &ctx.screen, &dashboard, ctx.reveal)?;
    Ok(())
}
