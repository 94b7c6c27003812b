//! The history log beside the state file: one JSON object per line, only ever appended, so a
//! change costs the same however long the history has grown, and a reader of the state never
//! reads it.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::Deserialize;

use super::files::{open_own, private_options};
use crate::domain::state::HistoryEntry;

/// Longest stretch read back from the end to find the last complete line; an entry is far
/// shorter.
const TAIL: u64 = 64 * 1024;

/// The log, open for appending, its torn last line (from a crash mid-append) cut off.
pub(super) struct Writer {
    file: File,
    /// The revision of the last complete entry, 0 for an empty log.
    pub last_revision: u64,
}

impl Writer {
    /// Opens (or creates, 0600) the log at `path`.
    pub fn open(path: &Path) -> io::Result<Writer> {
        let mut options = private_options();
        options.read(true).append(true).create(true);
        let mut file = open_own(path, &options)?;
        let (complete, len) = tail(&mut file)?;
        if complete.1 < len {
            file.set_len(complete.1)?;
        }
        Ok(Writer {
            last_revision: revision_of(&complete.0),
            file,
        })
    }

    /// Appends those of `entries` the log does not have yet (past its last revision, read again
    /// now: a writer whose lock file was deleted under it may have appended meanwhile), one line
    /// each, and flushes them to disk.
    pub fn append<'a>(
        &mut self,
        entries: impl IntoIterator<Item = &'a HistoryEntry>,
    ) -> io::Result<()> {
        let logged = self.last_revision.max(last_revision(&mut self.file)?);
        self.last_revision = logged;
        let mut lines = Vec::new();
        for entry in entries.into_iter().filter(|e| e.revision > logged) {
            serde_json::to_writer(&mut lines, entry)?;
            lines.push(b'\n');
            self.last_revision = entry.revision;
        }
        if lines.is_empty() {
            return Ok(());
        }
        self.file.write_all(&lines)?;
        self.file.sync_data()
    }
}

/// The log's last complete line and where the complete lines end, and the log's length. Read
/// back from the end, a stretch at a time, until the last complete line is whole: most lines are
/// short, but an operation that set many records (an import, the start of a history) is long.
fn tail(file: &mut File) -> io::Result<((Vec<u8>, u64), u64)> {
    let len = file.metadata()?.len();
    let mut stretch = TAIL;
    loop {
        let from = len.saturating_sub(stretch);
        file.seek(SeekFrom::Start(from))?;
        let mut tail = Vec::new();
        file.read_to_end(&mut tail)?;
        // Where the complete lines end, and where the last of them starts.
        let complete = tail.iter().rposition(|b| *b == b'\n').map(|i| i + 1);
        let start = complete.and_then(|end| {
            tail[..end - 1]
                .iter()
                .rposition(|b| *b == b'\n')
                .map(|i| i + 1)
        });
        match (complete, start) {
            (Some(end), Some(start)) => {
                return Ok(((tail[start..end - 1].to_vec(), from + end as u64), len));
            }
            // The whole log is in the stretch: its first line is the last complete one, or
            // it has none.
            (end, _) if from == 0 => {
                let end = end.unwrap_or(0);
                let line = tail[..end.saturating_sub(1)].to_vec();
                return Ok(((line, end as u64), len));
            }
            _ => stretch = stretch.saturating_mul(4),
        }
    }
}

/// The revision of the log's last complete line.
fn last_revision(file: &mut File) -> io::Result<u64> {
    Ok(revision_of(&tail(file)?.0.0))
}

fn revision_of(line: &[u8]) -> u64 {
    #[derive(Deserialize)]
    struct Revision {
        revision: u64,
    }
    serde_json::from_slice::<Revision>(line).map_or(0, |r| r.revision)
}

/// The entries among `candidates` that a log ending at revision `logged` lacks, in revision
/// order, each once (`last_change` and the unlogged entries can name the same change).
pub(super) fn missing<'a>(
    logged: u64,
    candidates: impl IntoIterator<Item = &'a HistoryEntry>,
) -> Vec<&'a HistoryEntry> {
    let mut missing: Vec<_> = candidates
        .into_iter()
        .filter(|e| e.revision > logged)
        .collect();
    missing.sort_by_key(|e| e.revision);
    missing.dedup_by_key(|e| e.revision);
    missing
}

/// What a history log holds.
#[derive(Debug, Default)]
pub struct Log {
    /// Every complete entry, oldest first.
    pub entries: Vec<HistoryEntry>,
    /// Lines that are not entries (1-based line numbers), a torn last line among them.
    pub bad_lines: Vec<usize>,
}

/// Of a log line, what tells one change from another, read without the rest of it: its
/// revision, when it was made, and its operation.
#[derive(Debug, Deserialize)]
pub struct Heading {
    /// The revision the change produced.
    #[serde(default)]
    pub revision: u64,
    /// When it was made.
    #[serde(with = "crate::domain::values::instant")]
    pub at: chrono::DateTime<chrono::Utc>,
    /// Its operation; none for a change from before operations.
    #[serde(default)]
    pub op: Option<crate::domain::operation::OpId>,
}

/// The heading of the log line `line`; `None` when it has none.
pub fn heading(line: &str) -> Option<Heading> {
    serde_json::from_str(line).ok()
}

/// Reads the log at `path` a line at a time, each entry `decode` makes of a line given to
/// `each` as it is read; a missing log is empty. Returns the lines that are not entries
/// (1-based line numbers): not UTF-8, or what `decode` makes nothing of.
pub fn read_each<T>(
    path: &Path,
    decode: impl Fn(&str) -> Option<T>,
    mut each: impl FnMut(T),
) -> io::Result<Vec<usize>> {
    let mut options = private_options();
    options.read(true);
    let file = match open_own(path, &options) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut bad_lines = Vec::new();
    let mut n = 0;
    let mut line = |text: &[u8]| {
        n += 1;
        // The line's UTF-8 is checked at once, not string by string.
        match std::str::from_utf8(text).ok().and_then(&decode) {
            Some(entry) => each(entry),
            None => bad_lines.push(n),
        }
    };
    // A line is read where the reader's buffer holds it; only one that runs past the buffer's
    // end is copied, into `long`.
    let mut reader = io::BufReader::with_capacity(1 << 16, file);
    let mut long = Vec::new();
    loop {
        let buffer = io::BufRead::fill_buf(&mut reader)?;
        if buffer.is_empty() {
            if !long.is_empty() {
                line(&long);
            }
            break;
        }
        let used = match memchr::memchr(b'\n', buffer) {
            Some(end) if long.is_empty() => {
                line(&buffer[..end]);
                end + 1
            }
            Some(end) => {
                long.extend_from_slice(&buffer[..end]);
                line(&long);
                long.clear();
                end + 1
            }
            None => {
                long.extend_from_slice(buffer);
                buffer.len()
            }
        };
        io::BufRead::consume(&mut reader, used);
    }
    Ok(bad_lines)
}

/// The log at `path` from byte `at` to its end: the lines after those a reader already knows.
pub fn read_from(path: &Path, at: u64) -> io::Result<Vec<u8>> {
    let mut options = private_options();
    options.read(true);
    let mut file = open_own(path, &options)?;
    file.seek(SeekFrom::Start(at))?;
    let mut text = Vec::new();
    file.read_to_end(&mut text)?;
    Ok(text)
}

/// Reads the log at `path`; a missing log is empty. Like the writer, it reads no symbolic link
/// and no file of another user.
pub fn read(path: &Path) -> io::Result<Log> {
    let mut options = private_options();
    options.read(true);
    let mut text = String::new();
    match open_own(path, &options) {
        Ok(mut file) => file.read_to_string(&mut text)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Log::default()),
        Err(e) => return Err(e),
    };
    let mut log = Log::default();
    for (i, line) in text.lines().enumerate() {
        match serde_json::from_str(line) {
            Ok(entry) => log.entries.push(entry),
            Err(_) => log.bad_lines.push(i + 1),
        }
    }
    Ok(log)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(revision: u64, summary: &str) -> HistoryEntry {
        HistoryEntry {
            revision,
            action: "incidents open".into(),
            summary: summary.into(),
            ..HistoryEntry::default()
        }
    }

    /// A line longer than the stretch read back (an import's operation) is found whole, and a
    /// torn line after it is cut without cutting into it.
    #[test]
    fn a_long_last_line_is_read_whole_and_only_a_torn_one_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.history.jsonl");
        let long = "x".repeat(5 * TAIL as usize);
        for torn in [&b""[..], b"{\"revision\":3,\"at\""] {
            let _ = std::fs::remove_file(&path);
            let mut w = Writer::open(&path).unwrap();
            w.append([&entry(1, "short"), &entry(2, &long)]).unwrap();
            let whole = std::fs::read(&path).unwrap();
            std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap()
                .write_all(torn)
                .unwrap();
            let w = Writer::open(&path).unwrap();
            assert_eq!(w.last_revision, 2);
            assert_eq!(std::fs::read(&path).unwrap(), whole, "torn: {}", torn.len());
            assert_eq!(read(&path).unwrap().entries.len(), 2);
        }
    }
}
