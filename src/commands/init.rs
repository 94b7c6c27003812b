//! `init`: create the organization.

use crate::cli::InitArgs;
use crate::domain::account::{Account, AccountKind};
use crate::domain::state::Organization;
use crate::error::Error;
use crate::render::status::OrganizationJson;

use super::Ctx;

pub fn init(ctx: &mut Ctx, args: InitArgs) -> Result<(), Error> {
    let chosen = args
        .catalog
        .unwrap_or_else(|| crate::store::catalog::default_for(ctx.today).to_string());
    let catalog =
        std::sync::Arc::new(crate::store::catalog::choose(&chosen).map_err(Error::BadCatalog)?);
    let organization = Organization {
        partner_id: args.partner_id,
        name: args.name,
        set_at: Default::default(),
    };
    let account = args.account.map(|email| Account {
        email,
        kind: AccountKind::Aad,
        roles: args.role.into_iter().map(Into::into).collect(),
        csp_only: false,
        set_at: Default::default(),
    });
    let (loaded, ()) = ctx.mutate("init", |state, _, _| {
        state.init(organization, account)?;
        state.catalog = catalog;
        let org = state.organization.as_ref().expect("just created");
        Ok((
            (),
            format!(
                "created organization {} (partner ID {}) under catalog {}",
                org.name,
                org.partner_id,
                state.catalog.label()
            ),
        ))
    })?;
    let state = &loaded.state;
    let org = state.organization.as_ref().expect("just created");
    if ctx.json {
        return Ok(ctx.print_json(&OrganizationJson::from(org))?);
    }
    let path = ctx.store.path().display().to_string();
    ctx.say(format_args!(
        "created {path} for {} (partner ID {}), catalog {}",
        org.name,
        org.partner_id,
        state.catalog.label()
    ))?;
    if let Some(note) = &state.catalog.note {
        ctx.note(note)?;
    }
    let (to_confirm, figures) = state.catalog.figures_to_confirm();
    if to_confirm > 0 {
        ctx.note(format_args!(
            "{to_confirm} of the catalog's {figures} figures are not verified: confirm them in Partner Center before relying on them (`partner-support catalog show` marks them)"
        ))?;
    }
    if let Some(a) = &state.current_account {
        ctx.say(format_args!("current account: {a}"))?;
    }
    Ok(())
}
