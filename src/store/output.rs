//! Where `-o FILE` writes a report or a calendar: a regular file is replaced whole; a named pipe
//! or a character device (`/dev/stdout`, `>(cmd)`, a terminal, `/dev/null`) is written into and
//! never replaced; a link is followed only to one of those, or to a regular file of the user's.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use super::files::{foreign_owner, write_whole};

/// How `-o` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// A regular file, replaced whole (or created), readable by its owner only.
    File,
    /// Into what was there: a named pipe or a device, left as it is.
    Into,
}

/// Writes `bytes` to `path` as [`Written`] says; refuses what it cannot write safely, with why
/// in the error (`it is a link to … which does not exist`).
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<Written> {
    let found = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return replace(path, bytes),
        Err(e) => return Err(e),
        Ok(found) => found,
    };
    if !found.file_type().is_symlink() {
        return match what(&found) {
            What::Stream => into(path, bytes),
            What::File => replace(path, bytes),
            What::Folder => Err(refused(io::ErrorKind::IsADirectory, "it is a folder")),
            What::Other => Err(refused(
                io::ErrorKind::InvalidInput,
                "it is neither a file, a named pipe nor a character device",
            )),
        };
    }
    // A link of another user (root's are the system's: /dev/stdout) may have been planted to
    // send the output somewhere of the user's.
    if let Some(owner) = foreign_owner(&found).filter(|owner| *owner != 0) {
        return Err(refused(
            io::ErrorKind::PermissionDenied,
            &format!("it is a link owned by another user (uid {owner})"),
        ));
    }
    let to = fs::read_link(path).map_or_else(|_| "?".into(), |t| t.display().to_string());
    let target = match fs::metadata(path) {
        Ok(target) => target,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(refused(
                io::ErrorKind::NotFound,
                &format!("it is a link to `{to}`, which does not exist"),
            ));
        }
        Err(e) => return Err(e),
    };
    match what(&target) {
        What::Stream => into(path, bytes),
        What::File => match foreign_owner(&target) {
            Some(owner) => Err(refused(
                io::ErrorKind::PermissionDenied,
                &format!("it is a link to `{to}`, a file owned by another user (uid {owner})"),
            )),
            // The file the link leads to is replaced; the link stays.
            None => replace(&fs::canonicalize(path)?, bytes),
        },
        What::Folder => Err(refused(
            io::ErrorKind::IsADirectory,
            &format!("it is a link to the folder `{to}`"),
        )),
        What::Other => Err(refused(
            io::ErrorKind::InvalidInput,
            &format!("it is a link to `{to}`, neither a file, a named pipe nor a character device"),
        )),
    }
}

enum What {
    Stream,
    File,
    Folder,
    Other,
}

fn what(metadata: &fs::Metadata) -> What {
    let t = metadata.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() || t.is_char_device() {
            return What::Stream;
        }
    }
    if t.is_file() {
        What::File
    } else if t.is_dir() {
        What::Folder
    } else {
        What::Other
    }
}

fn replace(path: &Path, bytes: &[u8]) -> io::Result<Written> {
    write_whole(path, bytes, 0o600)?;
    Ok(Written::File)
}

/// Written into, as a shell's `>` would, but never created or truncated: a pipe's reader gets
/// the bytes, a device takes them.
fn into(path: &Path, bytes: &[u8]) -> io::Result<Written> {
    let mut stream = OpenOptions::new().write(true).open(path)?;
    stream.write_all(bytes)?;
    stream.flush()?;
    Ok(Written::Into)
}

fn refused(kind: io::ErrorKind, why: &str) -> io::Error {
    io::Error::new(kind, why.to_string())
}
