//! `products list`: the lifecycle table and what the N-1 policy entitles on the day (R21).

use crate::cli::ProductsCommand;
use crate::domain::lifecycle::LifecycleDate;
use crate::domain::refusal::Refusal;
use crate::error::Error;
use crate::render::json::{ProductJson, ProductsJson};
use crate::render::tables;

use super::Ctx;

/// Runs `products …`.
pub fn products(ctx: &mut Ctx, command: ProductsCommand) -> Result<(), Error> {
    let ProductsCommand::List { family, all } = command;
    let lifecycle = ctx.lifecycle()?;
    if let Some(f) = &family
        && !lifecycle.versions().iter().any(|v| &v.family == f)
    {
        let mut families: Vec<&str> = Vec::new();
        for v in lifecycle.versions() {
            if !families.contains(&v.family.as_str()) {
                families.push(&v.family);
            }
        }
        return Err(Refusal::BadCombination(format!(
            "`--family {f}` is not a family of the lifecycle table (families: {})",
            families.join(", ")
        ))
        .into());
    }
    let today = ctx.today;
    let rows: Vec<_> = lifecycle
        .versions()
        .iter()
        .filter(|v| family.as_ref().is_none_or(|f| &v.family == f))
        .filter(|v| {
            all || !matches!(v.extended_end, LifecycleDate::Day(end) if end < today)
                && !matches!(v.mainstream_end, LifecycleDate::Day(end) if end < today && v.extended_end == LifecycleDate::NoEnd)
        })
        .map(|v| (v, lifecycle.verdict(v, today)))
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
    Ok(tables::products(&mut ctx.out, ctx.color, &rows)?)
}
