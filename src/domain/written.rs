//! Records in the exact form the state file writes them (the fields in order, `, ` between
//! them, no escape in any string), read by position: how a file this program wrote is loaded
//! without parsing every record as JSON. Anything else reads as `None`, for serde_json to read
//! (and to name what is wrong with it).

use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::value::{Error, StrDeserializer, StringDeserializer};

use super::values::ymd;

/// A position in one record's text.
pub struct Cursor<'a>(pub &'a [u8]);

impl<'a> Cursor<'a> {
    /// Steps over `text` (a key and its punctuation), which must come next.
    #[inline]
    pub fn expect(&mut self, text: &[u8]) -> Option<()> {
        self.0 = self.0.strip_prefix(text)?;
        Some(())
    }

    /// Steps over `text` if it comes next.
    #[inline]
    pub fn skip(&mut self, text: &[u8]) -> bool {
        self.expect(text).is_some()
    }

    /// A string without escapes: its bytes.
    #[inline]
    pub fn string(&mut self) -> Option<&'a [u8]> {
        let body = self.0.strip_prefix(b"\"")?;
        // Short strings: a plain loop beats a memchr's setup.
        let end = body.iter().position(|&b| b == b'"' || b == b'\\')?;
        (body[end] == b'"').then(|| {
            self.0 = &body[end + 1..];
            &body[..end]
        })
    }

    /// A string without escapes, or `null`.
    #[inline]
    pub fn string_or_null(&mut self) -> Option<Option<&'a [u8]>> {
        if self.skip(b"null") {
            return Some(None);
        }
        self.string().map(Some)
    }

    /// A date (`"YYYY-MM-DD"`, so no search for its end).
    #[inline]
    pub fn date(&mut self) -> Option<NaiveDate> {
        let (quoted, rest) = self.0.split_at_checked(12)?;
        let day = quoted.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
        let day = ymd::from_bytes(day)?;
        self.0 = rest;
        Some(day)
    }

    /// A date or `null`.
    #[inline]
    pub fn date_or_null(&mut self) -> Option<Option<NaiveDate>> {
        if self.skip(b"null") {
            return Some(None);
        }
        self.date().map(Some)
    }

    /// What is left.
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        self.0
    }
}

/// A value read from a string's bytes exactly as serde reads it from a JSON string (so with
/// the same checks). The bytes are copied before their UTF-8 is checked: they may be a mapped
/// file's. A short one is copied to the stack, so a value that keeps no text (a kind, a
/// coverage) costs no allocation and one that does costs one.
pub fn value<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Option<T> {
    let mut copy = [0u8; 64];
    match copy.get_mut(..bytes.len()) {
        Some(short) => {
            short.copy_from_slice(bytes);
            let text = std::str::from_utf8(short).ok()?;
            T::deserialize(StrDeserializer::<Error>::new(text)).ok()
        }
        None => {
            let text = String::from_utf8(bytes.to_vec()).ok()?;
            T::deserialize(StringDeserializer::<Error>::new(text)).ok()
        }
    }
}

/// A field written only when it has a value: the value after `key`, or `None` when the key
/// does not come next (the outer `None`: the value is not one serde would read).
pub fn optional<T: for<'de> Deserialize<'de>>(c: &mut Cursor<'_>, key: &[u8]) -> Option<Option<T>> {
    match c.skip(key) {
        true => Some(Some(value(c.string()?)?)),
        false => Some(None),
    }
}

/// A whole record decoded by serde_json from its text, copied first for the same reason.
pub fn record<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> serde_json::Result<T> {
    let copy: Vec<u8> = bytes.into();
    serde_json::from_slice(&copy)
}
