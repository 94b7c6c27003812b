//! The files around the state file: its backup, its temp files, and their permissions; and how
//! each is opened, so that nothing planted beside the state file is followed or written through.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// The largest state file read: nearly a million incidents, ten times a large partner's decade
/// (100 000 incidents are 27 MB). Anything larger is refused before it is read.
pub const MAX_STATE_BYTES: u64 = 256 << 20;

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
    /// Who acts in this clone (`state.json.account`), for a state file in a git work tree: a
    /// team shares the state file, and the current account is each person's own, never in it
    /// (`team init` has git ignore this file).
    pub account: PathBuf,
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
            account: sibling(".account"),
            dir,
            state,
        }
    }

    /// Whether the state file is in a git work tree, where a team shares it: then who acts is
    /// kept in [`Paths::account`], not in the file. Known without starting git.
    pub fn in_git(&self) -> bool {
        self.dir
            .canonicalize()
            .is_ok_and(|d| d.ancestors().any(|a| a.join(".git").exists()))
    }

    /// The prefix of this state file's temp files (`.state.json.`); they end in `.tmp`.
    pub fn temp_prefix(&self) -> String {
        format!(
            ".{}.",
            self.state.file_name().unwrap_or_default().to_string_lossy()
        )
    }

    /// The files in the state's folder named like its temp files. Only a writer holding the
    /// lock creates them, so while nobody holds it every one that is ours is debris from a
    /// killed process; one that is not a regular file of the user's was planted.
    pub fn temp_files(&self) -> io::Result<Vec<TempFile>> {
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
                let metadata = fs::symlink_metadata(entry.path())?;
                let planted = match (metadata.is_file(), foreign_owner(&metadata)) {
                    (true, None) => None,
                    (true, Some(owner)) => Some(format!("owned by another user (uid {owner})")),
                    (false, _) => Some(format!(
                        "{}, not a temp file of partner-support",
                        kind(&metadata)
                    )),
                };
                found.push(TempFile {
                    path: entry.path(),
                    planted,
                });
            }
        }
        found.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(found)
    }
}

/// A file named like a temp file of the state file.
#[derive(Debug)]
pub struct TempFile {
    /// Where it is.
    pub path: PathBuf,
    /// Why it is not ours, when it is not: it is left alone and reported.
    pub planted: Option<String>,
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

/// What exposes the state: the state file or its backup readable by others, its folder writable
/// by others. Each is what is wrong and the fix, in the words every command's warning and
/// `doctor` use.
pub fn exposures(paths: &Paths) -> Vec<(String, String)> {
    [
        exposure(&paths.state, "state file"),
        exposure(&paths.backup, "backup"),
        folder_exposure(&paths.dir),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// When the state's folder lets group or others write (so they can plant files beside the state
/// file): what is wrong and the fix.
fn folder_exposure(dir: &Path) -> Option<(String, String)> {
    let metadata = fs::metadata(dir).ok()?;
    let mode = folder_mode(&metadata)?;
    let fix = match fixable_folder(&metadata) {
        true => format!(
            "run `partner-support doctor --fix` or `chmod 700 {}`",
            dir.display()
        ),
        false => "keep the state file in a folder of your own (`--state PATH`)".to_string(),
    };
    Some((
        format!(
            "the folder `{}` of the state file is writable by others (mode {mode:o}): they can plant files beside it",
            dir.display()
        ),
        fix,
    ))
}

/// The permission bits of a folder that let group or others write into it, when there are any.
pub(super) fn folder_mode(metadata: &fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o7777;
        (mode & 0o022 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

/// Whether `doctor --fix` may make a folder private: the user's own, and not a shared one like
/// `/tmp` (its sticky bit says others keep files there).
pub(super) fn fixable_folder(metadata: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        foreign_owner(metadata).is_none() && metadata.permissions().mode() & 0o1000 == 0
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        false
    }
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

/// Options that create a file readable by its owner only, and never open one through a symbolic
/// link (Unix).
pub(super) fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    options
}

/// Opens a file of ours beside the state file (the lock, the history log) with `options`
/// (from [`private_options`]): refused, with its path, when it is a symbolic link, not a
/// regular file, or owned by another user.
pub(super) fn open_own(path: &Path, options: &OpenOptions) -> io::Result<File> {
    let named = |why: &str| io::Error::other(format!("`{}` {why}", path.display()));
    let file = options.open(path).map_err(|e| match is_symlink(path) {
        true => named("is a symbolic link, and partner-support never writes through one"),
        false => e,
    })?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(named(&format!(
            "is not a regular file ({})",
            kind(&metadata)
        )));
    }
    if let Some(owner) = foreign_owner(&metadata) {
        return Err(named(&format!("is owned by another user (uid {owner})")));
    }
    Ok(file)
}

fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// The owner of a file when it is not the user running this program (Unix).
pub(super) fn foreign_owner(metadata: &fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = rustix::process::geteuid().as_raw();
        (metadata.uid() != me).then_some(metadata.uid())
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

/// What a file that is not a regular file is, in words.
pub(super) fn kind(metadata: &fs::Metadata) -> &'static str {
    let t = metadata.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    match (t.is_dir(), t.is_symlink()) {
        (true, _) => "a folder",
        (_, true) => "a symbolic link",
        _ => "a regular file",
    }
}

/// The most read of a file the user brings to `import` (an export, an incidents CSV, Azure
/// tickets: 100 000 tickets are about 150 MB).
pub const MAX_IMPORT_BYTES: u64 = 256 << 20;
/// The most read of a catalog file, comments and all (what a state keeps of it is at most
/// 1 MiB).
pub const MAX_CATALOG_FILE_BYTES: u64 = 16 << 20;
/// The most read of a lifecycle CSV (100 000 rows are about 10 MB).
pub const MAX_LIFECYCLE_BYTES: u64 = 64 << 20;

/// The text of a file the user brings (tickets, an export, a CSV, a catalog, a lifecycle
/// table), guarded like the state file: anything but a regular file (a named pipe, a device,
/// a folder) is refused before a byte is read and without waiting on it, and so is a file
/// larger than `max` bytes; a file that grows while it is read is cut off at `max` and refused.
pub fn read_input(path: &Path, max: u64) -> io::Result<String> {
    use std::io::Read;
    let too_large = |len: u64| {
        io::Error::other(format!(
            "it is {} MiB, and at most {} MiB is read",
            len.div_ceil(1 << 20),
            max >> 20
        ))
    };
    let (file, len) = open_regular(path)?;
    if len > max {
        return Err(too_large(len));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// Opens the state file to read it, with its length; `None` when there is none. Anything but a
/// regular file (a named pipe, a device, a folder) is refused before a byte is read, without
/// waiting on it, and so is a file larger than [`MAX_STATE_BYTES`].
pub fn open_state(path: &Path) -> io::Result<Option<(File, u64)>> {
    let (file, len) = match open_regular(path) {
        Ok(opened) => opened,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if len > MAX_STATE_BYTES {
        return Err(io::Error::other(format!(
            "it is larger than the {} MiB a state file may be ({} MiB)",
            MAX_STATE_BYTES >> 20,
            len >> 20
        )));
    }
    Ok(Some((file, len)))
}

/// Opens `path` to read, with its length, only when it is a regular file: anything else (a
/// named pipe, a device, a folder) is refused without waiting on it.
fn open_regular(path: &Path) -> io::Result<(File, u64)> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A named pipe would otherwise block the open until someone writes to it.
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(io::Error::other(format!(
            "it is not a regular file ({})",
            kind(&metadata)
        )));
    }
    Ok((file, metadata.len()))
}

/// Whether two files are one (a second name of the same file).
pub(super) fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (a.dev(), a.ino()) == (b.dev(), b.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
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

/// The platform's config folder for partner-support, where the default state and the
/// profiles live.
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "partner-support").map(|d| d.config_dir().to_path_buf())
}

/// The state file of profile `name` in `config_dir`.
pub fn profile_path(config_dir: &Path, name: &str) -> PathBuf {
    config_dir.join("profiles").join(name).join("state.json")
}

/// Writes `bytes` to `path` whole or not at all, with permissions `mode`: through a temp file
/// in the same folder (made 0600, removed if anything fails) renamed over it, so that a link
/// planted at `path` is replaced, never written through. A report or calendar is 0600 (it may
/// hold names and e-mail addresses); a manual page is 0644.
pub fn write_whole(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_parts(path, &[bytes], mode)
}

/// [`write_whole`], of bytes in parts, one after the other.
pub fn write_parts(path: &Path, parts: &[&[u8]], mode: u32) -> io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if path.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a folder",
        ));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".partner-support-")
        .tempfile_in(dir)?;
    for part in parts {
        tmp.write_all(part)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
