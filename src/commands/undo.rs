//! `undo`: the state before the last change, put back as a change of its own.

use crate::domain::refusal::Refusal;
use crate::error::Error;
use crate::render::history::UndoneJson;

use super::Ctx;

/// Runs `undo`.
pub fn undo(ctx: &mut Ctx) -> Result<(), Error> {
    let store = ctx.store.clone();
    let (_, undone) = ctx.mutate("undo", |state, _, _| {
        if state.last_change.is_none() {
            return Err(Refusal::CannotUndo("no change has been recorded".into()).into());
        }
        let previous = match store.backup() {
            Ok(Some(previous)) => previous,
            Ok(None) => {
                return Err(Refusal::CannotUndo(format!(
                    "there is no backup `{}` of the state before the last change",
                    store.paths().backup.display()
                ))
                .into());
            }
            // The state file itself is fine: this is a refusal, not a broken file.
            Err(e) => return Err(Refusal::CannotUndo(e.to_string()).into()),
        };
        let undone = state.restore(previous)?;
        let summary = format!(
            "undid revision {} ({}: {})",
            undone.revision, undone.action, undone.summary
        );
        Ok((undone, summary))
    })?;
    if ctx.json {
        return Ok(ctx.print_json(&UndoneJson::new(&undone, undone.revision + 1))?);
    }
    ctx.say(format_args!(
        "undid revision {} ({}: {}); recorded as revision {}",
        undone.revision,
        undone.action,
        undone.summary,
        undone.revision + 1
    ))?;
    Ok(())
}
