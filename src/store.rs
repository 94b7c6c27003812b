//! The state file: load (missing = empty), lock a sidecar file, and save atomically
//! (temp file in the same folder, fsync, rename, fsync the folder).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use crate::domain::state::{SCHEMA_VERSION, State};

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
    #[error("cannot read state file `{}`: {message} at line {line} column {column}", .path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
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
    /// Another process holds the lock.
    #[error("state file `{}` is locked by another partner-support process (waited {} s)", .path.display(), .waited.as_secs())]
    Locked {
        /// The file.
        path: PathBuf,
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
            StoreError::Parse { .. } | StoreError::NoSchema { .. } => Some(
                "the file was left as it is; fix it by hand or restore it from a backup".into(),
            ),
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

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the state; a missing file is an empty state. Takes no lock: the file is only ever
    /// replaced whole, so a reader sees the old or the new version.
    pub fn load(&self) -> Result<State, StoreError> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::default()),
            Err(source) => {
                return Err(StoreError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        self.parse(&bytes)
    }

    fn parse(&self, bytes: &[u8]) -> Result<State, StoreError> {
        #[derive(serde::Deserialize)]
        struct Probe {
            schema_version: Option<serde_json::Value>,
        }
        let parse_error = |e: serde_json::Error| StoreError::Parse {
            path: self.path.clone(),
            message: strip_position(&e.to_string()),
            line: e.line(),
            column: e.column(),
        };
        // The version is checked before the shape, so a newer file is named as such rather than
        // as malformed.
        let probe: Probe = serde_json::from_slice(bytes).map_err(parse_error)?;
        match probe.schema_version {
            None => {
                return Err(StoreError::NoSchema {
                    path: self.path.clone(),
                });
            }
            Some(v) => {
                if let Some(found) = v.as_u64().filter(|n| *n > u64::from(SCHEMA_VERSION)) {
                    return Err(StoreError::Newer {
                        path: self.path.clone(),
                        found,
                    });
                }
            }
        }
        let mut state: State = serde_json::from_slice(bytes).map_err(parse_error)?;
        state.normalize();
        Ok(state)
    }

    /// Runs `change` on the current state under an exclusive lock and, if it succeeds and says
    /// it changed something, writes the result atomically. On error nothing is written.
    /// Returns the resulting state and the change's value.
    pub fn mutate<T, E>(
        &self,
        change: impl FnOnce(&mut State) -> Result<(T, bool), E>,
    ) -> Result<(State, T), E>
    where
        E: From<StoreError>,
    {
        let dir = self.folder();
        create_private_dir(&dir).map_err(|source| StoreError::Write {
            path: self.path.clone(),
            source,
        })?;
        let _lock = self.lock()?;
        let mut state = self.load()?;
        let (value, changed) = change(&mut state)?;
        if changed {
            self.save(&state)?;
        }
        Ok((state, value))
    }

    fn folder(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    fn lock_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        self.path.with_file_name(name)
    }

    /// Takes the sidecar lock, waiting up to the store's lock wait. The lock is released when the
    /// returned file is dropped (or the process dies).
    fn lock(&self) -> Result<File, StoreError> {
        let lock_path = self.lock_path();
        let file = private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|source| StoreError::Write {
                path: lock_path.clone(),
                source,
            })?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(fs::TryLockError::WouldBlock) if started.elapsed() < self.lock_wait => {
                    thread::sleep(Duration::from_millis(20));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Locked {
                        path: self.path.clone(),
                        waited: started.elapsed(),
                    });
                }
                Err(fs::TryLockError::Error(source)) => {
                    return Err(StoreError::Write {
                        path: lock_path,
                        source,
                    });
                }
            }
        }
    }

    fn save(&self, state: &State) -> Result<(), StoreError> {
        let write_error = |source| StoreError::Write {
            path: self.path.clone(),
            source,
        };
        let mut bytes = serde_json::to_vec_pretty(state)
            .map_err(io::Error::from)
            .map_err(write_error)?;
        bytes.push(b'\n');
        let dir = self.folder();
        // tempfile creates the file exclusively with mode 0600, so a planted file or symlink is
        // never written through.
        let mut tmp = tempfile::Builder::new()
            .prefix(".state-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(write_error)?;
        tmp.write_all(&bytes).map_err(write_error)?;
        tmp.as_file().sync_all().map_err(write_error)?;
        tmp.persist(&self.path).map_err(|e| write_error(e.error))?;
        // The rename is durable only once the folder itself is flushed (Unix; Windows cannot
        // open a folder as a file).
        #[cfg(unix)]
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(write_error)?;
        Ok(())
    }
}

/// serde_json appends " at line L column C"; the position is reported in its own fields.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}
