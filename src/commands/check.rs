//! `check`: the CI gate. Findings on stdout, one per line (or one JSON document); the exit code
//! says how bad the worst one is.

use crate::cli::{CheckArgs, CheckFormat};
use crate::domain::check::{Filter, Thresholds};
use crate::error::Error;
use crate::render;

/// Runs `check`.
pub fn check(ctx: &mut super::Ctx, args: CheckArgs) -> Result<(), Error> {
    let thresholds = Thresholds {
        warn_remaining: args.warn_remaining,
        critical_remaining: args.critical_remaining,
        warn_days: args.warn_days,
        critical_days: args.critical_days,
        pending_days: args.pending_days,
        activation_days: args.activation_days,
        renewal_days: args.renewal_days,
        unused_days: args.unused_days,
        unused_min: args.unused_min,
    };
    // R22: a gate that finds nothing to check does not pass.
    let path = ctx.store.path().display().to_string();
    if !ctx.store.paths().state.exists() {
        return Err(Error::NothingToCheck(format!("no state file at `{path}`")));
    }
    let loaded = ctx.load()?;
    let state = &loaded.state;
    if state.organization.is_none() {
        return Err(Error::NothingToCheck(format!(
            "the state file `{path}` has no organization yet"
        )));
    }
    let filter = Filter {
        scope: args.scope.map(Into::into),
        contract: args.contract.map(|c| c.to_string()),
        offer: args.offer,
        ignore: args
            .ignore
            .iter()
            .map(|i| i.parse())
            .collect::<Result<_, _>>()?,
    };
    let report = state.check(ctx.today, &thresholds, &filter)?;
    let format = if ctx.json {
        CheckFormat::Json
    } else {
        args.format
    };
    // A reader that went away (`| head -1`) does not make the gate pass: the exit code still
    // says what was found.
    let printed: Result<(), std::io::Error> = (|| {
        match format {
            CheckFormat::Json => render::write_json(
                &mut ctx.out,
                &render::check::json(&report, &thresholds, ctx.today),
            ),
            CheckFormat::Text => {
                render::check::write(&mut ctx.out, &ctx.screen, &report, ctx.today, ctx.quiet)
            }
            CheckFormat::Github => {
                render::check::github(&mut ctx.out, &report, ctx.today, ctx.quiet)
            }
            CheckFormat::Junit => ctx
                .out
                .write_all(render::check::junit(&report, ctx.today).as_bytes()),
        }?;
        ctx.out.flush()
    })();
    match printed {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    match report.worst() {
        Some(worst) if !args.exit_zero => Err(Error::Findings(worst)),
        _ => Ok(()),
    }
}
