//! The state file: load (missing = empty), lock a sidecar file, and save atomically (temp file in
//! the same folder, fsync, keep the previous version as `.bak`, rename, fsync the folder).

pub mod file;
mod files;
pub mod health;
pub mod history;
mod lock;

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use file::{Loaded, Stored};
pub use files::{Paths, exposure};
pub use lock::holder as lock_holder;

use crate::domain::integrity::Problem;
use crate::domain::state::{HistoryEntry, SCHEMA_VERSION, State};

/// A failure of the state file itself. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file or its folder could not be read.
    #[error("cannot read state file `{}`: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not a valid state document.
    #[error("cannot read state file `{}`: {message}{}", .path.display(), at(*.position))]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
        /// 1-based line and column, when the syntax is at fault.
        position: Option<(usize, usize)>,
    },
    /// The file has no `schema_version`.
    #[error("cannot read state file `{}`: it has no `schema_version`, so it is not a partner-support state file", .path.display())]
    NoSchema {
        /// The file.
        path: PathBuf,
    },
    /// The file was written by a newer build.
    #[error("state file `{}` has schema version {found}, but this build of partner-support reads up to {SCHEMA_VERSION}", .path.display())]
    Newer {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u64,
    },
    /// The file parses but breaks a consistency rule.
    #[error("state file `{}` is inconsistent: {problem}{}", .path.display(), and_more(*.more))]
    Inconsistent {
        /// The file.
        path: PathBuf,
        /// The first broken rule.
        problem: Problem,
        /// How many more there are.
        more: usize,
    },
    /// Another process holds the lock.
    #[error("state file `{}` is locked by another partner-support process ({}waited {} s)", .path.display(), pid_of(*.pid), .waited.as_secs())]
    Locked {
        /// The file.
        path: PathBuf,
        /// The holder, when it recorded itself.
        pid: Option<u32>,
        /// How long we waited.
        waited: Duration,
    },
    /// Writing failed; the previous file is intact.
    #[error("cannot write state file `{}`: {source}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl StoreError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            StoreError::Parse { path, .. } | StoreError::NoSchema { path } => Some(format!(
                "the file was left as it is; fix it by hand or restore `{}`",
                Paths::of(path).backup.display()
            )),
            StoreError::Inconsistent { path, .. } => Some(format!(
                "run `partner-support doctor` to list every problem; fix them by hand or restore `{}`",
                Paths::of(path).backup.display()
            )),
            StoreError::Newer { .. } => {
                Some("upgrade partner-support; the file was left as it is".into())
            }
            StoreError::Locked { .. } => {
                Some("try again when the other command has finished".into())
            }
            _ => None,
        }
    }
}

fn at(position: Option<(usize, usize)>) -> String {
    position.map_or_else(String::new, |(line, column)| {
        format!(" at line {line} column {column}")
    })
}

fn and_more(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " (and 1 more problem)".into(),
        n => format!(" (and {n} more problems)"),
    }
}

fn pid_of(pid: Option<u32>) -> String {
    pid.map_or_else(String::new, |pid| format!("PID {pid}, "))
}

/// Decodes a state file's bytes and checks its consistency; the first broken rule is the error.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<Loaded, StoreError> {
    checked(file::read(path, file::Bytes::Read(bytes))?)
}

/// The state, if it breaks none of the consistency rules.
fn checked(decoded: file::Decoded) -> Result<Loaded, StoreError> {
    let loaded = decoded.loaded;
    let mut problems = loaded.state.problems().into_iter();
    match problems.next() {
        None => Ok(loaded),
        Some(problem) => Err(StoreError::Inconsistent {
            path: loaded.stored.path().to_path_buf(),
            problem,
            more: problems.count(),
        }),
    }
}

/// The state file at one path.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
    lock_wait: Duration,
}

impl Store {
    /// A store for the file at `path` (which need not exist yet); a mutation waits up to
    /// `lock_wait` for another process's lock.
    pub fn new(path: PathBuf, lock_wait: Duration) -> Self {
        Store { path, lock_wait }
    }

    /// The file's path, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The files this store reads and writes.
    pub fn paths(&self) -> Paths {
        Paths::of(&self.path)
    }

    /// Reads the state; a missing file is an empty state. Takes no lock: the file is only ever
    /// replaced whole, so a reader sees the old or the new version. The file is mapped rather
    /// than copied where it can be (`file/bytes.rs`).
    pub fn load(&self) -> Result<Loaded, StoreError> {
        let Some(map) = file::Bytes::map(&self.path) else {
            return self.load_copy();
        };
        match file::read_sealed(&self.path, map) {
            Ok(decoded) => checked(decoded),
            // Not sealed (that was just checked, hash first): the map goes before the file is
            // read into memory in full, so that the two are not held at once.
            Err(map) => {
                drop(map);
                match self.read_bytes()? {
                    None => Ok(Loaded::empty(&self.path)),
                    Some(bytes) => checked(file::read_in_full(&self.path, bytes)?),
                }
            }
        }
    }

    /// [`Store::load`] from a copy in memory: what a change reads, under the lock, as it writes
    /// the new file from those bytes.
    fn load_copy(&self) -> Result<Loaded, StoreError> {
        match self.read_bytes()? {
            None => Ok(Loaded::empty(&self.path)),
            Some(bytes) => checked(file::read(&self.path, file::Bytes::Read(bytes))?),
        }
    }

    /// The file's bytes, read into memory; `None` when there is no file.
    fn read_bytes(&self) -> Result<Option<Vec<u8>>, StoreError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StoreError::Read {
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Runs `change` on the current state under an exclusive lock and, if it succeeds and says
    /// it changed something, writes the result atomically. On error nothing is written.
    /// Returns the resulting state and the change's value.
    pub fn mutate<T, E>(
        &self,
        change: impl FnOnce(&mut State, &Stored) -> Result<(T, bool), E>,
    ) -> Result<(Loaded, T), E>
    where
        E: From<StoreError>,
    {
        let paths = self.paths();
        let write_error = |source| StoreError::Write {
            path: self.path.clone(),
            source,
        };
        files::create_private_dir(&paths.dir).map_err(write_error)?;
        let _lock = lock::acquire(&paths.lock, &self.path, self.lock_wait)?;
        let mut loaded = self.load_copy()?;
        let before = Before {
            revision: loaded.state.revision,
            last_change: loaded.state.last_change.clone(),
        };
        let (value, changed) = change(&mut loaded.state, &loaded.stored)?;
        if changed {
            self.save(&paths, &loaded, &before).map_err(write_error)?;
        }
        Ok((loaded, value))
    }

    /// The whole history: the log, plus any entry the log does not have yet (a migrated
    /// version 1 file's, or the last change's after a crash before its line was appended).
    pub fn history(&self, state: &State) -> Result<Vec<HistoryEntry>, StoreError> {
        let paths = self.paths();
        let mut entries = history::read(&paths.history)
            .map_err(|source| StoreError::Read {
                path: paths.history.clone(),
                source,
            })?
            .entries;
        let logged = entries.last().map_or(0, |e| e.revision);
        let missing = history::missing(logged, state.unlogged.iter().chain(&state.last_change));
        entries.extend(missing.into_iter().cloned());
        Ok(entries)
    }

    /// Writes `state` over the file: temp file, fsync, previous version to `.bak`, rename, fsync
    /// the folder. A crash at any point leaves the old file or the new one, never a mix.
    ///
    /// The history log gets, before the rename, whatever it lacks of changes already made (the
    /// previous change's line if a crash lost it, a migrated file's history) and, after it, the
    /// line of this change: so it never holds a change that did not happen, and one it misses
    /// is restored from `last_change` by the next change.
    fn save(&self, paths: &Paths, loaded: &Loaded, before: &Before) -> io::Result<()> {
        let state = &loaded.state;
        // Under the lock, any temp file of ours is debris from a killed writer.
        for stale in paths.temp_files()? {
            fs::remove_file(stale)?;
        }
        // tempfile creates its files exclusively (0600), so a planted file or symlink is never
        // written through.
        let prefix = paths.temp_prefix();
        let temp = || {
            let mut b = tempfile::Builder::new();
            b.prefix(&prefix).suffix(".tmp");
            b
        };
        let mut tmp = temp().tempfile_in(&paths.dir)?;
        file::write(tmp.as_file_mut(), state, &loaded.stored)?;
        tmp.as_file().sync_all()?;
        let mut log = history::Writer::open(&paths.history)?;
        let made = before
            .last_change
            .iter()
            .chain(&state.unlogged)
            .filter(|e| e.revision <= before.revision);
        log.append(history::missing(log.last_revision, made))?;
        if paths.state.exists() {
            // A hard link keeps the previous version without copying it; the rename below then
            // gives the state file a new inode and leaves the old one as the backup.
            let link = temp().make_in(&paths.dir, |p| fs::hard_link(&paths.state, p));
            let backup = match link {
                Ok(link) => link.into_temp_path(),
                // A file system without hard links gets a copy.
                Err(_) => {
                    let mut copy = temp().tempfile_in(&paths.dir)?;
                    io::copy(&mut File::open(&paths.state)?, copy.as_file_mut())?;
                    copy.as_file().sync_all()?;
                    copy.into_temp_path()
                }
            };
            backup.persist(&paths.backup).map_err(|e| e.error)?;
        }
        tmp.persist(&paths.state).map_err(|e| e.error)?;
        // The renames are durable only once the folder itself is flushed (Unix; Windows cannot
        // open a folder as a file).
        #[cfg(unix)]
        File::open(&paths.dir)?.sync_all()?;
        log.append(
            state
                .unlogged
                .iter()
                .filter(|e| e.revision > before.revision),
        )
    }
}

/// What a change started from: the revision, and the entry that made it.
struct Before {
    revision: u64,
    last_change: Option<HistoryEntry>,
}
