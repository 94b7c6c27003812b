//! `offer add|list|renew|remove`.

use crate::cli::{OfferAddArgs, OfferCommand};
use crate::domain::offer::NewOffer;
use crate::error::Error;
use crate::render::offer::OfferJson;
use crate::render::offer::OffersJson;

use super::Ctx;

pub fn offer(ctx: &mut Ctx, command: OfferCommand) -> Result<(), Error> {
    match command {
        OfferCommand::Add(args) => add(ctx, args),
        OfferCommand::List { all } => list(ctx, all),
        OfferCommand::Renew { name, start, end } => renew(ctx, &name, start, end),
        OfferCommand::Remove { name } => remove(ctx, &name),
    }
}

fn add(ctx: &mut Ctx, args: OfferAddArgs) -> Result<(), Error> {
    let category = match (args.cloud, args.other) {
        (true, _) => Some("cloud".to_string()),
        (_, true) => Some("other".to_string()),
        _ => args.category,
    };
    let new = NewOffer {
        kind: args.kind,
        catalog: args.catalog,
        option: args.option,
        category,
        start: args.start,
        end: args.end,
    };
    let today = ctx.today;
    let built_in = crate::store::catalog::all_built_in();
    let (loaded, name) = ctx.mutate("offer add", |state, _, _| {
        let offer = state.add_offer(new, today, &built_in)?;
        let name = offer.name();
        let summary = format!("added offer {name} of catalog {}", offer.catalog);
        Ok((name, summary))
    })?;
    let state = &loaded.state;
    let offer = state
        .offers
        .iter()
        .find(|o| o.name() == name)
        .expect("just added");
    // A retired program's offer may be a record of the past, or a mistake: said, not refused.
    let catalog = state.catalog_of(offer);
    let start = offer.start();
    let retired = catalog.sold_before(start).map(|until| {
        let today_s = if catalog.name == state.catalog.name {
            format!(
                " (`partner-support catalog use {}` adds today's program; this year stays)",
                crate::store::catalog::CURRENT
            )
        } else {
            String::new()
        };
        format!(
            "Microsoft sold {} offers until {until}; a year starting {start} is recorded as given{today_s}",
            catalog.title
        )
    });
    if ctx.json {
        if let Some(note) = &retired {
            ctx.note(note)?;
        }
        return Ok(ctx.print_json(&OfferJson::new(
            offer,
            loaded.state.catalog_of(offer),
            today,
        ))?);
    }
    let benefits: Vec<_> = offer
        .benefits(catalog)
        .into_iter()
        .map(|(n, e)| format!("{n} ({})", e.allowance))
        .collect();
    let holder = offer
        .year_on(offer.start())
        .and_then(|year| state.package_holder(offer, year));
    if let Some(holder) = holder {
        let title = catalog
            .offer(&offer.kind)
            .map_or(offer.kind.as_str(), |k| k.title.as_str());
        ctx.say(format_args!(
            "added offer {name}: no benefits of its own while {} is held: {title} benefits come once per organization (catalog {})",
            holder.name(),
            catalog.name
        ))?;
    } else if catalog.name == state.catalog.name {
        ctx.say(format_args!("added offer {name}: {}", benefits.join(", ")))?;
    } else {
        ctx.say(format_args!(
            "added offer {name} of {} ({}), kept beside {}: {}",
            catalog.title,
            catalog.name,
            state.catalog.name,
            benefits.join(", ")
        ))?;
    }
    if let Some(note) = &retired {
        ctx.note(note)?;
    }
    Ok(())
}

fn renew(
    ctx: &mut Ctx,
    name: &str,
    start: Option<chrono::NaiveDate>,
    end: Option<chrono::NaiveDate>,
) -> Result<(), Error> {
    let today = ctx.today;
    let (loaded, (name, year)) = ctx.mutate("offer renew", |state, _, _| {
        let (offer, year) = state.renew_offer(name, start, end, today)?;
        let name = offer.name();
        let summary = format!("renewed offer {name} for {year}");
        Ok(((name, year), summary))
    })?;
    if ctx.json {
        let offer = loaded
            .state
            .offers
            .iter()
            .find(|o| o.name() == name)
            .expect("just renewed");
        return Ok(ctx.print_json(&OfferJson::new(
            offer,
            loaded.state.catalog_of(offer),
            today,
        ))?);
    }
    ctx.say(format_args!(
        "renewed offer {name} for {year}: its benefits can be activated for that year once it starts"
    ))?;
    Ok(())
}

fn list(ctx: &mut Ctx, all: bool) -> Result<(), Error> {
    let loaded = ctx.load()?;
    let state = &loaded.state;
    if ctx.json {
        let offers = state
            .offers
            .iter()
            .map(|o| OfferJson::new(o, state.catalog_of(o), ctx.today))
            .collect();
        return Ok(ctx.print_json(&OffersJson { offers })?);
    }
    Ok(crate::render::offer::offers(
        &mut ctx.out,
        &ctx.screen,
        state,
        ctx.today,
        all,
    )?)
}

fn remove(ctx: &mut Ctx, name: &str) -> Result<(), Error> {
    let (loaded, offer) = ctx.mutate("offer remove", |state, _, _| {
        let offer = state.remove_offer(name)?;
        let summary = format!("removed offer {}", offer.name());
        Ok((offer, summary))
    })?;
    if ctx.json {
        return Ok(ctx.print_json(&OfferJson::new(
            &offer,
            loaded.state.catalog_of(&offer),
            ctx.today,
        ))?);
    }
    ctx.say(format_args!(
        "removed offer {} (its contracts, if any, stay)",
        offer.name()
    ))?;
    Ok(())
}
