//! The state file's format: the only module that knows it.
//!
//! # What is written
//!
//! One JSON document, deterministic (every collection sorted), in this layout:
//!
//! ```text
//! {
//!   "schema_version": 2,                       always first
//!   "revision": 42,
//!   "organization": {                          an object: one key per line
//!     "partner_id": "4012345",
//!     "name": "Contoso Ltd"
//!   },
//!   "current_account": "admin@contoso.com",
//!   "accounts": [                              a list: one record per line, compact inside
//!     {"email": "admin@contoso.com", "kind": "aad", "roles": ["global-admin"], "csp_only": false}
//!   ],
//!   "offers": […], "pending": […], "contracts": […],
//!   "last_change": {…},                        only once a change was made
//!   "incidents": [                             last, one record per line
//!     {"id": "INC-0001", "contract_id": "7000001", "opened_on": "2026-03-01", "closed_on": null, "refund": null, "scope": "on-premises", "title": "…"},
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
//! `contract_id`, `opened_on`, `closed_on`, `refund`, with `Refund`'s `on` first), each always
//! written. The head reader's tests and a proptest (below) hold a sealed line read by position
//! equal to the head of the record serde decodes from it; a golden file
//! (`tests/fixtures/golden.json`) holds the layout.
//!
//! # The bytes
//!
//! A read command maps the file; a change reads it into memory under the lock ([`bytes`], the
//! crate's only `unsafe`, with its contract).

mod bytes;
mod head;
mod layout;
mod migrate;
mod seal;

use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub use bytes::Bytes;
use layout::{Document, Written};

use super::StoreError;
use crate::domain::incident::{Incident, IncidentHead, IncidentId};
use crate::domain::incidents::Incidents;
use crate::domain::state::{HistoryEntry, SCHEMA_VERSION, State};

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
        Loaded {
            state: State::default(),
            stored: Stored::new(path, Vec::new(), Source::Nothing),
        }
    }

    /// The whole record of the state's incident `id` (see [`Stored::record`]).
    pub fn record(&self, id: IncidentId) -> Result<Incident, StoreError> {
        self.stored.record(&self.state.incidents, id)
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
}

/// A file's incident records, by ID: what a command shows or changes is decoded from here, and
/// what it leaves alone is written back from here.
#[derive(Debug)]
pub struct Stored {
    /// The file, for errors.
    path: PathBuf,
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
            ids,
            source,
        }
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
            Source::Lines { bytes, lines } => {
                let range = lines[at].clone();
                // Copied before serde checks its UTF-8 (`bytes.rs`).
                let text = bytes[range.clone()].to_vec();
                serde_json::from_slice(&text).map_err(|e| {
                    let line = 1 + memchr::memchr_iter(b'\n', &bytes[..range.start]).count();
                    StoreError::Parse {
                        path: self.path.clone(),
                        message: format!("incident {id}: {}", without_position(&e)),
                        position: Some((line, e.column() + 4)),
                    }
                })
            }
            Source::Nothing => unreachable!("a file with no incidents has no position"),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn position(&self, id: IncidentId) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    /// How to write back incident `id` unchanged, if the file holds it.
    fn written(&self, id: IncidentId) -> Option<Written<'_>> {
        let at = self.position(id)?;
        match &self.source {
            Source::Lines { .. } => Some(Written::Line(at)),
            Source::Records(records) => Some(Written::Record(&records[at])),
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

/// Decodes the state file at `path`: by its lines when it is sealed, else in full.
pub fn read(path: &Path, bytes: Bytes) -> Result<Decoded, StoreError> {
    if let Some((state, ids, lines)) = by_lines(&bytes) {
        return Ok(Decoded {
            loaded: Loaded {
                state,
                stored: Stored::new(path, ids, Source::Lines { bytes, lines }),
            },
            found_version: SCHEMA_VERSION.into(),
        });
    }
    match bytes {
        Bytes::Read(bytes) => read_in_full(path, &bytes),
        #[cfg(unix)]
        Bytes::Mapped(map) => {
            // Copied: serde must not read bytes that may change under it (`bytes.rs`).
            let mut copy = Vec::with_capacity(map.len());
            copy.extend_from_slice(&map);
            read_in_full(path, &copy)
        }
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
    Some((
        state(doc, Incidents::from_heads(heads)),
        ids,
        parts.incidents,
    ))
}

/// Decodes a whole state file with serde: every record, whatever its checksum says.
pub fn read_in_full(path: &Path, bytes: &[u8]) -> Result<Decoded, StoreError> {
    let parse_error = |e: serde_json::Error| StoreError::Parse {
        path: path.to_path_buf(),
        message: without_position(&e),
        position: (e.line() > 0).then(|| (e.line(), e.column())),
    };
    // The common case, a current file, takes one pass; anything else is looked at again to
    // name what is wrong with it.
    let shape_error = match serde_json::from_slice::<Document>(bytes) {
        Ok(doc) if doc.schema_version == SCHEMA_VERSION => {
            return Ok(in_full(path, doc, Vec::new(), SCHEMA_VERSION.into()));
        }
        Ok(_) => None,
        Err(e) => Some(e),
    };
    let mut doc: Value = serde_json::from_slice(bytes).map_err(parse_error)?;
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
    migrate::migrate(&mut doc, version).map_err(|message| StoreError::Parse {
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
    Ok(in_full(path, doc, history, version))
}

/// The state of a document read in full, with its history entries from an older file.
fn in_full(path: &Path, mut doc: Document, history: Vec<HistoryEntry>, version: u64) -> Decoded {
    let mut records = std::mem::take(&mut doc.incidents);
    // Stable, so that a duplicate stays for the consistency rules to name.
    records.sort_by_key(|i| i.id);
    let ids = records.iter().map(|i| i.id).collect();
    let incidents = Incidents::from_heads(records.iter().map(Incident::head).collect());
    let mut state = state(doc, incidents);
    for entry in history {
        state.record(entry);
    }
    Decoded {
        loaded: Loaded {
            state,
            stored: Stored::new(path, ids, Source::Records(records)),
        },
        found_version: version,
    }
}

fn state(doc: Document, incidents: Incidents) -> State {
    let mut state = State {
        revision: doc.revision,
        organization: doc.organization,
        current_account: doc.current_account,
        accounts: doc.accounts,
        offers: doc.offers,
        pending: doc.pending,
        contracts: doc.contracts,
        last_change: doc.last_change,
        incidents,
        unlogged: Vec::new(),
    };
    state.normalize();
    state
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
