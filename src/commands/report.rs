//! `report`: what was used in a period, in the format asked for, on stdout or in a private file.

use crate::cli::{ReportArgs, ReportFormat};
use crate::domain::usage::Period;
use crate::error::Error;
use crate::render::report;

/// Runs `report`.
pub fn report(ctx: &mut super::Ctx, args: ReportArgs) -> Result<(), Error> {
    let period = Period::asked(args.year, args.since, args.until, ctx.today)?;
    let today = ctx.today;
    let loaded = ctx.load()?;
    let state = &loaded.state;
    let org = state.require_organization()?.clone();
    let records = loaded.records_on(period.until, |h| {
        h.counts()
            && (period.contains(h.opened_on) || h.refunded_on.is_some_and(|r| period.contains(r)))
    })?;
    let usage = state.usage_report(period, args.by.into(), &records);
    let format = if ctx.json {
        ReportFormat::Json
    } else {
        args.format
    };
    let mut bytes = Vec::new();
    let screen = match args.output {
        // A file is read later, anywhere: every column, no colour.
        Some(_) => crate::render::Screen {
            color: false,
            wide: true,
            ..ctx.screen
        },
        None => ctx.screen,
    };
    match format {
        ReportFormat::Table => report::table(&mut bytes, &screen, &usage)?,
        ReportFormat::Markdown => report::markdown(&mut bytes, &usage)?,
        ReportFormat::Csv => report::csv(&mut bytes, &usage)?,
        ReportFormat::Json => crate::render::write_json(&mut bytes, &report::json(&usage))?,
        ReportFormat::Html => report::html(&mut bytes, &usage, &org.name.to_string(), today)?,
    }
    super::write_output(ctx, args.output.as_deref(), &bytes, "report")
}
