//! The three-way merge of two copies of a state with their common ancestor, for a team that
//! keeps one record in git or a synced folder: a record added on either side is kept; the same
//! change on both sides is one change; a record changed on both sides merges field by field
//! (lists of names unite, one field set differently keeps the later change and says so);
//! incidents both sides numbered alike are renumbered on one side, the same whichever side is
//! "ours"; what breaks a rule in the result (an incident over its contract's allowance, one
//! benefit activated twice, one Access ID on two contracts) is kept as an open conflict (R23);
//! what each side kept alone and together breaks a consistency rule is made to fit ([`fit`]):
//! two valid copies always merge into a record the loader takes.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::conflict::ConflictKind;
use super::incident::{Incident, IncidentId};
use super::lifecycle::Lifecycle;
use super::state::{HistoryEntry, Renumbering, State};

/// One copy of the state with the whole record of every incident.
#[derive(Debug, Clone)]
pub struct Side {
    /// The state (its incidents' heads at least: the merge reads the records below).
    pub state: State,
    /// Every incident, in ID order.
    pub incidents: Vec<Incident>,
    /// Changed outside partner-support (its seal does not match): what it lacks was not
    /// removed by a change, so an incident it lacks is kept, and what it changed is said.
    pub edited: bool,
}

/// What a merge made.
#[derive(Debug, Clone)]
pub struct MergedSides {
    /// The merged state, every incident held whole.
    pub state: State,
    /// Incidents numbered alike on both sides: the one renumbered, from and to.
    pub renumbered: Vec<(IncidentId, IncidentId)>,
    /// Records the other side added or changed, by kind (for the summary).
    pub taken: usize,
    /// For each side edited outside partner-support (`ours`, `theirs`): the incidents it lacked
    /// that the ancestor held, kept, and the records in which it differed from the ancestor.
    pub edited: Vec<Edited>,
    /// Fields both sides set differently, each settled by keeping the later change.
    pub settled: Vec<Settled>,
    /// What the merge kept so that its record keeps every consistency rule ([`fit`]).
    pub kept: Vec<Kept>,
    /// Records kept although they break a rule in the merged record: each an open conflict
    /// the merge recorded (R23).
    pub conflicts: Vec<super::conflict::Conflict>,
    /// Microsoft cases recorded differently on both sides: the case, the incident that stands
    /// and the one voided.
    pub same_case: Vec<(String, IncidentId, IncidentId)>,
    /// The revision of this side the merge started from: what `undo` puts back.
    pub onto: u64,
}

/// The revision a merge's history entry says it started from ([`MergedSides::summary`]).
pub fn merged_onto(entry: &HistoryEntry) -> Option<u64> {
    if entry.action != "merge" {
        return None;
    }
    let (head, _) = entry.summary.split_once(": ")?;
    head.rsplit_once(" onto revision ")?.1.parse().ok()
}

/// One field of one record both sides set differently: the later change was kept; the other
/// value stays in the other side's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// The record ("incident INC-0001", "contract `8000005`").
    pub record: String,
    /// The field, as the state file names it (`refund`).
    pub field: String,
    /// The side whose value was kept.
    pub kept: Which,
}

/// What a merge kept so that the merged record keeps every consistency rule, where each side
/// kept them alone and together they do not (said by the merge, and in its summary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// A record one side removed that the merged record still needs: put back, not left
    /// pointing nowhere.
    Restored {
        /// The record ("contract `X9`").
        record: String,
        /// What needs it ("INC-0002 is charged to it").
        needed_by: String,
    },
    /// A record both sides changed whose changes, merged field by field, break a rule: the
    /// later change's record, whole; the other stays in the other side's history.
    Whole {
        /// The record ("incident INC-0001").
        record: String,
        /// The rule the fields merged would break, in words.
        rule: String,
        /// The side whose record was kept.
        kept: Which,
    },
    /// The account this side acts as, removed on the other: no longer current here.
    NoLongerCurrent {
        /// The account's e-mail.
        account: String,
    },
}

impl Kept {
    /// In words, naming a side as `owners` say (this side's, the other side's).
    pub fn said(&self, [ours, theirs]: [&str; 2]) -> String {
        match self {
            Kept::Restored { record, needed_by } => {
                format!("kept {record}, which one side removed: {needed_by}")
            }
            Kept::Whole { record, rule, kept } => format!(
                "{record}: the changes of both sides do not fit together ({rule}); kept the later change's record ({})",
                match kept {
                    Which::Ours => ours,
                    Which::Theirs => theirs,
                }
            ),
            Kept::NoLongerCurrent { account } => format!(
                "account `{account}`, which this copy acts as, was removed on the other side: no account is current here"
            ),
        }
    }
}

impl std::fmt::Display for Kept {
    /// As a merge's history summary says it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.said([Which::Ours.name(), Which::Theirs.name()]))
    }
}

/// Which side of a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The side merged into (git's %A).
    Ours,
    /// The other side (git's %B).
    Theirs,
}

impl Which {
    /// As a merge's history summary names it.
    pub fn name(self) -> &'static str {
        match self {
            Which::Ours => "ours",
            Which::Theirs => "theirs",
        }
    }
}

/// What one side edited outside partner-support brought to a merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// Which side.
    pub side: Which,
    /// Incidents the ancestor held and this side lacked: kept, since incidents are voided,
    /// never deleted, by a change.
    pub kept: Vec<IncidentId>,
    /// The records in which it differed from the ancestor ("INC-0003", "contract 3001").
    pub differs_in: Vec<String>,
}

impl MergedSides {
    /// The merge's history summary: "merged state.json onto revision 5: 3 records from the other side;
    /// renumbered INC-0042 as INC-0044" ([`renumberings`] reads the renumberings back).
    pub fn summary(&self, merged: &str, from: &str) -> String {
        let s = if self.taken == 1 { "" } else { "s" };
        let mut summary = format!(
            "merged {merged} onto revision {}: {} record{s} from {from}",
            self.onto, self.taken
        );
        for (old, new) in &self.renumbered {
            summary.push_str(&format!("; renumbered {old} as {new}"));
        }
        for e in &self.edited {
            for id in &e.kept {
                summary.push_str(&format!(
                    "; kept {id}, which {} lacked (edited by hand)",
                    e.side.name()
                ));
            }
        }
        for (case, stands, voided) in &self.same_case {
            summary.push_str(&format!(
                "; case {case} was recorded on both sides: {stands} stands, {voided} is voided"
            ));
        }
        for c in &self.conflicts {
            summary.push_str(&format!(
                "; kept {}, which breaks a rule: a conflict",
                c.names()
            ));
        }
        for f in &self.settled {
            summary.push_str(&format!(
                "; {}: `{}` set differently on both sides, kept {}",
                f.record,
                f.field,
                f.kept.name()
            ));
        }
        for k in &self.kept {
            summary.push_str(&format!("; {k}"));
        }
        summary
    }

    /// [`MergedSides::summary`], then what the `earlier` merges no log holds said after their
    /// heads ([`unlogged_merges`]), so that what they renumbered stays in the history.
    /// What this merge renumbered, after what the `earlier` merges no log holds yet did (see
    /// [`MergedSides::summary_after`]): the merge's entry records them as data.
    pub fn renumbered_after(&self, earlier: &[&HistoryEntry]) -> Vec<Renumbering> {
        let mut all: Vec<Renumbering> = self
            .renumbered
            .iter()
            .map(|&(from, to)| Renumbering { from, to })
            .collect();
        for e in earlier {
            all.extend(renumbered_by(e));
        }
        all
    }

    pub fn summary_after(&self, merged: &str, from: &str, earlier: &[&HistoryEntry]) -> String {
        let mut summary = self.summary(merged, from);
        for e in earlier {
            if let Some((_, said)) = e.summary.split_once("; ") {
                summary.push_str("; ");
                summary.push_str(said);
            }
        }
        summary
    }
}

/// The merges `sides` hold in their files only, oldest first, each once: git's driver writes a
/// merge into the file and no log, for the next change to log, so a pull with no change after
/// it leaves one that no log holds (R23).
pub fn unlogged_merges(sides: [&Side; 2]) -> Vec<&HistoryEntry> {
    let mut earlier: Vec<&HistoryEntry> = sides
        .iter()
        .filter_map(|side| side.state.last_change.as_ref())
        .filter(|e| e.action == "merge" && !e.changes_left_out)
        .collect();
    earlier.sort_by_key(|e| e.at);
    earlier.dedup_by_key(|e| e.op);
    earlier
}

/// The renumberings the merges in `entries` recorded: the old number, the new one, and the
/// revision of the merge.
pub fn renumberings(entries: &[HistoryEntry]) -> Vec<(IncidentId, IncidentId, u64)> {
    entries
        .iter()
        .flat_map(|e| {
            renumbered_by(e)
                .into_iter()
                .map(|r| (r.from, r.to, e.revision))
        })
        .collect()
}

/// What the merge `entry` renumbered (nothing, for any other change): as it records it, or, for
/// a merge recorded before merges kept that as data (schema 9), as its summary says it in the
/// words [`MergedSides::summary`] writes.
fn renumbered_by(entry: &HistoryEntry) -> Vec<Renumbering> {
    if entry.action != "merge" {
        return Vec::new();
    }
    if !entry.renumbered.is_empty() {
        return entry.renumbered.clone();
    }
    entry
        .summary
        .split("; ")
        .filter_map(|part| {
            let (from, to) = part.strip_prefix("renumbered ")?.split_once(" as ")?;
            Some(Renumbering {
                from: from.parse().ok()?,
                to: to.parse().ok()?,
            })
        })
        .collect()
}

/// Which side's change is the later: the one whose last change was made later (wall time),
/// so that merging A into B and B into A keep the same value.
#[derive(Debug, Clone, Copy)]
struct Later {
    ours: Option<DateTime<Utc>>,
    theirs: Option<DateTime<Utc>>,
}

impl Later {
    /// The side whose value of a field set differently on both sides is kept: the later
    /// change's, and on a tie (or no time) the greater value, which does not depend on sides.
    fn of(self, o: &str, t: &str) -> Which {
        match self.ours.cmp(&self.theirs).then(o.cmp(t)) {
            std::cmp::Ordering::Less => Which::Theirs,
            _ => Which::Ours,
        }
    }
}

/// What a merge of one kind of records collects: records taken from the other side, fields
/// settled by the later change, and records kept whole.
struct Tally<'a> {
    kept: &'a mut Vec<Kept>,
    taken: &'a mut usize,
    settled: &'a mut Vec<Settled>,
    later: Later,
}

/// A list of plain values (names, e-mails, days): a set, whose three-way merge is a union less
/// what either side removed.
fn plain_list(v: Option<&Value>) -> Option<&Vec<Value>> {
    match v {
        Some(Value::Array(items)) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            Some(items)
        }
        _ => None,
    }
}

/// The field in which a record notes when the operation that set each of its fields was made.
const SET_AT: &str = "set_at";

/// A field's stamp as a record notes it ([`super::stamp::Stamp`]).
fn stamp(v: Option<&Value>) -> Option<super::stamp::Stamp> {
    serde_json::from_value(v?.clone()).ok()
}

/// The three-way merge of one record changed on both sides, field by field (`base` is `None`
/// for a record both sides added): a field one side changed takes that change; a list of names
/// unites both sides' additions and removals; a field both set differently keeps the later
/// change's value (reported in `settled`). `None` when the record is not an object of fields.
fn by_field<T: Serialize + DeserializeOwned>(
    base: Option<&T>,
    ours: &T,
    theirs: &T,
    record: &str,
    later: Later,
    settled: &mut Vec<Settled>,
) -> Option<T> {
    let b = match base {
        Some(b) => serde_json::to_value(b).ok()?,
        None => Value::Object(serde_json::Map::new()),
    };
    let (Value::Object(b), Value::Object(o), Value::Object(t)) = (
        b,
        serde_json::to_value(ours).ok()?,
        serde_json::to_value(theirs).ok()?,
    ) else {
        return None;
    };
    let mut merged = serde_json::Map::new();
    let mut found = Vec::new();
    // When the operation that set each field was made, on each side (incidents note it): of a
    // field both set differently, the later operation's value stands, whichever order copies
    // meet in; the merge keeps each field's later stamp.
    let clocks = |side: &serde_json::Map<String, Value>| match side.get(SET_AT) {
        Some(Value::Object(at)) => at.clone(),
        _ => serde_json::Map::new(),
    };
    let (o_at, t_at) = (clocks(&o), clocks(&t));
    let fields: BTreeSet<&String> = o
        .keys()
        .chain(t.keys())
        .filter(|f| f.as_str() != SET_AT)
        .collect();
    for field in fields {
        let (bv, ov, tv) = (b.get(field), o.get(field), t.get(field));
        let value = if ov == tv || tv == bv {
            ov.cloned()
        } else if ov == bv {
            tv.cloned()
        } else if let (Some(ol), Some(tl)) = (plain_list(ov), plain_list(tv)) {
            let bl = plain_list(bv).cloned().unwrap_or_default();
            let removed = |v: &Value| bl.contains(v) && !(ol.contains(v) && tl.contains(v));
            let mut union: Vec<Value> = Vec::new();
            for v in ol.iter().chain(tl) {
                if !removed(v) && !union.contains(v) {
                    union.push(v.clone());
                }
            }
            // Lists are kept sorted in the file: so is their union.
            union.sort_by_key(|v| v.to_string());
            Some(Value::Array(union))
        } else {
            let null = Value::Null;
            let (ot, tt) = (
                ov.unwrap_or(&null).to_string(),
                tv.unwrap_or(&null).to_string(),
            );
            let kept = match (stamp(o_at.get(field)), stamp(t_at.get(field))) {
                // Both operations are known: the later one's, and made at one moment the
                // greater value (neither depends on which side is which).
                (Some(oc), Some(tc)) => match (oc, &ot).cmp(&(tc, &tt)) {
                    std::cmp::Ordering::Less => Which::Theirs,
                    _ => Which::Ours,
                },
                // A side set it before changes noted when: the side changed last.
                _ => later.of(&ot, &tt),
            };
            found.push(Settled {
                record: record.to_string(),
                field: field.clone(),
                kept,
            });
            match kept {
                Which::Ours => ov.cloned(),
                Which::Theirs => tv.cloned(),
            }
        };
        if let Some(value) = value {
            merged.insert(field.clone(), value);
        }
    }
    let mut at = o_at;
    for (field, when) in t_at {
        if stamp(at.get(&field)) < stamp(Some(&when)) {
            at.insert(field, when);
        }
    }
    if !at.is_empty() {
        merged.insert(SET_AT.to_string(), Value::Object(at));
    }
    let merged = serde_json::from_value(Value::Object(merged)).ok()?;
    settled.extend(found);
    Some(merged)
}

/// How a kind of record changed on both sides merges: [`by_field`], or [`whole`].
type FieldMerge<T> = fn(Option<&T>, &T, &T, &str, Later, &mut Vec<Settled>) -> Option<T>;

/// A record that merges only whole (a program catalog: one edition, never parts of two):
/// changed differently on both sides, the later change's stands, said as its `catalog` settled.
fn whole<T: Clone + std::fmt::Debug>(
    _: Option<&T>,
    ours: &T,
    theirs: &T,
    record: &str,
    later: Later,
    settled: &mut Vec<Settled>,
) -> Option<T> {
    let kept = later.of(&format!("{ours:?}"), &format!("{theirs:?}"));
    settled.push(Settled {
        record: record.to_string(),
        field: "catalog".to_string(),
        kept,
    });
    Some(match kept {
        Which::Ours => ours.clone(),
        Which::Theirs => theirs.clone(),
    })
}

/// Merges the values of one kind of record by `key`: for each key, the side that changed it
/// from `base` wins, both sides alike are one, and both changed differently merge field by
/// field ([`by_field`]); a record one side removed and the other changed is kept, changed, and
/// a record that cannot be merged by field keeps the later change's whole (`what` names it).
fn by_key<K: Ord + Clone, T: PartialEq + Clone + std::fmt::Debug>(
    base: &[T],
    ours: &[T],
    theirs: &[T],
    key: impl Fn(&T) -> K,
    what: impl Fn(&K) -> String,
    fields: FieldMerge<T>,
    tally: &mut Tally,
) -> Vec<T> {
    let mut merged = Vec::with_capacity(ours.len().max(theirs.len()));
    // By reference: only what is kept is copied (a side can hold 100 000 incidents).
    let mut one = |k: &K, b: Option<&T>, o: Option<&T>, t: Option<&T>| {
        if o == t || t == b {
            merged.extend(o.cloned());
        } else if o == b {
            *tally.taken += 1;
            merged.extend(t.cloned());
        } else {
            match (o, t) {
                (Some(o), Some(t)) => match fields(b, o, t, &what(k), tally.later, tally.settled) {
                    Some(m) => {
                        *tally.taken += 1;
                        merged.push(m);
                    }
                    // Merged field by field it would not be a record: the later change's, whole.
                    None => {
                        let kept = tally.later.of(&format!("{o:?}"), &format!("{t:?}"));
                        tally.kept.push(Kept::Whole {
                            record: what(k),
                            rule: "its fields, merged, do not make one record".to_string(),
                            kept,
                        });
                        *tally.taken += usize::from(kept == Which::Theirs);
                        merged.push(match kept {
                            Which::Ours => o.clone(),
                            Which::Theirs => t.clone(),
                        });
                    }
                },
                // Removed on one side, changed on the other: no record is lost, and the merge
                // says so.
                (Some(kept), None) | (None, Some(kept)) => {
                    *tally.taken += usize::from(o.is_none());
                    tally.kept.push(Kept::Restored {
                        record: what(k),
                        needed_by: "the other side changed it".to_string(),
                    });
                    merged.push(kept.clone());
                }
                (None, None) => {}
            }
        }
    };
    let in_order = |items: &[T]| items.windows(2).all(|w| key(&w[0]) < key(&w[1]));
    if in_order(base) && in_order(ours) && in_order(theirs) {
        // Three lists in key order are walked side by side, not indexed (merges are linear).
        let mut b = base.iter().peekable();
        let mut o = ours.iter().peekable();
        let mut t = theirs.iter().peekable();
        while let Some(k) = [b.peek(), o.peek(), t.peek()]
            .into_iter()
            .flatten()
            .map(|x| key(x))
            .min()
        {
            let b = b.next_if(|x| key(x) == k);
            let o = o.next_if(|x| key(x) == k);
            let t = t.next_if(|x| key(x) == k);
            one(&k, b, o, t);
        }
    } else {
        fn index<'a, K: Ord, T>(items: &'a [T], key: &impl Fn(&T) -> K) -> BTreeMap<K, &'a T> {
            items.iter().map(|i| (key(i), i)).collect()
        }
        let (b, o, t) = (index(base, &key), index(ours, &key), index(theirs, &key));
        let keys: BTreeSet<&K> = b.keys().chain(o.keys()).chain(t.keys()).collect();
        for k in keys {
            one(k, b.get(k).copied(), o.get(k).copied(), t.get(k).copied());
        }
    }
    merged
}

/// Incidents an earlier merge on one side renumbered, which the ancestor and the other side
/// still hold under their old number: a rebase replays commits made before the merge onto it,
/// so a close made on `INC-0002` in one of them is a close of the incident that merge made
/// `INC-0003`, not of the other one that kept `INC-0002`. A side whose last change is a merge
/// names its renumberings; where the ancestor's old number holds exactly what that side holds
/// under the new one (and no longer under the old), the ancestor's and the other side's record
/// move to the new number (an incident the other side added there moving on to a free one).
fn follow_renumberings(
    base: &mut std::borrow::Cow<[Incident]>,
    sides: [&mut std::borrow::Cow<[Incident]>; 2],
    states: [&State; 2],
) {
    fn find(incidents: &[Incident], id: IncidentId) -> Option<&Incident> {
        incidents
            .binary_search_by_key(&id, |i| i.id)
            .ok()
            .map(|at| &incidents[at])
    }
    let [ours, theirs] = sides;
    for (n, state) in states.iter().enumerate() {
        let Some(last) = state.last_change.as_ref().filter(|e| e.action == "merge") else {
            continue;
        };
        for (old, new, _) in renumberings(std::slice::from_ref(last)) {
            let (this, other): (&[Incident], &mut std::borrow::Cow<[Incident]>) = match n {
                0 => (&**ours, &mut *theirs),
                _ => (&**theirs, &mut *ours),
            };
            let (Some(was), Some(now)) = (find(base, old), find(this, new)) else {
                continue;
            };
            if content(was) != content(now)
                || find(this, old).is_some_and(|i| content(i) == content(was))
                || find(base, new).is_some()
            {
                continue;
            }
            // An incident the other side added under the new number moves on.
            let free = base
                .iter()
                .chain(this.iter())
                .chain(other.iter())
                .map(|i| i.id.0)
                .max()
                .unwrap_or(0)
                + 1;
            if free > IncidentId::MAX {
                continue;
            }
            let other = other.to_mut();
            for i in other.iter_mut() {
                if i.id == new {
                    i.id = IncidentId(free);
                } else if i.id == old {
                    i.id = new;
                }
            }
            other.sort_by_key(|i| i.id);
            let base = base.to_mut();
            if let Some(i) = base.iter_mut().find(|i| i.id == old) {
                i.id = new;
            }
            base.sort_by_key(|i| i.id);
        }
    }
}

/// An incident without its ID (and the clocks of its fields): what two sides compare to tell
/// one incident from two.
fn content(i: &Incident) -> Incident {
    Incident {
        id: IncidentId(0),
        set_at: Default::default(),
        ..i.clone()
    }
}

/// Renumbers the incidents `ours` and `theirs` both added under one ID: of each pair the one
/// that sorts later (opened later, then by its content) takes the next free ID, so the result
/// does not depend on which side is which. An incident with a case number the other side added
/// too is the same incident, not a second one: kept once when the two agree; otherwise one
/// stands (the one both sides held, else the one opened first) and the other is voided on
/// `today`, so that the case is charged once and no record is lost. Returns the renumberings
/// and the cases recorded twice. (A clash when every number is taken, 99 999 999 incidents,
/// keeps its number, and the merged record says so.)
fn renumber<'a>(
    base: &[Incident],
    ours: &mut std::borrow::Cow<'a, [Incident]>,
    theirs: &mut std::borrow::Cow<'a, [Incident]>,
    today: NaiveDate,
) -> (Vec<(IncidentId, IncidentId, Which)>, Vec<String>) {
    let in_base: BTreeSet<IncidentId> = base.iter().map(|i| i.id).collect();
    let added = |side: &[Incident]| -> Vec<Incident> {
        side.iter()
            .filter(|i| !in_base.contains(&i.id))
            .cloned()
            .collect()
    };
    // The same Microsoft case recorded on both sides is one incident, never two charges: alike,
    // theirs' copy is dropped; otherwise (opened apart, or added to an incident by a correction
    // on one side while the other opened it) one stands and the other is voided.
    fn by_case(side: &[Incident]) -> BTreeMap<&str, &Incident> {
        side.iter()
            .filter_map(|i| Some((i.case_number.as_ref()?.as_str(), i)))
            .collect()
    }
    let (ours_by_case, theirs_by_case) = (by_case(ours), by_case(theirs));
    let mut dropped = BTreeSet::new();
    // (side, incident) of each copy of a case to void, and the cases.
    let mut void: Vec<(Which, IncidentId)> = Vec::new();
    let mut twice: Vec<String> = Vec::new();
    for t in added(theirs) {
        let Some(case) = t.case_number.as_ref().map(|c| c.as_str()) else {
            continue;
        };
        let Some(o) = ours_by_case.get(case) else {
            continue;
        };
        if content(o) == content(&t) {
            dropped.insert(t.id);
        } else {
            let first_is_ours = in_base.contains(&o.id)
                || (o.opened_on, format!("{:?}", content(o)))
                    <= (t.opened_on, format!("{:?}", content(&t)));
            void.push(if first_is_ours {
                (Which::Theirs, t.id)
            } else {
                (Which::Ours, o.id)
            });
            twice.push(case.to_string());
        }
    }
    // Ours opened a case theirs gave an incident both held by a correction.
    for o in added(ours) {
        let Some(case) = o.case_number.as_ref().map(|c| c.as_str()) else {
            continue;
        };
        if theirs_by_case
            .get(case)
            .is_some_and(|t| in_base.contains(&t.id))
        {
            void.push((Which::Ours, o.id));
            twice.push(case.to_string());
        }
    }
    for (which, id) in void {
        let side = match which {
            Which::Ours => ours.to_mut(),
            Which::Theirs => theirs.to_mut(),
        };
        if let Some(i) = side.iter_mut().find(|i| i.id == id && i.void.is_none()) {
            i.void = Some(Box::new(super::incident::Void {
                on: today.max(i.opened_on),
                reason: "the same Microsoft case was recorded on both sides of a merge: the other record of it stands"
                    .parse()
                    .expect("plain text"),
                by: None,
            }));
        }
    }
    if !dropped.is_empty() {
        theirs.to_mut().retain(|i| !dropped.contains(&i.id));
    }
    let ours_added: BTreeMap<IncidentId, Incident> =
        added(ours).into_iter().map(|i| (i.id, i)).collect();
    let first_free = ours
        .iter()
        .chain(theirs.iter())
        .map(|i| i.id.0)
        .max()
        .unwrap_or(0)
        + 1;
    let mut renumbered = Vec::new();
    let clashes: Vec<IncidentId> = added(theirs)
        .into_iter()
        .filter(|t| {
            ours_added
                .get(&t.id)
                .is_some_and(|o| content(o) != content(t))
        })
        .map(|t| t.id)
        .collect();
    // The numbers after the last; past the last number there can be, the lowest free ones
    // (never a wrap to INC-0000).
    let after = (IncidentId::MAX + 1).saturating_sub(first_free) as usize;
    let gaps: Vec<u32> = if clashes.len() > after {
        let used: BTreeSet<u32> = ours.iter().chain(theirs.iter()).map(|i| i.id.0).collect();
        (1..first_free)
            .filter(|n| !used.contains(n))
            .take(clashes.len() - after)
            .collect()
    } else {
        Vec::new()
    };
    let free = (first_free..=IncidentId::MAX).chain(gaps);
    for (id, next) in clashes.into_iter().zip(free) {
        let o = ours_added[&id].clone();
        let t = theirs
            .iter()
            .find(|i| i.id == id)
            .cloned()
            .expect("a clash is theirs");
        let later_is_ours = (o.opened_on, format!("{o:?}")) > (t.opened_on, format!("{t:?}"));
        let side = if later_is_ours {
            ours.to_mut()
        } else {
            theirs.to_mut()
        };
        let moved = side
            .iter_mut()
            .find(|i| i.id == id)
            .expect("the clash is on this side");
        moved.id = IncidentId(next);
        renumbered.push((
            id,
            IncidentId(next),
            if later_is_ours {
                Which::Ours
            } else {
                Which::Theirs
            },
        ));
    }
    // Copied only when a number moved.
    for side in [ours, theirs] {
        if !side.is_sorted_by_key(|i| i.id) {
            side.to_mut().sort_by_key(|i| i.id);
        }
    }
    (renumbered, twice)
}

/// Merges `ours` and `theirs` with their common ancestor `base` on `today`, the day any conflict
/// it records is dated. Two copies each of which keeps every consistency rule always merge
/// ([`fit`]); `Err` lists what the merge could not make fit, each naming its records, for
/// copies that do not.
pub fn merge_sides(
    base: &Side,
    ours: &Side,
    theirs: &Side,
    lifecycle: &Lifecycle,
    today: NaiveDate,
) -> Result<MergedSides, Vec<String>> {
    let mut kept = Vec::new();
    let mut taken = 0;
    let mut settled = Vec::new();
    let (b, o, t) = (&base.state, &ours.state, &theirs.state);
    let later = Later {
        ours: o.last_change.as_ref().map(|e| e.at),
        theirs: t.last_change.as_ref().map(|e| e.at),
    };
    let mut state = o.clone();
    // The catalog in use is one record, merged whole: each side's catalogs as a list of one.
    let mut tally = Tally {
        kept: &mut kept,
        taken: &mut taken,
        settled: &mut settled,
        later,
    };
    state.catalog = by_key(
        std::slice::from_ref(&b.catalog),
        std::slice::from_ref(&o.catalog),
        std::slice::from_ref(&t.catalog),
        |_| (),
        |_| "the state".to_string(),
        whole,
        &mut tally,
    )
    .pop()
    .unwrap_or_else(|| o.catalog.clone());
    // The organization is one record: its fields merge as any record's.
    let organizations = |s: &State| s.organization.iter().cloned().collect::<Vec<_>>();
    state.organization = by_key(
        &organizations(b),
        &organizations(o),
        &organizations(t),
        |_| (),
        |_| "the organization".to_string(),
        by_field,
        &mut tally,
    )
    .pop();
    // The catalogs kept beside the one in use, by name: one side may have kept the legacy
    // program for an offer while the other recorded today's.
    state.other_catalogs = by_key(
        &b.other_catalogs,
        &o.other_catalogs,
        &t.other_catalogs,
        |c| c.name.clone(),
        |n| format!("the catalog `{n}`"),
        whole,
        &mut tally,
    );
    state.accounts = by_key(
        &b.accounts,
        &o.accounts,
        &t.accounts,
        |a| a.email.clone(),
        |e| format!("account `{e}`"),
        by_field,
        &mut tally,
    );
    state.offers = by_key(
        &b.offers,
        &o.offers,
        &t.offers,
        |x| x.name(),
        |n| format!("offer `{n}`"),
        by_field,
        &mut tally,
    );
    state.pending = by_key(
        &b.pending,
        &o.pending,
        &t.pending,
        |p| p.benefit.clone(),
        |n| format!("the pending activation of `{n}`"),
        by_field,
        &mut tally,
    );
    state.declined = by_key(
        &b.declined,
        &o.declined,
        &t.declined,
        |x| (x.benefit.clone(), x.year),
        |(n, y)| format!("the decline of `{n}` for the year from {y}"),
        by_field,
        &mut tally,
    );
    state.observations = by_key(
        &b.observations,
        &o.observations,
        &t.observations,
        |x| (x.contract.clone(), x.on),
        |(c, on)| format!("what Partner Center showed on `{c}` on {on}"),
        by_field,
        &mut tally,
    );
    state.refund_candidates = by_key(
        &b.refund_candidates,
        &o.refund_candidates,
        &t.refund_candidates,
        |x| *x,
        |id| format!("the refund candidate {id}"),
        by_field,
        &mut tally,
    );
    state.contracts = by_key(
        &b.contracts,
        &o.contracts,
        &t.contracts,
        |c| c.contract_id.clone(),
        |c| format!("contract `{c}`"),
        by_field,
        &mut tally,
    );
    // Borrowed: a side's incidents are copied only when the merge renumbers or voids one.
    let (mut ours_incidents, mut theirs_incidents) = (
        std::borrow::Cow::Borrowed(ours.incidents.as_slice()),
        std::borrow::Cow::Borrowed(theirs.incidents.as_slice()),
    );
    let mut base_incidents = std::borrow::Cow::Borrowed(base.incidents.as_slice());
    follow_renumberings(
        &mut base_incidents,
        [&mut ours_incidents, &mut theirs_incidents],
        [o, t],
    );
    let base_incidents = &*base_incidents;
    // A side edited by hand removed nothing: an incident it lacks is the ancestor's, kept.
    let mut edited = Vec::new();
    for (name, side, incidents) in [
        (Which::Ours, ours, &mut ours_incidents),
        (Which::Theirs, theirs, &mut theirs_incidents),
    ] {
        if !side.edited {
            continue;
        }
        // Both lists are in ID order: a lookup, not a scan (merges are linear).
        let kept: Vec<Incident> = base_incidents
            .iter()
            .filter(|b| {
                side.incidents
                    .binary_search_by_key(&b.id, |i| i.id)
                    .is_err()
            })
            .cloned()
            .collect();
        let incidents = incidents.to_mut();
        incidents.extend(kept.iter().cloned());
        incidents.sort_by_key(|i| i.id);
        edited.push(Edited {
            side: name,
            kept: kept.iter().map(|i| i.id).collect(),
            differs_in: differences(base, side),
        });
    }
    let (moved, twice) = renumber(
        base_incidents,
        &mut ours_incidents,
        &mut theirs_incidents,
        today,
    );
    // A conflict a side recorded on an incident the merge renumbered moves with it.
    let follow = |conflicts: &[super::conflict::Conflict], side: Which| {
        let mut conflicts = conflicts.to_vec();
        for c in &mut conflicts {
            if let Some((_, to, _)) = moved
                .iter()
                .find(|(from, _, s)| *s == side && Some(*from) == c.incident)
            {
                c.incident = Some(*to);
            }
        }
        conflicts
    };
    let (ours_conflicts, theirs_conflicts) = (
        follow(&o.conflicts, Which::Ours),
        follow(&t.conflicts, Which::Theirs),
    );
    let renumbered: Vec<(IncidentId, IncidentId)> =
        moved.iter().map(|(from, to, _)| (*from, *to)).collect();

    state.conflicts = by_key(
        &b.conflicts,
        &ours_conflicts,
        &theirs_conflicts,
        super::conflict::Conflict::key,
        |(id, contracts)| match id {
            Some(id) => format!("the conflict of {id}"),
            None => format!("the conflict of contracts {contracts:?}"),
        },
        by_field,
        &mut tally,
    );
    let incidents = by_key(
        base_incidents,
        &ours_incidents,
        &theirs_incidents,
        |i| i.id,
        |id| format!("incident {id}"),
        by_field,
        &mut tally,
    );
    // Each case recorded twice: the incident that stands and the one voided.
    let same_case: Vec<(String, IncidentId, IncidentId)> = twice
        .into_iter()
        .filter_map(|case| {
            let of_case = |voided: bool| {
                incidents
                    .iter()
                    .find(|i| {
                        i.case_number.as_ref().is_some_and(|c| c.as_str() == case)
                            && i.void.is_some() == voided
                    })
                    .map(|i| i.id)
            };
            Some((case.clone(), of_case(false)?, of_case(true)?))
        })
        .collect();
    // Every incident either side added or changed: by ID, not each against all (merges are
    // linear).
    let base_by_id: BTreeMap<IncidentId, &Incident> =
        base_incidents.iter().map(|i| (i.id, i)).collect();
    let touched: Vec<Incident> = incidents
        .iter()
        .filter(|i| base_by_id.get(&i.id) != Some(i))
        .cloned()
        .collect();
    state.incidents = incidents.into_iter().collect();
    state.revision = o.revision.max(t.revision);
    // A side's catalog in use that the merge did not keep in use stays for its offers.
    for c in [&o.catalog, &t.catalog] {
        if c.name != state.catalog.name && !state.other_catalogs.iter().any(|k| k.name == c.name) {
            state.other_catalogs.push(c.clone());
        }
    }
    let in_use = state.catalog.name.clone();
    state.other_catalogs.retain(|c| c.name != in_use);
    state.other_catalogs.sort_by(|a, b| a.name.cmp(&b.name));
    state.drop_unused_catalogs();
    state.normalize();
    // Every incident either side added or changed, chargeable on the day it was opened (R8):
    // one that is not is kept, and a conflict names it until it is put right or accepted (R23).
    // With them, the incidents open conflicts over an allowance name: one that is within it
    // after all (a refund, or an incident opened earlier, came in from the other side) is
    // settled, so that the conflicts name the incidents past the allowance whichever order
    // copies met in.
    let mut touched = touched;
    let exhausted = |c: &&super::conflict::Conflict| c.kind == ConflictKind::Exhausted;
    let named: Vec<IncidentId> = state
        .open_conflicts()
        .filter(exhausted)
        .filter_map(|c| c.incident)
        .filter(|id| touched.binary_search_by_key(id, |i| i.id).is_err())
        .collect();
    for id in &named {
        if let Some(i) = state.incidents.record(*id) {
            touched.push(i.clone());
        }
    }
    touched.sort_by_key(|i| i.id);
    let breaches = state.breaches(&touched, lifecycle);
    let breaching: BTreeSet<IncidentId> = breaches.iter().map(|b| b.incident).collect();
    let settled_here: Vec<IncidentId> = state
        .open_conflicts()
        .filter(exhausted)
        .filter_map(|c| c.incident)
        .filter(|id| !breaching.contains(id))
        .collect();
    state
        .conflicts
        .retain(|c| !c.is_open() || c.incident.is_none_or(|id| !settled_here.contains(&id)));
    let found: Vec<(&Incident, ConflictKind, String)> = breaches
        .into_iter()
        .filter_map(|b| {
            let i = touched.iter().find(|i| i.id == b.incident)?;
            let kind = if b.exhausted {
                ConflictKind::Exhausted
            } else {
                ConflictKind::Rule
            };
            Some((i, kind, b.message))
        })
        .collect();
    let before: BTreeSet<(Option<IncidentId>, Vec<super::values::Id>)> =
        state.conflicts.iter().map(|c| c.key()).collect();
    state.record_conflicts(found, today);
    // R18, one allocation a year: a benefit each side activated is two contracts for one year,
    // both kept until the team removes the one Partner Center does not show.
    let mut twice = Vec::new();
    for (n, a) in state.contracts.iter().enumerate() {
        for b in &state.contracts[n + 1..] {
            if a.benefit.is_some() && a.benefit == b.benefit && a.start <= b.end && b.start <= a.end
            {
                twice.push((
                    vec![a.contract_id.clone(), b.contract_id.clone()],
                    format!(
                        "benefit {} was activated twice for one year: contracts {} and {}",
                        a.benefit.as_deref().unwrap_or_default(),
                        a.contract_id,
                        b.contract_id
                    ),
                ));
            }
        }
    }
    for (contracts, rule) in twice {
        state.record_contracts_conflict(ConflictKind::ActivatedTwice, contracts, rule, today);
    }
    let sides = Sides {
        states: [b, o, t],
        incidents: [base_incidents, &ours_incidents, &theirs_incidents],
        later,
    };
    let problems = fit(&mut state, &sides, &mut kept, today);
    if !problems.is_empty() {
        return Err(problems
            .into_iter()
            .map(|p| format!("the merged records would break a rule: {p}"))
            .collect());
    }
    let recorded: Vec<super::conflict::Conflict> = state
        .conflicts
        .iter()
        .filter(|c| !before.contains(&c.key()))
        .cloned()
        .collect();
    state.settle_conflicts();
    Ok(MergedSides {
        state,
        renumbered,
        taken,
        edited,
        settled,
        kept,
        conflicts: recorded,
        same_case,
        onto: o.revision,
    })
}

/// The ancestor's and both sides' records, for what [`fit`] puts back or keeps whole.
struct Sides<'a> {
    /// The ancestor, ours and theirs.
    states: [&'a State; 3],
    /// Their incidents, whole (ours and theirs as renumbered).
    incidents: [&'a [Incident]; 3],
    /// Which side's change is the later.
    later: Later,
}

impl Sides<'_> {
    /// A record as the side with the later change holds it, of the two that hold it (the
    /// ancestor's when neither side does): `find` looks it up in one copy; `None` when no copy
    /// holds it.
    fn later_of<T: std::fmt::Debug + Clone>(
        &self,
        find: impl Fn(&State, &[Incident]) -> Option<T>,
    ) -> Option<(T, Which)> {
        let [b, o, t] = [0, 1, 2].map(|n| find(self.states[n], self.incidents[n]));
        match (o, t) {
            (Some(o), Some(t)) => Some(match self.later.of(&format!("{o:?}"), &format!("{t:?}")) {
                Which::Ours => (o, Which::Ours),
                Which::Theirs => (t, Which::Theirs),
            }),
            (Some(o), None) => Some((o, Which::Ours)),
            (None, Some(t)) => Some((t, Which::Theirs)),
            (None, None) => b.map(|b| (b, Which::Ours)),
        }
    }
}

/// Makes the merged `state` keep every consistency rule where each side kept them alone and
/// together they do not, losing no record (R23), and says each step in `kept`: a record one side
/// removed that the other still needs (a contract an incident is charged to, an offer a pending
/// activation or a decline names) is put back; a record both sides changed whose fields, merged,
/// break a rule (closed before it was opened, ending before it starts) keeps the later change's
/// record whole; two contracts with one Access ID are both kept, and an open conflict names them;
/// a contract over its allowance that no conflict explains gets one on its last incident; the
/// account this side acts as, removed on the other, is no longer current. Returns what still
/// breaks a rule (nothing, for two copies that each keep them all).
fn fit(
    state: &mut State,
    sides: &Sides,
    kept: &mut Vec<Kept>,
    today: NaiveDate,
) -> Vec<super::integrity::Problem> {
    use super::integrity::Problem;
    // Each step settles at least one problem or the loop stops; a step can bring another to
    // light (a contract put back shares an Access ID), so it looks again, a few times at most.
    for _ in 0..8 {
        let problems = state.problems();
        if problems.is_empty() {
            // Checked once: a merge of 100 000 incidents walks them for it.
            return problems;
        }
        let mut fitted = false;
        for problem in &problems {
            fitted |= match problem {
                Problem::MissingContract { incident, contract } => restore_contract(
                    state,
                    sides,
                    contract,
                    format!("{incident} is charged to it"),
                    kept,
                ),
                Problem::ObservationOfUnknownContract(contract) => restore_contract(
                    state,
                    sides,
                    contract,
                    "a Partner Center count names it".to_string(),
                    kept,
                ),
                Problem::PendingNotABenefit { benefit, .. } => restore_offer(
                    state,
                    sides,
                    benefit,
                    format!("the pending activation of `{benefit}` needs it"),
                    kept,
                ),
                Problem::DeclinedNotABenefit { benefit, year } => restore_offer(
                    state,
                    sides,
                    benefit,
                    format!("the decline of `{benefit}` for the year from {year} needs it"),
                    kept,
                ),
                Problem::BeforeOpened { incident, .. } => {
                    let id = *incident;
                    match sides.later_of(|_, incidents| {
                        incidents
                            .binary_search_by_key(&id, |i| i.id)
                            .ok()
                            .map(|at| incidents[at].clone())
                    }) {
                        Some((whole, side)) if state.incidents.record(id) != Some(&whole) => {
                            state.incidents.replace(whole);
                            kept.push(Kept::Whole {
                                record: format!("incident {id}"),
                                rule: problem.to_string(),
                                kept: side,
                            });
                            true
                        }
                        _ => false,
                    }
                }
                Problem::ContractEndsBeforeStart { contract, .. }
                | Problem::RecordedBeforeRequested { contract, .. } => keep_whole(
                    state
                        .contracts
                        .iter_mut()
                        .find(|c| c.contract_id.as_str() == contract),
                    sides.later_of(|s, _| {
                        s.contracts
                            .iter()
                            .find(|c| c.contract_id.as_str() == contract)
                            .cloned()
                    }),
                    format!("contract `{contract}`"),
                    problem,
                    kept,
                ),
                Problem::OfferEndsBeforeStart { offer, .. }
                | Problem::OfferYearsOverlap { offer, .. }
                | Problem::OfferWithoutYears(offer) => keep_whole(
                    state.offers.iter_mut().find(|o| o.name() == *offer),
                    sides.later_of(|s, _| s.offers.iter().find(|o| o.name() == *offer).cloned()),
                    format!("offer `{offer}`"),
                    problem,
                    kept,
                ),
                Problem::DuplicateAccessId(a, b) => {
                    let ids = [a, b].map(|id| {
                        state
                            .contracts
                            .iter()
                            .find(|c| c.contract_id.as_str() == id)
                            .map(|c| c.contract_id.clone())
                    });
                    match ids {
                        [Some(a), Some(b)] => {
                            let mut contracts = vec![a, b];
                            contracts.sort();
                            let rule = format!(
                                "contracts {} and {} were recorded on two sides with one Access ID, which names one contract at Microsoft",
                                contracts[0], contracts[1]
                            );
                            state.record_contracts_conflict(
                                ConflictKind::SameAccessId,
                                contracts,
                                rule,
                                today,
                            );
                            true
                        }
                        _ => false,
                    }
                }
                Problem::OverCharged { contract, .. } => {
                    // The last incident charged to it, which took it over.
                    let last = state
                        .incidents
                        .iter()
                        .filter(|h| {
                            h.voided_on.is_none()
                                && h.contract_id
                                    .as_ref()
                                    .is_some_and(|c| c.as_str() == contract)
                        })
                        .max_by_key(|h| (h.opened_on, h.id))
                        .map(|h| h.id)
                        .and_then(|id| state.incidents.record(id).cloned());
                    match last {
                        Some(i) => {
                            let before = state.conflicts.len();
                            state.record_conflicts(
                                vec![(&i, ConflictKind::Exhausted, problem.to_string())],
                                today,
                            );
                            state.conflicts.len() > before
                        }
                        None => false,
                    }
                }
                Problem::UnknownCurrentAccount(account) => {
                    state.current_account = None;
                    kept.push(Kept::NoLongerCurrent {
                        account: account.clone(),
                    });
                    true
                }
                _ => false,
            };
        }
        if !fitted {
            return problems;
        }
    }
    state.problems()
}

/// Puts the later change's record (`later`, with its side) over the `merged` one, whose fields
/// merged break `problem`, said in `kept` as `record` kept whole; `false` when they are alike.
fn keep_whole<T: PartialEq>(
    merged: Option<&mut T>,
    later: Option<(T, Which)>,
    record: String,
    problem: &super::integrity::Problem,
    kept: &mut Vec<Kept>,
) -> bool {
    match (later, merged) {
        (Some((whole, side)), Some(merged)) if *merged != whole => {
            *merged = whole;
            kept.push(Kept::Whole {
                record,
                rule: problem.to_string(),
                kept: side,
            });
            true
        }
        _ => false,
    }
}

/// Puts back contract `id`, which one side removed and `needed_by` still needs; `false` when
/// it is recorded already or no copy holds it.
fn restore_contract(
    state: &mut State,
    sides: &Sides,
    id: &str,
    needed_by: String,
    kept: &mut Vec<Kept>,
) -> bool {
    if state.contract_index(id).is_some() {
        return false;
    }
    let Some((contract, _)) = sides.later_of(|s, _| {
        s.contracts
            .iter()
            .find(|c| c.contract_id.as_str() == id)
            .cloned()
    }) else {
        return false;
    };
    state.contracts.push(contract);
    state
        .contracts
        .sort_by(|a, b| a.contract_id.cmp(&b.contract_id));
    kept.push(Kept::Restored {
        record: format!("contract `{id}`"),
        needed_by,
    });
    true
}

/// Puts back the offer that yields `benefit` (`OFFER/BENEFIT`), which one side removed and
/// `needed_by` still needs, with its catalog; `false` when it is recorded already or no copy
/// holds it.
fn restore_offer(
    state: &mut State,
    sides: &Sides,
    benefit: &str,
    needed_by: String,
    kept: &mut Vec<Kept>,
) -> bool {
    let name = benefit.split_once('/').map_or(benefit, |(offer, _)| offer);
    if state.offers.iter().any(|o| o.name() == name) {
        return false;
    }
    let Some((offer, _)) =
        sides.later_of(|s, _| s.offers.iter().find(|o| o.name() == name).cloned())
    else {
        return false;
    };
    // Its catalog, when the merge dropped it with the offer.
    if offer.catalog != state.catalog.name
        && !state.other_catalogs.iter().any(|c| c.name == offer.catalog)
        && let Some((catalog, _)) =
            sides.later_of(|s, _| s.catalogs().find(|c| c.name == offer.catalog).cloned())
    {
        state.other_catalogs.push(catalog);
        state.other_catalogs.sort_by(|a, b| a.name.cmp(&b.name));
    }
    state.offers.push(offer);
    state.offers.sort_by_cached_key(|o| o.name());
    kept.push(Kept::Restored {
        record: format!("offer `{name}`"),
        needed_by,
    });
    true
}

/// The records in which `side` differs from `base`: incidents by ID, then contracts, accounts,
/// offers and pending activations by their keys.
fn differences(base: &Side, side: &Side) -> Vec<String> {
    fn keyed<T: PartialEq, K: Ord + std::fmt::Display>(
        base: &[T],
        side: &[T],
        key: impl Fn(&T) -> K,
        what: &str,
        out: &mut Vec<String>,
    ) {
        let b: BTreeMap<K, &T> = base.iter().map(|x| (key(x), x)).collect();
        let s: BTreeMap<K, &T> = side.iter().map(|x| (key(x), x)).collect();
        let keys: BTreeSet<&K> = b.keys().chain(s.keys()).collect();
        for k in keys {
            if b.get(k) != s.get(k) {
                out.push(format!("{what}{k}"));
            }
        }
    }
    let mut out = Vec::new();
    keyed(&base.incidents, &side.incidents, |i| i.id, "", &mut out);
    let (b, s) = (&base.state, &side.state);
    keyed(
        &b.contracts,
        &s.contracts,
        |c| c.contract_id.clone(),
        "contract ",
        &mut out,
    );
    keyed(
        &b.accounts,
        &s.accounts,
        |a| a.email.clone(),
        "account ",
        &mut out,
    );
    keyed(&b.offers, &s.offers, |o| o.name(), "offer ", &mut out);
    keyed(
        &b.pending,
        &s.pending,
        |p| p.benefit.clone(),
        "pending ",
        &mut out,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::{Allowance, Coverage};
    use crate::domain::incident::{Refund, RefundReason};
    use crate::domain::testing::{contract, d, incident, org, org_with};
    use crate::domain::values::Email;

    fn side(state: &State, incidents: &[Incident]) -> Side {
        let mut state = state.clone();
        state.incidents = incidents.iter().cloned().collect();
        Side {
            state,
            incidents: incidents.to_vec(),
            edited: false,
        }
    }

    fn opened(n: u32, on: &str, title: &str) -> Incident {
        let mut i = incident(n, Some("P5"));
        i.opened_on = d(on);
        i.title = title.parse().unwrap();
        i
    }

    fn five_pack() -> State {
        let mut s = org();
        s.contracts = vec![contract(
            "P5",
            Coverage::Cloud,
            Allowance::Incidents(5),
            "2026-01-01",
            "2026-12-31",
        )];
        s
    }

    /// The merged incidents' numbers and titles, in number order.
    fn numbered_titles(m: &MergedSides) -> Vec<(u32, String)> {
        m.state
            .incidents
            .iter()
            .map(|h| {
                (
                    h.id.0,
                    m.state.incidents.record(h.id).unwrap().title.to_string(),
                )
            })
            .collect()
    }

    /// A cloud 5-pack for the year from 2026-06-01.
    fn cloud_five_from_june(id: &str) -> crate::domain::contract::Contract {
        contract(
            id,
            Coverage::Cloud,
            Allowance::Incidents(5),
            "2026-06-01",
            "2027-05-31",
        )
    }

    /// `side` as last changed `secs` seconds into a day.
    fn changed_at(mut side: Side, secs: i64) -> Side {
        side.state.last_change = Some(HistoryEntry {
            revision: 1,
            at: DateTime::from_timestamp(1_780_000_000 + secs, 0).unwrap(),
            as_of: d("2026-03-03"),
            account: None,
            action: "incidents refund".into(),
            ..HistoryEntry::default()
        });
        side
    }

    /// Fields, not records: independent fields of one incident both merge; one field set
    /// differently keeps the later change's value and says so; the result is the same
    /// whichever side is ours.
    #[test]
    fn a_record_changed_on_both_sides_merges_field_by_field() {
        let s = five_pack();
        let base = opened(1, "2026-03-01", "Base");
        let with = |closed: Option<&str>, reason: Option<RefundReason>| {
            let mut i = base.clone();
            i.closed_on = closed.map(d);
            i.refund = reason.map(|reason| Refund {
                on: d("2026-03-02"),
                reason,
                by: None,
            });
            i
        };
        let closed = with(Some("2026-03-03"), None);
        let duplicate = with(None, Some(RefundReason::Duplicate));
        let bug = with(None, Some(RefundReason::ProductBug));
        // (one side, its last change's second, the other, its second, merged, field settled)
        for (a, a_at, b, b_at, merged, settled) in [
            (
                &closed,
                1,
                &duplicate,
                2,
                with(Some("2026-03-03"), Some(RefundReason::Duplicate)),
                None,
            ),
            (&duplicate, 1, &bug, 2, bug.clone(), Some("refund")),
            (&duplicate, 2, &bug, 1, duplicate.clone(), Some("refund")),
            // The same moment: the greater value, whichever side holds it.
            (&duplicate, 1, &bug, 1, bug.clone(), Some("refund")),
        ] {
            let base = side(&s, std::slice::from_ref(&base));
            let a = changed_at(side(&s, std::slice::from_ref(a)), a_at);
            let b = changed_at(side(&s, std::slice::from_ref(b)), b_at);
            for (ours, theirs) in [(&a, &b), (&b, &a)] {
                let m = merge_sides(&base, ours, theirs, &Lifecycle::default(), d("2026-07-01"))
                    .unwrap();
                let got = m.state.incidents.record(IncidentId(1)).unwrap().clone();
                assert_eq!(got, merged);
                let fields: Vec<&str> = m.settled.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(fields, Vec::from_iter(settled), "{merged:?}");
                if settled.is_some() {
                    assert!(
                        m.summary("state.json", "it").contains(
                            "incident INC-0001: `refund` set differently on both sides, kept"
                        ),
                        "{}",
                        m.summary("state.json", "it")
                    );
                }
            }
        }
    }

    /// Of one field two copies set differently, the later operation's value stands (its
    /// logical clock, noted on the field), not the value of the copy changed last; the merge
    /// keeps each field's later clock.
    #[test]
    fn the_later_operation_wins_a_field_whichever_copy_changed_last() {
        let s = five_pack();
        let base = opened(1, "2026-03-01", "Base");
        let refunded = |reason, clock: u64, closed: Option<u64>| {
            let mut i = base.clone();
            i.refund = Some(Refund {
                on: d("2026-03-02"),
                reason,
                by: None,
            });
            i.set_at
                .insert("refund".into(), crate::domain::stamp::Stamp(clock, 0));
            if let Some(at) = closed {
                i.closed_on = Some(d("2026-03-03"));
                i.set_at
                    .insert("closed_on".into(), crate::domain::stamp::Stamp(at, 0));
            }
            i
        };
        // The duplicate refund at clock 9 on the copy whose last change came first; the bug
        // refund at clock 5, then a close at clock 11, on the other.
        let a = changed_at(side(&s, &[refunded(RefundReason::Duplicate, 9, None)]), 1);
        let b = changed_at(
            side(&s, &[refunded(RefundReason::ProductBug, 5, Some(11))]),
            2,
        );
        let base = side(&s, std::slice::from_ref(&base));
        for (ours, theirs) in [(&a, &b), (&b, &a)] {
            let m =
                merge_sides(&base, ours, theirs, &Lifecycle::default(), d("2026-07-01")).unwrap();
            let got = m.state.incidents.record(IncidentId(1)).unwrap();
            assert_eq!(got.refund.as_ref().unwrap().reason, RefundReason::Duplicate);
            assert_eq!(got.closed_on, Some(d("2026-03-03")));
            let clocks: Vec<(&str, u64)> =
                got.set_at.iter().map(|(f, c)| (f.as_str(), c.0)).collect();
            assert_eq!(clocks, [("closed_on", 11), ("refund", 9)]);
            let fields: Vec<&str> = m.settled.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(fields, ["refund"]);
        }
        // A contract's end, likewise: the later operation's, not the copy changed last.
        let ending = |end: &str, clock: u64| {
            let mut s = five_pack();
            s.contracts[0].end = d(end);
            s.contracts[0]
                .set_at
                .insert("end".into(), crate::domain::stamp::Stamp(clock, 0));
            s
        };
        let a = changed_at(side(&ending("2026-11-30", 8), &[]), 1);
        let b = changed_at(side(&ending("2026-10-31", 4), &[]), 2);
        let base = side(&five_pack(), &[]);
        for (ours, theirs) in [(&a, &b), (&b, &a)] {
            let m =
                merge_sides(&base, ours, theirs, &Lifecycle::default(), d("2026-07-01")).unwrap();
            assert_eq!(m.state.contracts[0].end, d("2026-11-30"));
        }
        // An account's kind and the organization's name, likewise.
        let named = |name: &str, kind: crate::domain::account::AccountKind, clock: u64| {
            let mut s = five_pack();
            let mut a = crate::domain::testing::account("a@contoso.com", &[], false);
            a.kind = kind;
            a.set_at
                .insert("kind".into(), crate::domain::stamp::Stamp(clock, 0));
            s.accounts = vec![a];
            let o = s.organization.as_mut().unwrap();
            o.name = name.parse().unwrap();
            o.set_at
                .insert("name".into(), crate::domain::stamp::Stamp(clock, 0));
            s
        };
        use crate::domain::account::AccountKind::{Aad, Msa};
        let mut base = five_pack();
        base.accounts = vec![crate::domain::testing::account("a@contoso.com", &[], false)];
        let a = changed_at(side(&named("Contoso Ltd.", Msa, 8), &[]), 1);
        let b = changed_at(side(&named("Contoso Limited", Aad, 4), &[]), 2);
        let base = side(&base, &[]);
        for (ours, theirs) in [(&a, &b), (&b, &a)] {
            let m =
                merge_sides(&base, ours, theirs, &Lifecycle::default(), d("2026-07-01")).unwrap();
            assert_eq!(m.state.accounts[0].kind, Msa);
            let name = m.state.organization.as_ref().unwrap().name.to_string();
            assert_eq!(name, "Contoso Ltd.");
        }
    }

    /// The catalog put in use differently on both sides (two editions of one program): the later
    /// change's stands, said as a field settled, the same whichever side is ours.
    #[test]
    fn the_catalog_changed_differently_on_both_sides_keeps_the_later_change() {
        let s = five_pack();
        let edition = |version: &str| {
            let mut state = s.clone();
            let mut catalog = (*s.catalog).clone();
            catalog.version = version.into();
            state.catalog = std::sync::Arc::new(catalog);
            state
        };
        let base = side(&s, &[]);
        let a = changed_at(side(&edition("2"), &[]), 1);
        let b = changed_at(side(&edition("3"), &[]), 2);
        for (ours, theirs) in [(&a, &b), (&b, &a)] {
            let m =
                merge_sides(&base, ours, theirs, &Lifecycle::default(), d("2026-07-01")).unwrap();
            assert_eq!(m.state.catalog.version, "3");
            let fields: Vec<(&str, &str)> = m
                .settled
                .iter()
                .map(|f| (f.record.as_str(), f.field.as_str()))
                .collect();
            assert_eq!(fields, [("the state", "catalog")]);
        }
    }

    /// Lists of names are sets: each side's additions and removals both stand.
    #[test]
    fn linked_accounts_added_on_both_sides_unite_and_a_removal_stands() {
        let mut s = five_pack();
        let email = |e: &str| -> Email { e.parse().unwrap() };
        let linked = |names: &[&str]| names.iter().map(|n| email(n)).collect::<BTreeSet<_>>();
        s.contracts[0].linked_accounts = linked(&["a@contoso.com", "b@contoso.com"]);
        let base = side(&s, &[]);
        let mut o = s.clone();
        o.contracts[0].linked_accounts =
            linked(&["a@contoso.com", "b@contoso.com", "c@contoso.com"]);
        let mut t = s.clone();
        t.contracts[0].linked_accounts = linked(&["b@contoso.com", "d@contoso.com"]);
        let (ours, theirs) = (side(&o, &[]), side(&t, &[]));
        for (x, y) in [(&ours, &theirs), (&theirs, &ours)] {
            let m = merge_sides(&base, x, y, &Lifecycle::default(), d("2026-07-01")).unwrap();
            assert_eq!(
                m.state.contracts[0].linked_accounts,
                linked(&["b@contoso.com", "c@contoso.com", "d@contoso.com"])
            );
            assert!(m.settled.is_empty());
        }
    }

    #[test]
    fn an_incident_a_side_edited_by_hand_lacks_is_kept_and_said() {
        let s = five_pack();
        let both = [
            opened(1, "2026-03-01", "One"),
            opened(2, "2026-03-02", "Two"),
        ];
        let base = side(&s, &both);
        let theirs = side(
            &s,
            &[
                both[0].clone(),
                both[1].clone(),
                opened(3, "2026-03-03", "Three"),
            ],
        );
        // The same removal: by hand it is kept and said; on a sealed copy (undo) it stands.
        for (edited, kept) in [(true, vec![1, 2, 3]), (false, vec![1, 3])] {
            let mut ours = side(&s, &both[..1]);
            ours.edited = edited;
            let m = merge_sides(
                &base,
                &ours,
                &theirs,
                &Lifecycle::default(),
                d("2026-07-01"),
            )
            .unwrap();
            let ids: Vec<u32> = m.state.incidents.iter().map(|h| h.id.0).collect();
            assert_eq!(ids, kept, "edited: {edited}");
            let kept_said: Vec<IncidentId> = m.edited.iter().flat_map(|e| e.kept.clone()).collect();
            match edited {
                true => {
                    assert_eq!(kept_said, [IncidentId(2)]);
                    assert_eq!(m.edited[0].differs_in, ["INC-0002"]);
                    assert!(m.summary("state.json", "it").contains("kept INC-0002"));
                }
                false => assert!(m.edited.is_empty() && kept_said.is_empty()),
            }
        }
    }

    #[test]
    fn a_clash_at_the_last_incident_number_takes_the_lowest_free_number_not_a_wrap() {
        let s = five_pack();
        let last = IncidentId::MAX;
        let base = side(&s, &[opened(1, "2026-03-01", "Base")]);
        let with = |title: &str, on: &str| {
            side(
                &s,
                &[opened(1, "2026-03-01", "Base"), opened(last, on, title)],
            )
        };
        let (ours, theirs) = (with("Ours", "2026-03-05"), with("Theirs", "2026-03-04"));
        for (x, y) in [(&ours, &theirs), (&theirs, &ours)] {
            let m = merge_sides(&base, x, y, &Lifecycle::default(), d("2026-07-01")).unwrap();
            let ids = numbered_titles(&m);
            assert_eq!(
                ids,
                [
                    (1, "Base".into()),
                    (2, "Ours".into()),
                    (last, "Theirs".into())
                ]
            );
            assert_eq!(m.renumbered, [(IncidentId(last), IncidentId(2))]);
            assert_eq!(m.state.problems(), []);
        }
    }

    /// A rebase replays commits made before a merge onto it: a close of `INC-0002` made before
    /// the merge renumbered that incident `INC-0003` closes `INC-0003`, not the other side's
    /// `INC-0002`; an incident the replayed commit added as `INC-0003` moves on.
    #[test]
    fn a_change_made_before_a_merge_renumbered_its_incident_follows_it() {
        let s = five_pack();
        let first = opened(1, "2026-03-01", "First");
        let (ana, ben) = (
            opened(2, "2026-07-01", "Ana's"),
            opened(2, "2026-07-02", "Ben's"),
        );
        let mut ben_at_3 = ben.clone();
        ben_at_3.id = IncidentId(3);
        let mut rebased = side(&s, &[first.clone(), ana.clone(), ben_at_3]);
        rebased.state.last_change = Some(HistoryEntry {
            revision: 4,
            action: "merge".into(),
            summary: "merged state.json onto revision 3: 1 record from the other side; renumbered INC-0002 as INC-0003".into(),
            ..HistoryEntry::default()
        });
        let base = side(&s, &[first.clone(), ben.clone()]);
        let mut closed = ben.clone();
        closed.closed_on = Some(d("2026-07-03"));
        let second = opened(3, "2026-07-04", "Ben's second");
        let replayed = side(&s, &[first, closed, second]);
        for (ours, theirs) in [(&rebased, &replayed), (&replayed, &rebased)] {
            let m =
                merge_sides(&base, ours, theirs, &Lifecycle::default(), d("2026-07-05")).unwrap();
            let got: Vec<(u32, String, bool)> = m
                .state
                .incidents
                .iter()
                .map(|h| {
                    let i = m.state.incidents.record(h.id).unwrap();
                    (i.id.0, i.title.to_string(), i.closed_on.is_some())
                })
                .collect();
            assert_eq!(
                got,
                [
                    (1, "First".to_string(), false),
                    (2, "Ana's".into(), false),
                    (3, "Ben's".into(), true),
                    (4, "Ben's second".into(), false),
                ]
            );
        }
    }

    /// Merges `a` and `b` both ways round: the same record either way, which the loader takes.
    fn both_ways(base: &Side, a: &Side, b: &Side) -> MergedSides {
        let [x, y] = [(a, b), (b, a)].map(|(o, t)| {
            merge_sides(base, o, t, &Lifecycle::default(), d("2026-07-01"))
                .unwrap_or_else(|e| panic!("refused: {e:?}"))
        });
        assert_eq!(x.state.problems(), []);
        let plain = |m: &MergedSides| {
            let mut s = m.state.clone();
            s.last_change = None;
            s
        };
        assert_eq!(plain(&x), plain(&y));
        x
    }

    /// A merge never refuses two valid copies (R23): what one side removed and the other still
    /// needs is kept and said; a record whose two changes do not fit together keeps the later
    /// change's record whole; two contracts with one Access ID are both kept as an open conflict.
    #[test]
    fn two_valid_copies_always_merge_into_a_record_the_loader_takes() {
        let mut s = five_pack();
        s.contracts.push(contract(
            "X9",
            Coverage::Cloud,
            Allowance::Incidents(5),
            "2026-01-01",
            "2026-12-31",
        ));
        let base = side(&s, &[opened(1, "2026-03-01", "Base")]);
        let mut removed = s.clone();
        removed.remove_contract("X9").unwrap();
        let removed = changed_at(side(&removed, &[opened(1, "2026-03-01", "Base")]), 1);
        let mut on_x9 = opened(2, "2026-03-02", "On X9");
        on_x9.contract_id = Some("X9".parse().unwrap());
        let used = changed_at(side(&s, &[opened(1, "2026-03-01", "Base"), on_x9]), 2);
        let m = both_ways(&base, &removed, &used);
        let contracts: Vec<&str> = m
            .state
            .contracts
            .iter()
            .map(|c| c.contract_id.as_str())
            .collect();
        assert_eq!(contracts, ["P5", "X9"]);
        let kept: Vec<String> = m.kept.iter().map(ToString::to_string).collect();
        assert_eq!(
            kept,
            ["kept contract `X9`, which one side removed: INC-0002 is charged to it"]
        );
        assert!(m.summary("state.json", "it").contains("kept contract `X9`"));
        // Removed on one side, changed on the other (an account linked to it): kept, and said.
        let mut linked = s.clone();
        linked.contracts[1]
            .linked_accounts
            .insert("a@contoso.com".parse().unwrap());
        let linked = changed_at(side(&linked, &[opened(1, "2026-03-01", "Base")]), 2);
        let m = both_ways(&base, &removed, &linked);
        assert_eq!(m.state.contracts[1].linked_accounts.len(), 1);
        let kept: Vec<String> = m.kept.iter().map(ToString::to_string).collect();
        assert_eq!(
            kept,
            ["kept contract `X9`, which one side removed: the other side changed it"]
        );

        // An offer one side removed while the other asked for one of its benefits.
        let mut s = org_with(&[("action-pack", None)]);
        s.contracts = five_pack().contracts;
        let base = side(&s, &[]);
        let mut gone = s.clone();
        gone.remove_offer("action-pack").unwrap();
        let mut asked = s.clone();
        asked.pending = vec![crate::domain::state::PendingActivation {
            benefit: "action-pack/product-support".into(),
            requested_on: d("2026-06-01"),
            requested_by: None,
        }];
        let m = both_ways(
            &base,
            &changed_at(side(&gone, &[]), 1),
            &changed_at(side(&asked, &[]), 2),
        );
        assert_eq!(m.state.offers.len(), 1);
        assert_eq!(m.state.pending.len(), 1);
        let kept: Vec<String> = m.kept.iter().map(ToString::to_string).collect();
        assert_eq!(
            kept,
            [
                "kept offer `action-pack`, which one side removed: the pending activation of `action-pack/product-support` needs it"
            ]
        );

        // One side moved an incident's opening day past the day the other closed it: the later
        // change's record, whole.
        let s = five_pack();
        let base_incident = opened(1, "2026-03-01", "Base");
        let base = side(&s, std::slice::from_ref(&base_incident));
        let mut later_open = base_incident.clone();
        later_open.opened_on = d("2026-03-10");
        let mut closed = base_incident.clone();
        closed.closed_on = Some(d("2026-03-05"));
        for (first, second, kept_title) in [
            (&later_open, &closed, Some(d("2026-03-05"))),
            (&closed, &later_open, None),
        ] {
            let a = changed_at(side(&s, std::slice::from_ref(first)), 1);
            let b = changed_at(side(&s, std::slice::from_ref(second)), 2);
            let m = both_ways(&base, &a, &b);
            let got = m.state.incidents.record(IncidentId(1)).unwrap();
            assert_eq!(got, second, "the later change's record");
            assert_eq!(got.closed_on, kept_title);
            let kept: Vec<String> = m.kept.iter().map(ToString::to_string).collect();
            assert_eq!(kept.len(), 1, "{kept:?}");
            assert!(
                kept[0].starts_with("incident INC-0001: the changes of both sides do not fit together (incident INC-0001 is closed on 2026-03-05, before it was opened on 2026-03-10); kept the later change's record"),
                "{kept:?}"
            );
        }

        // Two contracts recorded with one Access ID: both kept, and an open conflict names them
        // until one is removed or its Access ID corrected.
        let s = five_pack();
        let base = side(&s, &[]);
        let with = |id: &str| {
            let mut s = s.clone();
            let mut c = cloud_five_from_june(id);
            c.access_id = "ACCESS-SHARED".parse().unwrap();
            s.contracts.push(c);
            side(&s, &[])
        };
        let m = both_ways(
            &base,
            &changed_at(with("A1"), 1),
            &changed_at(with("B2"), 2),
        );
        assert_eq!(m.state.contracts.len(), 3);
        let open: Vec<(String, ConflictKind)> = m
            .state
            .open_conflicts()
            .map(|c| (c.names(), c.kind))
            .collect();
        assert_eq!(
            open,
            [(
                "contracts A1 and B2".to_string(),
                ConflictKind::SameAccessId
            )]
        );
        assert_eq!(m.conflicts.len(), 1);
        let mut fixed = m.state.clone();
        let edit = crate::domain::plans::ContractEdit {
            access_id: Some("ACCESS-B2".parse().unwrap()),
            ..Default::default()
        };
        fixed.edit_contract("B2", edit).unwrap();
        assert_eq!(fixed.settle_conflicts(), ["contracts A1 and B2"]);
        assert_eq!(fixed.problems(), []);
        let mut unfixed = m.state.clone();
        unfixed.conflicts.clear();
        assert!(
            !unfixed.problems().is_empty(),
            "the conflict is what lets the loader take it"
        );

        // The account this side acts as, removed on the other: no longer current here.
        let mut s = five_pack();
        s.accounts = vec![
            crate::domain::testing::account("a@contoso.com", &[], false),
            crate::domain::testing::account("b@contoso.com", &[], false),
        ];
        let base = side(&s, &[]);
        let mut mine = s.clone();
        mine.current_account = Some("b@contoso.com".parse().unwrap());
        let mut other = s.clone();
        other
            .remove_account(&"b@contoso.com".parse().unwrap(), false)
            .unwrap();
        let m = merge_sides(
            &base,
            &changed_at(side(&mine, &[]), 1),
            &changed_at(side(&other, &[]), 2),
            &Lifecycle::default(),
            d("2026-07-01"),
        )
        .unwrap();
        assert_eq!(m.state.current_account, None);
        assert_eq!(m.state.problems(), []);
        let kept: Vec<String> = m.kept.iter().map(ToString::to_string).collect();
        assert_eq!(
            kept,
            [
                "account `b@contoso.com`, which this copy acts as, was removed on the other side: no account is current here"
            ]
        );
    }

    #[test]
    fn both_sides_adding_incident_two_keeps_both_renumbering_the_later_whichever_side_it_is() {
        let s = five_pack();
        let base = side(&s, &[opened(1, "2026-03-01", "Base")]);
        let ours = side(
            &s,
            &[
                opened(1, "2026-03-01", "Base"),
                opened(2, "2026-03-05", "Ours"),
            ],
        );
        let theirs = side(
            &s,
            &[
                opened(1, "2026-03-01", "Base"),
                opened(2, "2026-03-04", "Theirs"),
            ],
        );
        for (a, b) in [(&ours, &theirs), (&theirs, &ours)] {
            let m = merge_sides(&base, a, b, &Lifecycle::default(), d("2026-07-01")).unwrap();
            // "Ours" was opened later: it moves to INC-0003, on either side of the merge.
            assert_eq!(m.renumbered, [(IncidentId(2), IncidentId(3))]);
            let titles = numbered_titles(&m);
            assert_eq!(
                titles,
                [(1, "Base".into()), (2, "Theirs".into()), (3, "Ours".into())]
            );
            assert_eq!(m.state.usage(&m.state.contracts[0]).used(), 3);
        }
    }

    /// A conflict a side recorded on an incident that the merge renumbers moves with it.
    #[test]
    fn a_conflict_moves_with_its_incident_when_the_merge_renumbers_it() {
        let s = five_pack();
        let base = side(&s, &[opened(1, "2026-03-01", "Base")]);
        let mut with_conflict = s.clone();
        with_conflict.conflicts = vec![super::super::conflict::Conflict {
            incident: Some(IncidentId(2)),
            contract: Some("P5".parse().unwrap()),
            contracts: Vec::new(),
            on: d("2026-06-01"),
            kind: ConflictKind::Rule,
            rule: "found before".into(),
            accepted: None,
        }];
        let ours = side(
            &with_conflict,
            &[
                opened(1, "2026-03-01", "Base"),
                opened(2, "2026-03-05", "Ours"),
            ],
        );
        let theirs = side(
            &s,
            &[
                opened(1, "2026-03-01", "Base"),
                opened(2, "2026-03-04", "Theirs"),
            ],
        );
        for (a, b) in [(&ours, &theirs), (&theirs, &ours)] {
            let m = merge_sides(&base, a, b, &Lifecycle::default(), d("2026-07-01")).unwrap();
            assert_eq!(m.renumbered, [(IncidentId(2), IncidentId(3))]);
            let named: Vec<(Option<IncidentId>, &str)> = m
                .state
                .conflicts
                .iter()
                .map(|c| (c.incident, c.rule.as_str()))
                .collect();
            assert_eq!(named, [(Some(IncidentId(3)), "found before")]);
        }
    }

    #[test]
    fn one_change_made_on_both_sides_is_one_and_a_case_recorded_twice_is_one_incident() {
        let s = five_pack();
        let base = side(&s, &[opened(1, "2026-03-01", "Base")]);
        let mut closed = opened(1, "2026-03-01", "Base");
        closed.closed_on = Some(d("2026-03-09"));
        let mut case = opened(2, "2026-03-05", "Case");
        case.case_number = Some("2603050010001".parse().unwrap());
        let mut same_case = case.clone();
        same_case.id = IncidentId(3);
        let ours = side(&s, &[closed.clone(), case]);
        let theirs = side(&s, &[closed, opened(2, "2026-03-02", "Other"), same_case]);
        let m = merge_sides(
            &base,
            &ours,
            &theirs,
            &Lifecycle::default(),
            d("2026-07-01"),
        )
        .unwrap();
        // Theirs' copy of the case (its INC-0003) is ours' INC-0002: dropped. Theirs' INC-0002
        // ("Other", opened earlier) keeps its number; ours' case moves to the next free one.
        assert_eq!(m.renumbered, [(IncidentId(2), IncidentId(3))]);
        assert_eq!(m.state.incidents.len(), 3);
    }

    #[test]
    fn one_case_recorded_differently_on_both_sides_is_charged_once_and_kept_twice() {
        let s = five_pack();
        let base = side(&s, &[opened(1, "2026-03-01", "Base")]);
        let case = |mut i: Incident| {
            i.case_number = Some("2603050010001".parse().unwrap());
            i
        };
        // Both opened it as INC-0002, on different days; or one added the case by a correction
        // to an incident both held while the other opened it anew.
        let mut edited = opened(1, "2026-03-01", "Base");
        edited = case(edited);
        for (ours, theirs) in [
            (
                vec![
                    opened(1, "2026-03-01", "Base"),
                    case(opened(2, "2026-03-05", "Ana's")),
                ],
                vec![
                    opened(1, "2026-03-01", "Base"),
                    case(opened(2, "2026-03-06", "Ben's")),
                ],
            ),
            (
                vec![edited.clone()],
                vec![
                    opened(1, "2026-03-01", "Base"),
                    case(opened(2, "2026-03-06", "Ben's")),
                ],
            ),
            (
                vec![
                    opened(1, "2026-03-01", "Base"),
                    case(opened(2, "2026-03-06", "Ben's")),
                ],
                vec![edited.clone()],
            ),
        ] {
            let (ours, theirs) = (side(&s, &ours), side(&s, &theirs));
            for (a, b) in [(&ours, &theirs), (&theirs, &ours)] {
                let m = merge_sides(&base, a, b, &Lifecycle::default(), d("2026-07-01")).unwrap();
                // One record of the case stands and is charged; the other is kept, voided.
                let of_case: Vec<(bool, String)> = m
                    .state
                    .incidents
                    .iter()
                    .filter_map(|h| m.state.incidents.record(h.id))
                    .filter(|i| i.case_number.is_some())
                    .map(|i| (i.void.is_some(), i.title.to_string()))
                    .collect();
                assert_eq!(of_case.iter().filter(|(v, _)| !v).count(), 1, "{of_case:?}");
                assert_eq!(of_case.len(), 2, "{of_case:?}");
                assert_eq!(m.same_case.len(), 1);
                assert!(
                    m.summary("state.json", "it")
                        .contains("case 2603050010001 was recorded on both sides: "),
                    "{}",
                    m.summary("state.json", "it")
                );
                // The one both sides held stands; else the one opened first ("Ana's").
                let stands = &of_case.iter().find(|(v, _)| !v).unwrap().1;
                assert!(stands == "Base" || stands == "Ana's", "{of_case:?}");
                // Charged once: the case, and "Base" when it is another incident.
                let charged = if stands == "Base" { 1 } else { 2 };
                assert_eq!(m.state.usage(&m.state.contracts[0]).used(), charged);
            }
        }
    }

    /// What a merge renumbered is read from its record of it; only a merge recorded before
    /// merges kept that as data (schema 9) is read from its summary's words, and nothing else is.
    #[test]
    fn what_a_merge_renumbered_is_read_from_its_record_and_words_only_from_an_older_merge() {
        let moved = |from: u32, to: u32| Renumbering {
            from: IncidentId(from),
            to: IncidentId(to),
        };
        let entry = |action: &str, summary: &str, renumbered: Vec<Renumbering>| HistoryEntry {
            revision: 9,
            action: action.into(),
            summary: summary.into(),
            renumbered,
            ..HistoryEntry::default()
        };
        for (e, want) in [
            // Recorded as data: the words do not matter.
            (
                entry(
                    "merge",
                    "merged state.json onto revision 8: 1 record",
                    vec![moved(2, 3)],
                ),
                vec![(2, 3)],
            ),
            (
                entry(
                    "merge",
                    "merged x: 1 record; renumbered INC-0002 as INC-0007",
                    vec![moved(2, 3)],
                ),
                vec![(2, 3)],
            ),
            // A schema 9 merge: its words.
            (
                entry(
                    "merge",
                    "merged x: 1 record; renumbered INC-0004 as INC-0005",
                    vec![],
                ),
                vec![(4, 5)],
            ),
            // Not a merge: nothing, whatever it says.
            (
                entry("incidents edit", "renumbered INC-0004 as INC-0005", vec![]),
                vec![],
            ),
        ] {
            let found: Vec<(u32, u32)> = renumberings(std::slice::from_ref(&e))
                .into_iter()
                .map(|(from, to, revision)| {
                    assert_eq!(revision, 9);
                    (from.0, to.0)
                })
                .collect();
            assert_eq!(found, want, "{e:?}");
        }
    }

    #[test]
    fn a_merges_summary_says_what_it_renumbered_and_is_read_back() {
        let m = MergedSides {
            state: org(),
            renumbered: vec![
                (IncidentId(42), IncidentId(44)),
                (IncidentId(43), IncidentId(45)),
            ],
            taken: 3,
            edited: Vec::new(),
            settled: Vec::new(),
            kept: Vec::new(),
            conflicts: Vec::new(),
            same_case: Vec::new(),
            onto: 5,
        };
        let summary = m.summary("state.json", "the other side");
        assert_eq!(
            summary,
            "merged state.json onto revision 5: 3 records from the other side; renumbered INC-0042 as INC-0044; renumbered INC-0043 as INC-0045"
        );
        let entry = HistoryEntry {
            revision: 9,
            at: Utc::now(),
            as_of: d("2026-07-01"),
            account: None,
            action: "merge".into(),
            summary,
            ..HistoryEntry::default()
        };
        assert_eq!(merged_onto(&entry), Some(5));
        assert_eq!(
            renumberings(&[entry]),
            [
                (IncidentId(42), IncidentId(44), 9),
                (IncidentId(43), IncidentId(45), 9)
            ]
        );
    }

    /// A conflict over an allowance names an incident past it. When a refund from the other
    /// side brings one of them back within (the contract still over by fewer), its conflict is
    /// settled by the merge, and the one still past the allowance keeps its own.
    #[test]
    fn a_merge_settles_the_conflict_of_an_incident_a_refund_brought_within_the_allowance() {
        let s = five_pack();
        let base = side(&s, &[opened(1, "2026-03-01", "Base")]);
        let mut ours_state = s.clone();
        ours_state.conflicts = [6, 7]
            .map(|n| super::super::conflict::Conflict {
                incident: Some(IncidentId(n)),
                contract: Some("P5".parse().unwrap()),
                contracts: Vec::new(),
                on: d("2026-07-10"),
                kind: ConflictKind::Exhausted,
                rule: "support plan exhausted".into(),
                accepted: None,
            })
            .to_vec();
        let mut ours_incidents = vec![opened(1, "2026-03-01", "Base")];
        for n in 2..=7 {
            ours_incidents.push(opened(n, &format!("2026-07-0{}", n - 1), "Ours"));
        }
        let ours = side(&ours_state, &ours_incidents);
        let mut refunded = opened(1, "2026-03-01", "Base");
        refunded.refund = Some(Refund {
            on: d("2026-06-15"),
            reason: RefundReason::Duplicate,
            by: None,
        });
        let theirs = side(&s, &[refunded]);
        for (a, b) in [(&ours, &theirs), (&theirs, &ours)] {
            let m = merge_sides(&base, a, b, &Lifecycle::default(), d("2026-07-31")).unwrap();
            let open: Vec<Option<IncidentId>> =
                m.state.open_conflicts().map(|c| c.incident).collect();
            assert_eq!(open, [Some(IncidentId(7))]);
        }
    }

    #[test]
    fn what_breaks_a_rule_after_a_merge_is_kept_as_an_open_conflict() {
        let s = five_pack();
        let base = side(&s, &[opened(1, "2026-03-01", "Base")]);
        // Both activated the same benefit, with the IDs each got.
        let activated = |id: &str| {
            let mut s = five_pack();
            let mut c = cloud_five_from_june(id);
            c.benefit = Some("silver-data-analytics/cloud-support".into());
            c.access_id = format!("ACCESS-{id}").parse().unwrap();
            s.contracts.push(c);
            side(&s, &[opened(1, "2026-03-01", "Base")])
        };
        // Both activated the same benefit: both contracts kept, and a conflict names them
        // until one is removed.
        let m = merge_sides(
            &base,
            &activated("S1"),
            &activated("S2"),
            &Lifecycle::default(),
            d("2026-07-01"),
        )
        .unwrap();
        assert_eq!(m.state.contracts.len(), 3);
        let twice: Vec<String> = m.state.open_conflicts().map(|c| c.names()).collect();
        assert_eq!(twice, ["contracts S1 and S2"]);
        assert_eq!(
            m.state.conflicts[0].rule,
            "benefit silver-data-analytics/cloud-support was activated twice for one year: contracts S1 and S2"
        );
        let mut removed = m.state.clone();
        removed.remove_contract("S2").unwrap();
        assert_eq!(removed.settle_conflicts(), ["contracts S1 and S2"]);
        // Both spend the last incident of the 5-pack.
        let four: Vec<Incident> = (1..=4)
            .map(|n| opened(n, "2026-03-01", &format!("n{n}")))
            .collect();
        let with = |title: &str| {
            let mut all = four.clone();
            all.push(opened(5, "2026-04-01", title));
            side(&s, &all)
        };
        // Both are kept, and the one over the allowance is an open conflict (R23), the same
        // whichever side is ours; the merged record keeps every other rule.
        for (ours, theirs) in [("Ours", "Theirs"), ("Theirs", "Ours")] {
            let m = merge_sides(
                &side(&s, &four),
                &with(ours),
                &with(theirs),
                &Lifecycle::default(),
                d("2026-07-01"),
            )
            .unwrap();
            assert_eq!(m.state.incidents.len(), 6);
            let open: Vec<(Option<IncidentId>, ConflictKind)> = m
                .state
                .open_conflicts()
                .map(|c| (c.incident, c.kind))
                .collect();
            assert_eq!(open, [(Some(IncidentId(6)), ConflictKind::Exhausted)]);
            assert_eq!(m.state.conflicts[0].on, d("2026-07-01"));
            assert_eq!(m.state.problems(), []);
        }
    }

    /// A side's changes from the ancestor's incidents: open a new one (on a day of July), close
    /// one, refund one (`k` picks which, by position).
    /// Each operation's logical clock is its place on this replica, made unique across three
    /// (`replica` 0 to 2), and noted on the field it sets.
    fn apply(base: &[Incident], ops: &[(u8, usize, u32)], title: &str) -> Vec<Incident> {
        let replica = u64::from(title.bytes().last().unwrap_or(0) % 3);
        let mut all = base.to_vec();
        for (n, &(op, k, day)) in ops.iter().enumerate() {
            let clock = (n as u64 + 1) * 3 + replica;
            let on = d(&format!("2026-07-{:02}", day));
            match op {
                0 => {
                    let next = all.iter().map(|i| i.id.0).max().unwrap_or(0) + 1;
                    all.push(opened(next, &on.to_string(), &format!("{title} {n}")));
                }
                _ if all.is_empty() => {}
                1 => {
                    let at = k % all.len();
                    let i = &mut all[at];
                    i.closed_on = Some(on.max(i.opened_on));
                    i.set_at
                        .insert("closed_on".into(), crate::domain::stamp::Stamp(clock, 0));
                }
                _ => {
                    let at = k % all.len();
                    let i = &mut all[at];
                    i.refund = Some(Refund {
                        on: on.max(i.opened_on),
                        reason: if n % 2 == 0 {
                            RefundReason::Duplicate
                        } else {
                            RefundReason::ProductBug
                        },
                        by: None,
                    });
                    i.set_at
                        .insert("refund".into(), crate::domain::stamp::Stamp(clock, 0));
                }
            }
        }
        all
    }

    proptest::proptest! {
        /// R23 over random replicas: merging either way round gives the same incidents and
        /// conflicts, and every incident either side holds is in the result (renumbered,
        /// voided or kept as a conflict, never dropped).
        #[test]
        fn two_replicas_merge_the_same_either_way_and_lose_nothing(
            ours_ops in proptest::collection::vec((0u8..3, 0usize..8, 1u32..28), 0..8),
            theirs_ops in proptest::collection::vec((0u8..3, 0usize..8, 1u32..28), 0..8),
        ) {
            let s = five_pack();
            let base_incidents = vec![opened(1, "2026-03-01", "Base")];
            let base = side(&s, &base_incidents);
            let ours = changed_at(side(&s, &apply(&base_incidents, &ours_ops, "ours")), 1);
            let theirs = changed_at(side(&s, &apply(&base_incidents, &theirs_ops, "theirs")), 2);
            let today = d("2026-07-31");
            let lifecycle = Lifecycle::default();
            let one = merge_sides(&base, &ours, &theirs, &lifecycle, today).unwrap();
            let other = merge_sides(&base, &theirs, &ours, &lifecycle, today).unwrap();
            let records = |m: &MergedSides| -> Vec<Incident> {
                m.state
                    .incidents
                    .iter()
                    .map(|h| m.state.incidents.record(h.id).unwrap().clone())
                    .collect()
            };
            proptest::prop_assert_eq!(records(&one), records(&other));
            proptest::prop_assert_eq!(&one.state.conflicts, &other.state.conflicts);
            // Every incident either side added is there, by its title.
            let titles: BTreeSet<String> =
                records(&one).iter().map(|i| i.title.to_string()).collect();
            for i in ours.incidents.iter().chain(&theirs.incidents) {
                proptest::prop_assert!(titles.contains(i.title.as_str()), "{} lost", i.title);
            }
            proptest::prop_assert_eq!(one.state.problems(), vec![]);
        }

        /// R23 over three replicas: merged two by two in every order (each pair's merge then
        /// merged with the third, from the common ancestor), every incident any replica opened
        /// is kept, once, in every order, and no rule is broken.
        #[test]
        fn three_replicas_merge_the_same_in_every_order_and_lose_nothing(
            ops in proptest::collection::vec(
                proptest::collection::vec((0u8..3, 0usize..8, 1u32..28), 0..6),
                3,
            ),
        ) {
            let s = five_pack();
            let base_incidents = vec![opened(1, "2026-03-01", "Base")];
            let base = side(&s, &base_incidents);
            let replicas: Vec<Side> = ["a", "b", "c"]
                .iter()
                .zip(&ops)
                .enumerate()
                .map(|(n, (name, ops))| {
                    changed_at(side(&s, &apply(&base_incidents, ops, name)), n as i64 + 1)
                })
                .collect();
            let today = d("2026-07-31");
            let lifecycle = Lifecycle::default();
            let merge = |a: &Side, b: &Side| -> Side {
                let m = merge_sides(&base, a, b, &lifecycle, today).unwrap();
                let incidents = m
                    .state
                    .incidents
                    .iter()
                    .map(|h| m.state.incidents.record(h.id).unwrap().clone())
                    .collect();
                Side { state: m.state, incidents, edited: false }
            };
            let orders = [(0, 1, 2), (0, 2, 1), (1, 2, 0), (1, 0, 2), (2, 0, 1), (2, 1, 0)];
            let results: Vec<Side> = orders
                .iter()
                .map(|&(x, y, z)| merge(&merge(&replicas[x], &replicas[y]), &replicas[z]))
                .collect();
            // Every order keeps the same incidents, each with the same fields (of a field two
            // replicas set differently, the later operation's value), and breaks no rule. Only
            // their numbers may differ: numbers are given in the order copies meet (three that
            // each opened one may number them differently).
            let contents_of = |r: &Side| {
                let mut all: Vec<String> = r
                    .incidents
                    .iter()
                    .map(|i| format!("{:?}", Incident { id: IncidentId(0), ..i.clone() }))
                    .collect();
                all.sort();
                all
            };
            // As many open conflicts of each kind. Which incident one names may differ: of two
            // opened on one day, the one past an allowance is the later numbered (R8).
            let conflicts_of = |r: &Side| {
                let mut kinds: Vec<String> =
                    r.state.open_conflicts().map(|c| format!("{:?}", c.kind)).collect();
                kinds.sort();
                kinds
            };
            for r in &results[1..] {
                proptest::prop_assert_eq!(contents_of(r), contents_of(&results[0]));
                proptest::prop_assert_eq!(conflicts_of(r), conflicts_of(&results[0]));
                proptest::prop_assert_eq!(r.state.problems(), vec![]);
            }
            let titles: BTreeSet<String> =
                results[0].incidents.iter().map(|i| i.title.to_string()).collect();
            for i in replicas.iter().flat_map(|r| &r.incidents) {
                proptest::prop_assert!(titles.contains(i.title.as_str()), "{} lost", i.title);
            }
            proptest::prop_assert_eq!(results[0].state.problems(), vec![]);
        }
    }
}
