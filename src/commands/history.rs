//! `history`: the audit trail, filtered.

use crate::cli::HistoryArgs;
use crate::domain::refusal::Refusal;
use crate::domain::state::HistoryEntry;
use crate::error::Error;
use crate::render::history::HistoryJson;

/// Runs `history`.
pub fn history(ctx: &mut super::Ctx, args: HistoryArgs) -> Result<(), Error> {
    if let (Some(since), Some(until)) = (args.since, args.until)
        && until < since
    {
        return Err(Refusal::EndBeforeStart {
            start: since,
            end: until,
        }
        .into());
    }
    let loaded = ctx.load()?;
    let state = &loaded.state;
    let mut entries: Vec<HistoryEntry> = ctx
        .store
        .history(state)?
        .into_iter()
        .filter(|e| args.account.is_none() || e.account == args.account)
        .filter(|e| args.since.is_none_or(|d| e.as_of >= d))
        .filter(|e| args.until.is_none_or(|d| e.as_of <= d))
        .collect();
    if let Some(n) = args.limit {
        entries.drain(..entries.len().saturating_sub(n));
    }
    if ctx.json {
        return Ok(ctx.print_json(&HistoryJson { entries })?);
    }
    Ok(crate::render::history::history(
        &mut ctx.out,
        &ctx.screen,
        &entries,
    )?)
}
