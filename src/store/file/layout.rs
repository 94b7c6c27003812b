//! The layout: what goes on which line (see the specification in `mod.rs`), the document types
//! serde reads and writes, the splitter that finds a sealed file's records, and the writer.

use std::io::{self, BufWriter, Write};
use std::ops::Range;

use serde::{Deserialize, Serialize};
use serde_json::ser::Formatter;

use super::SCHEMA_VERSION;
use super::Stored;
use super::seal::Sealer;
use crate::domain::account::Account;
use crate::domain::conflict::Conflict;
use crate::domain::contract::Contract;
use crate::domain::decline::Declined;
use crate::domain::incident::{Incident, IncidentId};
use crate::domain::offer::Offer;
use crate::domain::reconcile::Observation;
use crate::domain::state::{HistoryEntry, Organization, PendingActivation, State};
use crate::domain::values::Email;
use crate::store::catalog::CatalogRecord;

/// Where the incidents start, after the other fields.
const INCIDENTS: &str = ",\n  \"incidents\": [";
/// Between two records of a list.
const SEPARATOR: &[u8] = b",\n    ";
/// Containers this deep or shallower get one element per line.
const PRETTY_DEPTH: usize = 2;

/// A whole state file as serde reads it. The fields are in the order they are written. A key it
/// does not name, at any level, is refused: a typo must not drop data when the file is written
/// back (new fields arrive with a new schema version).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Always first.
    pub schema_version: u32,
    #[serde(default)]
    pub revision: u64,
    #[serde(default)]
    pub organization: Option<Organization>,
    /// The program catalog in use.
    pub catalog: CatalogRecord,
    /// The other catalogs its offers are of.
    #[serde(default)]
    pub other_catalogs: Vec<CatalogRecord>,
    #[serde(default)]
    pub current_account: Option<Email>,
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub offers: Vec<Offer>,
    #[serde(default)]
    pub pending: Vec<PendingActivation>,
    #[serde(default)]
    pub declined: Vec<Declined>,
    #[serde(default)]
    pub observations: Vec<Observation>,
    #[serde(default)]
    pub refund_candidates: Vec<IncidentId>,
    #[serde(default)]
    pub contracts: Vec<Contract>,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    #[serde(default)]
    pub last_change: Option<HistoryEntry>,
    /// Absent from the header of a sealed file, whose incidents are read line by line.
    #[serde(default)]
    pub incidents: Vec<Incident>,
    /// The seal, checked before serde reads the file (`seal.rs`).
    #[serde(default, rename = "checksum")]
    pub _checksum: Option<String>,
}

/// The fields of a state written before its incidents, in [`Document`]'s order.
#[derive(Serialize)]
struct Header<'a> {
    schema_version: u32,
    revision: u64,
    organization: &'a Option<Organization>,
    catalog: CatalogRecord,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    other_catalogs: Vec<CatalogRecord>,
    current_account: &'a Option<Email>,
    accounts: &'a [Account],
    offers: &'a [Offer],
    pending: &'a [PendingActivation],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    declined: &'a [Declined],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    observations: &'a [Observation],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    refund_candidates: &'a [IncidentId],
    contracts: &'a [Contract],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    conflicts: &'a [Conflict],
    #[serde(skip_serializing_if = "Option::is_none")]
    last_change: Option<HistoryEntry>,
}

impl<'a> Header<'a> {
    fn of(s: &'a State) -> Self {
        Header {
            schema_version: SCHEMA_VERSION,
            revision: s.revision,
            organization: &s.organization,
            catalog: CatalogRecord::of(&s.catalog),
            other_catalogs: s
                .other_catalogs
                .iter()
                .map(|c| CatalogRecord::of(c))
                .collect(),
            current_account: &s.current_account,
            accounts: &s.accounts,
            offers: &s.offers,
            pending: &s.pending,
            declined: &s.declined,
            observations: &s.observations,
            refund_candidates: &s.refund_candidates,
            contracts: &s.contracts,
            conflicts: &s.conflicts,
            last_change: s.last_change.as_ref().map(HistoryEntry::as_kept_in_file),
        }
    }
}

/// A `serde_json` formatter for the layout: pretty at the top, compact inside a record.
#[derive(Debug, Default)]
struct RecordFormatter {
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

/// Writes `state` as a sealed state file: its fields, its incidents one per line (one the
/// command did not change copied from the file it was read from, when it was read by its lines),
/// then the checksum.
pub fn write(file: impl Write, state: &State, stored: &Stored) -> io::Result<()> {
    let mut fields = Vec::new();
    let header = Header::of(state);
    header.serialize(&mut serde_json::Serializer::with_formatter(
        &mut fields,
        RecordFormatter::default(),
    ))?;
    // The header always has fields (`schema_version` first), so serde_json closed it on a line
    // of its own; the incidents go before that brace.
    let open = fields
        .strip_suffix(b"\n}")
        .expect("a state is written as an object with fields");
    let mut out = BufWriter::with_capacity(1 << 16, Sealer::new(file));
    out.write_all(open)?;
    out.write_all(INCIDENTS.as_bytes())?;
    // Unchanged lines that follow each other in the file they came from go out in one write.
    let mut run: Option<(usize, usize)> = None;
    let mut last_stored = None;
    for (n, head) in state.incidents.iter().enumerate() {
        let written = match state.incidents.record(head.id) {
            Some(record) => Written::Record(record),
            None => {
                let (at, written) = stored
                    .written(head.id, last_stored)
                    .expect("an incident this command did not add was read from the file");
                last_stored = Some(at);
                written
            }
        };
        if let (Written::Line(k), Some((_, last))) = (&written, &mut run)
            && *k == *last + 1
        {
            *last = *k;
            continue;
        }
        if let Some((first, last)) = run.take() {
            out.write_all(stored.lines_text(first, last))?;
        }
        out.write_all(if n == 0 { &SEPARATOR[1..] } else { SEPARATOR })?;
        match written {
            Written::Line(k) => run = Some((k, k)),
            Written::Record(record) => {
                // A record is the third level down: compact, like the rest of its line.
                let inner = RecordFormatter {
                    depth: PRETTY_DEPTH,
                    has_value: false,
                };
                record.serialize(&mut serde_json::Serializer::with_formatter(&mut out, inner))?;
            }
        }
    }
    if let Some((first, last)) = run {
        out.write_all(stored.lines_text(first, last))?;
    }
    if !state.incidents.is_empty() {
        out.write_all(b"\n  ")?;
    }
    out.write_all(b"],\n")?;
    out.into_inner().map_err(|e| e.into_error())?.seal()
}

/// How an incident is written.
pub enum Written<'a> {
    /// As the `k`th incident line of the file it was read from, copied.
    Line(usize),
    /// Its record, serialized.
    Record(&'a Incident),
}

/// The parts of the body of a sealed file (everything before its checksum line).
pub struct Parts {
    /// The fields before the incidents, closed with a brace: one JSON object.
    pub header: Vec<u8>,
    /// Each incident's line, without its indent and comma.
    pub incidents: Vec<Range<usize>>,
}

/// The parts of `body`, when it is laid out as [`write`] writes; `None` for anything else.
pub fn split(body: &[u8]) -> Option<Parts> {
    // No other line can start so: a field deeper down is indented further, and a newline inside
    // a JSON string is always escaped.
    let fields_end = memchr::memmem::find(body, INCIDENTS.as_bytes())?;
    let list_start = fields_end + INCIDENTS.len();
    let list = &body[list_start..];
    let incidents = if list == b"],\n" {
        Vec::new()
    } else {
        let lines = list.strip_prefix(b"\n")?.strip_suffix(b"\n  ],\n")?;
        records(lines, list_start + 1)?
    };
    // Copied, as the body may be mapped (`bytes.rs`).
    let mut header = Vec::with_capacity(fields_end + 2);
    header.extend_from_slice(&body[..fields_end]);
    header.extend_from_slice(b"\n}");
    Some(Parts { header, incidents })
}

/// The records of a list laid out one per line: `lines` are the lines between the brackets (at
/// `offset` in the file), each record indented four spaces and followed by a comma but the last.
fn records(lines: &[u8], offset: usize) -> Option<Vec<Range<usize>>> {
    let mut records = Vec::new();
    let mut line_start = 0;
    for (end, last) in memchr::memchr_iter(b'\n', lines)
        .map(|end| (end, false))
        .chain([(lines.len(), true)])
    {
        let record = lines[line_start..end].strip_prefix(b"    ")?;
        let record = match last {
            true if record.ends_with(b",") => return None,
            true => record,
            false => record.strip_suffix(b",")?,
        };
        let at = offset + line_start + 4;
        records.push(at..at + record.len());
        line_start = end + 1;
    }
    Some(records)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn one_key_per_line_at_the_top_and_one_record_per_line_in_each_list() {
        let doc = json!({
            "schema_version": 2,
            "organization": {"name": "Contoso", "partner_id": "1"},
            "offers": [],
            "contracts": [
                {"contract_id": "A", "linked_accounts": ["a@x.com", "b@x.com"], "refund": {"on": "2026-01-01"}},
                {"contract_id": "B", "linked_accounts": []}
            ]
        });
        let mut bytes = Vec::new();
        doc.serialize(&mut serde_json::Serializer::with_formatter(
            &mut bytes,
            RecordFormatter::default(),
        ))
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
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
}"#
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            doc
        );
    }

    #[test]
    fn the_splitter_takes_only_the_written_layout() {
        let body = b"{\n  \"schema_version\": 2,\n  \"incidents\": [\n    {\"id\": 1},\n    {\"id\": 2}\n  ],\n";
        let parts = split(body).expect("the written layout");
        assert_eq!(parts.header, b"{\n  \"schema_version\": 2\n}");
        let lines: Vec<&[u8]> = parts.incidents.iter().map(|r| &body[r.clone()]).collect();
        assert_eq!(lines, [&b"{\"id\": 1}"[..], b"{\"id\": 2}"]);
        let empty = b"{\n  \"schema_version\": 2,\n  \"incidents\": [],\n";
        assert!(split(empty).unwrap().incidents.is_empty());
        for other in [
            &b"{\n  \"schema_version\": 2,\n  \"incidents\": [\n  {\"id\": 1}\n  ],\n"[..],
            b"{\n  \"schema_version\": 2,\n  \"incidents\": [\n    {\"id\": 1}\n    {\"id\": 2}\n  ],\n",
            b"{\n  \"schema_version\": 2,\n  \"incidents\": [\n    {\"id\": 1},\n  ],\n",
            b"{\n  \"schema_version\": 2\n}\n",
        ] {
            assert!(split(other).is_none(), "{}", String::from_utf8_lossy(other));
        }
    }
}
