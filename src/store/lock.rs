//! The sidecar lock file: one writer at a time, a bounded wait, and the holder's PID inside
//! while it holds the lock, so a waiting process can say who holds it.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process;
use std::thread;
use std::time::{Duration, Instant};

use super::StoreError;
use super::files::{open_own, private_options, same_file};

/// How often a waiting writer retries.
const POLL: Duration = Duration::from_millis(20);

/// A held lock: its file holds this process's PID until it is dropped, which empties the file and
/// releases the lock (the system releases it too if the process dies, leaving the PID behind:
/// a waiting process names a PID only while that process is alive).
pub(super) struct Held(File);

impl Held {
    /// The lock file, open.
    pub(super) fn file(&self) -> &File {
        &self.0
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        // Emptied before the lock is released, so the next holder that writes no PID (another
        // tool, a person's `flock`) is not taken for this process. Best effort: the lock works
        // without it.
        let _ = self.0.set_len(0);
    }
}

/// Takes the exclusive lock on `lock_path`, waiting up to `wait`. The lock is released when the
/// returned guard is dropped, or by the system when the process dies.
///
/// A lock file deleted while it is held (a `git clean`, a tmp cleaner) would let the next writer
/// lock a new file at the same path while the first still writes: so once locked, the file must
/// still be the one at the path, or the lock is taken again.
pub(super) fn acquire(
    lock_path: &Path,
    state_path: &Path,
    wait: Duration,
) -> Result<Held, StoreError> {
    let lock_error = |source| StoreError::Lock {
        path: state_path.to_path_buf(),
        source,
    };
    let mut options = private_options();
    options.read(true).write(true).create(true).truncate(false);
    let started = Instant::now();
    loop {
        let file = open_own(lock_path, &options).map_err(lock_error)?;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if crate::interrupt::requested() => {
                    return Err(StoreError::Interrupted);
                }
                Err(fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                    thread::sleep(POLL)
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Locked {
                        path: state_path.to_path_buf(),
                        pid: holder_pid(&file),
                        waited: started.elapsed(),
                    });
                }
                Err(fs::TryLockError::Error(source)) => return Err(lock_error(source)),
            }
        }
        if still_at(&file, lock_path) {
            // The PID is a courtesy for the error message of whoever waits next; the lock works
            // without it, so a failure to record it is not an error.
            let _ = file
                .set_len(0)
                .and_then(|()| writeln!(&file, "{}", process::id()));
            return Ok(Held(file));
        }
    }
}

/// Whether `file` is still the file at `path` (not deleted or replaced since it was opened).
pub(super) fn still_at(file: &File, path: &Path) -> bool {
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(held), Ok(there)) => same_file(&held, &there),
        _ => false,
    }
}

/// The PID the holder of `file`'s lock wrote into it, read again once if the holder has just
/// taken the lock and not written it yet.
fn holder_pid(file: &File) -> Option<u32> {
    read_pid(file).or_else(|| {
        thread::sleep(POLL);
        read_pid(file)
    })
}

/// Whether another process holds the lock now, and its PID when it recorded one. Creates
/// nothing: a missing lock file is a free lock.
pub fn holder(lock_path: &Path) -> io::Result<Option<Option<u32>>> {
    let mut options = private_options();
    options.read(true);
    let file = match open_own(lock_path, &options) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    match file.try_lock_shared() {
        Ok(()) => Ok(None),
        Err(fs::TryLockError::WouldBlock) => Ok(Some(holder_pid(&file))),
        Err(fs::TryLockError::Error(e)) => Err(e),
    }
}

/// The PID in the lock file, when that process is alive (one that died left it behind).
fn read_pid(mut file: &File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    let pid: u32 = text.trim().parse().ok()?;
    alive(pid).then_some(pid)
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    // Signal 0 checks the process exists; a process of another user answers EPERM, and exists.
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(e) => e == rustix::io::Errno::PERM,
    }
}

#[cfg(not(unix))]
fn alive(_: u32) -> bool {
    true
}
