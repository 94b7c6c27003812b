//! The seal: the file's last line holds an xxh3-128 hash of every byte before it, so a file whose
//! hash matches is byte for byte one this program wrote.

use std::io::{self, Write};

use xxhash_rust::xxh3::{Xxh3, xxh3_128};

/// The last line before the closing brace, up to the hash.
const CHECKSUM: &str = "  \"checksum\": \"xxh3-128:";
/// After the hash.
const END: &str = "\"\n}\n";

/// A writer that hashes what goes through it, to seal it with [`Sealer::seal`].
pub struct Sealer<W> {
    file: W,
    hash: Xxh3,
}

impl<W: Write> Sealer<W> {
    /// Hashes what is written to `file`.
    pub fn new(file: W) -> Self {
        Sealer {
            file,
            hash: Xxh3::new(),
        }
    }

    /// Writes the checksum line of everything written so far, and the closing brace.
    pub fn seal(mut self) -> io::Result<()> {
        write!(self.file, "{CHECKSUM}{:032x}{END}", self.hash.digest128())?;
        self.file.flush()
    }
}

impl<W: Write> Write for Sealer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// The bytes before the checksum line, when `bytes` end with one and its hash matches them.
pub fn verified(bytes: &[u8]) -> Option<&[u8]> {
    let (body, hex) = split(bytes)?;
    // Compared as text, the way it was written: lowercase, 32 digits.
    (format!("{:032x}", xxh3_128(body)).as_bytes() == hex).then_some(body)
}

/// Whether `bytes` end with a checksum line, matching or not.
pub fn has_checksum(bytes: &[u8]) -> bool {
    split(bytes).is_some()
}

/// The bytes before the checksum line, and the hash the line holds.
fn split(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let body_len = bytes.len().checked_sub(CHECKSUM.len() + 32 + END.len())?;
    let (body, last) = bytes.split_at(body_len);
    let hex = last
        .strip_prefix(CHECKSUM.as_bytes())?
        .strip_suffix(END.as_bytes())?;
    Some((body, hex))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut sealer = Sealer::new(&mut out);
        sealer.write_all(body).unwrap();
        sealer.seal().unwrap();
        out
    }

    #[test]
    fn any_byte_changed_anywhere_breaks_the_seal() {
        let file = sealed(b"{\n  \"schema_version\": 2,\n");
        assert_eq!(verified(&file), Some(&b"{\n  \"schema_version\": 2,\n"[..]));
        for at in 0..file.len() {
            let mut changed = file.clone();
            changed[at] ^= 0x01;
            assert!(
                verified(&changed).is_none(),
                "byte {at} changed and still verified"
            );
        }
        assert!(verified(&file[..file.len() - 1]).is_none());
        assert!(verified(&[file.as_slice(), b"\n"].concat()).is_none());
        assert!(has_checksum(&file) && !has_checksum(b"{}"));
    }
}
