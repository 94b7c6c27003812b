//! `doctor`: examine the state file and, with `--fix`, repair what never touches the data.

use crate::cli::DoctorArgs;
use crate::error::Error;
use crate::render;
use crate::store::health::{self, Urgency};

/// Runs `doctor`; unhealthy (any warning or error left) is exit 1.
pub fn doctor(ctx: &mut super::Ctx, args: DoctorArgs) -> Result<(), Error> {
    let paths = ctx.store.paths();
    if args.accept {
        accept(ctx)?;
    }
    // With `-n`, `--fix` only reports: the findings it would repair stay listed.
    let fixed = if args.fix && !ctx.dry_run {
        health::repair(&paths)?
    } else {
        Vec::new()
    };
    let mut findings = health::examine(&paths, &ctx.lifecycle()?);
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let problems = findings
        .iter()
        .filter(|f| f.severity >= Urgency::Warning)
        .count();
    let report = render::doctor::Report {
        state_file: paths.state.display().to_string(),
        healthy: problems == 0,
        fixed,
        findings,
    };
    if ctx.json {
        ctx.print_json(&report)?;
    } else {
        render::doctor::write(&mut ctx.out, &ctx.screen, &report)?;
    }
    if args.fix && ctx.dry_run {
        ctx.say("dry run: nothing was repaired")?;
    }
    match problems {
        0 => Ok(()),
        n => Err(Error::Unhealthy(n)),
    }
}

/// `doctor --accept`: seals a file changed outside partner-support, as it is, if it loads.
fn accept(ctx: &mut super::Ctx) -> Result<(), Error> {
    let (loaded, accepted) = ctx.mutate_if("doctor --accept", |state, stored, _| {
        Ok(match stored.changed_outside() {
            true => (
                true,
                Some(format!(
                    "accepted the changes made outside partner-support since revision {}",
                    state.revision
                )),
            ),
            false => (false, None),
        })
    })?;
    match accepted {
        true => ctx.say(format_args!(
            "sealed the state file as it is (revision {})",
            loaded.state.revision
        ))?,
        false => ctx.say("nothing to accept: the state file is as partner-support wrote it")?,
    }
    Ok(())
}
