//! The history of changes: the table, the JSON shapes (with what `undo` did).

use std::io::{self, Write};

use serde::Serialize;

use super::Screen;
use super::table::{fit, or_dash, right, shown, table};
use crate::domain::state::HistoryEntry;

/// The history table: one row per change, with the balances it moved.
pub fn history(w: &mut dyn Write, screen: &Screen, entries: &[HistoryEntry]) -> io::Result<()> {
    if entries.is_empty() {
        return writeln!(w, "No changes recorded.");
    }
    let mut t = table(
        screen,
        ["#", "Day", "At (UTC)", "Account", "Action", "What"],
    );
    for e in entries {
        let mut what = shown(&e.summary);
        for b in &e.balances {
            let count = |used: u32, left: Option<u32>| match left {
                Some(left) => format!("{left} left"),
                None => format!("{used} used"),
            };
            what.push_str(&format!(
                "; {}: {} → {}",
                b.contract,
                count(b.used_before, b.remaining_before),
                count(b.used_after, b.remaining_after)
            ));
        }
        // A long benefit name may break after its `/` on a narrow screen.
        if screen.compact() {
            what = super::table::break_names(&what, 30);
        }
        t.add_row(vec![
            e.revision.to_string(),
            e.as_of.to_string(),
            e.at.format("%Y-%m-%d %H:%M").to_string(),
            or_dash(e.account.as_ref()),
            shown(&e.action),
            what,
        ]);
    }
    right(&mut t, &[0]);
    fit(
        &mut t,
        screen,
        &["At (UTC)", "Account"],
        &["Action", "What"],
    );
    writeln!(w, "{t}")
}

/// `history --json`.
#[derive(Serialize)]
pub struct HistoryJson {
    pub entries: Vec<HistoryEntry>,
}

/// What `undo` did.
#[derive(Debug, Serialize)]
pub struct UndoneJson<'a> {
    /// The change undone.
    pub undone: &'a HistoryEntry,
    /// The revision the undo was recorded as.
    pub revision: u64,
}

impl<'a> UndoneJson<'a> {
    /// `undone`, put back as `revision`.
    pub fn new(undone: &'a HistoryEntry, revision: u64) -> Self {
        UndoneJson { undone, revision }
    }
}
