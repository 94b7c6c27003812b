//! What an import of Azure tickets did with each ticket: the table, the JSON shape.

use std::io::{self, Write};

use serde::Serialize;

use super::Screen;
use super::table::{fit, or_dash, shown, table};

/// What an import of Azure tickets did (or, with `-n`, would do) with each ticket.
pub fn tickets(
    w: &mut dyn Write,
    screen: &Screen,
    outcomes: &[crate::domain::tickets::TicketOutcome],
) -> io::Result<()> {
    use crate::domain::tickets::Fate;
    if outcomes.is_empty() {
        return writeln!(w, "No tickets in the file.");
    }
    let mut t = table(
        screen,
        [
            "Case", "Opened", "Title", "Plan", "Outcome", "Closed", "Note",
        ],
    );
    for o in outcomes {
        let tk = &o.ticket;
        let outcome = match &o.fate {
            Fate::Charged { incident, contract } => format!("{incident} on {contract}"),
            Fate::Duplicate { incident } => format!("already {incident}"),
            Fate::Skipped => "skipped: not a partner plan".to_string(),
            Fate::Synced { incident, change } => synced(*incident, *change),
            Fate::Differs { incident, why } => format!("already {incident}; {why}"),
        };
        let note = match (&o.fate, tk.may_be_refunded()) {
            (Fate::Charged { .. }, true) => "may be refunded on closure",
            _ => "",
        };
        t.add_row(vec![
            tk.case.to_string(),
            tk.opened_on.to_string(),
            shown(&tk.title),
            or_dash(tk.plan.as_ref()),
            outcome,
            or_dash(tk.closed_on),
            note.to_string(),
        ]);
    }
    fit(
        &mut t,
        screen,
        &["Closed", "Plan", "Opened"],
        &["Title", "Plan", "Outcome", "Note"],
    );
    writeln!(w, "{t}")
}

/// A recorded incident brought up to date with its ticket, in words: the table's outcome and
/// the history's summary.
pub fn synced(
    incident: crate::domain::incident::IncidentId,
    change: crate::domain::tickets::Sync,
) -> String {
    match change {
        crate::domain::tickets::Sync::Closed(on) => format!("closed {incident} on {on}"),
        crate::domain::tickets::Sync::Reopened => format!("reopened {incident}"),
    }
}

/// `import --from azure-tickets --json`: what became of each ticket, oldest first.
#[derive(Debug, Serialize)]
pub struct TicketsJson {
    pub tickets: Vec<TicketJson>,
    pub charged: usize,
    pub duplicates: usize,
    pub skipped: usize,
    pub synced: usize,
    pub differs: usize,
}

/// One ticket: `outcome` is `charged`, `duplicate`, `skipped`, `synced` (`change`: `closed` or
/// `reopened`) or `differs` (`why`); `incident` is the new one, or the one that already had
/// its case number.
#[derive(Debug, Serialize)]
pub struct TicketJson {
    pub case: String,
    pub title: String,
    pub opened_on: chrono::NaiveDate,
    pub closed_on: Option<chrono::NaiveDate>,
    pub plan: Option<String>,
    pub outcome: &'static str,
    pub incident: Option<String>,
    pub contract: Option<String>,
    pub change: Option<&'static str>,
    pub why: Option<String>,
    pub may_be_refunded: bool,
}

impl TicketsJson {
    /// The document of `outcomes`.
    pub fn of(outcomes: &[crate::domain::tickets::TicketOutcome]) -> TicketsJson {
        use crate::domain::tickets::Fate;
        let tickets: Vec<TicketJson> = outcomes
            .iter()
            .map(|o| {
                let t = &o.ticket;
                let (outcome, incident, contract) = match &o.fate {
                    Fate::Charged { incident, contract } => (
                        "charged",
                        Some(incident.to_string()),
                        Some(contract.to_string()),
                    ),
                    Fate::Duplicate { incident } => ("duplicate", Some(incident.to_string()), None),
                    Fate::Skipped => ("skipped", None, None),
                    Fate::Synced { incident, .. } => ("synced", Some(incident.to_string()), None),
                    Fate::Differs { incident, .. } => ("differs", Some(incident.to_string()), None),
                };
                let (change, why) = match &o.fate {
                    Fate::Synced { change, .. } => (
                        Some(match change {
                            crate::domain::tickets::Sync::Closed(_) => "closed",
                            crate::domain::tickets::Sync::Reopened => "reopened",
                        }),
                        None,
                    ),
                    Fate::Differs { why, .. } => (None, Some(why.clone())),
                    _ => (None, None),
                };
                TicketJson {
                    case: t.case.to_string(),
                    title: t.title.to_string(),
                    opened_on: t.opened_on,
                    closed_on: t.closed_on,
                    plan: t.plan.clone(),
                    outcome,
                    incident,
                    contract,
                    change,
                    why,
                    may_be_refunded: t.may_be_refunded(),
                }
            })
            .collect();
        let count = |o: &str| tickets.iter().filter(|t| t.outcome == o).count();
        TicketsJson {
            charged: count("charged"),
            duplicates: count("duplicate"),
            skipped: count("skipped"),
            synced: count("synced"),
            differs: count("differs"),
            tickets,
        }
    }
}
