//! `products list`: the lifecycle table and what the N-1 policy entitles on the day (R21).

use crate::cli::ProductsCommand;
use crate::domain::refusal::Refusal;
use crate::error::Error;
use crate::render::products::ProductJson;
use crate::render::products::ProductsJson;

use super::Ctx;

/// Runs `products …`.
pub fn products(ctx: &mut Ctx, command: ProductsCommand) -> Result<(), Error> {
    let ProductsCommand::List { family, all } = command;
    let lifecycle = ctx.lifecycle()?;
    if let Some(f) = &family
        && !lifecycle.families().contains(&f.as_str())
    {
        return Err(Refusal::BadCombination(format!(
            "`--family {f}` is not a family of the lifecycle table (families: {})",
            lifecycle.families().join(", ")
        ))
        .into());
    }
    let today = ctx.today;
    let rows: Vec<_> = lifecycle
        .verdicts(today, family.as_deref())
        .into_iter()
        .filter(|(v, _)| all || v.supported_on(today))
        .collect();
    if ctx.json {
        let products = rows
            .iter()
            .map(|(v, verdict)| ProductJson::new(v, verdict))
            .collect();
        return Ok(ctx.print_json(&ProductsJson {
            as_of: today,
            products,
        })?);
    }
    Ok(crate::render::products::products(
        &mut ctx.out,
        &ctx.screen,
        &rows,
    )?)
}
