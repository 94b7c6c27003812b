//! Bytes to state: a file this program wrote (its checksum matches) by its layout; any other the
//! careful way, the version first (a newer file is named as such, an older one migrated), then
//! the shape. Then, either way, the consistency rules.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::StoreError;
use super::format;
use super::migrate::migrate;
use crate::domain::contract::Contract;
use crate::domain::incidents::{FileBytes, Incidents};
use crate::domain::state::{HistoryEntry, SCHEMA_VERSION, State};
use crate::domain::written;

/// A state document that parsed, before its consistency is checked.
#[derive(Debug)]
pub struct Decoded {
    /// The state, migrated and normalized.
    pub state: State,
    /// The schema version the file was written with.
    pub found_version: u64,
}

/// Decodes a state file's bytes and checks its consistency; the first broken rule is the error.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<State, StoreError> {
    let bytes: FileBytes = Arc::new(bytes);
    let state = match written(&bytes) {
        Some(state) => state,
        None => decode_unchecked(path, (*bytes).as_ref())?.state,
    };
    checked(path, state)
}

/// [`decode`] the careful way only, for a file already found not to be one this program wrote.
pub fn decode_in_full(path: &Path, bytes: &[u8]) -> Result<State, StoreError> {
    checked(path, decode_unchecked(path, bytes)?.state)
}

/// [`decode`] for a file this program wrote, its checksum intact; `None` for any other file,
/// which the caller then reads into memory and decodes in full.
pub fn decode_written(path: &Path, bytes: FileBytes) -> Option<Result<State, StoreError>> {
    written(&bytes).map(|state| checked(path, state))
}

/// The state, if it breaks none of the consistency rules.
fn checked(path: &Path, state: State) -> Result<State, StoreError> {
    let mut problems = state.problems().into_iter();
    match problems.next() {
        None => Ok(state),
        Some(problem) => Err(StoreError::Inconsistent {
            path: path.to_path_buf(),
            problem,
            more: problems.count(),
        }),
    }
}

/// Decodes a state file's bytes without the consistency rules (what `doctor` lists one by one).
pub fn decode_unchecked(path: &Path, bytes: &[u8]) -> Result<Decoded, StoreError> {
    // The common case, a current file, takes one pass; anything else is looked at again to
    // name what is wrong with it.
    // Checking the whole file's UTF-8 at once is far cheaper than string by string.
    let first = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<State>(text),
        Err(_) => serde_json::from_slice::<State>(bytes),
    };
    let shape_error = match first {
        Ok(state) if state.schema_version == SCHEMA_VERSION => {
            return Ok(normalized(state, SCHEMA_VERSION.into()));
        }
        Ok(_) => None,
        Err(e) => Some(e),
    };
    let parse_error = |e: serde_json::Error| StoreError::Parse {
        path: path.to_path_buf(),
        message: strip_position(&e.to_string()),
        position: (e.line() > 0).then(|| (e.line(), e.column())),
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
    migrate(&mut doc, version).map_err(|message| StoreError::Parse {
        path: path.to_path_buf(),
        message: format!("cannot migrate from schema version {version}: {message}"),
        position: None,
    })?;
    let shape_error = |e: serde_json::Error| StoreError::Parse {
        path: path.to_path_buf(),
        message: format!(
            "{} (in a schema version {version} file)",
            strip_position(&e.to_string())
        ),
        position: None,
    };
    // Version 1 kept the history in the file; it moves to the log with the next change.
    let history = doc.as_object_mut().and_then(|o| o.remove("history"));
    // Back to text, as the incidents are read from text.
    let text = serde_json::to_string(&doc).map_err(shape_error)?;
    let mut state: State = serde_json::from_str(&text).map_err(shape_error)?;
    state
        .incidents
        .decode_all()
        .map_err(|e| StoreError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
            position: None,
        })?;
    if let Some(history) = history {
        let entries: Vec<HistoryEntry> = serde_json::from_value(history).map_err(shape_error)?;
        for entry in entries {
            state.record(entry);
        }
    }
    Ok(normalized(state, version))
}

/// A file this program wrote (its checksum matches): the contracts read line by line by
/// position, the other fields before the incidents parsed as usual, the incidents taken line by
/// line, their records checked when first decoded. `None` at any surprise, for the file to be
/// read in full.
fn written(file: &FileBytes) -> Option<State> {
    let bytes = (**file).as_ref();
    let parts = format::verified(bytes)?;
    let header = &bytes[..parts.fields_end];
    // The contracts are read line by line like the incidents, the rest by serde_json, with an
    // empty list in their place.
    let contracts = format::contracts(header);
    let cut = contracts.as_ref().map_or(0..0, |c| c.inside.clone());
    // Copied before its UTF-8 is checked, as the file may be mapped.
    let mut fields = Vec::with_capacity(header.len() + 2);
    fields.extend_from_slice(&header[..cut.start]);
    fields.extend_from_slice(&header[cut.end..]);
    fields.extend_from_slice(b"\n}");
    let fields = String::from_utf8(fields).ok()?;
    let mut state: State = serde_json::from_str(&fields).ok()?;
    if state.schema_version != SCHEMA_VERSION {
        return None;
    }
    if let Some(contracts) = contracts {
        state.contracts = contracts
            .lines
            .iter()
            .map(|line| {
                let text = &bytes[line.clone()];
                Contract::read_written(text).or_else(|| written::record(text).ok())
            })
            .collect::<Option<_>>()?;
    }
    state.incidents = Incidents::from_lines(Arc::clone(file), &parts.incidents)?;
    Some(normalized(state, SCHEMA_VERSION.into()).state)
}

fn normalized(mut state: State, found_version: u64) -> Decoded {
    state.normalize();
    Decoded {
        state,
        found_version,
    }
}

/// serde_json appends " at line L column C"; the position is reported in its own fields.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}
