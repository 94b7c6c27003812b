//! A state file's bytes: read into memory, or mapped (a read command on Unix).
//!
//! Mapping shares the pages the kernel already caches for the file instead of copying them:
//! at 100 000 incidents that is about a third of a read command's time (docs/performance.md).
//!
//! The contract of a mapping: its bytes are only as stable as the file. This program never
//! changes a state file in place (it writes a temp file and renames it over), and neither does
//! git, so the bytes a reader mapped stay put; another program that rewrites the file in place
//! could change them under the reader. So nothing keeps a reference into them beyond the call
//! that reads it: every value read from them is copied before it is checked (a changed byte
//! then gives a refused value, never an invalid `str`), a file read in full is copied first, and
//! no structure that lives longer is keyed by them. A change never reads through a map: it reads
//! the file into memory under the lock, as it writes the new file from those bytes.

use std::fs::File;
use std::ops::Deref;

/// The bytes of one state file.
pub enum Bytes {
    /// Read into memory.
    Read(Vec<u8>),
    /// Mapped, read-only (see the module's contract).
    #[cfg(unix)]
    Mapped(memmap2::Mmap),
}

impl Bytes {
    /// `file` (a regular file of `len` bytes, opened to read), mapped; `None` when it cannot be
    /// (empty, or not Unix), for the caller to read it the ordinary way.
    pub fn map(file: &File, len: u64) -> Option<Bytes> {
        #[cfg(unix)]
        {
            let len = usize::try_from(len).ok().filter(|n| *n > 0)?;
            // SAFETY: the map is read-only and private to this process, and it is used under the
            // module's contract: the file is replaced whole, never rewritten in place, by this
            // program and by git; if another program does rewrite it while a read command runs,
            // the bytes read from it are copied before they are checked, so the command sees
            // refused values, not invalid memory. Truncating the file in place under a reader
            // would end that reader with SIGBUS; it writes nothing, so nothing is lost.
            #[allow(unsafe_code)]
            let map = unsafe { memmap2::MmapOptions::new().len(len).map(file) }.ok()?;
            Some(Bytes::Mapped(map))
        }
        #[cfg(not(unix))]
        {
            let _ = (file, len);
            None
        }
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} bytes", self.len())
    }
}

impl Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Read(b) => b,
            #[cfg(unix)]
            Bytes::Mapped(m) => m,
        }
    }
}
