//! The head reader: an incident's [`IncidentHead`] read off the start of its line in a sealed
//! file, by position, without decoding the rest of the record.
//!
//! It relies on one invariant of the writer: `Incident` serializes the fields of its head first,
//! in this order, each always written (`null` when empty), and `Void` and `Refund` serialize
//! `on` first (a void's other fields, strings, are stepped over):
//!
//! ```text
//! {"id": "INC-0007", "contract_id": "7000001", "opened_on": "2026-03-01", "closed_on": null, "void": null, "refund": {"on": "2026-03-05", …
//! {"id": "INC-0008", "contract_id": null, "opened_on": "2026-03-01", "closed_on": "2026-03-04", "void": {"on": "2026-03-04", …}, "refund": null, …
//! ```
//!
//! Each value is checked as serde would check it. Any other text (another order or spacing, an
//! escape) is `None`, and the caller reads the whole file with serde instead.

use chrono::NaiveDate;

use crate::domain::incident::{IncidentHead, IncidentId};
use crate::domain::values::{Id, ymd};

/// The head of the record `line`, if it starts as the writer writes one.
pub fn read(line: &[u8]) -> Option<IncidentHead> {
    let mut c = Cursor(line);
    c.key(br#"{"id": "INC-"#)?;
    let id = IncidentId(
        c.number(b'"')
            .filter(|n| (1..=IncidentId::MAX).contains(n))?,
    );
    c.key(br#", "contract_id": "#)?;
    let contract_id = c.null_or(Cursor::id)?;
    c.key(br#", "opened_on": "#)?;
    let opened_on = c.date()?;
    c.key(br#", "closed_on": "#)?;
    let closed_on = c.null_or(Cursor::date)?;
    c.key(br#", "void": "#)?;
    let voided_on = c.null_or(|c| {
        let on = c.dated()?;
        c.rest_of_record()?;
        Some(on)
    })?;
    c.key(br#", "refund": "#)?;
    let refunded_on = c.null_or(Cursor::dated)?;
    Some(IncidentHead {
        id,
        contract_id,
        opened_on,
        closed_on,
        refunded_on,
        voided_on,
    })
}

/// A position in one line.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    /// Steps over `text`, which must come next.
    fn key(&mut self, text: &[u8]) -> Option<()> {
        self.0 = self.0.strip_prefix(text)?;
        Some(())
    }

    /// The digits up to `end` (which is stepped over), as a number that fits a `u32`.
    fn number(&mut self, end: u8) -> Option<u32> {
        let digits = self.0.iter().position(|&b| b == end)?;
        let n = self.0[..digits].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit()
                .then(|| n.checked_mul(10)?.checked_add(u32::from(d - b'0')))?
        });
        self.0 = &self.0[digits + 1..];
        n.filter(|_| digits > 0)
    }

    /// A Contract ID: a string without escapes, copied (the line may be a mapped file's, see
    /// `bytes.rs`) and checked as serde checks one.
    fn id(&mut self) -> Option<Id> {
        let body = self.0.strip_prefix(b"\"")?;
        let end = body.iter().position(|&b| b == b'"' || b == b'\\')?;
        if body[end] != b'"' {
            return None;
        }
        self.0 = &body[end + 1..];
        Id::try_from(String::from_utf8(body[..end].to_vec()).ok()?).ok()
    }

    /// A date: `"YYYY-MM-DD"`, read as its digits (no text is made of the bytes), a real day
    /// as serde's `ymd` reads it (the proptest in `mod.rs` holds the two together).
    fn date(&mut self) -> Option<NaiveDate> {
        let (quoted, rest) = self.0.split_at_checked(12)?;
        let day = quoted.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
        self.0 = rest;
        // The one reader of a written day, serde's too.
        ymd::parse(std::str::from_utf8(day).ok()?)
    }

    /// The day of a record that starts with it (a refund, a void): `{"on": "YYYY-MM-DD"`.
    fn dated(&mut self) -> Option<NaiveDate> {
        self.key(br#"{"on": "#)?;
        self.date()
    }

    /// Steps over the rest of a record whose fields are strings, to its closing `}`: a string's
    /// text (braces, escaped quotes) is stepped over as text.
    fn rest_of_record(&mut self) -> Option<()> {
        let mut in_string = false;
        let mut escaped = false;
        for (at, &b) in self.0.iter().enumerate() {
            match (in_string, escaped, b) {
                (true, true, _) => escaped = false,
                (true, false, b'\\') => escaped = true,
                (true, false, b'"') => in_string = false,
                (false, _, b'"') => in_string = true,
                (false, _, b'{' | b'[') => return None,
                (false, _, b'}') => {
                    self.0 = &self.0[at + 1..];
                    return Some(());
                }
                _ => {}
            }
        }
        None
    }

    /// `null`, or what `read` reads.
    fn null_or<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.0.strip_prefix(b"null") {
            Some(rest) => {
                self.0 = rest;
                Some(None)
            }
            None => read(self).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::Incident;

    #[test]
    fn a_written_line_reads_as_serde_reads_its_record_and_any_other_form_is_left_to_serde() {
        let written = [
            r#"{"id": "INC-0007", "contract_id": "GCPC2017", "opened_on": "2017-01-27", "closed_on": "2017-01-30", "void": null, "refund": {"on": "2017-02-01", "reason": "product-bug", "by": "admin@contoso.com"}, "scope": "cloud", "title": "Key \"Vault\" throttling"}"#,
            r#"{"id": "INC-99999999", "contract_id": null, "opened_on": "2026-01-01", "closed_on": null, "void": {"on": "2026-01-02", "reason": "typed \"twice\" {x}", "by": "a@b.co"}, "refund": null, "scope": "cloud", "title": "x", "csp_customer": "contoso-tenant"}"#,
        ];
        for line in written {
            let record: Incident = serde_json::from_str(line).unwrap();
            assert_eq!(read(line.as_bytes()), Some(record.head()), "{line}");
        }
        for other in [
            // Another order or spacing, an escape, a value serde would refuse.
            r#"{"contract_id": null, "id": "INC-0001", "opened_on": "2026-01-01", "closed_on": null, "refund": null}"#,
            r#"{"id":"INC-0001","contract_id":null,"opened_on":"2026-01-01","closed_on":null,"refund":null}"#,
            r#"{"id": "INC-\u0030001", "contract_id": null, "opened_on": "2026-01-01", "closed_on": null, "refund": null}"#,
            r#"{"id": "INC-0001", "contract_id": null, "opened_on": "2026-02-30", "closed_on": null, "refund": null}"#,
            r#"{"id": "INC-0000", "contract_id": null, "opened_on": "2026-01-01", "closed_on": null, "refund": null}"#,
            r#"{"id": "INC-100000000", "contract_id": null, "opened_on": "2026-01-01", "closed_on": null, "void": null, "refund": null}"#,
            r#"{"id": "INC-0001", "contract_id": "has space", "opened_on": "2026-01-01", "closed_on": null, "refund": null}"#,
            r#"{"id": "INC-0001", "contract_id": null, "opened_on": "2026-01-01", "closed_on": null, "refund": {"reason": "duplicate", "on": "2026-01-02"}}"#,
            r#"{"id": "INC-0001", "contract_id": null, "opened_on": "2026-01-01""#,
            r#"{"id": "INC-0001", "contract_id": null, "opened_on": "2026-01-01", "closed_on": null, "refund": null, "scope": "cloud"}"#,
            r#"{"id": "INC-0001", "contract_id": null, "opened_on": "2026-01-01", "closed_on": null, "void": {"reason": "x", "on": "2026-01-02"}, "refund": null}"#,
            r#"{"id": "INC-0001", "contract_id": null, "opened_on": "2026-01-01", "closed_on": null, "void": {"on": "2026-01-02", "reason": "x"#,
            r#"{"id": "INC-99999999999", "contract_id": null, "opened_on": "2026-01-01", "closed_on": null, "refund": null}"#,
        ] {
            assert_eq!(read(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn dates_read_by_their_digits_as_serde_reads_them() {
        for day in [
            "2026-02-28",
            "2028-02-29",
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "2026-13-01",
            "2026-00-10",
            "0000-01-01",
            "2026-1-010",
            "2026-01-0x",
            "2026/01/01",
            "+026-01-01",
            "2026-01-1\u{0}",
        ] {
            let line = format!(
                r#"{{"id": "INC-0001", "contract_id": null, "opened_on": "{day}", "closed_on": null, "void": null, "refund": null}}"#
            );
            assert_eq!(
                read(line.as_bytes()).map(|h| h.opened_on),
                ymd::parse(day),
                "{day}"
            );
        }
    }
}
