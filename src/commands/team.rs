//! `merge-driver` and `team init`: one record for a team, merged by git. The merge is the
//! domain's (`domain/three_way.rs`); the copies are read and written by `store/team.rs`.

use std::path::Path;

use chrono::NaiveDate;

use crate::cli::{MergeDriverArgs, TeamCommand};
use crate::domain::conflict::Conflict;
use crate::domain::incident::IncidentId;
use crate::domain::state::{HistoryEntry, State};
use crate::domain::three_way::{
    Edited, MergedSides, Settled, Side, Which, merge_sides, unlogged_merges,
};
use crate::error::Error;
use crate::store::git::{self, Git, in_repository};
use crate::store::operations;
use crate::store::team;

/// `merge-driver [--history] BASE OURS THEIRS [PATH]`: git's three copies in, the merge written
/// over OURS, with a word on each field both sides set differently; on a conflict, git's usual
/// conflict markers there instead, a report on stderr and exit 1, for a person to resolve.
pub fn merge_driver(ctx: &mut super::Ctx, args: &MergeDriverArgs) -> Result<(), Error> {
    let lifecycle = ctx.lifecycle.clone();
    let merged = merge_copies(args, ctx.today, lifecycle.as_deref());
    let merged = match merged {
        Ok(merged) => merged,
        Err(e) => {
            // Git's own markers in the file, so that a person sees both sides where they
            // differ, whatever stopped the merge (a conflict, or a copy that is not a state
            // file).
            git::mark_conflicts(&args.ours, &args.base, &args.theirs);
            return Err(e);
        }
    };
    match merged {
        Some(merged) => say_merged(
            ctx,
            &merged,
            ["this side's copy", "the other side's copy"],
            ["this side's", "the other side's"],
        ),
        None => Ok(()),
    }
}

/// What a merge has to say beyond the merge itself, the driver's and `merge FILE`'s alike
/// (`copies` names this side's copy and the other's, `owners` whose value was kept): what a
/// copy edited by hand brought, each field both sides set differently, each record kept as an
/// open conflict, each case recorded twice.
fn say_merged(
    ctx: &mut super::Ctx,
    merged: &MergedSides,
    [ours, theirs]: [&str; 2],
    owners: [&str; 2],
) -> Result<(), Error> {
    say_edited(ctx, &merged.edited, ours, theirs)?;
    say_settled(ctx, &merged.settled, owners[0], owners[1])?;
    for k in &merged.kept {
        ctx.warn(format_args!("{}", k.said(owners)))?;
    }
    say_conflicts(ctx, &merged.conflicts)?;
    say_same_case(ctx, &merged.same_case)
}

/// Each Microsoft case recorded differently on both sides: charged once, the other record
/// kept, voided.
fn say_same_case(
    ctx: &mut super::Ctx,
    same_case: &[(String, IncidentId, IncidentId)],
) -> Result<(), Error> {
    for (case, stands, voided) in same_case {
        ctx.warn_with(
            format_args!(
                "case {case} was recorded on both sides: {stands} stands, {voided} is voided (it counts nowhere)"
            ),
            Some(&format!(
                "compare them with `partner-support incidents show {stands}` and `incidents show {voided}`; correct {stands} if the other held the right details"
            )),
        )?;
    }
    Ok(())
}

/// Each record the merge kept although it breaks a rule: an open conflict, said once here and
/// by `check` until it is put right.
fn say_conflicts(ctx: &mut super::Ctx, conflicts: &[Conflict]) -> Result<(), Error> {
    for c in conflicts {
        let fixes =
            crate::hint::conflict_fixes(c.kind, c.incident.map(|id| id.to_string()).as_deref());
        match c.incident {
            Some(id) => ctx.warn_with(
                format_args!(
                    "kept {id}, which breaks a rule in the merged record: an open conflict"
                ),
                Some(&format!("`partner-support check` says which rule; {fixes}")),
            )?,
            None => ctx.warn_with(
                format_args!("kept {}: {}: an open conflict", c.names(), c.rule),
                Some(&fixes),
            )?,
        }
    }
    Ok(())
}

/// Each field both sides set differently: the later change was kept, and the other value is in
/// the other side's history.
fn say_settled(
    ctx: &mut super::Ctx,
    settled: &[Settled],
    ours: &str,
    theirs: &str,
) -> Result<(), Error> {
    for f in settled {
        let side = match f.kept {
            Which::Ours => ours,
            Which::Theirs => theirs,
        };
        ctx.warn_with(
            format_args!(
                "{}: `{}` was set differently on both sides; kept the later change ({side})",
                f.record, f.field
            ),
            Some("the other value is in the history (`partner-support history`); correct the record if it should stand"),
        )?;
    }
    Ok(())
}

/// A copy edited by hand is never resealed without a word: what it changed, and each incident
/// it lacked that the merge kept.
fn say_edited(
    ctx: &mut super::Ctx,
    edited: &[Edited],
    ours: &str,
    theirs: &str,
) -> Result<(), Error> {
    for e in edited {
        let side = match e.side {
            Which::Ours => ours,
            Which::Theirs => theirs,
        };
        if !e.differs_in.is_empty() {
            ctx.warn(format_args!(
                "{side} was edited outside partner-support; it differs from the common ancestor in {}",
                e.differs_in.join(", ")
            ))?;
        }
        for id in &e.kept {
            ctx.warn_with(
                format_args!("kept {id}, which {side} lacked: it was removed by hand"),
                Some("incidents are voided, not deleted: `partner-support incidents void ID --reason TEXT`"),
            )?;
        }
    }
    Ok(())
}

/// The merge of git's three copies, written over OURS; what the sides edited by hand brought,
/// the merge itself (`None` for history logs), for what it has to say.
fn merge_copies(
    args: &MergeDriverArgs,
    today: NaiveDate,
    lifecycle: Option<&Path>,
) -> Result<Option<MergedSides>, Error> {
    let path = args
        .path
        .clone()
        .unwrap_or_else(|| args.ours.display().to_string());
    let conflict = |conflicts: Vec<String>| Error::MergeConflicts {
        path: path.clone(),
        conflicts,
    };
    if args.history {
        let read = |p: &Path| {
            team::read_log(p)
                .map_err(|e| Error::Team(format!("cannot read `{}`: {e}", p.display())))
        };
        let (base, ours, theirs) = (read(&args.base)?, read(&args.ours)?, read(&args.theirs)?);
        let merged = team::merge_logs(&base, &ours, &theirs).map_err(|e| conflict(vec![e]))?;
        // Written through a temp file renamed over OURS: the map of it stays whole meanwhile.
        crate::store::write_parts(
            &args.ours,
            &[&merged.ancestor, merged.since.as_bytes()],
            0o600,
        )
        .map_err(|e| {
            Error::Team(format!(
                "cannot write the merge to `{}`: {e}",
                args.ours.display()
            ))
        })?;
        return Ok(None);
    }
    // The three copies are read side by side: at 100 000 incidents, reading them is most of
    // the merge.
    let (base, ours, theirs) = std::thread::scope(|scope| {
        let base = scope.spawn(|| team::read_side(&args.base));
        let theirs = scope.spawn(|| team::read_side(&args.theirs));
        let ours = team::read_copy(&args.ours);
        let joined = |side: std::thread::ScopedJoinHandle<'_, _>| {
            side.join().expect("reading a copy does not panic")
        };
        (joined(base), ours, joined(theirs))
    });
    let (base, (ours, ours_stored), theirs) = (base?, ours?, theirs?);
    let lifecycle =
        crate::store::lifecycle::read(lifecycle, Path::new(&path)).map_err(Error::BadLifecycle)?;
    let mut merged = merge_sides(&base, &ours, &theirs, &lifecycle, today).map_err(conflict)?;
    // The merge is a change of its own, kept in the file until a change logs it.
    let revision = team::merge_revision(
        base.state.revision,
        ours.state.revision,
        theirs.state.revision,
    );
    // A merge either side holds in its file only: this merge sets again what it set and says
    // again what it renumbered.
    let earlier = unlogged_merges([&ours, &theirs]);
    let summary = merged.summary_after(&path, "the other side", &earlier);
    merged.state.revision = revision;
    let clock = [&ours, &theirs]
        .iter()
        .filter_map(|side| side.state.last_change.as_ref())
        .map(|e| e.clock)
        .max()
        .unwrap_or(0)
        + 1;
    let mut entry = HistoryEntry {
        revision,
        at: super::now(),
        as_of: today,
        account: merged.state.current_account.clone(),
        action: "merge".into(),
        summary,
        balances: Vec::new(),
        op: None,
        clock,
        changes: operations::of_merge(&ours, &theirs, &merged.state, &earlier),
        changes_left_out: false,
        renumbered: merged.renumbered_after(&earlier),
    };
    entry.op = Some(operations::new_id(&entry));
    merged.state.last_change = Some(entry);
    // Most incidents are as this side holds them: their lines are copied, not written.
    merged.state.incidents.unchanged_from(&ours.incidents);
    let bytes = team::sealed(&merged.state, &ours_stored)?;
    // This side as it was, where `undo` looks for the state before the last change: git
    // merges into its own copy, not through a change that would keep it.
    if let Some(path) = &args.path {
        team::keep_ours_as_backup(&args.ours, Path::new(path)).map_err(|e| {
            Error::Team(format!(
                "cannot keep this side's copy as the backup of `{path}`: {e}"
            ))
        })?;
    }
    write_over(&args.ours, &bytes)?;
    Ok(Some(merged))
}

/// `team resolve ID --reason TEXT`: the team accepts a merge's conflict (R23).
fn resolve(
    ctx: &mut super::Ctx,
    id: IncidentId,
    reason: crate::domain::values::Text,
) -> Result<(), Error> {
    let today = ctx.today;
    let (_, conflict) = ctx.mutate("team resolve", |state, _, actor| {
        let conflict = state.accept_conflict(id, reason, actor, today)?;
        let summary = format!(
            "accepted the conflict of {id}: {}",
            conflict
                .accepted
                .as_ref()
                .map(|a| a.reason.to_string())
                .unwrap_or_default()
        );
        Ok((conflict, summary))
    })?;
    if ctx.json {
        return Ok(ctx.print_json(&conflict)?);
    }
    ctx.say(format_args!(
        "accepted the conflict of {id}: it stands as recorded, and `check` no longer raises it"
    ))?;
    Ok(())
}

/// Writes the merge over git's copy of this side, whole or not at all.
fn write_over(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    crate::store::write_whole(path, bytes, 0o600).map_err(|e| {
        Error::Team(format!(
            "cannot write the merge to `{}`: {e}",
            path.display()
        ))
    })
}

/// `team …`.
pub fn team(ctx: &mut super::Ctx, command: TeamCommand) -> Result<(), Error> {
    if let TeamCommand::Resolve { id, reason } = command {
        return resolve(ctx, id, reason);
    }
    let git = Git::in_dir(".");
    let root = git.root().map_err(|_| Error::Team("not in a git repository: `git init` first, or run this in the repository that holds the state file".into()))?;
    let state = std::path::absolute(ctx.store.path()).map_err(Error::Output)?;
    let Some(state_rel) = in_repository(&root, &state) else {
        return Err(Error::Team(format!(
            "the state file `{}` is not in the repository `{}`: pass `--state` with a path inside it",
            state.display(),
            root.display()
        )));
    };
    if let Some(target) = git::link_out_of(&root, &state) {
        return Err(Error::Team(format!(
            "the state file `{}` links to `{}`, outside the repository `{}`: the team's changes would go there; keep the state file itself in the repository",
            state.display(),
            target.display(),
            root.display()
        )));
    }
    let paths = ctx.store.paths();
    // The history log and the temp files are in the state file's folder.
    let beside = |name: &str| match state_rel.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{name}"),
        None => name.to_string(),
    };
    let history = paths.history.file_name().unwrap_or_default();
    let done = git::set_up(
        &git,
        &root,
        &state_rel,
        &beside(&history.to_string_lossy()),
        &beside(&paths.temp_prefix()),
    )
    .map_err(Error::Team)?;
    if done.is_empty() {
        ctx.say("already set up: nothing to do")?;
    }
    for line in done {
        ctx.say(line)?;
    }
    Ok(())
}

/// The other copy's history: what it did since the two parted is read from it, so a copy that
/// has changes but no log that reaches them is refused, with where the log was looked for.
fn their_log(
    file: &Path,
    path: &Path,
    theirs: &Side,
    steps: std::io::Result<operations::Steps>,
    ours: &std::collections::BTreeSet<crate::domain::operation::OpId>,
) -> Result<operations::TheirLog, Error> {
    let read_error = |source| crate::store::StoreError::Read {
        path: path.to_path_buf(),
        source,
    };
    let log = operations::TheirLog::of(&steps.map_err(read_error)?, ours).map_err(read_error)?;
    let revision = theirs.state.revision;
    // A change to a copy whose log was renamed (a synced folder's conflict copy) starts a new
    // log where the old one was: it says what the copy did from there only.
    if let Some(first) = log.first.filter(|first| *first > 1) {
        return Err(Error::Team(format!(
            "cannot merge `{}`: its history log `{}` begins at revision {first}, not at the first change, so it is not the copy's whole history (a change made to the copy after its log was renamed starts a new one); nothing was written. Pass `--history FILE` with its whole log (a synced folder may have renamed it as it renamed the copy)",
            file.display(),
            path.display()
        )));
    }
    // The copy's last change may still be in the file only (`last_change`), not yet logged.
    let logged = log.logged;
    let pending = theirs
        .state
        .last_change
        .as_ref()
        .is_some_and(|c| c.revision == revision);
    if logged >= revision || (pending && logged + 1 >= revision) {
        return Ok(log);
    }
    let found = match path.exists() {
        true => format!(
            "`{}` ends at revision {logged}, but the copy is at revision {revision}: it is not that copy's log",
            path.display()
        ),
        false => format!("looked for `{}`", path.display()),
    };
    Err(Error::Team(format!(
        "cannot merge `{}` without its history log, which says what it changed: {found}; pass `--history FILE` with its log (a synced folder may have renamed it as it renamed the copy)",
        file.display()
    )))
}

/// The copy `merge FILE` takes in, and what the merge needs beside it.
struct OtherCopy<'a> {
    file: &'a Path,
    /// Its history log.
    log_path: &'a Path,
    /// This state's store.
    store: &'a crate::store::Store,
    lifecycle: crate::domain::lifecycle::Lifecycle,
    today: NaiveDate,
}

impl OtherCopy<'_> {
    /// Merges this copy into `state` (read from `stored`), under the lock: the two copies'
    /// common ancestor is what the operations both hold replay to (or this copy's own since
    /// undone), and the other copy's own operations, the ones this history lacks, join it before
    /// the merge itself (R23). `read` gives what was read of the other copy and its log.
    fn taken_in(
        &self,
        state: &mut State,
        stored: &crate::store::Stored,
        read: impl FnOnce() -> (
            Result<Side, crate::store::StoreError>,
            std::io::Result<operations::Steps>,
        ),
    ) -> Result<(MergedSides, Option<String>), Error> {
        let name = self.file.display().to_string();
        let conflicts = |conflicts: Vec<String>| Error::MergeConflicts {
            path: name.clone(),
            conflicts,
        };
        let ids: Vec<_> = state.incidents.iter().map(|h| h.id).collect();
        let incidents = ids
            .into_iter()
            .map(|id| stored.record(&state.incidents, id))
            .collect::<Result<Vec<_>, _>>()?;
        let ours = Side {
            state: state.clone(),
            incidents,
            edited: stored.changed_outside(),
        };
        let own = operations::OwnHistory::read(self.store, state)?;
        let (theirs, steps) = read();
        let theirs = theirs?;
        let their_log = their_log(self.file, self.log_path, &theirs, steps, &own.ops)?;
        let base = operations::common_ancestor(
            self.store,
            &own,
            &their_log.common,
            &ours,
            &theirs,
            self.file,
        )
        .map_err(|why| match why.as_str() {
            operations::NO_COMMON => Error::Team(format!(
                "cannot merge `{name}`: {why}; nothing was written. To add the records it has and this state lacks, export it and import that: `partner-support --state {name} export > other.json`, then `partner-support import other.json` (a record here already is skipped when alike and named when not)"
            )),
            _ => conflicts(vec![why]),
        })?;
        let mut merged =
            merge_sides(&base, &ours, &theirs, &self.lifecycle, self.today).map_err(conflicts)?;
        if merged.taken == 0 {
            return Ok((merged, None));
        }
        // What the merge itself set, so that this history and then the merge replay to it.
        let merge_changes = operations::of_merge(&ours, &theirs, &merged.state, &[]);
        let revision = state.revision;
        *state = std::mem::take(&mut merged.state);
        // Most incidents are as this copy holds them: their lines are copied, not written.
        state.incidents.unchanged_from(&ours.incidents);
        state.revision = revision;
        state.last_change = ours.state.last_change.clone();
        state.unlogged.clear();
        // The other copy's changes join this history before the merge itself.
        for entry in their_log.since {
            state.revision += 1;
            state.unlogged.push(HistoryEntry {
                revision: state.revision,
                ..entry
            });
        }
        state.merge_changes = Some(merge_changes);
        state.merge_renumbered = merged.renumbered_after(&[]);
        let summary = merged.summary(&name, "it");
        Ok((merged, Some(summary)))
    }
}

/// `merge FILE`: another copy of this state (a synced folder's conflict copy, a colleague's
/// file) merged into it, their common ancestor replayed from the operations both histories
/// hold; the other copy's operations join this history, then the merge. `-n` shows what it
/// would take.
pub fn merge_file(ctx: &mut super::Ctx, file: &Path, history: Option<&Path>) -> Result<(), Error> {
    let name = file.display().to_string();
    let log_path = history.map_or_else(|| crate::store::Paths::of(file).history, Path::to_path_buf);
    let copy = OtherCopy {
        file,
        log_path: &log_path,
        store: &ctx.store.clone(),
        lifecycle: ctx.lifecycle()?,
        today: ctx.today,
    };
    // The other copy and its log are read on a thread while this state and its history are:
    // at 100 000 incidents, reading is most of a merge.
    let (_, merged) = std::thread::scope(|scope| {
        let reading = scope.spawn(|| (team::read_side(file), operations::Steps::read(&log_path)));
        let read = || reading.join().expect("reading a copy does not panic");
        ctx.mutate_if("merge", |state, stored, _| {
            copy.taken_in(state, stored, read)
        })
    })?;
    say_merged(
        ctx,
        &merged,
        ["this state", &name],
        ["this state's", &format!("{name}'s")],
    )?;
    if ctx.json {
        let renumbered: Vec<_> = merged
            .renumbered
            .iter()
            .map(|(from, to)| serde_json::json!({"from": from.to_string(), "to": to.to_string()}))
            .collect();
        return Ok(
            ctx.print_json(&serde_json::json!({"taken": merged.taken, "renumbered": renumbered}))?
        );
    }
    if merged.taken == 0 {
        return Ok(ctx.say(format_args!(
            "nothing to merge: {name} has nothing this state lacks"
        ))?);
    }
    let verb = if ctx.dry_run { "would take" } else { "took" };
    ctx.say(format_args!(
        "{verb} {} record{} from {name}",
        merged.taken,
        if merged.taken == 1 { "" } else { "s" }
    ))?;
    for (from, to) in &merged.renumbered {
        ctx.say(format_args!(
            "  {from} was numbered alike on both copies: the one opened later is now {to}"
        ))?;
    }
    Ok(())
}
