//! The state file: load (missing = empty), lock a sidecar file, and save atomically (temp file in
//! the same folder, fsync, keep the previous version as `.bak`, rename, fsync the folder).

pub mod catalog;
pub mod file;
mod files;
pub use files::{MAX_CATALOG_FILE_BYTES, MAX_IMPORT_BYTES, MAX_LIFECYCLE_BYTES, read_input};
pub mod git;
pub mod health;
pub mod history;
pub mod lifecycle;
mod lock;
pub mod operations;
pub mod output;
pub mod replay;
pub mod team;

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use file::{Loaded, Stored};
pub use files::{Paths, config_dir, exposures, profile_path, write_parts, write_whole};
pub use lock::holder as lock_holder;

use crate::domain::integrity::Problem;
use crate::domain::state::{HistoryEntry, State};
use crate::store::file::SCHEMA_VERSION;

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
    #[error("state file `{}` was written by a newer partner-support (schema {found}, this one reads up to {SCHEMA_VERSION})", .path.display())]
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
    /// The lock file cannot be opened or locked.
    #[error("cannot lock state file `{}`: {source}", .path.display())]
    Lock {
        /// The state file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Another process holds the lock.
    #[error("cannot lock state file `{}`: it is locked by {}, waited {} s)", .path.display(), holder_of(*.pid), .waited.as_secs())]
    Locked {
        /// The file.
        path: PathBuf,
        /// The holder, when it recorded itself.
        pid: Option<u32>,
        /// How long we waited.
        waited: Duration,
    },
    /// The state file is a link to another user's file.
    #[error("state file `{}` links to `{}`, which is owned by another user (uid {owner}); partner-support changes only its user's files", .path.display(), .target.display())]
    Foreign {
        /// The link.
        path: PathBuf,
        /// Where it points.
        target: PathBuf,
        /// The owner of the target.
        owner: u32,
    },
    /// Writing failed; the previous file is intact.
    #[error("cannot write state file `{}`: {source}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The change would make the state file larger than any command reads.
    #[error("cannot write state file `{}`: the change would make it {} MiB, past the {} MiB a state file may be; nothing was changed", .path.display(), .size >> 20, files::MAX_STATE_BYTES >> 20)]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The size it would have had, in bytes.
        size: u64,
    },
    /// An interrupt (Ctrl-C, SIGTERM, SIGHUP) came before the change was recorded.
    #[error("interrupted: nothing was recorded")]
    Interrupted,
    /// A file kept beside the state file (its history log, its backup) could not be written,
    /// before the change was made: the state file is intact.
    #[error("cannot write the {what} `{}`: {source}", .path.display())]
    WriteBeside {
        /// What the file is to the state: `history log`, `backup`.
        what: &'static str,
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
                Some("upgrade partner-support to read it; the file was left as it is".into())
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

/// Who holds a lock: a partner-support process records its PID while it holds one; anything
/// else (another tool, a holder that died) is unknown.
fn holder_of(pid: Option<u32>) -> String {
    pid.map_or_else(
        || "another process (PID unknown".into(),
        |pid| format!("another partner-support process (PID {pid}"),
    )
}

/// All of `file`'s bytes, from its start (it may have been read or mapped before).
fn read_all(file: &mut File, len: u64) -> io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(0))?;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The bytes of the state file (or its backup) at `path`, read as [`Store::load`] reads them:
/// `None` when there is none; anything but a regular file of at most
/// [`files::MAX_STATE_BYTES`] is an error.
pub fn read_state_file(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match files::open_state(path)? {
        None => Ok(None),
        Some((mut file, len)) => read_all(&mut file, len).map(Some),
    }
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
        let Some((mut file, len)) = self.open()? else {
            return Ok(Loaded::empty(&self.path));
        };
        let Some(map) = file::Bytes::map(&file, len) else {
            return self.decode_copy(&mut file, len);
        };
        let loaded = match file::read_sealed(&self.path, map) {
            Ok(decoded) => checked(decoded)?,
            // Not sealed (that was just checked, hash first): the map goes before the file is
            // read into memory in full, so that the two are not held at once.
            Err(map) => {
                drop(map);
                let bytes = self.read_all(&mut file, len)?;
                checked(file::read_unsealed(&self.path, bytes)?)?
            }
        };
        Ok(self.personal(loaded))
    }

    /// [`Store::load`] from a copy in memory: what a change reads, under the lock, as it writes
    /// the new file from those bytes.
    fn load_copy(&self) -> Result<Loaded, StoreError> {
        match self.open()? {
            None => Ok(Loaded::empty(&self.path)),
            Some((mut file, len)) => self.decode_copy(&mut file, len),
        }
    }

    fn decode_copy(&self, file: &mut File, len: u64) -> Result<Loaded, StoreError> {
        let bytes = self.read_all(file, len)?;
        let loaded = checked(file::read(&self.path, file::Bytes::Read(bytes))?)?;
        Ok(self.personal(loaded))
    }

    /// Who acts, per person: in a git work tree, the account this clone chose
    /// ([`Paths::account`]) stands for the state's current account, while it names one of the
    /// state's accounts. Without one chosen, the file's (an older file's, moved out by the next
    /// change).
    fn personal(&self, mut loaded: Loaded) -> Loaded {
        let paths = self.paths();
        if !paths.in_git() {
            return loaded;
        }
        if let Ok(text) = fs::read_to_string(&paths.account) {
            let chosen = text.trim().parse::<crate::domain::values::Email>().ok();
            loaded.state.current_account =
                chosen.filter(|e| loaded.state.accounts.iter().any(|a| a.email == *e));
        }
        loaded
    }

    /// Refuses a change to a state file linked from another user's file, or to a file that does
    /// not decode as a state file, before anything (a folder, a lock file) is created beside it.
    fn check_changeable(&self, paths: &Paths) -> Result<(), StoreError> {
        if paths.state != self.path
            && let Ok(target) = fs::metadata(&paths.state)
            && let Some(owner) = files::foreign_owner(&target)
        {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
                target: paths.state.clone(),
                owner,
            });
        }
        // A sealed file was written by partner-support: its seal is enough (the change reads it
        // in full under the lock). Any other is decoded now.
        if let Some((file, len)) = self.open()?
            && let Some(map) = file::Bytes::map(&file, len)
            && file::is_sealed(&map)
        {
            return Ok(());
        }
        self.load().map(drop)
    }

    /// The state the backup holds, every record whole, for `undo` to put back; `None` when there
    /// is no backup. The backup is opened without following a link, must be this user's, sealed
    /// (written by partner-support and not changed since) and consistent.
    pub fn backup(&self) -> Result<Option<State>, StoreError> {
        let path = self.paths().backup;
        let read_error = |source| StoreError::Read {
            path: path.clone(),
            source,
        };
        let mut options = files::private_options();
        options.read(true);
        let mut file = match files::open_own(&path, &options) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(read_error(e)),
        };
        let len = file.metadata().map_err(read_error)?.len();
        let bytes = read_all(&mut file, len).map_err(read_error)?;
        if !file::is_sealed(&bytes) {
            return Err(StoreError::Parse {
                path,
                message: "it was changed outside partner-support (its checksum does not match), so it is not known to be the state before the last change".into(),
                position: None,
            });
        }
        checked(file::read_in_full(&path, bytes)?)?
            .into_whole()
            .map(Some)
    }

    /// The state file, opened to read (see [`files::open_state`]); `None` when there is none.
    fn open(&self) -> Result<Option<(File, u64)>, StoreError> {
        files::open_state(&self.path).map_err(|source| self.read_error(source))
    }

    /// All of `file`'s bytes, from its start.
    fn read_all(&self, file: &mut File, len: u64) -> Result<Vec<u8>, StoreError> {
        read_all(file, len).map_err(|source| self.read_error(source))
    }

    fn read_error(&self, source: io::Error) -> StoreError {
        StoreError::Read {
            path: self.path.clone(),
            source,
        }
    }

    /// Runs `change` on the current state under an exclusive lock and, if it succeeds and says
    /// it changed something, writes the result atomically. On error nothing is written. Once the
    /// new file is in place the change is done: what fails after that (flushing the folder,
    /// appending the history line) comes back among the warnings, not as an error.
    pub fn mutate<T, E>(
        &self,
        change: impl FnOnce(&mut State, &Stored) -> Result<(T, bool), E>,
    ) -> Result<Mutated<T>, E>
    where
        E: From<StoreError>,
    {
        let paths = self.paths();
        // A change refused before there is any state file leaves nothing behind: not the lock
        // file, not the folders created for it.
        let first = !paths.state.exists();
        let created: Vec<PathBuf> = paths
            .dir
            .ancestors()
            .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
            .map(Path::to_path_buf)
            .collect();
        let had_lock = fs::symlink_metadata(&paths.lock).is_ok();
        let result = self.mutate_locked(&paths, change);
        if result.is_err() && first && !paths.state.exists() {
            if !had_lock {
                let _ = fs::remove_file(&paths.lock);
            }
            for dir in &created {
                let _ = fs::remove_dir(dir);
            }
        }
        result
    }

    fn mutate_locked<T, E>(
        &self,
        paths: &Paths,
        change: impl FnOnce(&mut State, &Stored) -> Result<(T, bool), E>,
    ) -> Result<Mutated<T>, E>
    where
        E: From<StoreError>,
    {
        let write_error = |source| StoreError::Write {
            path: self.path.clone(),
            source,
        };
        // Nothing is created beside a file that is not a state file of this user's.
        self.check_changeable(paths)?;
        files::create_private_dir(&paths.dir).map_err(write_error)?;
        let lock = lock::acquire(&paths.lock, &self.path, self.lock_wait)?;
        let read = fs::metadata(&paths.state).ok();
        let mut loaded = self.load_copy()?;
        let before = Before {
            revision: loaded.state.revision,
            last_change: loaded.state.last_change.clone(),
            file: read,
        };
        let outside = loaded.outside_notice();
        let (value, changed) = change(&mut loaded.state, &loaded.stored)?;
        let mut warnings = Vec::new();
        // In a git work tree the file is the team's: who acts stays in this clone.
        let personal = paths.in_git().then(|| loaded.state.current_account.take());
        if changed {
            warnings.extend(outside.map(|o| format!("{o}; this change sealed it as it is now")));
            // Every record the new file copies from the old must read back, which is checked
            // while the new file is written and flushed, and before it replaces the old one.
            let saved = std::thread::scope(|scope| {
                let check = scope.spawn(|| loaded.stored.check_unchanged(&loaded.state.incidents));
                self.save(paths, &loaded, &before, lock.file(), || {
                    check.join().expect("the check does not panic")
                })
            });
            warnings.extend(saved?);
        } else {
            warnings.extend(outside);
        }
        if let Some(me) = personal {
            if changed {
                let text = me.as_ref().map_or(String::new(), |e| format!("{e}\n"));
                let recorded = fs::read_to_string(&paths.account).ok();
                if recorded.as_deref() != Some(text.as_str())
                    && let Err(e) = write_whole(&paths.account, text.as_bytes(), 0o600)
                {
                    warnings.push(format!(
                        "the change is recorded, but who acts in this clone could not be kept in `{}`: {e}",
                        paths.account.display()
                    ));
                }
            }
            loaded.state.current_account = me;
        }
        Ok(Mutated {
            loaded,
            value,
            warnings,
        })
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
    ///
    /// An error is returned only before the rename, when nothing has changed; what fails after it
    /// is a warning.
    fn save(
        &self,
        paths: &Paths,
        loaded: &Loaded,
        before: &Before,
        lock: &File,
        checked: impl FnOnce() -> Result<(), StoreError>,
    ) -> Result<Vec<String>, StoreError> {
        let (tmp, mut log, mut warnings) = self.write_new(paths, loaded, before)?;
        checked()?;
        self.replace(paths, loaded, before, lock, tmp, &mut log, &mut warnings)?;
        Ok(warnings)
    }

    /// The first half of [`Store::save`]: the new file written and flushed beside the old one,
    /// and the log brought up to the change before this one.
    fn write_new(
        &self,
        paths: &Paths,
        loaded: &Loaded,
        before: &Before,
    ) -> Result<(tempfile::NamedTempFile, history::Writer, Vec<String>), StoreError> {
        let state = &loaded.state;
        let mut warnings = Vec::new();
        let write_error = |source| StoreError::Write {
            path: self.path.clone(),
            source,
        };
        let log_error = |source| StoreError::WriteBeside {
            what: "history log",
            path: paths.history.clone(),
            source,
        };
        // Under the lock, a temp file of ours is debris from a killed writer; anything else with
        // such a name (a folder, a link, another user's file) was planted, and is left alone.
        for found in paths.temp_files().map_err(write_error)? {
            match found.planted {
                None => fs::remove_file(&found.path).map_err(write_error)?,
                Some(why) => warnings.push(format!(
                    "left `{}` alone: it is {why}",
                    found.path.display()
                )),
            }
        }
        // tempfile creates its files exclusively (0600), so a planted file or symlink is never
        // written through.
        let prefix = paths.temp_prefix();
        let temp = || temp_file(&prefix);
        let mut tmp = temp().tempfile_in(&paths.dir).map_err(write_error)?;
        file::write(tmp.as_file_mut(), state, &loaded.stored).map_err(write_error)?;
        // A change never writes what the loader would refuse: a file past the read limit.
        let size = tmp.as_file().metadata().map_err(write_error)?.len();
        if size > files::MAX_STATE_BYTES {
            return Err(StoreError::TooLarge {
                path: self.path.clone(),
                size,
            });
        }
        tmp.as_file().sync_all().map_err(write_error)?;
        let mut log = history::Writer::open(&paths.history).map_err(log_error)?;
        let made = before
            .last_change
            .iter()
            .chain(&state.unlogged)
            .filter(|e| e.revision <= before.revision);
        log.append(history::missing(log.last_revision, made))
            .map_err(log_error)?;
        Ok((tmp, log, warnings))
    }

    /// The second half of [`Store::save`]: the old file kept as the backup, the new one renamed
    /// over it, the folder flushed and the log appended; what fails after the rename goes to
    /// `warnings`.
    #[allow(clippy::too_many_arguments)]
    fn replace(
        &self,
        paths: &Paths,
        loaded: &Loaded,
        before: &Before,
        lock: &File,
        tmp: tempfile::NamedTempFile,
        log: &mut history::Writer,
        warnings: &mut Vec<String>,
    ) -> Result<(), StoreError> {
        let write_error = |source| StoreError::Write {
            path: self.path.clone(),
            source,
        };
        let backup_error = |source| StoreError::WriteBeside {
            what: "backup",
            path: paths.backup.clone(),
            source,
        };
        let state = &loaded.state;
        // The last moment to find that another writer got in, before the backup turns over: its
        // lock file deleted and a new one taken (the lock is then not ours), or the state file
        // replaced since it was read.
        // The last moment to stop: from the backup on, the change is made and finished.
        if crate::interrupt::requested() {
            return Err(StoreError::Interrupted);
        }
        if !lock::still_at(lock, &paths.lock) {
            return Err(write_error(io::Error::other(
                "its lock file was deleted while this change held it; nothing was changed, try again",
            )));
        }
        let now = fs::metadata(&paths.state).ok();
        let replaced = match (&before.file, &now) {
            (Some(read), Some(now)) => !files::same_file(read, now),
            (read, now) => read.is_some() != now.is_some(),
        };
        if replaced {
            return Err(write_error(io::Error::other(
                "another change replaced it since it was read; nothing was changed, try again",
            )));
        }
        if let Ok(current) = fs::metadata(&paths.state) {
            keep_backup(paths, &paths.state, &current).map_err(backup_error)?;
        }
        tmp.persist(&paths.state)
            .map_err(|e| write_error(e.error))?;
        let revision = state.revision;
        // The renames are durable only once the folder itself is flushed (Unix; Windows cannot
        // open a folder as a file).
        #[cfg(unix)]
        if let Err(e) = File::open(&paths.dir).and_then(|d| d.sync_all()) {
            warnings.push(format!(
                "recorded as revision {revision}, but the folder `{}` could not be flushed to disk ({e}): a power cut now could undo the change",
                paths.dir.display()
            ));
        }
        let this = state
            .unlogged
            .iter()
            .filter(|e| e.revision > before.revision);
        if let Err(e) = log.append(this) {
            warnings.push(format!(
                "recorded as revision {revision}; its history line could not be appended to `{}` ({e}) and will be restored by the next change",
                paths.history.display()
            ));
        }
        Ok(())
    }
}

/// `source` as it is now (`current`, its metadata), kept as the backup of the state file at
/// `paths`: a hard link, or a copy. `source` is the state file, or git's copy of it that a merge
/// is about to replace.
pub(crate) fn keep_backup(paths: &Paths, source: &Path, current: &fs::Metadata) -> io::Result<()> {
    let prefix = paths.temp_prefix();
    let temp = || temp_file(&prefix);
    // A writer killed between the two renames leaves the backup a second name of the state
    // file; that name goes, and the state file is kept as the backup below.
    if let Ok(backup) = fs::symlink_metadata(&paths.backup)
        && files::same_file(current, &backup)
    {
        fs::remove_file(&paths.backup)?;
    }
    // A hard link keeps the previous version without copying it; the rename below then
    // gives the state file a new inode and leaves the old one as the backup.
    let link = temp().make_in(&paths.dir, |p| fs::hard_link(source, p));
    let backup = match link {
        Ok(link) => link.into_temp_path(),
        // A file system without hard links gets a copy.
        Err(_) => {
            let mut copy = temp().tempfile_in(&paths.dir)?;
            io::copy(&mut File::open(source)?, copy.as_file_mut())?;
            copy.as_file().sync_all()?;
            copy.into_temp_path()
        }
    };
    // It holds Access IDs, whatever the mode of the file it was (a git checkout: 0644).
    files::make_private(&backup)?;
    backup.persist(&paths.backup).map_err(|e| e.error)?;
    Ok(())
}

/// How this state file's temp files are made: in its folder, named `.state.json.*.tmp`, created
/// exclusively (0600), so that a planted file or link is never written through.
fn temp_file(prefix: &str) -> tempfile::Builder<'_, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix).suffix(".tmp");
    b
}

/// What a change did: the state it left, the change's value, and what went wrong after it was
/// done (each a sentence for the user).
#[derive(Debug)]
pub struct Mutated<T> {
    /// The state as written.
    pub loaded: Loaded,
    /// What the change returned.
    pub value: T,
    /// Trouble after the new file was in place.
    pub warnings: Vec<String>,
}

/// What a change started from: the revision, and the entry that made it.
struct Before {
    revision: u64,
    last_change: Option<HistoryEntry>,
    /// The state file as it was read (`None`: there was none).
    file: Option<fs::Metadata>,
}
