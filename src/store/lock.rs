//! The sidecar lock file: one writer at a time, a bounded wait, and the holder's PID inside so a
//! waiting process can say who holds it.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;
use std::process;
use std::thread;
use std::time::{Duration, Instant};

use super::StoreError;
use super::files::private_options;

/// How often a waiting writer retries.
const POLL: Duration = Duration::from_millis(20);

/// Takes the exclusive lock on `lock_path`, waiting up to `wait`. The lock is released when the
/// returned file is dropped, or by the system when the process dies.
pub(super) fn acquire(
    lock_path: &Path,
    state_path: &Path,
    wait: Duration,
) -> Result<File, StoreError> {
    let write_error = |source| StoreError::Write {
        path: lock_path.to_path_buf(),
        source,
    };
    let file = private_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock_path)
        .map_err(write_error)?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(fs::TryLockError::WouldBlock) if started.elapsed() < wait => thread::sleep(POLL),
            Err(fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    path: state_path.to_path_buf(),
                    pid: read_pid(&file),
                    waited: started.elapsed(),
                });
            }
            Err(fs::TryLockError::Error(source)) => return Err(write_error(source)),
        }
    }
    // The PID is a courtesy for the error message of whoever waits next; the lock works
    // without it, so a failure to record it is not an error.
    let _ = file
        .set_len(0)
        .and_then(|()| writeln!(&file, "{}", process::id()));
    Ok(file)
}

/// Whether another process holds the lock now, and its PID when it recorded one. Creates
/// nothing: a missing lock file is a free lock.
pub fn holder(lock_path: &Path) -> io::Result<Option<Option<u32>>> {
    let file = match File::open(lock_path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    match file.try_lock_shared() {
        Ok(()) => Ok(None),
        Err(fs::TryLockError::WouldBlock) => Ok(Some(read_pid(&file))),
        Err(fs::TryLockError::Error(e)) => Err(e),
    }
}

fn read_pid(mut file: &File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}
