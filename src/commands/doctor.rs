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

/// `doctor --accept`: seals a file changed outside partner-support, as it is, if it loads; and
/// records the file's records as they are where the history's operations give otherwise (R23).
fn accept(ctx: &mut super::Ctx) -> Result<(), Error> {
    let store = ctx.store.clone();
    let (loaded, accepted) = ctx.mutate_from("doctor --accept", true, |state, stored, _| {
        if stored.changed_outside() {
            return Ok((
                Accepted::Edit,
                Some(format!(
                    "accepted the changes made outside partner-support since revision {}",
                    state.revision
                )),
            ));
        }
        use crate::store::operations::Against;
        Ok(match crate::store::operations::against(&store, state, stored)? {
            Against::BeforeOperations | Against::Diverging(0) => (Accepted::Nothing, None),
            Against::Unreplayable => (
                Accepted::Restart,
                Some("started the history's operations again from the records as the file holds them".into()),
            ),
            Against::Diverging(n) => (
                Accepted::History(n),
                Some(format!(
                    "accepted the records as the file holds them, where the history's operations gave otherwise ({n} record{})",
                    if n == 1 { "" } else { "s" }
                )),
            ),
        })
    })?;
    match accepted {
        Accepted::Edit => ctx.say(format_args!(
            "sealed the state file as it is (revision {})",
            loaded.state.revision
        ))?,
        Accepted::History(n) => ctx.say(format_args!(
            "recorded {n} record{} as the file holds them (revision {}): the history now gives the file's records",
            if n == 1 { "" } else { "s" },
            loaded.state.revision
        ))?,
        Accepted::Restart => ctx.say(format_args!(
            "started the history's operations again from the records as the file holds them (revision {})",
            loaded.state.revision
        ))?,
        Accepted::Nothing => {
            ctx.say("nothing to accept: the state file is as partner-support wrote it")?
        }
    }
    Ok(())
}

/// What `doctor --accept` took.
enum Accepted {
    /// A file changed outside partner-support.
    Edit,
    /// This many records where the history's operations and the file part.
    History(usize),
    /// A history whose operations could not be replayed, started again.
    Restart,
    /// Nothing.
    Nothing,
}
