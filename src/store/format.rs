//! The state file's layout: pretty at the top (one key per line, one record per line in each
//! collection), compact inside a record. A change to one incident is a one-line diff, and the
//! file is a third smaller than fully pretty-printed JSON.

use std::io::{self, Write};

use serde_json::ser::Formatter;

/// Containers this deep or shallower get one element per line.
const PRETTY_DEPTH: usize = 2;

/// A `serde_json` formatter for the layout above.
#[derive(Debug, Default)]
pub struct RecordFormatter {
    depth: usize,
    has_value: bool,
}

impl RecordFormatter {
    fn separator<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        if self.depth <= PRETTY_DEPTH {
            w.write_all(if first { b"\n" } else { b",\n" })?;
            w.write_all(&b"    "[..2 * self.depth.min(2)])
        } else if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        let was_pretty = self.depth <= PRETTY_DEPTH;
        self.depth -= 1;
        if was_pretty && self.has_value {
            w.write_all(b"\n")?;
            w.write_all(&b"    "[..2 * self.depth.min(2)])?;
        }
        w.write_all(bracket)
    }
}

impl Formatter for RecordFormatter {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.separator(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.separator(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// `value` in the state file's layout, with a final newline.
pub fn to_bytes(value: &impl serde::Serialize) -> serde_json::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut bytes, RecordFormatter::default());
    value.serialize(&mut ser)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn one_record_per_line() {
        let doc = json!({
            "schema_version": 2,
            "organization": {"name": "Contoso", "partner_id": "1"},
            "offers": [],
            "contracts": [
                {"contract_id": "A", "linked_accounts": ["a@x.com", "b@x.com"], "refund": {"on": "2026-01-01"}},
                {"contract_id": "B", "linked_accounts": []}
            ]
        });
        let text = String::from_utf8(super::to_bytes(&doc).unwrap()).unwrap();
        assert_eq!(
            text,
            r#"{
  "contracts": [
    {"contract_id": "A", "linked_accounts": ["a@x.com", "b@x.com"], "refund": {"on": "2026-01-01"}},
    {"contract_id": "B", "linked_accounts": []}
  ],
  "offers": [],
  "organization": {
    "name": "Contoso",
    "partner_id": "1"
  },
  "schema_version": 2
}
"#
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            doc
        );
    }
}
