//! What `doctor` looks at: the file end to end (parse, schema, consistency), its permissions,
//! its backup, its temp files and its lock; and the repairs that never touch the data.

use std::fs;

use serde::Serialize;

use super::files::{
    Paths, TempFile, exposures, fixable_folder, folder_mode, foreign_owner, loose_mode,
    make_private,
};
use super::{StoreError, decode, file, history, lock, read_state_file};
use crate::domain::incident::Incident;
use crate::domain::lifecycle::Lifecycle;
use crate::domain::operation::{Diverges, Records};
use crate::domain::state::State;
use crate::store::file::SCHEMA_VERSION;
use crate::store::replay::{self, Replayed, Replayer, Unreplayable};

/// How bad a finding is. Only errors and warnings make the file unhealthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    /// Worth knowing; nothing to do.
    Info,
    /// Safe for now, but fix it.
    Warning,
    /// The data cannot be used as it is.
    Error,
}

/// One thing `doctor` found, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// How bad.
    pub severity: Urgency,
    /// A stable name for scripts (`permissions`, `inconsistent`, …).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub fix: String,
}

impl Diagnosis {
    fn new(severity: Urgency, code: &'static str, message: String, fix: String) -> Self {
        Diagnosis {
            severity,
            code,
            message,
            fix,
        }
    }
}

/// Examines the state file at `paths` and everything around it.
pub fn examine(paths: &Paths, lifecycle: &Lifecycle) -> Vec<Diagnosis> {
    // The history log is read and replayed while the state file is read: with 100 000
    // incidents each takes a good part of the time.
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new().spawn_scoped(scope, || Log::read(&paths.history));
        examine_with(paths, lifecycle, move || match reader {
            Ok(reader) => reader
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            Err(_) => Log::read(&paths.history),
        })
    })
}

/// [`examine`], the history log read by `log` when it is needed.
fn examine_with(paths: &Paths, lifecycle: &Lifecycle, log: impl FnOnce() -> Log) -> Vec<Diagnosis> {
    use Urgency::{Error, Info, Warning};
    let state_path = paths.state.display();
    let backup = paths.backup.display();
    let restore = format!("fix it by hand, or restore the previous version from `{backup}`");
    let mut found = Vec::new();
    let holder = lock::holder(&paths.lock);
    match &holder {
        Ok(Some(pid)) => found.push(Diagnosis::new(
            Warning,
            "locked",
            match pid {
                Some(pid) => format!("the state file is locked by partner-support process {pid}"),
                None => "the state file is locked by another process (PID unknown)".into(),
            },
            "wait for that command to finish (the system releases the lock if it dies)".into(),
        )),
        Ok(None) => {}
        Err(e) => found.push(Diagnosis::new(
            Warning,
            "lock-unreadable",
            format!("cannot check the lock `{}`: {e}", paths.lock.display()),
            "check the folder's permissions".into(),
        )),
    }
    match read_state_file(&paths.state).and_then(|b| b.ok_or(std::io::ErrorKind::NotFound.into())) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => found.push(Diagnosis::new(
            Info,
            "no-state-file",
            format!("no state file at `{state_path}` yet"),
            "the first change (`partner-support init …`) creates it".into(),
        )),
        Err(e) => found.push(Diagnosis::new(
            Error,
            "unreadable",
            format!("cannot read `{state_path}`: {e}"),
            "check the file's owner and permissions".into(),
        )),
        Ok(bytes) => {
            let sealed = file::is_sealed(&bytes);
            let mismatch = !sealed && file::has_checksum(&bytes);
            match file::read_in_full(&paths.state, bytes) {
                Err(e) => found.push(Diagnosis::new(
                    Error,
                    match e {
                        StoreError::Newer { .. } => "newer-schema",
                        StoreError::NoSchema { .. } => "no-schema",
                        _ => "parse-error",
                    },
                    e.to_string(),
                    match e {
                        StoreError::Newer { .. } => "upgrade partner-support".into(),
                        _ => restore.clone(),
                    },
                )),
                Ok(decoded) => {
                    if decoded.found_version < u64::from(SCHEMA_VERSION) {
                        found.push(Diagnosis::new(
                            Info,
                            "older-schema",
                            format!("the file has schema version {}", decoded.found_version),
                            format!("the next change rewrites it as version {SCHEMA_VERSION}"),
                        ));
                    } else if mismatch {
                        found.push(Diagnosis::new(
                            Warning,
                            "checksum-mismatch",
                            format!(
                                "the file was changed outside partner-support since revision {} (its checksum does not match)",
                                decoded.loaded.state.revision
                            ),
                            format!(
                                "if that change was yours, `partner-support doctor --accept` seals it; if not, restore `{backup}`"
                            ),
                        ));
                    } else if !sealed {
                        found.push(Diagnosis::new(
                            Info,
                            "no-checksum",
                            "the file has no checksum (written by hand?), so every command reads it in full".into(),
                            "the next change writes it with a checksum".into(),
                        ));
                    }
                    // Every incident's record, read once for the checks below.
                    let (state, records) = decoded.loaded.into_records();
                    let (state, records) = (&state, records.ok());
                    let problems = state.problems();
                    for problem in &problems {
                        found.push(Diagnosis::new(
                            Error,
                            "inconsistent",
                            problem.to_string(),
                            restore.clone(),
                        ));
                    }
                    // R8 as of each incident's opening day, once the records hold together.
                    if problems.is_empty()
                        && let Some(records) = &records
                    {
                        // An incident a merge's conflict names is said once, as that
                        // conflict (or stands, accepted).
                        let named: std::collections::BTreeSet<_> =
                            state.conflicts.iter().filter_map(|c| c.incident).collect();
                        for c in state.open_conflicts() {
                            found.push(Diagnosis::new(
                                Warning,
                                "merge-conflict",
                                format!("kept by the merge of {}: {}", c.on, c.rule),
                                crate::hint::conflict_fixes(
                                    c.kind,
                                    c.incident.map(|id| id.to_string()).as_deref(),
                                ),
                            ));
                        }
                        for breach in state
                            .breaches(records, lifecycle)
                            .into_iter()
                            .filter(|b| !named.contains(&b.incident))
                        {
                            found.push(Diagnosis::new(
                                Warning,
                                "not-chargeable",
                                breach.message,
                                format!(
                                    "correct its `{}` (`incidents edit {} --contract …` moves it; `incidents void {} --reason …` takes back a mistaken entry)",
                                    breach.field, breach.incident, breach.incident
                                ),
                            ));
                        }
                    }
                    // A file changed outside partner-support is said to be so above; its
                    // operations are checked once a change or `--accept` records the edit.
                    let incidents = records.as_deref().filter(|_| sealed);
                    found.extend(examine_log(paths, log(), state, incidents));
                }
            }
        }
    }
    for (message, fix) in exposures(paths) {
        found.push(Diagnosis::new(Warning, "permissions", message, fix));
    }
    if paths.state.exists() {
        match read_state_file(&paths.backup)
            .and_then(|b| b.ok_or(std::io::ErrorKind::NotFound.into()))
        {
            Err(_) => found.push(Diagnosis::new(
                Info,
                "no-backup",
                format!("no backup `{backup}` yet"),
                "the next change keeps the current version there".into(),
            )),
            Ok(bytes) => {
                if let Err(e) = decode(&paths.backup, bytes) {
                    found.push(Diagnosis::new(
                        Warning,
                        "bad-backup",
                        format!("the backup is not usable: {e}"),
                        "the next change replaces it with the current version".into(),
                    ));
                }
            }
        }
    }
    // While a writer holds the lock its temp file is in use, not debris.
    if matches!(holder, Ok(None)) {
        for temp in paths.temp_files().unwrap_or_default() {
            let path = temp.path.display();
            found.push(match temp.planted {
                None => Diagnosis::new(
                    Warning,
                    "stale-temp-file",
                    format!("`{path}` was left by an interrupted change"),
                    "run `partner-support doctor --fix` to remove it (the next change does too)"
                        .into(),
                ),
                Some(why) => Diagnosis::new(
                    Warning,
                    "planted-temp-file",
                    format!(
                        "`{path}` is named like a temp file of the state file, but it is {why}"
                    ),
                    "find out who put it there; partner-support leaves it alone".into(),
                ),
            });
        }
    }
    found
}

/// The history log as read and replayed, a line at a time: a long history is never held whole.
struct Log {
    /// The lines that are not entries, or why it could not be read.
    bad_lines: std::io::Result<Vec<usize>>,
    /// Each entry's revision, in the order of the log.
    revisions: Vec<u64>,
    /// Whether any entry is an operation.
    operations: bool,
    replayer: Replayer,
}

impl Log {
    fn read(path: &std::path::Path) -> Log {
        let mut replayer = Replayer::default();
        let mut operations = false;
        let mut revisions = Vec::new();
        let bad_lines = history::read_each(path, replay::decode, |entry| {
            revisions.push(entry.revision);
            operations |= entry.op.is_some();
            replayer.push_logged(entry);
        });
        Log {
            bad_lines,
            revisions,
            operations,
            replayer,
        }
    }
}

/// The history log: every line an entry, none missing, and its operations replaying to the
/// records of `state`, whose incidents' whole records are `incidents` (when they could all be
/// read).
fn examine_log(
    paths: &Paths,
    log: Log,
    state: &State,
    incidents: Option<&[Incident]>,
) -> Vec<Diagnosis> {
    let revision = state.revision;
    let log_path = paths.history.display();
    let Log {
        bad_lines,
        revisions,
        mut operations,
        mut replayer,
    } = log;
    let bad_lines = match bad_lines {
        Ok(bad_lines) => bad_lines,
        Err(e) => {
            return vec![Diagnosis::new(
                Urgency::Warning,
                "history-unreadable",
                format!("cannot read the history log `{log_path}`: {e}"),
                "check the file's owner and permissions".into(),
            )];
        }
    };
    let mut found = Vec::new();
    if !bad_lines.is_empty() {
        let lines: Vec<String> = bad_lines.iter().map(|n| n.to_string()).collect();
        found.push(Diagnosis::new(
            Urgency::Warning,
            "history-damaged",
            format!(
                "the history log `{log_path}` has lines that are not entries: {}",
                lines.join(", ")
            ),
            "a torn last line is cut by the next change; fix other lines by hand".into(),
        ));
    }
    let logged = revisions.last().copied().unwrap_or(0);
    if let Some(pair) = revisions.windows(2).find(|pair| pair[1] <= pair[0]) {
        found.push(Diagnosis::new(
            Urgency::Warning,
            "history-out-of-order",
            format!(
                "the history log `{log_path}` goes back from revision {} to {}",
                pair[0], pair[1]
            ),
            "lines were edited, merged or copied in by hand; compare it with the file's revision"
                .into(),
        ));
    }
    if logged > revision {
        found.push(Diagnosis::new(
            Urgency::Warning,
            "history-ahead",
            format!(
                "the history log ends at revision {logged}, but the file is at revision {revision}: the file was replaced by an older copy, or its revision lowered"
            ),
            format!(
                "if changes were lost, restore the newest copy of the file; the next change continues from revision {}",
                revision + 1
            ),
        ));
    }
    if logged < revision {
        found.push(Diagnosis::new(
            Urgency::Info,
            "history-behind",
            format!("the history log ends at revision {logged}, the file is at {revision}"),
            "the next change appends what is missing (the file keeps it until then)".into(),
        ));
    }
    if let Some(incidents) = incidents {
        let unlogged = history::missing(logged, &state.last_change);
        operations |= unlogged.iter().any(|e| e.op.is_some());
        for entry in unlogged {
            replayer.push(entry);
        }
        // A history from before operations: the next change starts them.
        if operations {
            found.extend(examine_operations(
                &log_path.to_string(),
                replayer.finish_apart(),
                file::records::header(state),
                incidents,
            ));
        }
    }
    found
}

/// R23: the history's operations, replayed in order, give the file's records. An operation the
/// state does not reflect, or a record no operation made, is a hand edit of one or the other,
/// or a lost line.
fn examine_operations(
    log_path: &str,
    replayed: Result<Replayed, Unreplayable>,
    header: Records,
    incidents: &[Incident],
) -> Option<Diagnosis> {
    let fix = "if a line of the log was edited or removed by hand, put it back from its copy (in a team's repository, `git checkout` the log); if the file's records are right, `partner-support doctor --accept` records them as they are";
    let replayed = match replayed {
        Ok(replayed) => replayed,
        Err(Unreplayable::NoStart) => {
            return Some(Diagnosis::new(
                Urgency::Warning,
                "history-diverges",
                format!(
                    "the history log `{log_path}` has operations but not the start they replay from (the records held before its first operation)"
                ),
                fix.into(),
            ));
        }
        Err(Unreplayable::Lost(revision)) => {
            return Some(Diagnosis::new(
                Urgency::Info,
                "history-unreplayable",
                format!(
                    "the records revision {revision} set are not in the history log `{log_path}` (its line is missing, or was restored after a crash from the file, which keeps no records): its operations are not checked against the file from there"
                ),
                "nothing to do: the records are in the file (`partner-support doctor --accept` starts the operations again from them, to check them from there)".into(),
            ));
        }
    };
    let found = replayed.divergences(header, incidents);
    if found.is_empty() {
        return None;
    }
    let said: Vec<String> = found
        .iter()
        .take(3)
        .map(|d| {
            let (collection, key) = &d.record;
            let noun = match collection.as_str() {
                "incidents" => "incident",
                "contracts" => "contract",
                "accounts" => "account",
                "offers" => "offer",
                "pending" => "the pending activation of",
                "declined" => "the decline of",
                "observations" => "the Partner Center count of",
                "refund_candidates" => "the refund candidate",
                "conflicts" => "the conflict of",
                "other_catalogs" => "the catalog",
                other => other,
            };
            let record = match key.as_str() {
                "" => noun.to_string(),
                key => format!("{noun} {key}"),
            };
            match &d.how {
                Diverges::NotInState => {
                    format!("{record} was made by an operation and is not in the file")
                }
                Diverges::NotInHistory => {
                    format!("{record} is in the file and no operation made it")
                }
                Diverges::Field(field) => {
                    format!("{record}'s `{field}` is not what the operations set")
                }
            }
        })
        .collect();
    let more = match found.len() {
        n if n > 3 => format!("; and {} more", n - 3),
        _ => String::new(),
    };
    Some(Diagnosis::new(
        Urgency::Warning,
        "history-diverges",
        format!(
            "the operations of the history log `{log_path}` do not give the file's records: {}{more}",
            said.join("; ")
        ),
        fix.into(),
    ))
}

/// Repairs what is safe to repair: permissions, and temp files left by killed writers (removed
/// under the lock, so never one in use). Never changes the data. Returns what it did.
pub fn repair(paths: &Paths) -> Result<Vec<String>, StoreError> {
    let mut done = Vec::new();
    let decodes = |path: &std::path::Path| {
        read_state_file(path)
            .ok()
            .flatten()
            .is_some_and(|bytes| file::read_in_full(path, bytes).is_ok())
    };
    // Nothing is changed or created beside a file that is not a state file.
    if paths.state.exists() && !decodes(&paths.state) {
        return Ok(done);
    }
    let write_error = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Write { path, source }
    };
    for path in [&paths.state, &paths.backup] {
        let theirs = fs::metadata(path).is_ok_and(|m| foreign_owner(&m).is_some());
        if let Ok(Some(mode)) = loose_mode(path)
            && !theirs
            && decodes(path)
        {
            make_private(path).map_err(write_error(path))?;
            done.push(format!("`{}`: mode {mode:o} → 600", path.display()));
        }
    }
    if let Ok(metadata) = fs::metadata(&paths.dir)
        && let Some(mode) = folder_mode(&metadata)
        && fixable_folder(&metadata)
    {
        make_private(&paths.dir).map_err(write_error(&paths.dir))?;
        done.push(format!("`{}`: mode {mode:o} → 700", paths.dir.display()));
    }
    let ours = |found: Vec<TempFile>| found.into_iter().filter(|t| t.planted.is_none());
    if ours(paths.temp_files().unwrap_or_default())
        .next()
        .is_some()
    {
        // A held lock means a writer is at work and its temp file is live: leave them be.
        let _lock = match lock::acquire(&paths.lock, &paths.state, std::time::Duration::ZERO) {
            Ok(lock) => lock,
            Err(StoreError::Locked { .. }) => return Ok(done),
            Err(e) => return Err(e),
        };
        for temp in ours(paths.temp_files().map_err(write_error(&paths.dir))?) {
            fs::remove_file(&temp.path).map_err(write_error(&temp.path))?;
            done.push(format!("removed `{}`", temp.path.display()));
        }
    }
    Ok(done)
}
