//! A team's copies of one record: the three copies git hands a merge driver read whole, the
//! merged file written sealed, and two history logs merged into one whose revisions run on.

use std::path::Path;

use super::history::Heading;
use crate::domain::operation::OpId;
use crate::domain::state::{HistoryEntry, State};
use crate::domain::three_way::Side;

use super::git::{DRIVER, Git, in_repository};
use super::{Loaded, StoreError, decode, file, read_state_file};

/// A copy of the state file read whole: its state, and every incident's record beside it. A copy that is not a
/// state file, or breaks a consistency rule, is an error naming it.
pub fn read_side(path: &Path) -> Result<Side, StoreError> {
    let bytes = read_state_file(path)
        .map_err(|source| StoreError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .ok_or_else(|| StoreError::Read {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        })?;
    // Both sides added the file: git's ancestor is empty.
    if bytes.is_empty() {
        let state = Loaded::empty(path).state;
        return Ok(Side {
            state,
            incidents: Vec::new(),
            edited: false,
        });
    }
    let edited = !file::is_sealed(&bytes);
    let loaded = decode(path, bytes)?;
    let incidents = loaded.records(|_| true)?;
    // The state keeps its incidents' heads; the records are the side's, held once.
    Ok(Side {
        state: loaded.state,
        incidents,
        edited,
    })
}

/// Keeps git's copy of this side (`ours`, which the merge is about to replace) as the backup of
/// the state file at `work_tree` (git's %P, from the work tree's root, where git runs the
/// driver), where `undo` looks for the state before the last change. Nothing when no state
/// file is there: the driver was run outside the work tree its path names.
pub fn keep_ours_as_backup(ours: &Path, work_tree: &Path) -> std::io::Result<()> {
    let paths = crate::store::Paths::of(work_tree);
    if !paths.state.is_file() {
        return Ok(());
    }
    crate::store::keep_backup(&paths, ours, &std::fs::metadata(ours)?)
}

/// The sealed bytes of `state`, which holds every incident's record.
pub fn sealed(state: &State, path: &Path) -> std::io::Result<Vec<u8>> {
    let nothing = Loaded::empty(path);
    let mut bytes = Vec::new();
    file::write(&mut bytes, state, &nothing.stored)?;
    Ok(bytes)
}

/// The highest incident number that any other branch of the team's repository holds for the
/// state file at `state` (its local branches and those fetched), when the repository merges it
/// with partner-support's driver (`team init`): new incidents are numbered after it, so that a
/// merge renumbers only what two clones opened before either had seen the other's. `None`
/// outside such a repository, or without git.
pub fn highest_elsewhere(state: &Path) -> Option<u32> {
    let state = std::path::absolute(state).ok()?;
    let dir = state.parent()?;
    // Most state files are in no repository: that is known without starting git.
    if !super::Paths::of(&state).in_git() {
        return None;
    }
    let git = Git::in_dir(dir);
    let rel = in_repository(&git.root().ok()?, &state)?;
    let attribute = git.text(&["check-attr", "merge", "--", &rel]).ok()?;
    if !attribute.ends_with(&format!(": merge: {DRIVER}")) {
        return None;
    }
    let refs = git
        .text(&[
            "for-each-ref",
            "--format=%(objectname)",
            "refs/heads",
            "refs/remotes",
        ])
        .ok()?;
    let mut commits: Vec<&str> = refs.lines().collect();
    commits.sort_unstable();
    commits.dedup();
    commits
        .into_iter()
        .filter_map(|commit| git.bytes(&["show", &format!("{commit}:{rel}")]).ok())
        .filter_map(|bytes| file::highest_incident(&bytes))
        .max()
}

/// What makes two log lines the same change: its operation's ID (R23), or, for a change made
/// before operations, everything but its revision, which each copy numbered on its own.
#[derive(Debug, PartialEq, Eq, Hash)]
enum SameChange {
    Op(OpId),
    Whole(String),
}

/// The revision of the merge of copies at revisions `ours` and `theirs` from an ancestor at
/// `base`: after every change of both sides, as [`merge_logs`] numbers them.
pub fn merge_revision(base: u64, ours: u64, theirs: u64) -> u64 {
    (ours + theirs).saturating_sub(base) + 1
}

/// Merges two history logs with their common ancestor: the ancestor's entries, then every
/// change either side made since, once, in the order they were made (by `at`), numbered on from
/// the ancestor's last revision. The ancestor's lines are kept as they are; each change made
/// since is read whole. A line that is not an entry is an error naming it. Linear in the
/// lines: each is looked up by its change, not compared with every other.
pub fn merge_logs<'a>(base: &str, ours: &'a str, theirs: &'a str) -> Result<String, String> {
    fn whole(l: &str) -> serde_json::Result<HistoryEntry> {
        serde_json::from_str(l)
    }
    fn read<'a>(
        text: &'a str,
        which: &str,
        skipped: usize,
    ) -> Result<Vec<(&'a str, Heading, SameChange)>, String> {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| {
                let bad = |e: serde_json::Error| {
                    let n = skipped + n + 1;
                    format!("line {n} of {which}'s history log is not an entry: {e}")
                };
                let line: Heading = serde_json::from_str(l).map_err(bad)?;
                let change = match line.op {
                    Some(op) => SameChange::Op(op),
                    None => {
                        let mut entry = whole(l).map_err(bad)?;
                        entry.revision = 0;
                        SameChange::Whole(serde_json::to_string(&entry).map_err(|e| e.to_string())?)
                    }
                };
                Ok((l, line, change))
            })
            .collect()
    }
    // A log is only appended to: each side begins with the ancestor's lines, which are not read
    // again (the ancestor's are).
    let own = |side: &'a str| -> (&'a str, usize) {
        let (mut at, mut lines) = (0, 0);
        for (a, b) in base.split_inclusive('\n').zip(side.split_inclusive('\n')) {
            if a != b || !a.ends_with('\n') {
                break;
            }
            at += a.len();
            lines += 1;
        }
        (&side[at..], lines)
    };
    let ((ours, ours_skipped), (theirs, theirs_skipped)) = (own(ours), own(theirs));
    let (base, ours, theirs) = (
        read(base, "the common ancestor", 0)?,
        read(ours, "this side", ours_skipped)?,
        read(theirs, "the other side", theirs_skipped)?,
    );
    let mut seen: std::collections::HashSet<&SameChange> = base.iter().map(|(_, _, c)| c).collect();
    let mut since = Vec::new();
    for (text, line, change) in ours.iter().chain(&theirs) {
        if seen.insert(change) {
            since.push((text, line.at));
        }
    }
    // Stable: at the same instant, this side's change first.
    since.sort_by_key(|(_, at)| *at);
    let mut revision = base.last().map_or(0, |(_, line, _)| line.revision);
    let mut out = String::new();
    for (text, _, _) in &base {
        out.push_str(text);
        out.push('\n');
    }
    for (text, _) in since {
        let mut entry = whole(text).map_err(|e| e.to_string())?;
        revision += 1;
        entry.revision = revision;
        out.push_str(&serde_json::to_string(&entry).map_err(|e| e.to_string())?);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(revision: u64, at: &str, summary: &str) -> String {
        format!(
            r#"{{"revision":{revision},"at":"{at}","as_of":"2026-06-15","account":"admin@contoso.com","action":"incidents open","summary":"{summary}","balances":[]}}"#
        )
    }

    #[test]
    fn logs_merge_as_one_run_of_revisions_in_the_order_changes_were_made() {
        let base = [entry(1, "2026-06-15T09:00:00Z", "init")].join("\n");
        let ours = [
            entry(1, "2026-06-15T09:00:00Z", "init"),
            entry(2, "2026-06-15T11:00:00Z", "ours, later"),
        ]
        .join("\n");
        let theirs = [
            entry(1, "2026-06-15T09:00:00Z", "init"),
            entry(2, "2026-06-15T10:00:00Z", "theirs, earlier"),
            entry(3, "2026-06-15T12:00:00Z", "theirs, last"),
        ]
        .join("\n");
        let merged = merge_logs(&base, &ours, &theirs).unwrap();
        let lines: Vec<(u64, String)> = merged
            .lines()
            .map(|l| {
                let e: HistoryEntry = serde_json::from_str(l).unwrap();
                (e.revision, e.summary)
            })
            .collect();
        assert_eq!(
            lines,
            [
                (1, "init".to_string()),
                (2, "theirs, earlier".into()),
                (3, "ours, later".into()),
                (4, "theirs, last".into())
            ]
        );
        // Either way round, the same log.
        assert_eq!(merge_logs(&base, &theirs, &ours).unwrap(), merged);
        assert!(
            merge_logs(&base, "not json", &theirs)
                .unwrap_err()
                .contains("line 1 of this side's")
        );
        // A side's own lines are numbered after the ancestor's it begins with.
        let torn = format!("{base}\n{{\"revision\":2,\"at\"");
        let err = merge_logs(&base, &ours, &torn).unwrap_err();
        assert!(err.contains("line 2 of the other side's"), "{err}");
    }

    /// An operation either side holds since the ancestor is logged once, however often it
    /// appears (a cherry-pick or a rebase can repeat one); the ancestor's lines are kept as
    /// they are.
    #[test]
    fn each_operation_is_logged_once_and_the_ancestors_lines_as_they_are() {
        let op = |revision: u64, at: &str, summary: &str, op: u128| {
            let line = entry(revision, at, summary);
            let id = OpId(op);
            format!(
                "{},\"op\":\"{id}\",\"clock\":{revision}}}",
                line.strip_suffix('}').unwrap()
            )
        };
        let start = op(1, "2026-06-15T09:00:00Z", "start", 1).replace(",", ", ");
        let base = start.clone();
        let a = op(2, "2026-06-15T10:00:00Z", "a", 2);
        let ours = [
            start.clone(),
            a.clone(),
            op(3, "2026-06-15T10:00:00Z", "a", 2),
        ]
        .join("\n");
        let theirs = [start.clone(), a, op(3, "2026-06-15T11:00:00Z", "b", 3)].join("\n");
        let merged = merge_logs(&base, &ours, &theirs).unwrap();
        let lines: Vec<&str> = merged.lines().collect();
        assert_eq!(lines[0], start);
        let rest: Vec<(u64, String)> = lines[1..]
            .iter()
            .map(|l| {
                let e: HistoryEntry = serde_json::from_str(l).unwrap();
                (e.revision, e.summary)
            })
            .collect();
        assert_eq!(rest, [(2, "a".to_string()), (3, "b".to_string())]);
    }
}
