//! How a change becomes an operation (R23): the records it set, worked out from the state
//! before and after it; its ID and clock; the start of a history whose earlier changes were not
//! operations; and a history replayed back into records.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::incident::{Incident, IncidentId};
use crate::domain::operation::{self, Change, OpId, Records};
use crate::domain::state::{HistoryEntry, State};
use crate::domain::three_way::Side;

use super::file::records;
use super::history::{Heading, heading};
use super::replay::{Unreplayable, replay};
use super::{StoreError, Stored};

/// What a change needs to know of the state before it: its records but the incidents (an
/// incident's old record is read back from the file when the change touched it), and, when
/// its history has no operation yet, every record it held.
pub struct Before {
    header: Records,
    /// For a file read in full (written or changed outside partner-support), the records its
    /// history replays to: the change records the edit too, so that the history gives the state.
    replayed: Option<Records>,
    /// The start of the history, when this change is the first operation of a state that
    /// already held records.
    pub start: Option<Vec<Change>>,
}

/// Whether `state` has never been changed: no change recorded, no organization, no incident.
fn fresh(state: &State) -> bool {
    state.last_change.is_none() && state.organization.is_none() && state.incidents.is_empty()
}

impl Before {
    /// `state` (read from `stored`) before a change; `history` reads its history, which is
    /// replayed when the file was read in full, or when asked (`from_history`).
    pub fn of(
        state: &State,
        stored: &Stored,
        from_history: bool,
        history: impl FnOnce() -> Result<Vec<HistoryEntry>, StoreError>,
    ) -> Result<Before, StoreError> {
        if fresh(state) {
            // Everything the first change leaves is its own, down to the catalog.
            return Ok(Before {
                header: Records::new(),
                replayed: None,
                start: None,
            });
        }
        // What a file written or changed outside partner-support holds need not be what its
        // history says: the change records the difference too.
        let (replayed, unreplayable) = match stored.read_in_full() || from_history {
            true => match replay(&history()?) {
                Ok(replayed) => (Some(replayed), false),
                Err(_) => (None, from_history),
            },
            false => (None, false),
        };
        let header = records::header(state);
        // A history whose operations cannot be replayed starts again from the records as
        // they are, when asked to (`doctor --accept`).
        let operations_before =
            state.last_change.as_ref().is_some_and(|e| e.op.is_some()) && !unreplayable;
        let start = match operations_before {
            true => None,
            false => {
                let mut all = header.clone();
                for head in state.incidents.iter() {
                    let (key, fields) =
                        records::incident(&stored.record(&state.incidents, head.id)?);
                    all.insert(key, fields);
                }
                Some(operation::changes(&Records::new(), &all))
            }
        };
        Ok(Before {
            header,
            replayed,
            start,
        })
    }

    /// The records a change set, from this state before it to `state` after it.
    pub fn changes(&self, state: &State, stored: &Stored) -> Result<Vec<Change>, StoreError> {
        if let Some(replayed) = &self.replayed {
            let incidents = state
                .incidents
                .iter()
                .map(|h| stored.record(&state.incidents, h.id))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(operation::changes(
                replayed,
                &records::all(state, &incidents),
            ));
        }
        let mut changes = operation::changes(&self.header, &records::header(state));
        for incident in state.incidents.changed() {
            let (key, after) = records::incident(incident);
            match stored.as_read(incident.id) {
                Some(read) => {
                    let before = records::incident(&read?).1;
                    changes.extend(operation::diff(&key, Some(&before), Some(&after)));
                }
                // Added: the record whole, moved rather than copied (an import adds many).
                None => changes.push(Change {
                    collection: key.0,
                    key: key.1,
                    was: None,
                    set: Some(after),
                }),
            }
        }
        // An incident the file held and the state no longer does (`undo` of an open).
        for id in gone(stored.ids(), state) {
            if let Some(read) = stored.as_read(id) {
                let (key, before) = records::incident(&read?);
                changes.extend(operation::diff(&key, Some(&before), None));
            }
        }
        Ok(changes)
    }
}

/// The IDs in `ids` (in ID order) that `state` has no incident of.
fn gone(ids: &[IncidentId], state: &State) -> Vec<IncidentId> {
    let mut heads = state.incidents.iter().map(|h| h.id).peekable();
    let mut gone = Vec::new();
    for &id in ids {
        while heads.next_if(|h| *h < id).is_some() {}
        if heads.next_if_eq(&id).is_none() {
            gone.push(id);
        }
    }
    gone
}

/// A new operation's ID: random, or, when `SOURCE_DATE_EPOCH` makes a build reproducible,
/// named by `entry` (which then holds nothing random) so that the same steps write the same
/// bytes.
pub fn new_id(entry: &HistoryEntry) -> OpId {
    if std::env::var_os("SOURCE_DATE_EPOCH").is_none() {
        let mut bits = [0u8; 16];
        if getrandom::fill(&mut bits).is_ok() {
            return OpId(u128::from_le_bytes(bits));
        }
    }
    named_by(entry)
}

/// An ID named by what `entry` says: two copies that record the same start share it.
pub fn named_by(entry: &HistoryEntry) -> OpId {
    let bytes = serde_json::to_vec(entry).expect("an entry serializes");
    OpId(xxhash_rust::xxh3::xxh3_128(&bytes))
}

/// The start of a history: the records held before its changes were operations, as one
/// operation named by them, made before `first` (the first operation).
pub fn start(changes: Vec<Change>, first: &HistoryEntry) -> HistoryEntry {
    let incidents = changes
        .iter()
        .filter(|c| c.collection == "incidents")
        .count();
    let mut start = HistoryEntry {
        revision: 0,
        at: first.at,
        as_of: first.as_of,
        account: None,
        action: "start".into(),
        summary: format!(
            "the records held when changes began to be recorded as operations ({} records, {incidents} of them incidents)",
            changes.len()
        ),
        balances: Vec::new(),
        op: None,
        clock: first.clock,
        changes,
        changes_left_out: false,
        renumbered: Vec::new(),
    };
    // Named by its records alone, so that two copies of the same records share it.
    start.op = Some(named_by(&HistoryEntry {
        at: chrono::DateTime::UNIX_EPOCH,
        as_of: chrono::NaiveDate::MIN,
        ..start.clone()
    }));
    start
}

/// What a merge of `ours` and `theirs` into `merged` (which holds every incident's record) sets,
/// as [`operation::merge_changes_after`] says, after the `earlier` merges no log holds yet.
/// Incidents alike on both sides and in the merge, most of them, are compared as they are and
/// never turned into records.
pub fn of_merge(
    ours: &Side,
    theirs: &Side,
    merged: &State,
    earlier: &[&HistoryEntry],
) -> Vec<Change> {
    fn index(side: &Side) -> BTreeMap<IncidentId, &Incident> {
        side.incidents.iter().map(|i| (i.id, i)).collect()
    }
    let (o, t) = (index(ours), index(theirs));
    let m: BTreeMap<IncidentId, &Incident> =
        merged.incidents.changed().map(|i| (i.id, i)).collect();
    let earlier: Vec<&Change> = earlier.iter().flat_map(|e| &e.changes).collect();
    let again: BTreeSet<IncidentId> = earlier
        .iter()
        .filter(|c| c.collection == "incidents")
        .filter_map(|c| c.key.parse().ok())
        .collect();
    let mut ids: Vec<IncidentId> = o
        .keys()
        .chain(t.keys())
        .chain(m.keys())
        .chain(&again)
        .copied()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let (mut ro, mut rt, mut rm) = (
        records::header(&ours.state),
        records::header(&theirs.state),
        records::header(merged),
    );
    for id in ids {
        let (a, b, c) = (o.get(&id), t.get(&id), m.get(&id));
        if a == c && b == c && !again.contains(&id) {
            continue;
        }
        for (records, incident) in [(&mut ro, a), (&mut rt, b), (&mut rm, c)] {
            if let Some(i) = incident {
                let (key, fields) = records::incident(i);
                records.insert(key, fields);
            }
        }
    }
    operation::merge_changes_after(&ro, &rt, &rm, &earlier)
}

/// Why two copies whose histories share no operation have no common ancestor.
pub const NO_COMMON: &str = "its history shares no operation with this one, so nothing says what the two copies held in common (they were never copies of one record, or parted before changes were recorded as operations)";

/// The history of the state at `store` (its log, then what its file holds that the log
/// lacks), an entry at a time, each as `decode` makes it of its line (or of the entry the file
/// holds, written as a line) with its revision.
fn each_of_history<T>(
    store: &super::Store,
    state: &State,
    decode: impl Fn(&str) -> Option<(u64, T)>,
    mut each: impl FnMut(T),
) -> Result<(), StoreError> {
    let path = store.paths().history;
    let mut logged = 0;
    super::history::read_each(&path, &decode, |(revision, entry)| {
        logged = revision;
        each(entry);
    })
    .map_err(|source| StoreError::Read { path, source })?;
    for entry in super::history::missing(logged, state.unlogged.iter().chain(&state.last_change)) {
        let line = serde_json::to_string(entry).expect("an entry serializes");
        if let Some((_, entry)) = decode(&line) {
            each(entry);
        }
    }
    Ok(())
}

/// A history log as a merge reads it first: of each line, its operation and where it begins,
/// so that the few lines a merge needs whole are read again alone.
#[derive(Debug, Default)]
pub struct Steps {
    /// Of each line, in order; `None` when a line is not text, and where lines begin cannot be
    /// told.
    lines: Option<Vec<Step>>,
    /// Every operation the log holds.
    ops: BTreeSet<OpId>,
    /// The revision of its first entry (`None`: none). A whole log begins at the first change.
    first: Option<u64>,
    /// The revision of its last entry (0: none).
    logged: u64,
    /// Where it is.
    path: std::path::PathBuf,
}

/// Of a log line, what tells whether it can be undone and whether a replay would start from it.
#[derive(Debug, Clone, Copy)]
struct Step {
    op: Option<OpId>,
    /// A start, or an operation made first (clock 1): a replay begins with one.
    begins: bool,
    /// Its records are not in the log (restored after a crash).
    left_out: bool,
    /// The byte of the log the line begins at.
    at: u64,
}

/// Whether a replay can begin with the operation made at `clock` by `action`: a start, or the
/// first operation of a history that had none before it.
fn begins(clock: u64, action: &str) -> bool {
    clock == 1 || action == "start"
}

impl Steps {
    /// Reads the log at `path` (a missing log has no lines).
    pub fn read(path: &std::path::Path) -> std::io::Result<Steps> {
        #[derive(serde::Deserialize)]
        struct Line<'a> {
            #[serde(default)]
            revision: u64,
            #[serde(default)]
            op: Option<OpId>,
            #[serde(default)]
            clock: u64,
            #[serde(borrow, default)]
            action: std::borrow::Cow<'a, str>,
            #[serde(default)]
            changes_left_out: bool,
        }
        let mut steps = Steps {
            path: path.to_path_buf(),
            ..Steps::default()
        };
        let mut lines = Vec::new();
        let mut at = 0;
        // Every line of text has its step, an entry or not, so that where each begins is known.
        let decode = |text: &str| {
            let line = serde_json::from_str::<Line>(text).ok().map(|line| {
                let begins = begins(line.clock, &line.action);
                (line.revision, line.op, begins, line.changes_left_out)
            });
            Some((text.len(), line))
        };
        let not_text = super::history::read_each(path, decode, |(len, line)| {
            let (op, begins, left_out) = match line {
                Some((revision, op, begins, left_out)) => {
                    steps.first.get_or_insert(revision);
                    steps.logged = revision;
                    (op, begins, left_out)
                }
                None => (None, false, false),
            };
            steps.ops.extend(op);
            lines.push(Step {
                op,
                begins,
                left_out,
                at,
            });
            at += len as u64 + 1;
        })?;
        steps.lines = not_text.is_empty().then_some(lines);
        Ok(steps)
    }

    /// The lines from the `n`th on, each with its step, read again whole; `None` when where
    /// lines begin is not known or the log changed since.
    fn lines_from(&self, n: usize) -> Option<Vec<(Step, Vec<u8>)>> {
        let steps = self.lines.as_ref()?;
        let Some(first) = steps.get(n) else {
            return Some(Vec::new());
        };
        let text = super::history::read_from(&self.path, first.at).ok()?;
        let lines: Vec<(Step, Vec<u8>)> = steps[n..]
            .iter()
            .zip(text.split(|b| *b == b'\n'))
            .map(|(step, line)| (*step, line.to_vec()))
            .collect();
        (lines.len() == steps.len() - n).then_some(lines)
    }
}

/// This state's history as a merge reads it: its log's steps, and its operations (the log's
/// and those the file holds that the log lacks).
#[derive(Debug, Default)]
pub struct OwnHistory {
    /// Every operation.
    pub ops: BTreeSet<OpId>,
    steps: Steps,
}

impl OwnHistory {
    /// The history of the state at `store`.
    pub fn read(store: &super::Store, state: &State) -> Result<OwnHistory, StoreError> {
        let path = store.paths().history;
        let steps = Steps::read(&path).map_err(|source| StoreError::Read { path, source })?;
        let mut ops = steps.ops.clone();
        for entry in super::history::missing(
            steps.logged,
            state.unlogged.iter().chain(&state.last_change),
        ) {
            ops.extend(entry.op);
        }
        Ok(OwnHistory { ops, steps })
    }
}

/// Another copy's history log, as a merge of that copy reads it against this history's
/// operations `ours`.
#[derive(Debug, Default)]
pub struct TheirLog {
    /// The revision of its first line (`None`: none). A whole log begins at the first change.
    pub first: Option<u64>,
    /// The revision of its last line (0: none).
    pub logged: u64,
    /// Its operations this history lacks, in its order, whole.
    pub since: Vec<HistoryEntry>,
    /// Its operations this history holds too.
    pub common: BTreeSet<OpId>,
}

impl TheirLog {
    /// The log read as `steps`, against this history's operations `ours`: a line whose
    /// operation this history lacks is read again whole.
    pub fn of(steps: &Steps, ours: &BTreeSet<OpId>) -> std::io::Result<TheirLog> {
        let mut log = TheirLog {
            first: steps.first,
            logged: steps.logged,
            since: Vec::new(),
            common: steps.ops.intersection(ours).copied().collect(),
        };
        let Some(lines) = &steps.lines else {
            return TheirLog::read(&steps.path, ours);
        };
        let Some(first) = lines
            .iter()
            .position(|s| s.op.is_some_and(|op| !ours.contains(&op)))
        else {
            return Ok(log);
        };
        let Some(again) = steps.lines_from(first) else {
            return TheirLog::read(&steps.path, ours);
        };
        for (step, line) in again {
            if step.op.is_some_and(|op| !ours.contains(&op)) {
                match serde_json::from_slice(&line) {
                    Ok(entry) => log.since.push(entry),
                    // Not what it was when it was read first: read it all again.
                    Err(_) => return TheirLog::read(&steps.path, ours),
                }
            }
        }
        Ok(log)
    }

    /// Reads the log at `path`: a line whose operation this history holds is read no further.
    fn read(path: &std::path::Path, ours: &BTreeSet<OpId>) -> std::io::Result<TheirLog> {
        enum Line {
            Common(u64, OpId),
            Since(Box<HistoryEntry>),
        }
        let mut log = TheirLog::default();
        let decode = |line: &str| match heading(line)? {
            Heading {
                revision,
                op: Some(op),
                ..
            } if ours.contains(&op) => Some(Line::Common(revision, op)),
            _ => serde_json::from_str(line).ok().map(Line::Since),
        };
        super::history::read_each(path, decode, |line| {
            let revision = match line {
                Line::Common(revision, op) => {
                    log.common.insert(op);
                    revision
                }
                Line::Since(entry) => {
                    let revision = entry.revision;
                    if entry.op.is_some() {
                        log.since.push(*entry);
                    }
                    revision
                }
            };
            log.first.get_or_insert(revision);
            log.logged = revision;
        })?;
        Ok(log)
    }
}

/// The common ancestor of this copy (`ours`, the state at `store`, whose history is `own`) and
/// another (`theirs`) from their histories (R23): the operations `common` to both, replayed in
/// the order this history has them, or, where that gives the same, this copy's own operations
/// since undone ([`undone`]). `path` names the other copy in an error; `Err` says why there is
/// none.
pub fn common_ancestor(
    store: &super::Store,
    own: &OwnHistory,
    common: &BTreeSet<OpId>,
    ours: &Side,
    theirs: &Side,
    path: &std::path::Path,
) -> Result<Side, String> {
    if common.is_empty() {
        return Err(NO_COMMON.into());
    }
    let access_ids =
        records::access_ids(ours.state.contracts.iter().chain(&theirs.state.contracts));
    let undone = undone(own, common, ours, &access_ids, path);
    // Every merge a test makes checks the undo against the replay it stands for.
    #[cfg(debug_assertions)]
    if let Some(undone) = &undone {
        let replayed = replayed(store, common, ours, &access_ids, path);
        assert_eq!(
            replayed.map(|side| format!("{side:?}")),
            Ok(format!("{undone:?}")),
            "undoing this copy's own operations must give what replaying the shared ones gives"
        );
    }
    match undone {
        Some(side) => Ok(side),
        None => replayed(store, common, ours, &access_ids, path),
    }
}

/// The common ancestor as the operations `common` to this history and another's replay, in the
/// order this history has them.
fn replayed(
    store: &super::Store,
    common: &BTreeSet<OpId>,
    ours: &Side,
    access_ids: &BTreeMap<String, String>,
    path: &std::path::Path,
) -> Result<Side, String> {
    let mut replayer = super::replay::Replayer::default();
    // Most lines are of operations both hold: each is read for the replay at once.
    let decode = |line: &str| match super::replay::decode(line) {
        Some(entry) => Some((entry.revision, Some(entry))),
        None => heading(line).map(|h| (h.revision, None)),
    };
    each_of_history(store, &ours.state, decode, |entry| {
        if let Some(entry) = entry.filter(|e| e.op.is_some_and(|op| common.contains(&op))) {
            replayer.push_logged(entry);
        }
    })
    .map_err(|e| e.to_string())?;
    let replayed = replayer.finish_apart().map_err(|why| match why {
        Unreplayable::NoStart => "the operations both histories hold do not start from nothing (the start of this history is missing)".to_string(),
        Unreplayable::Lost(revision) => format!(
            "the records of revision {revision}, which both copies hold, are not in this history log (its line was restored after a crash), so what the two copies shared cannot be rebuilt"
        ),
    })?;
    let loaded = replayed
        .into_state(access_ids, path)
        .map_err(|e| format!("what both histories hold does not replay to a state: {e}"))?
        .loaded;
    let incidents = loaded.records(|_| true).map_err(|e| e.to_string())?;
    Ok(Side {
        state: loaded.state,
        incidents,
        edited: false,
    })
}

/// The common ancestor made by undoing this copy's own operations since the copies parted, last
/// first, each change's `set` put back to its `was`: the cost of the few operations since, not
/// of the whole history. It is what [`replayed`] gives when every operation both hold comes
/// before this copy's own, their replay begins with a start and lost no records, this copy was
/// not edited by hand, and each own operation is a change made here (a merge's `was` is one
/// side's record only) whose `set` the records hold when it is undone. `None` when any of that
/// is not so.
fn undone(
    own: &OwnHistory,
    common: &BTreeSet<OpId>,
    ours: &Side,
    access_ids: &BTreeMap<String, String>,
    path: &std::path::Path,
) -> Option<Side> {
    let lines = own.steps.lines.as_ref()?;
    if ours.edited {
        return None;
    }
    let is_common = |op: Option<OpId>| op.is_some_and(|op| common.contains(&op));
    // The log's lines up to the first of this copy's own operations; a line of no operation
    // (from before operations) is no part of the replay.
    let shared = lines
        .iter()
        .take_while(|s| s.op.is_none() || is_common(s.op))
        .count();
    let missing = super::history::missing(
        own.steps.logged,
        ours.state.unlogged.iter().chain(&ours.state.last_change),
    );
    let missing_shared = match shared == lines.len() {
        true => missing.iter().take_while(|e| is_common(e.op)).count(),
        false => 0,
    };
    // What the replay would push: it must begin with a start and hold every record.
    let mut pushed = lines[..shared]
        .iter()
        .filter(|s| is_common(s.op))
        .map(|s| (s.begins, s.left_out))
        .chain(
            missing[..missing_shared]
                .iter()
                .map(|e| (begins(e.clock, &e.action), e.changes_left_out)),
        );
    if !pushed
        .next()
        .is_some_and(|(begins, left_out)| begins && !left_out)
        || pushed.any(|(_, left_out)| left_out)
    {
        return None;
    }
    let mut since: Vec<HistoryEntry> = Vec::new();
    for (_, line) in own.steps.lines_from(shared)? {
        since.push(serde_json::from_slice(&line).ok()?);
    }
    since.extend(missing[missing_shared..].iter().map(|e| (*e).clone()));
    let undoable = |e: &HistoryEntry| {
        e.op.is_some()
            && !is_common(e.op)
            && !e.changes_left_out
            && e.action != "merge"
            && e.action != "start"
    };
    if !since.iter().all(undoable) {
        return None;
    }
    // The records the undo touches: the header's, and each incident once a change names it.
    let mut records = records::header(&ours.state);
    let mut touched = BTreeSet::new();
    for change in since
        .into_iter()
        .rev()
        .flat_map(|e| e.changes.into_iter().rev())
    {
        let key = change.record();
        if key.0 == "incidents" && !touched.contains(&key.1) {
            let id: IncidentId = key
                .1
                .parse()
                .ok()
                .filter(|id: &IncidentId| id.to_string() == key.1)?;
            if let Ok(at) = ours.incidents.binary_search_by_key(&id, |i| i.id) {
                records.insert(key.clone(), records::incident(&ours.incidents[at]).1);
            }
            touched.insert(key.1.clone());
        }
        let held = records.get(&key);
        let as_set = match (&change.was, &change.set) {
            (_, None) => held.is_none(),
            (None, Some(set)) => held == Some(&operation::without_nulls(set.clone())),
            (Some(_), Some(set)) => held.is_some_and(|held| {
                set.iter().all(|(name, value)| match value.is_null() {
                    true => !held.contains_key(name),
                    false => held.get(name) == Some(value),
                })
            }),
        };
        if !as_set {
            return None;
        }
        operation::apply_owned(
            &mut records,
            Change {
                was: change.set,
                set: change.was,
                ..change
            },
        );
    }
    // The incidents as a replay reads them: whole, with no clocks (a record holds none).
    let mut incidents = ours.incidents.clone();
    for incident in &mut incidents {
        incident.set_at = Default::default();
    }
    let mut changed = Vec::new();
    let mut ids = BTreeSet::new();
    for key in touched {
        if let Some(fields) = records.remove(&("incidents".to_string(), key.clone())) {
            changed.push(serde_json::from_value::<Incident>(fields.into()).ok()?);
        }
        ids.insert(key.parse::<IncidentId>().ok()?);
    }
    incidents.retain(|i| !ids.contains(&i.id));
    incidents.extend(changed);
    incidents.sort_by_key(|i| i.id);
    let mut state = records::state_of(&records, &[], access_ids, path)
        .ok()?
        .loaded
        .state;
    state.incidents = crate::domain::incidents::Incidents::from_heads(
        incidents.iter().map(Incident::head).collect(),
    );
    Some(Side {
        state,
        incidents,
        edited: false,
    })
}

/// How a state's history's operations stand against its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The history predates operations: nothing to compare with.
    BeforeOperations,
    /// They cannot be replayed (a start or a line's records lost).
    Unreplayable,
    /// Replayed, they give this many records otherwise than the file.
    Diverging(usize),
}

/// How the history of `state` (read from `stored`) stands against its records.
pub fn against(
    store: &super::Store,
    state: &State,
    stored: &Stored,
) -> Result<Against, StoreError> {
    let history = store.history(state)?;
    if history.iter().all(|e| e.op.is_none()) {
        return Ok(Against::BeforeOperations);
    }
    // Compared as `doctor` compares them, so that what it finds is what this accepts.
    let mut replayer = super::replay::Replayer::default();
    for entry in history {
        replayer.push_owned(entry);
    }
    let Ok(replayed) = replayer.finish_apart() else {
        return Ok(Against::Unreplayable);
    };
    let incidents = state
        .incidents
        .iter()
        .map(|h| stored.record(&state.incidents, h.id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Against::Diverging(
        replayed
            .divergences(records::header(state), &incidents)
            .len(),
    ))
}
