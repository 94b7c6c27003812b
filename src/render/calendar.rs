//! `calendar`: the days worth remembering as one iCalendar file (RFC 5545), or as JSON.

use chrono::{Days, NaiveDate};
use icalendar::{Calendar, Component, Event, EventLike};
use serde::Serialize;

use crate::domain::due::DueDay;

/// An entry's UID: its stable key, scoped to the organization, so that a calendar importing the
/// file again updates its entries.
pub fn uid(day: &DueDay, partner_id: &str) -> String {
    format!("{}@{partner_id}.partner-support", day.key)
}

/// The calendar of `days` for the organization `name` (`partner_id`), stamped with `today` so
/// that the same records and day give the same file.
pub fn ics(days: &[DueDay], name: &str, partner_id: &str, today: NaiveDate) -> String {
    let stamp = today.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//partner-support//partner-support//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .name(&format!("Microsoft partner support: {name}"));
    for d in days {
        // An all-day entry ends on the next day (DTEND is not included).
        let next = d.day.checked_add_days(Days::new(1)).unwrap_or(d.day);
        cal.push(
            Event::new()
                .uid(&uid(d, partner_id))
                .timestamp(stamp)
                .starts(d.day)
                .ends(next)
                .summary(&d.summary)
                .description(&crate::hint::due(d))
                .done(),
        );
    }
    cal.to_string()
}

/// `calendar --json`.
#[derive(Debug, Serialize)]
pub struct CalendarJson<'a> {
    pub events: Vec<DueDayJson<'a>>,
}

/// One entry.
#[derive(Debug, Serialize)]
pub struct DueDayJson<'a> {
    pub uid: String,
    pub day: NaiveDate,
    pub summary: &'a str,
    pub description: String,
}

/// The JSON document of `days`.
pub fn json<'a>(days: &'a [DueDay], partner_id: &str) -> CalendarJson<'a> {
    CalendarJson {
        events: days
            .iter()
            .map(|d| DueDayJson {
                uid: uid(d, partner_id),
                day: d.day,
                summary: &d.summary,
                description: crate::hint::due(d),
            })
            .collect(),
    }
}
