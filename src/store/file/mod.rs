//! The state file's format: the only module that knows it.
//!
//! # What is written
//!
//! One JSON document, deterministic (every collection sorted), in this layout:
//!
//! ```text
//! {
//!   "schema_version": 5,                       always first
//!   "revision": 42,
//!   "organization": {                          an object: one key per line
//!     "partner_id": "4012345",
//!     "name": "Contoso Ltd"
//!   },
//!   "catalog": {"name": "mpn-2021"},           a file's: name, version, digest, text
//!   "current_account": "admin@contoso.com",
//!   "accounts": [                              a list: one record per line, compact inside
//!     {"email": "admin@contoso.com", "kind": "aad", "roles": ["global-admin"], "csp_only": false}
//!   ],
//!   "offers": […], "pending": […], "contracts": […],
//!   "last_change": {…},                        only once a change was made
//!   "incidents": [                             last, one record per line
//!     {"id": "INC-0001", "contract_id": "7000001", "opened_on": "2026-03-01", "closed_on": null, "void": null, "refund": null, "scope": "on-premises", "title": "…"},
//!     {"id": "INC-0002", …}
//!   ],
//!   "checksum": "xxh3-128:<32 lowercase hex digits>"
//! }
//! ```
//!
//! The checksum line seals the file: it is the xxh3-128 hash of every byte before it
//! ([`seal`]). Records are serde's form of the domain's types (`Incident`, `Contract`, …) in
//! their field order; a change to one incident is a one-line diff.
//!
//! # What is read
//!
//! - **A sealed file** (the hash matches, the layout is the one above, the schema is this
//!   build's): the fields before the incidents are decoded by serde; each incident line gives
//!   only its [`IncidentHead`], read by position ([`head`]); a whole record is decoded by serde
//!   from its line when a command shows or changes it ([`Stored::record`]), and an unchanged one
//!   is copied back byte for byte when the file is written.
//! - **Any other file** (edited by hand, merged, older, damaged): serde over the whole
//!   document, every record decoded and validated, an older schema migrated first ([`migrate`]).
//!   A record serde refuses is an error with the file's path, line and column.
//!
//! The invariant that ties them: `Incident` serializes the fields of its head first (`id`,
//! `contract_id`, `opened_on`, `closed_on`, `void`, `refund`, with `Void`'s and `Refund`'s `on`
//! first), each always written. The head reader's tests and a proptest (below) hold a sealed line read by position
//! equal to the head of the record serde decodes from it; a golden file (`examples/contoso.json`,
//! written through the command line) holds the layout: read either way and written back, it is
//! the same bytes.
//!
//! # The bytes
//!
//! A read command maps the file; a change reads it into memory under the lock ([`bytes`], the
//! crate's only `unsafe`, with its contract).

mod bytes;
mod head;
pub(crate) mod layout;
mod migrate;
pub mod records;
mod schema;
mod seal;

use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub use bytes::Bytes;
use layout::{Document, Written};
pub use migrate::{SCHEMA_VERSION, migrate};

use super::StoreError;
use crate::domain::incident::{Incident, IncidentHead, IncidentId};
use crate::domain::incidents::Incidents;
use crate::domain::state::{HistoryEntry, State};
use crate::store::catalog::CatalogRecord;

/// A state as read from a file, with the file's incident records.
#[derive(Debug)]
pub struct Loaded {
    /// The state.
    pub state: State,
    /// The records its incidents were read from.
    pub stored: Stored,
}

impl Loaded {
    /// The empty state of a file that does not exist yet.
    pub fn empty(path: &Path) -> Loaded {
        let catalog = crate::store::catalog::built_in(crate::store::catalog::CURRENT)
            .expect("today's catalog is built in");
        Loaded {
            state: State {
                catalog: std::sync::Arc::new(catalog),
                ..State::default()
            },
            stored: Stored::new(path, Vec::new(), Source::Nothing),
        }
    }

    /// The whole record of the state's incident `id` (see [`Stored::record`]).
    pub fn record(&self, id: IncidentId) -> Result<Incident, StoreError> {
        self.stored.record(&self.state.incidents, id)
    }

    /// The state with every incident's whole record in it: one that can be written over another
    /// file (`undo`), since no record is left to copy from this one.
    pub fn into_whole(self) -> Result<State, StoreError> {
        let records = self.records(|_| true)?;
        let mut state = self.state;
        state.incidents = records.into_iter().collect();
        Ok(state)
    }

    /// The state and every incident's whole record, in ID order ([`Loaded::records`]), moved
    /// rather than copied from a file read in full that nothing has changed.
    pub fn into_records(self) -> (State, Result<Vec<Incident>, StoreError>) {
        let Loaded { state, stored } = self;
        match stored.source {
            Source::Records(records)
                if state.incidents.changed().next().is_none()
                    && state
                        .incidents
                        .iter()
                        .map(|h| h.id)
                        .eq(stored.ids.iter().copied()) =>
            {
                (state, Ok(records))
            }
            source => {
                let loaded = Loaded {
                    stored: Stored { source, ..stored },
                    state,
                };
                let records = loaded.records(|_| true);
                (loaded.state, records)
            }
        }
    }

    /// What a command says of a file changed outside partner-support, until a change or
    /// `doctor --accept` seals it again.
    pub fn outside_notice(&self) -> Option<String> {
        self.stored.changed_outside.then(|| {
            format!(
                "the state file `{}` was changed outside partner-support since revision {} (its checksum does not match)",
                self.stored.path.display(),
                self.state.revision
            )
        })
    }

    /// The whole records of the state's incidents whose heads pass `keep`, in ID order.
    pub fn records(
        &self,
        keep: impl Fn(&IncidentHead) -> bool,
    ) -> Result<Vec<Incident>, StoreError> {
        self.state
            .incidents
            .iter()
            .filter(|h| keep(h))
            .map(|h| self.record(h.id))
            .collect()
    }

    /// [`Loaded::records`] as they stood at the end of `day` (R15): of the incidents opened by
    /// then, with what had happened to them by then.
    pub fn records_on(
        &self,
        day: chrono::NaiveDate,
        keep: impl Fn(&IncidentHead) -> bool,
    ) -> Result<Vec<Incident>, StoreError> {
        let records = self.records(|h| h.exists_on(day) && keep(h))?;
        Ok(records.into_iter().map(|i| i.as_on(day)).collect())
    }
}

/// A file's incident records, by ID: what a command shows or changes is decoded from here, and
/// what it leaves alone is written back from here.
#[derive(Debug)]
pub struct Stored {
    /// The file, for errors.
    path: PathBuf,
    /// Whether the file ends with a checksum that does not match: changed outside
    /// partner-support since it was written.
    changed_outside: bool,
    /// The ID of each record, in the order of `source` (ID order).
    ids: Vec<IncidentId>,
    source: Source,
}

#[derive(Debug)]
enum Source {
    /// No file.
    Nothing,
    /// A sealed file: each record is a line of it.
    Lines {
        bytes: Bytes,
        lines: Vec<Range<usize>>,
    },
    /// A file read in full.
    Records(Vec<Incident>),
}

impl Stored {
    fn new(path: &Path, ids: Vec<IncidentId>, source: Source) -> Stored {
        Stored {
            path: path.to_path_buf(),
            changed_outside: false,
            ids,
            source,
        }
    }

    /// Whether the file was changed outside partner-support since it was written (its checksum
    /// does not match).
    pub fn changed_outside(&self) -> bool {
        self.changed_outside
    }

    /// The whole record of incident `id`, one of `incidents`: as this command added or changed
    /// it, else as the file holds it, decoded by serde. A record the file holds and serde refuses
    /// (a sealed file changed in place, or a forged checksum) is an error naming the file, the
    /// incident, and its line and column.
    pub fn record(&self, incidents: &Incidents, id: IncidentId) -> Result<Incident, StoreError> {
        if let Some(record) = incidents.record(id) {
            return Ok(record.clone());
        }
        let at = self
            .position(id)
            .expect("every incident of a state was added by this command or read from its file");
        match &self.source {
            Source::Records(records) => Ok(records[at].clone()),
            Source::Lines { bytes, lines } => self.decode_line(bytes, lines[at].clone(), id),
            Source::Nothing => unreachable!("a file with no incidents has no position"),
        }
    }

    /// Whether the file was read in full, not by its lines: it has no checksum, or one that
    /// does not match (written or changed outside partner-support), or an older schema.
    pub fn read_in_full(&self) -> bool {
        matches!(self.source, Source::Records(_))
    }

    /// The IDs of the incidents the file holds, in ID order.
    pub fn ids(&self) -> &[IncidentId] {
        &self.ids
    }

    /// The record of incident `id` as the file holds it, even when this command changed it;
    /// `None` when the file has none (the command added it).
    pub fn as_read(&self, id: IncidentId) -> Option<Result<Incident, StoreError>> {
        let at = self.position(id)?;
        Some(match &self.source {
            Source::Records(records) => Ok(records[at].clone()),
            Source::Lines { bytes, lines } => self.decode_line(bytes, lines[at].clone(), id),
            Source::Nothing => return None,
        })
    }

    /// The record on `line` of the file `bytes`, decoded by serde.
    fn decode_line(
        &self,
        bytes: &Bytes,
        line: Range<usize>,
        id: IncidentId,
    ) -> Result<Incident, StoreError> {
        let decoded = match bytes {
            Bytes::Read(all) => serde_json::from_slice(&all[line.clone()]),
            #[cfg(unix)]
            Bytes::Mapped(map) => {
                // Copied before serde checks its UTF-8 (`bytes.rs`).
                let mut copy = Vec::with_capacity(line.len());
                copy.extend_from_slice(&map[line.clone()]);
                serde_json::from_slice(&copy)
            }
        };
        decoded.map_err(|e| {
            let at = 1 + memchr::memchr_iter(b'\n', &bytes[..line.start]).count();
            StoreError::Parse {
                path: self.path.clone(),
                message: format!("incident {id}: {}", without_position(&e)),
                position: Some((at, e.column() + 4)),
            }
        })
    }

    /// Checks that every record of `incidents` this command did not add or change, which the
    /// writer would copy from the file, decodes and has the head it was read by: a change never
    /// writes a record it could not read back, even behind a forged checksum. The first that
    /// does not is the error, with its line and column. The records are decoded on as many
    /// threads as the machine has cores (a change to 100 000 incidents checks them all).
    pub fn check_unchanged(&self, incidents: &Incidents) -> Result<(), StoreError> {
        let Source::Lines { bytes, lines } = &self.source else {
            // Read in full: every record was decoded and checked then.
            return Ok(());
        };
        // A change reads the file into memory, where its UTF-8 is checked once rather than
        // string by string (a mapped file's lines are each copied first).
        let text = match bytes {
            Bytes::Read(all) => std::str::from_utf8(all).ok(),
            #[cfg(unix)]
            Bytes::Mapped(_) => None,
        };
        let check = |heads: &[IncidentHead]| -> Result<(), StoreError> {
            let mut after = None;
            for head in heads {
                if incidents.record(head.id).is_some() {
                    continue;
                }
                let at = self
                    .at(head.id, after)
                    .expect("an incident this command did not add was read from the file");
                after = Some(at);
                let line = lines[at].clone();
                let record: Incident = match text.map(|t| serde_json::from_str(&t[line.clone()])) {
                    Some(Ok(record)) => record,
                    // Decoded again to name what is wrong, with its position.
                    _ => self.decode_line(bytes, line, head.id)?,
                };
                let same = record.id == head.id
                    && record.contract_id == head.contract_id
                    && record.opened_on == head.opened_on
                    && record.closed_on == head.closed_on
                    && record.refund.as_ref().map(|r| r.on) == head.refunded_on
                    && record.void.as_ref().map(|v| v.on) == head.voided_on;
                if !same {
                    return Err(StoreError::Parse {
                        path: self.path.clone(),
                        message: format!(
                            "incident {}: its record does not say what its first fields say",
                            head.id
                        ),
                        position: None,
                    });
                }
            }
            Ok(())
        };
        let heads = incidents.heads();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = heads.len().div_ceil(threads).max(1024);
        std::thread::scope(|scope| {
            let checks: Vec<_> = heads
                .chunks(chunk)
                .map(|part| scope.spawn(move || check(part)))
                .collect();
            // The first error in file order.
            checks
                .into_iter()
                .try_for_each(|c| c.join().expect("a check does not panic"))
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn position(&self, id: IncidentId) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    /// [`Stored::position`] for a walk in ID order: `after` is where the record before was.
    fn at(&self, id: IncidentId, after: Option<usize>) -> Option<usize> {
        let next = after.map_or(0, |k| k + 1);
        match self.ids.get(next) {
            Some(&i) if i == id => Some(next),
            _ => self.position(id),
        }
    }

    /// Where the file holds incident `id`, and how to write it back unchanged; `after` is where
    /// it held the one written before (the writer goes in ID order, so the next record is
    /// usually the one).
    fn written(&self, id: IncidentId, after: Option<usize>) -> Option<(usize, Written<'_>)> {
        let at = self.at(id, after)?;
        match &self.source {
            Source::Lines { .. } => Some((at, Written::Line(at))),
            Source::Records(records) => Some((at, Written::Record(&records[at]))),
            Source::Nothing => None,
        }
    }

    /// Incident lines `first` to `last` of a sealed file, and what is between them.
    fn lines_text(&self, first: usize, last: usize) -> &[u8] {
        match &self.source {
            Source::Lines { bytes, lines } => &bytes[lines[first].start..lines[last].end],
            _ => unreachable!("only a sealed file's records are lines"),
        }
    }
}

/// A state file decoded, before its consistency is checked.
#[derive(Debug)]
pub struct Decoded {
    /// The state, migrated and normalized, and its records.
    pub loaded: Loaded,
    /// The schema version the file was written with.
    pub found_version: u64,
}

/// Decodes the state file at `path` from its bytes: by its lines when it is sealed, else in full.
pub fn read(path: &Path, bytes: Bytes) -> Result<Decoded, StoreError> {
    match read_sealed(path, bytes) {
        Ok(decoded) => Ok(decoded),
        Err(Bytes::Read(bytes)) => read_unsealed(path, bytes),
        #[cfg(unix)]
        Err(Bytes::Mapped(map)) => {
            // Copied: serde must not read bytes that may change under it (`bytes.rs`).
            let mut copy = Vec::with_capacity(map.len());
            copy.extend_from_slice(&map);
            drop(map);
            read_unsealed(path, copy)
        }
    }
}

/// [`read_in_full`] for a file that could not be read by its lines: one whose checksum line
/// does not match was changed outside partner-support since it was written (one that matches is
/// partner-support's own, of an older schema).
pub fn read_unsealed(path: &Path, bytes: Vec<u8>) -> Result<Decoded, StoreError> {
    let changed_outside = seal::has_checksum(&bytes) && seal::verified(&bytes).is_none();
    let mut decoded = read_in_full(path, bytes)?;
    decoded.loaded.stored.changed_outside = changed_outside;
    Ok(decoded)
}

/// Decodes a sealed file by its lines; any other file's bytes are given back, for the caller to
/// read in full (a mapped file's from a copy: see `bytes.rs`).
pub fn read_sealed(path: &Path, bytes: Bytes) -> Result<Decoded, Bytes> {
    match by_lines(&bytes) {
        Some((state, ids, lines)) => Ok(Decoded {
            loaded: Loaded {
                state,
                stored: Stored::new(path, ids, Source::Lines { bytes, lines }),
            },
            found_version: SCHEMA_VERSION.into(),
        }),
        None => Err(bytes),
    }
}

/// A sealed file's state and where its records are; `None` for any other file.
fn by_lines(bytes: &[u8]) -> Option<(State, Vec<IncidentId>, Vec<Range<usize>>)> {
    let parts = layout::split(seal::verified(bytes)?)?;
    let doc: Document = serde_json::from_slice(&parts.header).ok()?;
    if doc.schema_version != SCHEMA_VERSION || !doc.incidents.is_empty() {
        return None;
    }
    let heads = parts
        .incidents
        .iter()
        .map(|line| head::read(&bytes[line.clone()]))
        .collect::<Option<Vec<_>>>()?;
    // The writer writes them in ID order; a file that says otherwise is read in full.
    if !heads.is_sorted_by_key(|h| h.id) {
        return None;
    }
    let ids = heads.iter().map(|h| h.id).collect();
    // A catalog that cannot be had is reported by the full read.
    Some((
        state(doc, Incidents::from_heads(heads)).ok()?,
        ids,
        parts.incidents,
    ))
}

/// Decodes a whole state file with serde: every record, whatever its checksum says. The bytes
/// are let go as soon as the records are decoded.
pub fn read_in_full(path: &Path, bytes: Vec<u8>) -> Result<Decoded, StoreError> {
    let parse_error = |e: serde_json::Error| StoreError::Parse {
        path: path.to_path_buf(),
        message: without_position(&e),
        position: (e.line() > 0).then(|| (e.line(), e.column())),
    };
    // The common case, a current file, takes one pass; anything else is looked at again to
    // name what is wrong with it. The whole file's UTF-8 is checked at once rather than string
    // by string.
    let first = match std::str::from_utf8(&bytes) {
        Ok(text) => serde_json::from_str::<Document>(text),
        Err(_) => serde_json::from_slice::<Document>(&bytes),
    };
    let shape_error = match first {
        Ok(doc) if doc.schema_version == SCHEMA_VERSION => {
            drop(bytes);
            return in_full(path, doc, Vec::new(), SCHEMA_VERSION.into());
        }
        Ok(_) => None,
        Err(e) => Some(e),
    };
    let mut doc: Value = serde_json::from_slice(&bytes).map_err(parse_error)?;
    drop(bytes);
    let version = match doc.get("schema_version") {
        None => {
            return Err(StoreError::NoSchema {
                path: path.to_path_buf(),
            });
        }
        Some(v) => v.as_u64().ok_or_else(|| StoreError::Parse {
            path: path.to_path_buf(),
            message: format!("`schema_version` is {v}, expected a whole number"),
            position: None,
        })?,
    };
    if version > u64::from(SCHEMA_VERSION) {
        return Err(StoreError::Newer {
            path: path.to_path_buf(),
            found: version,
        });
    }
    if version == u64::from(SCHEMA_VERSION) {
        // The version is current, so the first pass failed on the shape: report it, with its
        // position.
        return Err(parse_error(
            shape_error.expect("a current file that parsed was returned"),
        ));
    }
    migrate(&mut doc, version).map_err(|message| StoreError::Parse {
        path: path.to_path_buf(),
        message: format!("cannot migrate from schema version {version}: {message}"),
        position: None,
    })?;
    let shape_error = |e: serde_json::Error| StoreError::Parse {
        path: path.to_path_buf(),
        message: format!(
            "{} (in a schema version {version} file)",
            without_position(&e)
        ),
        position: None,
    };
    // Version 1 kept the history in the file; it moves to the log with the next change.
    let history = doc.as_object_mut().and_then(|o| o.remove("history"));
    let history: Vec<HistoryEntry> = history
        .map(serde_json::from_value)
        .transpose()
        .map_err(shape_error)?
        .unwrap_or_default();
    let doc: Document = serde_json::from_value(doc).map_err(shape_error)?;
    in_full(path, doc, history, version)
}

/// The state of a document read in full, with its history entries from an older file.
fn in_full(
    path: &Path,
    mut doc: Document,
    history: Vec<HistoryEntry>,
    version: u64,
) -> Result<Decoded, StoreError> {
    let mut records = std::mem::take(&mut doc.incidents);
    if !records.is_sorted_by_key(|i| i.id) {
        // Stable, so that a duplicate stays for the consistency rules to name.
        records.sort_by_key(|i| i.id);
    }
    let ids = records.iter().map(|i| i.id).collect();
    let incidents = Incidents::from_heads(records.iter().map(Incident::head).collect());
    let mut state = state(doc, incidents).map_err(|message| StoreError::Parse {
        path: path.to_path_buf(),
        message,
        position: None,
    })?;
    for entry in history {
        state.record(entry);
    }
    Ok(Decoded {
        loaded: Loaded {
            state,
            stored: Stored::new(path, ids, Source::Records(records)),
        },
        found_version: version,
    })
}

/// The state a document records; `Err` says why its catalog cannot be had.
fn state(doc: Document, incidents: Incidents) -> Result<State, String> {
    let catalog = doc.catalog.resolve()?;
    let other_catalogs = doc
        .other_catalogs
        .iter()
        .map(CatalogRecord::resolve)
        .collect::<Result<_, _>>()?;
    let mut state = State {
        revision: doc.revision,
        catalog,
        other_catalogs,
        organization: doc.organization,
        current_account: doc.current_account,
        accounts: doc.accounts,
        offers: doc.offers,
        pending: doc.pending,
        declined: doc.declined,
        observations: doc.observations,
        refund_candidates: doc.refund_candidates,
        contracts: doc.contracts,
        conflicts: doc.conflicts,
        last_change: doc.last_change,
        incidents,
        unlogged: Vec::new(),
        incidents_seen: 0,
        merge_changes: None,
        merge_renumbered: Vec::new(),
    };
    state.normalize();
    Ok(state)
}

/// The highest incident number in a state file's bytes, read by the head reader off each line
/// that holds an incident as the writer writes it (any copy, sealed or not, of any branch).
pub fn highest_incident(bytes: &[u8]) -> Option<u32> {
    bytes
        .split(|b| *b == b'\n')
        .filter_map(|line| head::read(line.trim_ascii_start()))
        .map(|h| h.id.0)
        .max()
}

/// Writes `state` as a sealed state file; `stored` holds the records it was read with.
pub fn write(file: impl Write, state: &State, stored: &Stored) -> io::Result<()> {
    layout::write(file, state, stored)
}

/// Whether `bytes` are sealed: their checksum matches.
pub fn is_sealed(bytes: &[u8]) -> bool {
    seal::verified(bytes).is_some()
}

/// Whether `bytes` end with a checksum line, matching or not.
pub fn has_checksum(bytes: &[u8]) -> bool {
    seal::has_checksum(bytes)
}

/// serde_json's message without the " at line L column C" it appends: the position is reported
/// in its own fields.
fn without_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::contract::{Allowance, Contract, Coverage, PlanKind, Scope};
    use crate::domain::incident::{Refund, RefundReason, Void};
    use crate::domain::testing::{contract, d, incident, org};

    const GOLDEN: &[u8] = include_bytes!("../../../examples/contoso.json");

    fn path() -> &'static Path {
        Path::new("state.json")
    }

    fn written(loaded: &Loaded) -> Vec<u8> {
        let mut out = Vec::new();
        write(&mut out, &loaded.state, &loaded.stored).unwrap();
        out
    }

    fn by_lines(bytes: &[u8]) -> Loaded {
        let decoded = read(path(), Bytes::Read(bytes.to_vec())).unwrap();
        assert!(matches!(decoded.loaded.stored.source, Source::Lines { .. }));
        decoded.loaded
    }

    fn in_full(bytes: &[u8]) -> Loaded {
        read_in_full(path(), bytes.to_vec()).unwrap().loaded
    }

    fn all_records(loaded: &Loaded) -> Vec<Incident> {
        loaded.records(|_| true).unwrap()
    }

    #[test]
    fn the_golden_file_reads_the_same_both_ways_and_is_written_back_byte_for_byte() {
        assert!(is_sealed(GOLDEN));
        let (lines, full) = (by_lines(GOLDEN), in_full(GOLDEN));
        assert_eq!(lines.state, full.state);
        assert_eq!(all_records(&lines), all_records(&full));
        assert_eq!(lines.state.incidents.len(), 18);
        // Copied line by line, and serialized anew from every record: the same bytes.
        assert_eq!(written(&lines), GOLDEN);
        assert_eq!(written(&full), GOLDEN);
    }

    #[test]
    fn a_changed_record_is_written_anew_between_lines_copied_as_they_were() {
        let (mut lines, mut full) = (by_lines(GOLDEN), in_full(GOLDEN));
        let open = lines
            .state
            .incidents
            .iter()
            .find(|h| h.closed_on.is_none())
            .unwrap()
            .id;
        for loaded in [&mut lines, &mut full] {
            let record = loaded.record(open).unwrap();
            loaded
                .state
                .close_incident(record, d("2026-11-30"))
                .unwrap();
        }
        let (a, b) = (written(&lines), written(&full));
        assert_eq!(a, b);
        let changed: Vec<(&str, &str)> = std::str::from_utf8(GOLDEN)
            .unwrap()
            .lines()
            .zip(std::str::from_utf8(&a).unwrap().lines())
            .filter(|(x, y)| x != y)
            .collect();
        assert_eq!(
            changed.len(),
            2,
            "the record and the checksum: {changed:#?}"
        );
        assert!(changed[0].1.contains(r#""closed_on": "2026-11-30""#));
        assert!(is_sealed(&a));
    }

    #[test]
    fn a_record_serde_refuses_in_a_sealed_file_is_named_with_its_line_and_column() {
        let text = std::str::from_utf8(GOLDEN).unwrap();
        // The incident's own line: the last change, in the header, may name the title too.
        let body = &text[..text.rfind("  \"checksum\"").unwrap()];
        let at = body.rfind(r#""title": "Hybrid free/busy fails""#).unwrap();
        let body = format!(
            "{}{}{}",
            &body[..at],
            r#""title": 7"#,
            &body[at + r#""title": "Hybrid free/busy fails""#.len()..]
        );
        let mut bytes = Vec::new();
        let mut sealer = seal::Sealer::new(&mut bytes);
        sealer.write_all(body.as_bytes()).unwrap();
        sealer.seal().unwrap();
        let loaded = by_lines(&bytes);
        let last = loaded.state.incidents.last().unwrap().id;
        let line = 1 + body
            .lines()
            .position(|l| l.contains(r#""title": 7"#))
            .unwrap();
        let e = loaded.record(last).unwrap_err().to_string();
        assert!(
            e.starts_with("cannot read state file `state.json`: incident INC-0018: invalid type"),
            "{e}"
        );
        assert!(e.contains(&format!(" at line {line} column ")), "{e}");
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
            // A void, its reason with the characters that could end a record early.
            prop::option::of("[a-zA-Z\"\\\\{}\\[\\],:é ]{0,8}"),
        );
        prop::collection::vec(one, 0..12).prop_map(|all| {
            all.into_iter()
                .enumerate()
                .map(
                    |(n, (contract, opened, closed, refunded, title, extra, void))| {
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
                        i.void = void.map(|reason| {
                            Box::new(Void {
                                on: i.opened_on + chrono::Days::new(1),
                                reason: format!("V{reason}").parse().unwrap(),
                                by: None,
                            })
                        });
                        i.scope = scope;
                        i.product = product.map(|p| format!("P{p}").parse().unwrap());
                        i.case_number = case.map(|c| c.parse().unwrap());
                        // A CSP request charges no contract (R11).
                        i.csp_customer = csp
                            .filter(|_| contract.is_none())
                            .map(|c| format!("t{c}").parse().unwrap());
                        i.opened_by = by.map(|e| e.parse().unwrap());
                        i
                    },
                )
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

    proptest! {
        #[test]
        fn a_sealed_file_reads_by_its_lines_as_serde_reads_it_in_full(
            all in incidents(),
            more in contracts(),
        ) {
            let mut built = Loaded::empty(path());
            built.state = two_contracts();
            built.state.contracts.extend(more);
            for i in all {
                built.state.incidents.push(i);
            }
            let file = written(&built);
            let lines = by_lines(&file);
            let full = in_full(&file);
            // Each line read by position is the head of the record serde decodes from it.
            let Source::Lines { lines: ranges, .. } = &lines.stored.source else {
                unreachable!("read by its lines")
            };
            for range in ranges {
                let text = &file[range.clone()];
                let record: Incident = serde_json::from_slice(text).unwrap();
                prop_assert_eq!(head::read(text), Some(record.head()));
            }
            prop_assert_eq!(&lines.state, &full.state);
            prop_assert_eq!(&lines.state.contracts, &built.state.contracts);
            prop_assert_eq!(lines.state.incidents.iter().collect::<Vec<_>>(), built.state.incidents.iter().collect::<Vec<_>>());
            prop_assert_eq!(all_records(&lines), all_records(&built));
            prop_assert_eq!(all_records(&full), all_records(&built));
            // Written back unchanged, byte for byte, both ways.
            prop_assert_eq!(written(&lines), file.clone());
            prop_assert_eq!(written(&full), file);
        }
    }
}
