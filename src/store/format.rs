//! The state file's layout: pretty at the top (one key per line, one record per line in each
//! collection), compact inside a record. A change to one incident is a one-line diff, and the
//! file is a third smaller than fully pretty-printed JSON.
//!
//! The incidents come last and the file ends with a checksum of everything before it. A file
//! whose checksum matches is byte for byte one this program wrote, so reading it can find each
//! contract and incident by its line instead of parsing every record again; any other file
//! (edited by hand, older, damaged) is read in full.

use std::io::{self, BufWriter, Write};
use std::ops::Range;

use serde::Serialize;
use serde_json::ser::Formatter;
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use crate::domain::incidents::Written;
use crate::domain::state::State;

/// Where the incidents start, after the other fields.
const INCIDENTS: &str = ",\n  \"incidents\": [";
/// Where a list of contracts starts, one per line after it.
const CONTRACTS: &str = "\n  \"contracts\": [\n";
/// The last line before the closing brace, up to the hash.
const CHECKSUM: &str = "  \"checksum\": \"xxh3-128:";
/// After the hash.
const END: &str = "\"\n}\n";
/// Between two incidents.
const SEPARATOR: &[u8] = b",\n    ";

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
pub fn to_bytes(value: &impl Serialize) -> serde_json::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut bytes, RecordFormatter::default());
    value.serialize(&mut ser)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Writes `state` as a state file: its fields, its incidents one per line (an unchanged one as
/// the text it was read from), then the checksum.
pub fn write_state(file: impl Write, state: &State) -> io::Result<()> {
    let fields = to_bytes(state)?;
    // Hashed in the buffer's large chunks rather than record by record.
    let mut out = BufWriter::with_capacity(1 << 16, Hashed::new(file));
    // The state always has fields (`schema_version` first), so serde_json closed it on a line
    // of its own; the incidents go before that brace.
    let open = fields
        .strip_suffix(b"\n}\n")
        .expect("a state is written as an object with fields");
    out.write_all(open)?;
    out.write_all(INCIDENTS.as_bytes())?;
    // Unchanged lines that follow each other in the file they were read from, separators and
    // all, go out in one write rather than one at a time.
    let mut run: Option<(&[u8], Range<usize>)> = None;
    for (n, entry) in state.incidents.iter().enumerate() {
        let written = entry.written();
        if let (Some((from, run)), Written::Line { file, range }) = (&mut run, &written)
            && std::ptr::eq(*from, *file)
            && from.get(run.end..range.start) == Some(SEPARATOR)
        {
            run.end = range.end;
            continue;
        }
        if let Some((from, lines)) = run.take() {
            out.write_all(&from[lines])?;
        }
        out.write_all(if n == 0 { &SEPARATOR[1..] } else { SEPARATOR })?;
        match written {
            Written::Line { file, range } => run = Some((file, range)),
            Written::Text(text) => out.write_all(text)?,
            Written::Incident(incident) => {
                // A record is the third level down: compact, like the rest of its line.
                let inner = RecordFormatter {
                    depth: PRETTY_DEPTH,
                    has_value: false,
                };
                incident.serialize(&mut serde_json::Serializer::with_formatter(&mut out, inner))?
            }
        }
    }
    if let Some((from, lines)) = run {
        out.write_all(&from[lines])?;
    }
    if !state.incidents.is_empty() {
        out.write_all(b"\n  ")?;
    }
    out.write_all(b"],\n")?;
    let Hashed { mut file, hash } = out.into_inner().map_err(|e| e.into_error())?;
    write!(file, "{CHECKSUM}{:032x}{END}", hash.digest128())?;
    file.flush()
}

/// A writer that hashes what goes through it.
struct Hashed<W> {
    file: W,
    hash: Xxh3,
}

impl<W: Write> Hashed<W> {
    fn new(file: W) -> Self {
        Hashed {
            file,
            hash: Xxh3::new(),
        }
    }
}

impl<W: Write> Write for Hashed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Whether `bytes` end with a checksum line, matching or not.
pub fn has_checksum(bytes: &[u8]) -> bool {
    split_checksum(bytes).is_some()
}

/// A state file this program wrote, found by its layout.
#[derive(Debug, PartialEq, Eq)]
pub struct Parts {
    /// Where the fields before the incidents end: `text[..fields_end]` plus a closing brace is
    /// the rest of the state.
    pub fields_end: usize,
    /// Each incident's text.
    pub incidents: Vec<Range<usize>>,
}

/// The contracts among a written file's fields.
#[derive(Debug, PartialEq, Eq)]
pub struct Contracts {
    /// Between the list's brackets: the fields without it read as an empty list.
    pub inside: Range<usize>,
    /// Each contract's text.
    pub lines: Vec<Range<usize>>,
}

/// The contracts in `fields` (the fields of a file [`verified`] found), one per line; `None`
/// when there are none or they are not laid out so.
pub fn contracts(fields: &[u8]) -> Option<Contracts> {
    // Like the incidents' key: no other line can start so, nor can another line close the list.
    let start = memchr::memmem::find(fields, CONTRACTS.as_bytes())? + CONTRACTS.len();
    let close = start + memchr::memmem::find(&fields[start..], b"\n  ]")?;
    Some(Contracts {
        inside: start - 1..close + 3,
        lines: records(&fields[start..close], start)?,
    })
}

/// The records of a list laid out one per line: `lines` are the lines between the brackets'
/// (at `offset` in the file), each record indented four spaces and followed by a comma but the
/// last.
fn records(lines: &[u8], offset: usize) -> Option<Vec<Range<usize>>> {
    let mut records = Vec::new();
    let mut line_start = 0;
    for (end, last) in memchr::memchr_iter(b'\n', lines)
        .map(|end| (end, false))
        .chain([(lines.len(), true)])
    {
        let record = lines[line_start..end].strip_prefix(b"    ")?;
        let record = if last {
            record
        } else {
            record.strip_suffix(b",")?
        };
        let at = offset + line_start + 4;
        records.push(at..at + record.len());
        line_start = end + 1;
    }
    Some(records)
}

/// The parts of `bytes`, when it ends with a checksum that matches the rest and is laid out as
/// [`write_state`] writes; `None` for any other file.
pub fn verified(bytes: &[u8]) -> Option<Parts> {
    let (body, hex) = split_checksum(bytes)?;
    // Compared as text, the way it was written: lowercase, 32 digits.
    (format!("{:032x}", xxh3_128(body)).as_bytes() == hex)
        .then(|| layout(body))
        .flatten()
}

/// The bytes before the checksum line, and the hash the line holds.
fn split_checksum(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let body_len = bytes.len().checked_sub(CHECKSUM.len() + 32 + END.len())?;
    let (body, last) = bytes.split_at(body_len);
    let hex = last
        .strip_prefix(CHECKSUM.as_bytes())?
        .strip_suffix(END.as_bytes())?;
    Some((body, hex))
}

/// The parts of `body`, a file without its checksum line, laid out as [`write_state`] writes.
fn layout(body: &[u8]) -> Option<Parts> {
    // No other line can start so: a field deeper down is indented further, and a newline
    // inside a JSON string is always escaped.
    let fields_end = memchr::memmem::find(body, INCIDENTS.as_bytes())?;
    let list_start = fields_end + INCIDENTS.len();
    let list = &body[list_start..];
    if list == b"],\n" {
        return Some(Parts {
            fields_end,
            incidents: Vec::new(),
        });
    }
    let lines = list.strip_prefix(b"\n")?.strip_suffix(b"\n  ],\n")?;
    Some(Parts {
        fields_end,
        incidents: records(lines, list_start + 1)?,
    })
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

#[cfg(test)]
mod written {
    use proptest::prelude::*;

    use super::{Parts, verified, write_state};
    use crate::domain::contract::{Allowance, Contract, Coverage, PlanKind, Scope};
    use crate::domain::incident::{Incident, Refund, RefundReason};
    use crate::domain::state::State;
    use crate::domain::testing::{contract, d, incident, org};

    fn bytes(state: &State) -> Vec<u8> {
        let mut out = Vec::new();
        write_state(&mut out, state).unwrap();
        out
    }

    fn two_contracts() -> State {
        let mut s = org();
        for id in ["A", "B"] {
            s.contracts.push(contract(
                id,
                Coverage::Both,
                Allowance::Unlimited,
                "2026-01-01",
                "2026-12-31",
            ));
        }
        s
    }

    #[test]
    fn the_incidents_come_last_one_per_line_then_the_checksum_of_the_rest() {
        let mut s = two_contracts();
        s.incidents.push(incident(1, Some("A")));
        s.incidents.push(incident(2, None));
        let file = String::from_utf8(bytes(&s)).unwrap();
        let (body, last) = file.split_at(file.rfind("  \"checksum\"").unwrap());
        assert!(body.ends_with(concat!(
            "  \"incidents\": [\n",
            "    {\"id\": \"INC-0001\", \"contract_id\": \"A\", \"opened_on\": \"2026-03-01\", \"closed_on\": null, \"refund\": null, \"scope\": \"cloud\", \"title\": \"Outage\"},\n",
            "    {\"id\": \"INC-0002\", \"contract_id\": null, \"opened_on\": \"2026-03-01\", \"closed_on\": null, \"refund\": null, \"scope\": \"cloud\", \"title\": \"Outage\"}\n",
            "  ],\n",
        )), "{body}");
        let hash = xxhash_rust::xxh3::xxh3_128(body.as_bytes());
        assert_eq!(
            last,
            format!("  \"checksum\": \"xxh3-128:{hash:032x}\"\n}}\n")
        );
        // Still one JSON document, which serde_json reads whole.
        serde_json::from_str::<serde_json::Value>(&file).unwrap();
    }

    #[test]
    fn the_parts_are_found_again_and_no_incidents_is_an_empty_list() {
        let mut s = two_contracts();
        let empty = bytes(&s);
        let text = String::from_utf8(empty.clone()).unwrap();
        assert!(
            text.contains("\n  \"incidents\": [],\n  \"checksum\": "),
            "{text}"
        );
        let parts = verified(&empty).expect("a file just written verifies");
        assert_eq!(parts.incidents, vec![]);
        s.incidents.push(incident(1, Some("A")));
        s.incidents.push(incident(2, Some("B")));
        let file = bytes(&s);
        let Parts {
            fields_end,
            incidents,
        } = verified(&file).unwrap();
        let records: Vec<&str> = incidents
            .iter()
            .map(|r| std::str::from_utf8(&file[r.clone()]).unwrap())
            .collect();
        assert_eq!(records.len(), 2);
        assert!(records[0].starts_with(r#"{"id": "INC-0001""#) && records[0].ends_with('}'));
        assert!(records[1].starts_with(r#"{"id": "INC-0002""#) && records[1].ends_with('}'));
        let fields = format!("{}\n}}", std::str::from_utf8(&file[..fields_end]).unwrap());
        let read: State = serde_json::from_str(&fields).unwrap();
        assert_eq!(read.contracts, s.contracts);
    }

    #[test]
    fn any_byte_changed_anywhere_sends_the_file_to_the_full_read() {
        let mut s = two_contracts();
        s.incidents.push(incident(1, Some("A")));
        let file = bytes(&s);
        assert!(verified(&file).is_some());
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
    }

    #[test]
    fn a_record_a_hand_edit_wrote_differently_is_written_back_in_the_usual_form() {
        let mut s = two_contracts();
        s.incidents.push(incident(1, Some("A")));
        let path = std::path::Path::new("state.json");
        // An escape where the head reader looks: valid JSON, read in full, written anew.
        let edited = String::from_utf8(bytes(&s))
            .unwrap()
            .replace(r#""id": "INC-0001""#, r#""id": "INC-\u0030001""#);
        assert!(verified(edited.as_bytes()).is_none());
        let read = crate::store::decode(path, edited.into_bytes()).unwrap();
        let file = bytes(&read);
        assert_eq!(file, bytes(&s));
        assert!(verified(&file).is_some());
        let again = crate::store::decode(path, file).unwrap();
        assert_eq!(again, s);
        assert_eq!(again.incidents.iter().next().unwrap().id().0, 1);
    }

    #[test]
    fn a_long_list_reads_back_as_it_was_written() {
        let path = std::path::Path::new("state.json");
        for n in [511, 512, 513, 1500] {
            let mut s = two_contracts();
            for k in 1..=n {
                let mut i = incident(k, [Some("A"), Some("B"), None][k as usize % 3]);
                i.closed_on = (k % 2 == 0).then(|| d("2026-03-02"));
                s.incidents.push(i);
            }
            let file = bytes(&s);
            let read = crate::store::decode(path, file.clone()).unwrap();
            assert_eq!(read, s, "{n} incidents");
            let ids: Vec<u32> = read.incidents.iter().map(|e| e.id().0).collect();
            assert_eq!(ids, (1..=n).collect::<Vec<_>>());
            let open = read.incidents.iter().filter(|e| e.closed_on().is_none());
            assert_eq!(open.count(), n.div_ceil(2) as usize);
            assert_eq!(bytes(&read), file);
            // One changed in the middle: the lines around it are still copied as they were.
            let mut read = read;
            for state in [&mut read, &mut s] {
                let middle = crate::domain::incident::IncidentId(n / 2);
                state
                    .incidents
                    .update(middle, |i| i.title = "Changed".parse().unwrap());
            }
            assert_eq!(bytes(&read), bytes(&s));
        }
    }

    /// Incidents of every shape the head reader meets: with or without a contract, closed or
    /// not, refunded, and titles with quotes, escapes and text beyond ASCII.
    fn incidents() -> impl Strategy<Value = Vec<Incident>> {
        let one = (
            prop::option::of(prop::sample::select(vec!["A", "B"])),
            0u64..400,
            prop::option::of(0u64..30),
            any::<bool>(),
            "[a-zA-Z\"\\\\{}\\[\\],:é漢字 ]{0,12}",
            // The fields written only when given: product, case number, CSP customer, who
            // opened it, who refunded it, and the scope and refund reason.
            (
                prop::option::of("[a-z\"\\\\é ]{0,6}"),
                prop::option::of("[A-Z0-9]{1,13}"),
                prop::option::of("[a-f0-9-]{1,12}"),
                prop::option::of(prop::sample::select(vec!["a@b.co", "Tech@Contoso.com"])),
                any::<bool>(),
                prop::sample::select(vec![Scope::Cloud, Scope::OnPremises]),
                prop::sample::select(vec![
                    RefundReason::Duplicate,
                    RefundReason::ProductBug,
                    RefundReason::Other,
                ]),
            ),
        );
        prop::collection::vec(one, 0..12).prop_map(|all| {
            all.into_iter()
                .enumerate()
                .map(|(n, (contract, opened, closed, refunded, title, extra))| {
                    let (product, case, csp, by, refunded_by, scope, reason) = extra;
                    let mut i = incident(n as u32 + 1, contract);
                    i.opened_on = d("2025-01-01") + chrono::Days::new(opened);
                    i.closed_on = closed.map(|c| i.opened_on + chrono::Days::new(c));
                    i.refund = (refunded && contract.is_some()).then(|| Refund {
                        on: i.opened_on,
                        reason,
                        by: refunded_by.then(|| "admin@contoso.com".parse().unwrap()),
                    });
                    i.title = format!("T{title}").parse().unwrap();
                    i.scope = scope;
                    i.product = product.map(|p| format!("P{p}").parse().unwrap());
                    i.case_number = case.map(|c| c.parse().unwrap());
                    // A CSP request charges no contract (R11).
                    i.csp_customer = csp
                        .filter(|_| contract.is_none())
                        .map(|c| format!("t{c}").parse().unwrap());
                    i.opened_by = by.map(|e| e.parse().unwrap());
                    i
                })
                .collect()
        })
    }

    /// Contracts of every shape the contract reader meets: each kind and coverage, with or
    /// without a benefit, counted or unlimited, linked to no account or several, and plans with
    /// quotes, escapes and text beyond ASCII.
    fn contracts() -> impl Strategy<Value = Vec<Contract>> {
        let kinds = vec![
            PlanKind::Benefit,
            PlanKind::Premier,
            PlanKind::Advanced,
            PlanKind::Custom,
        ];
        let coverages = vec![Coverage::OnPremises, Coverage::Cloud, Coverage::Both];
        let emails = vec!["admin@contoso.com", "Tech@Contoso.com", "x@y.org"];
        let one = (
            prop::sample::select(kinds),
            prop::sample::select(coverages),
            prop::option::of(0u32..=20),
            any::<bool>(),
            "[a-zA-Z\"\\\\é漢 ]{0,10}",
            prop::collection::vec(prop::sample::select(emails), 0..4),
            0u64..800,
        );
        prop::collection::vec(one, 0..4).prop_map(|all| {
            all.into_iter()
                .enumerate()
                .map(
                    |(n, (kind, coverage, count, benefit, plan, linked, start))| {
                        let mut c = contract(
                            &format!("C{n}"),
                            coverage,
                            count.map_or(Allowance::Unlimited, Allowance::Incidents),
                            "2024-01-01",
                            "2024-01-01",
                        );
                        c.kind = kind;
                        c.plan = format!("P{plan}").parse().unwrap();
                        c.benefit = benefit.then(|| "gold-cloud-platform/cloud-support".into());
                        c.linked_accounts = linked.iter().map(|e| e.parse().unwrap()).collect();
                        c.start = c.start + chrono::Days::new(start);
                        c.end = c.start + chrono::Days::new(364);
                        c
                    },
                )
                .collect()
        })
    }

    proptest! {
        #[test]
        fn a_written_file_reads_the_same_by_its_lines_as_in_full(
            all in incidents(),
            more in contracts(),
        ) {
            let mut s = two_contracts();
            s.contracts.extend(more);
            for i in all {
                s.incidents.push(i);
            }
            let file = bytes(&s);
            let parts = verified(&file);
            prop_assert!(parts.is_some());
            let parts = parts.unwrap();
            // Every record written without an escape is read by position, as serde reads it.
            for line in &parts.incidents {
                let text = &file[line.clone()];
                let by_position = Incident::read_written(text);
                prop_assert_eq!(by_position.is_some(), !text.contains(&b'\\'));
                if let Some(incident) = by_position {
                    prop_assert_eq!(incident, serde_json::from_slice::<Incident>(text).unwrap());
                }
            }
            let fields = &file[..parts.fields_end];
            let lines = super::contracts(fields).expect("contracts, one per line").lines;
            prop_assert_eq!(lines.len(), s.contracts.len());
            for line in lines {
                let text = &fields[line];
                prop_assert_eq!(
                    Contract::read_written(text).is_some(),
                    !text.contains(&b'\\'),
                    "{}", String::from_utf8_lossy(text)
                );
            }
            let path = std::path::Path::new("state.json");
            let by_lines = crate::store::decode(path, file.clone()).unwrap();
            let in_full = crate::store::decode_unchecked(path, &file).unwrap().state;
            prop_assert_eq!(&by_lines, &in_full);
            prop_assert_eq!(&by_lines, &s);
            for (a, b) in by_lines.incidents.iter().zip(in_full.incidents.iter()) {
                prop_assert_eq!(
                    (a.id(), a.contract_id(), a.opened_on(), a.closed_on(), a.is_refunded()),
                    (b.id(), b.contract_id(), b.opened_on(), b.closed_on(), b.is_refunded())
                );
            }
            // Written back unchanged, byte for byte.
            prop_assert_eq!(bytes(&by_lines), file);
        }
    }
}
