//! `report`: what was used in a period, in the format asked for, on stdout or in a private file.

use chrono::{Datelike, NaiveDate};

use crate::cli::{ReportArgs, ReportFormat};
use crate::domain::refusal::Refusal;
use crate::domain::usage::Period;
use crate::error::Error;
use crate::render::report;

/// Runs `report`.
pub fn report(ctx: &mut super::Ctx, args: ReportArgs) -> Result<(), Error> {
    let today = ctx.today;
    let first_of = |year: i32| NaiveDate::from_ymd_opt(year, 1, 1).expect("a year in range");
    let (since, until) = match args.year {
        Some(year) => (
            first_of(year),
            NaiveDate::from_ymd_opt(year, 12, 31).expect("a year in range"),
        ),
        None => (
            args.since.unwrap_or_else(|| first_of(today.year())),
            args.until.unwrap_or(today),
        ),
    };
    if since > today {
        return Err(Refusal::BadCombination(format!(
            "the period starts on {since}, after today ({today}): nothing has been used in it yet"
        ))
        .into());
    }
    if until < since {
        return Err(Refusal::BadCombination(format!(
            "`--until {until}` is before `--since {since}`: a period's last day comes on or after its first"
        ))
        .into());
    }
    // What has not happened yet is not reported: the period ends today at the latest.
    let period = Period {
        since,
        until: until.min(today),
    };
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
