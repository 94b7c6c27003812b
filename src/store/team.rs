//! A team's copies of one record: the three copies git hands a merge driver read whole, the
//! merged file written sealed, and two history logs merged into one whose revisions run on.

use std::path::Path;

use super::history::Heading;
use crate::domain::operation::OpId;
use crate::domain::state::{HistoryEntry, State};
use crate::domain::three_way::Side;

use super::git::{DRIVER, Git, in_repository};
use super::{Loaded, StoreError, Stored, decode, file, read_state_file};

/// A copy of the state file read whole: its state, and every incident's record beside it. A copy that is not a
/// state file, or breaks a consistency rule, is an error naming it.
pub fn read_side(path: &Path) -> Result<Side, StoreError> {
    read_copy(path).map(|(side, _)| side)
}

/// [`read_side`], with what its file holds, for a merge written over it to copy the lines of
/// the incidents it keeps as they are ([`sealed`]).
pub fn read_copy(path: &Path) -> Result<(Side, Stored), StoreError> {
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
        let nothing = Loaded::empty(path);
        let side = Side {
            state: nothing.state,
            incidents: Vec::new(),
            edited: false,
        };
        return Ok((side, nothing.stored));
    }
    let edited = !file::is_sealed(&bytes);
    let loaded = decode(path, bytes)?;
    let incidents = loaded.records(|_| true)?;
    // The state keeps its incidents' heads; the records are the side's, held once.
    let side = Side {
        state: loaded.state,
        incidents,
        edited,
    };
    Ok((side, loaded.stored))
}

/// A history log git hands its driver: mapped where it can be (see `file/bytes.rs`: nothing
/// changes git's copies while the driver runs, and the merge copies what it reads before
/// checking it), else read.
pub fn read_log(path: &Path) -> std::io::Result<file::Bytes> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    match file::Bytes::map(&file, len) {
        Some(map) => Ok(map),
        None => Ok(file::Bytes::Read(std::fs::read(path)?)),
    }
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

/// The sealed bytes of `state`, which holds the record of every incident `stored` (the file it
/// is written over) does not hold as it is.
pub fn sealed(state: &State, stored: &Stored) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file::write(&mut bytes, state, stored)?;
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

impl SameChange {
    /// Of the log line `line`, whose heading is `heading`.
    fn of(line: &str, heading: &Heading) -> serde_json::Result<SameChange> {
        match heading.op {
            Some(op) => Ok(SameChange::Op(op)),
            None => SameChange::of_entry(&serde_json::from_str(line)?),
        }
    }

    /// Of the entry `entry`.
    fn of_entry(entry: &HistoryEntry) -> serde_json::Result<SameChange> {
        Ok(match entry.op {
            Some(op) => SameChange::Op(op),
            None => SameChange::Whole(serde_json::to_string(&HistoryEntry {
                revision: 0,
                ..entry.clone()
            })?),
        })
    }
}

/// The revision of the merge of copies at revisions `ours` and `theirs` from an ancestor at
/// `base`: after every change of both sides, as [`merge_logs`] numbers them.
pub fn merge_revision(base: u64, ours: u64, theirs: u64) -> u64 {
    (ours + theirs).saturating_sub(base) + 1
}

/// Two history logs merged: the ancestor's lines, then what either side did since.
#[derive(Debug)]
pub struct MergedLog<'a> {
    /// The ancestor's lines, as they are (its text itself, when that is lines and nothing else).
    pub ancestor: std::borrow::Cow<'a, [u8]>,
    /// Every change either side made since, a line each.
    pub since: String,
}

/// Merges two history logs with their common ancestor: the ancestor's entries, then every
/// change either side made since, once, in the order they were made (by `at`), numbered on from
/// the ancestor's last revision. The ancestor's lines are kept as they are, and read only to
/// find a change a side repeats; each change made since is read whole. A line either side added
/// that is not an entry is kept as it is, once, after them, for `doctor` to name: no line stops
/// a merge (only a side that is not text does). Linear in the lines: each is looked up by its change,
/// not compared with every other. The logs are bytes (git's copies, mapped): only what is read
/// is copied and checked.
pub fn merge_logs<'a>(base: &'a [u8], ours: &[u8], theirs: &[u8]) -> Result<MergedLog<'a>, String> {
    /// A side's lines since the ancestor: its entries, and the lines that are not one.
    type Read<'t> = (Vec<(HistoryEntry, SameChange)>, Vec<&'t str>);
    fn read(text: &str) -> Read<'_> {
        let (mut entries, mut odd) = (Vec::new(), Vec::new());
        for l in text.lines().filter(|l| !l.trim().is_empty()) {
            let entry = serde_json::from_str::<HistoryEntry>(l)
                .and_then(|entry| Ok((SameChange::of_entry(&entry)?, entry)));
            match entry {
                Ok((change, entry)) => entries.push((entry, change)),
                Err(_) => odd.push(l),
            }
        }
        (entries, odd)
    }
    // A log is only appended to: each side begins with the ancestor's lines, which are not read
    // again (the ancestor's are, where needed). What follows is copied to be read.
    let own = |side: &[u8], which: &str| -> Result<String, String> {
        let at = same_lines(base, side);
        String::from_utf8(side[at..].to_vec()).map_err(|_| {
            let skipped = memchr::memchr_iter(b'\n', &side[..at]).count();
            format!("{which}'s history log is not text after line {skipped} (it is not UTF-8)")
        })
    };
    let (ours, theirs) = (own(ours, "this side")?, own(theirs, "the other side")?);
    let ((ours, ours_odd), (theirs, theirs_odd)) = (read(&ours), read(&theirs));
    let mut seen = in_ancestor(base, ours.iter().chain(&theirs).map(|(_, c)| c));
    let mut since = Vec::new();
    for (entry, change) in ours.iter().chain(&theirs) {
        if seen.insert(change) {
            since.push(entry);
        }
    }
    // Stable: at the same instant, this side's change first.
    since.sort_by_key(|e| e.at);
    let blank = |l: &&[u8]| l.iter().all(u8::is_ascii_whitespace);
    // Numbered on from the ancestor's last entry (a line after it that is none is no change).
    let mut revision = base
        .split(|b| *b == b'\n')
        .rev()
        .filter(|l| !blank(l))
        .find_map(heading_of)
        .unwrap_or(0);
    // The ancestor's lines as they are: the text itself when it is lines and nothing else.
    let plain = memchr::memchr(b'\r', base).is_none()
        && memchr::memmem::find(base, b"\n\n").is_none()
        && !base.starts_with(b"\n");
    let ancestor = match plain {
        true if base.is_empty() || base.ends_with(b"\n") => std::borrow::Cow::Borrowed(base),
        _ => {
            let mut lines = Vec::with_capacity(base.len() + 1);
            for line in base.split(|b| *b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if !blank(&line) {
                    lines.extend_from_slice(line);
                    lines.push(b'\n');
                }
            }
            std::borrow::Cow::Owned(lines)
        }
    };
    let mut out = String::new();
    for entry in since {
        revision += 1;
        let entry = HistoryEntry {
            revision,
            ..entry.clone()
        };
        out.push_str(&serde_json::to_string(&entry).map_err(|e| e.to_string())?);
        out.push('\n');
    }
    // What is no entry is no change to order or number, and no one's to drop: kept as it is,
    // once, for `doctor` to name.
    let mut kept = std::collections::HashSet::new();
    for line in ours_odd.into_iter().chain(theirs_odd) {
        if kept.insert(line) {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(MergedLog {
        ancestor,
        since: out,
    })
}

/// Bytes of a mapped log, copied before they are read: a map is only as stable as its file
/// (`file/bytes.rs`), a copy is what is checked.
fn copied(bytes: &[u8]) -> Vec<u8> {
    bytes.to_vec()
}

/// The revision of the log line `line` (copied to be read); `None` when it is not an entry.
fn heading_of(line: &[u8]) -> Option<u64> {
    serde_json::from_slice::<Heading>(&copied(line))
        .ok()
        .map(|h| h.revision)
}

/// How many bytes of whole lines `side` begins with that `base` begins with too.
fn same_lines(b: &[u8], s: &[u8]) -> usize {
    // A block at a time, then the first differing byte in the block that differs.
    const BLOCK: usize = 4096;
    let n = b.len().min(s.len());
    let mut same = 0;
    while same + BLOCK <= n && b[same..same + BLOCK] == s[same..same + BLOCK] {
        same += BLOCK;
    }
    same += b[same..n]
        .iter()
        .zip(&s[same..n])
        .take_while(|(x, y)| x == y)
        .count();
    memchr::memrchr(b'\n', &b[..same]).map_or(0, |i| i + 1)
}

/// Of `changes` (a side's since the ancestor), those the ancestor's log `base` holds too. An
/// operation is looked for by its ID in the ancestor's text, each line it is found in read to
/// be sure; with a change from before operations among them, or many, every line is read.
fn in_ancestor<'c>(
    base: &[u8],
    changes: impl Iterator<Item = &'c SameChange>,
) -> std::collections::HashSet<&'c SameChange> {
    /// More operations than this are found by reading every line once.
    const LOOKED_FOR: usize = 64;
    let changes: Vec<&SameChange> = changes.collect();
    let mut held = std::collections::HashSet::new();
    let ops: Option<Vec<(OpId, &SameChange)>> = changes
        .iter()
        .map(|c| match c {
            SameChange::Op(op) => Some((*op, *c)),
            SameChange::Whole(_) => None,
        })
        .collect();
    match ops.filter(|ops| ops.len() <= LOOKED_FOR) {
        Some(ops) => {
            for (op, change) in ops {
                let id = op.to_string();
                let found = memchr::memmem::find_iter(base, id.as_bytes()).any(|at| {
                    let start = memchr::memrchr(b'\n', &base[..at]).map_or(0, |i| i + 1);
                    let end = memchr::memchr(b'\n', &base[at..]).map_or(base.len(), |i| at + i);
                    serde_json::from_slice::<Heading>(&copied(&base[start..end]))
                        .is_ok_and(|h| h.op == Some(op))
                });
                if found {
                    held.insert(change);
                }
            }
        }
        None => {
            // A line that is not an entry is no change a side could repeat.
            let base = String::from_utf8_lossy(base);
            let all: std::collections::HashSet<SameChange> = base
                .lines()
                .filter_map(|l| SameChange::of(l, &serde_json::from_str(l).ok()?).ok())
                .collect();
            held.extend(changes.into_iter().filter(|c| all.contains(*c)));
        }
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of the merge of three logs' texts.
    fn merged_text(base: &str, ours: &str, theirs: &str) -> Result<String, String> {
        merge_logs(base.as_bytes(), ours.as_bytes(), theirs.as_bytes()).map(|m| {
            let mut text = String::from_utf8(m.ancestor.into_owned()).unwrap();
            text.push_str(&m.since);
            text
        })
    }

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
        let merged = merged_text(&base, &ours, &theirs).unwrap();
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
        assert_eq!(merged_text(&base, &theirs, &ours).unwrap(), merged);
    }

    /// A line either side added that is not an entry (a torn line, a line edited by hand) stops
    /// no merge and is lost by none: it is kept as it is, once, after the changes, for `doctor`
    /// to name.
    #[test]
    fn a_line_that_is_not_an_entry_is_kept_as_it_is_after_the_changes() {
        let base = entry(1, "2026-06-15T09:00:00Z", "init");
        let ours = [base.clone(), entry(2, "2026-06-15T11:00:00Z", "ours")].join("\n");
        let torn = "{\"revision\":2,\"at\"";
        let theirs = [
            base.clone(),
            "not an entry".into(),
            entry(2, "2026-06-15T10:00:00Z", "theirs"),
            torn.into(),
        ]
        .join("\n");
        for (one, other) in [(&ours, &theirs), (&theirs, &ours)] {
            let merged = merged_text(&base, one, other).unwrap();
            let lines: Vec<&str> = merged.lines().collect();
            assert_eq!(lines.len(), 5, "{merged}");
            let entries: Vec<(u64, String)> = lines[..3]
                .iter()
                .map(|l| {
                    let e: HistoryEntry = serde_json::from_str(l).unwrap();
                    (e.revision, e.summary)
                })
                .collect();
            assert_eq!(
                entries,
                [
                    (1, "init".to_string()),
                    (2, "theirs".into()),
                    (3, "ours".into())
                ]
            );
            assert_eq!(lines[3..], ["not an entry", torn]);
        }
        // A whole side that is no log at all is kept too, and the other side's changes merge.
        let merged = merged_text(&base, "not json", &ours).unwrap();
        assert!(merged.ends_with("\nnot json\n"), "{merged}");
        assert!(merged.contains("\"summary\":\"ours\""), "{merged}");
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
        let merged = merged_text(&base, &ours, &theirs).unwrap();
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

    /// A change of the ancestor's that a side holds again later in its log (a rebase put it
    /// after its own) is logged once, however the ancestor wrote its line and whether the
    /// changes since are few (looked up in the ancestor's text) or many (every line read).
    #[test]
    fn a_change_the_ancestor_holds_that_a_side_repeats_is_logged_once() {
        let op = |revision: u64, minute: u32, summary: &str, op: u128| {
            let line = entry(revision, &format!("2026-06-15T10:{minute:02}:00Z"), summary);
            format!(
                "{},\"op\":\"{}\",\"clock\":{revision}}}",
                line.strip_suffix('}').unwrap(),
                OpId(op)
            )
        };
        for (spaced, many) in [(false, 0), (true, 0), (false, 70), (true, 70)] {
            let start = op(1, 0, "start", 1);
            let mut a = op(2, 1, "a", 2);
            if spaced {
                a = a.replace(",", ", ");
            }
            let base = [start.clone(), a.clone()].join("\n");
            // Ours: the start, then its own changes, then the ancestor's `a` again.
            let mut ours = vec![start.clone()];
            ours.extend((0..many).map(|n| op(2 + n, 2, &format!("ours {n}"), 100 + u128::from(n))));
            ours.push(op(2 + many, 1, "a", 2));
            let theirs = [start.clone(), a.clone(), op(3, 3, "b", 3)].join("\n");
            let merged = merged_text(&base, &ours.join("\n"), &theirs).unwrap();
            let summaries: Vec<String> = merged
                .lines()
                .map(|l| serde_json::from_str::<HistoryEntry>(l).unwrap().summary)
                .collect();
            let a_count = summaries.iter().filter(|s| *s == "a").count();
            assert_eq!(a_count, 1, "spaced {spaced}, {many} more: {summaries:?}");
            assert_eq!(
                summaries.len(),
                3 + many as usize,
                "spaced {spaced}, {many} more"
            );
            assert!(
                merged.starts_with(&format!("{base}\n")),
                "spaced {spaced}, {many} more"
            );
        }
    }

    /// Where two logs stop having the same lines, in bytes: never inside a line.
    #[test]
    fn the_lines_two_logs_begin_with_are_whole_lines() {
        let long = "x".repeat(5000);
        for (base, side, want) in [
            ("", "a\n", 0),
            ("a\nb\n", "a\nb\n", 4),
            ("a\nb\n", "a\nbc\n", 2),
            ("a\nb", "a\nb\nc\n", 2),
            ("a\nb\nc\n", "a\n", 2),
            (
                &*format!("{long}\n{long}y\n"),
                &*format!("{long}\n{long}z\n"),
                5001,
            ),
        ] {
            assert_eq!(
                same_lines(base.as_bytes(), side.as_bytes()),
                want,
                "{base:?} / {side:?}"
            );
        }
    }
}
