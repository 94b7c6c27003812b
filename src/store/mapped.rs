//! A read command's view of the state file: mapped into memory, not copied.
//!
//! Mapping shares the pages the kernel already caches for the file, where a copy would fault in
//! and fill fresh memory page by page: at 1 000 incidents that was about 0.1 ms of a 2.3 ms
//! `status`, at 100 000 about 15 of 48 ms (README, "Performance").

use std::path::Path;

use crate::domain::incidents::FileBytes;

/// The file's bytes, mapped; `None` when it cannot be (missing, not a regular file, or not on
/// Unix), for the caller to read it the ordinary way, which reports any error.
#[cfg(unix)]
pub fn map(path: &Path) -> Option<FileBytes> {
    let file = std::fs::File::open(path).ok()?;
    let metadata = file.metadata().ok()?;
    let len = usize::try_from(metadata.len()).ok()?;
    if !metadata.is_file() || len == 0 {
        return None;
    }
    // SAFETY: the mapping is read-only, and the bytes behind it stay put as long as the file is
    // only ever replaced whole: this program writes a temp file and renames it over the state
    // file (so does git), and the old inode lives on until the map is dropped. A program that
    // rewrites the file in place while a read command runs could change the bytes under it;
    // text taken from them is copied before its UTF-8 is checked (see `FileBytes`), so that
    // gives unreadable records, not invalid strings; truncating it in place would end the read
    // command with SIGBUS. A change never reads through a map: it copies the file under the
    // lock.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::MmapOptions::new().len(len).map(&file) }.ok()?;
    Some(std::sync::Arc::new(map))
}

/// The file's bytes, mapped: never, here.
#[cfg(not(unix))]
pub fn map(_: &Path) -> Option<FileBytes> {
    None
}
