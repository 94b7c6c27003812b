//! `catalog list|show|check|use`.

use std::sync::Arc;

use crate::cli::CatalogCommand;
use crate::domain::catalog::Catalog;
use crate::error::Error;
use crate::render::catalog::CatalogCheckJson;
use crate::render::catalog::CatalogJson;
use crate::render::catalog::CatalogsJson;
use crate::store::catalog::{self as files, BUILT_IN};

use super::Ctx;

pub fn catalog(ctx: &mut Ctx, command: CatalogCommand) -> Result<(), Error> {
    match command {
        CatalogCommand::List => list(ctx),
        CatalogCommand::Show { catalog } => show(ctx, catalog.as_deref()),
        CatalogCommand::Check { file } => check(ctx, &file),
        CatalogCommand::Use { catalog } => use_catalog(ctx, &catalog),
    }
}

fn list(ctx: &mut Ctx) -> Result<(), Error> {
    let loaded = ctx.load()?;
    let in_use = &loaded.state.catalog;
    let mut catalogs: Vec<Catalog> = BUILT_IN
        .iter()
        .filter_map(|b| files::built_in(b.name))
        .collect();
    let kept = &loaded.state.other_catalogs;
    for held in std::iter::once(in_use).chain(kept) {
        // A state's copy of a file, or a built-in one of another version than this build's.
        if !catalogs.contains(held) {
            catalogs.push((**held).clone());
        }
    }
    if ctx.json {
        return Ok(ctx.print_json(&CatalogsJson::new(&catalogs, in_use, kept))?);
    }
    Ok(crate::render::catalog::catalogs(
        &mut ctx.out,
        &ctx.screen,
        &catalogs,
        in_use,
        kept,
    )?)
}

fn show(ctx: &mut Ctx, which: Option<&str>) -> Result<(), Error> {
    let catalog = match which {
        Some(name) => Arc::new(files::choose(name).map_err(Error::BadCatalog)?),
        None => ctx.load()?.state.catalog,
    };
    if ctx.json {
        return Ok(ctx.print_json(&CatalogJson::from(&*catalog))?);
    }
    Ok(crate::render::catalog::catalog(
        &mut ctx.out,
        &ctx.screen,
        &catalog,
    )?)
}

fn check(ctx: &mut Ctx, file: &std::path::Path) -> Result<(), Error> {
    let text =
        crate::store::read_input(file, crate::store::MAX_CATALOG_FILE_BYTES).map_err(|e| {
            Error::BadCatalog(format!("cannot read the catalog `{}`: {e}", file.display()))
        })?;
    let result = files::parse(&text);
    if ctx.json {
        ctx.print_json(&CatalogCheckJson::new(file, &result))?;
    }
    match result {
        Ok(catalog) => {
            ctx.say(format_args!(
                "{}: catalog {} ({}): {} offers, {} benefits, no problems",
                file.display(),
                catalog.label(),
                catalog.title,
                catalog.offers.len(),
                catalog.benefits.len()
            ))?;
            Ok(())
        }
        Err(problems) => Err(Error::BadCatalog(files::at_lines(file, &problems))),
    }
}

fn use_catalog(ctx: &mut Ctx, which: &str) -> Result<(), Error> {
    let catalog = Arc::new(files::choose(which).map_err(Error::BadCatalog)?);
    let label = catalog.label();
    let (loaded, before) = ctx.mutate_if("catalog use", |state, _, _| {
        let before = state.use_catalog(catalog)?;
        let summary = before.as_ref().map(|b| format!("catalog {b} → {label}"));
        Ok((before, summary))
    })?;
    if ctx.json {
        return Ok(ctx.print_json(&CatalogJson::from(&*loaded.state.catalog))?);
    }
    match before {
        Some(before) => ctx.say(format_args!(
            "the state now uses catalog {label} (was {before}); contracts keep the figures they were recorded with"
        ))?,
        None => ctx.say(format_args!("the state already uses catalog {label}"))?,
    }
    let state = &loaded.state;
    for kept in &state.other_catalogs {
        let offers: Vec<String> = state
            .offers
            .iter()
            .filter(|o| o.catalog == kept.name)
            .map(|o| o.name())
            .collect();
        ctx.say(format_args!(
            "kept catalog {} for its offers: {}",
            kept.label(),
            offers.join(", ")
        ))?;
    }
    Ok(())
}
