//! The files around the state file: its backup, its temp files, and their permissions.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// The paths a state file at one location uses.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The state file itself (a symbolic link's target, not the link).
    pub state: PathBuf,
    /// Its folder.
    pub dir: PathBuf,
    /// The previous good version.
    pub backup: PathBuf,
    /// The sidecar lock.
    pub lock: PathBuf,
    /// The history log (`state.history.jsonl` for `state.json`).
    pub history: PathBuf,
}

impl Paths {
    /// The paths for a state file at `state`. A symbolic link is followed, so a state file kept
    /// elsewhere (say, in a git checkout) is updated in place rather than replaced by a copy.
    pub fn of(state: &Path) -> Paths {
        let state = match fs::symlink_metadata(state) {
            Ok(m) if m.file_type().is_symlink() => {
                fs::canonicalize(state).unwrap_or_else(|_| state.to_path_buf())
            }
            _ => state.to_path_buf(),
        };
        let dir = match state.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let sibling = |suffix: &str| {
            let mut name = state.file_name().unwrap_or_default().to_os_string();
            name.push(suffix);
            state.with_file_name(name)
        };
        let stem = state.file_stem().unwrap_or_default().to_string_lossy();
        Paths {
            history: state.with_file_name(format!("{stem}.history.jsonl")),
            backup: sibling(".bak"),
            lock: sibling(".lock"),
            dir,
            state,
        }
    }

    /// The prefix of this state file's temp files (`.state.json.`); they end in `.tmp`.
    pub fn temp_prefix(&self) -> String {
        format!(
            ".{}.",
            self.state.file_name().unwrap_or_default().to_string_lossy()
        )
    }

    /// Temp files of this state file left in its folder. Only a writer holding the lock creates
    /// them, so while nobody holds it every one of them is debris from a killed process.
    pub fn temp_files(&self) -> io::Result<Vec<PathBuf>> {
        let prefix = self.temp_prefix();
        let mut found = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(found),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&prefix) && name.ends_with(".tmp") {
                found.push(entry.path());
            }
        }
        found.sort();
        Ok(found)
    }
}

/// The permission bits of `path` that let group or others in (Unix), when there are any.
pub fn loose_mode(path: &Path) -> io::Result<Option<u32>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)?.permissions().mode() & 0o777;
        Ok((mode & 0o077 != 0).then_some(mode))
    }
    #[cfg(not(unix))]
    {
        fs::metadata(path).map(|_| None)
    }
}

/// When `path` (the `what`: state file, backup) lets group or others in: what is wrong and the
/// fix, in the words every command's warning and `doctor` use.
pub fn exposure(path: &Path, what: &str) -> Option<(String, String)> {
    let mode = loose_mode(path).ok()??;
    Some((
        format!(
            "the {what} `{}` is readable by others (mode {mode:o}) and holds Access IDs",
            path.display()
        ),
        format!(
            "run `partner-support doctor --fix` or `chmod 600 {}`",
            path.display()
        ),
    ))
}

/// Restricts `path` to its owner: 0600 for a file, 0700 for a folder (Unix).
pub fn make_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if fs::metadata(path)?.is_dir() {
            0o700
        } else {
            0o600
        };
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        fs::metadata(path).map(|_| ())
    }
}

/// Options that create a file readable by its owner only (Unix).
pub(super) fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Creates `dir` and its parents, new ones readable by their owner only (Unix).
pub(super) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}
