//! `calendar`: the days worth remembering as one iCalendar file (RFC 5545), or as JSON.

use chrono::{Days, NaiveDate};
use icalendar::{Alarm, Calendar, Component, Event, EventLike};
use serde::Serialize;

use crate::domain::due::DueDay;

/// An entry's UID: its stable key, scoped to the organization, so that a calendar importing the
/// file again updates its entries.
pub fn uid(day: &DueDay, partner_id: &str) -> String {
    format!("{}@{partner_id}.partner-support", day.key)
}

/// The calendar of `days` for the organization `name` (`partner_id`), stamped with `today` so
/// that the same records and day give the same file; an entry worth it reminds `remind_days`
/// days ahead (none with 0).
pub fn ics(
    days: &[DueDay],
    name: &str,
    partner_id: &str,
    today: NaiveDate,
    remind_days: u32,
) -> String {
    let stamp = today.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//partner-support//partner-support//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .name(&format!("Microsoft partner support: {name}"));
    for d in days {
        // An all-day entry ends on the next day (DTEND is not included).
        let next = d.day.checked_add_days(Days::new(1)).unwrap_or(d.day);
        let mut event = Event::new();
        event
            .uid(&uid(d, partner_id))
            .timestamp(stamp)
            .starts(d.day)
            .ends(next)
            .summary(&d.summary)
            .description(&crate::hint::due(d));
        if d.remind_ahead && remind_days > 0 {
            // Stamped and named like its entry (the library would stamp it now and give it a
            // random UID): the same records and day give the same file.
            let ahead = chrono::Duration::days(i64::from(remind_days));
            let mut alarm = Alarm::display(
                &format!("In {remind_days} days: {}", d.summary),
                icalendar::Trigger::before_start(ahead),
            );
            // The same trigger, in days as a person would write it (`-P14D`, not seconds).
            alarm
                .add_property("TRIGGER", format!("-P{remind_days}D"))
                .timestamp(stamp)
                .uid(&format!("reminder-{}", uid(d, partner_id)));
            event.alarm(alarm.done());
        }
        cal.push(event.done());
    }
    fold(&cal.to_string())
}

/// The longest a content line may be, in octets, without its line break (RFC 5545 3.1).
const LINE_OCTETS: usize = 75;

/// `ics` with every content line folded at 75 octets, never inside a UTF-8 character: lines
/// unfolded first (a CRLF and one space), then each cut into a first line of up to 75 octets
/// and continuation lines of a space and up to 74.
fn fold(ics: &str) -> String {
    let unfolded = ics.replace("\r\n ", "").replace("\r\n\t", "");
    let mut out = String::with_capacity(unfolded.len() + unfolded.len() / 32);
    for line in unfolded.split_terminator("\r\n") {
        let mut rest = line;
        let mut room = LINE_OCTETS;
        loop {
            if rest.len() <= room {
                out.push_str(rest);
                out.push_str("\r\n");
                break;
            }
            let mut cut = room;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n ");
            rest = &rest[cut..];
            room = LINE_OCTETS - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fold_at_75_octets_and_never_inside_a_character() {
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        let full = "A".repeat(75);
        let cases = [
            ("SHORT:x\r\n".to_string(), vec!["SHORT:x"]),
            (format!("{}\r\n", "A".repeat(75)), vec![full.as_str()]),
        ];
        for (ics, lines) in cases {
            assert_eq!(
                fold(&ics).split_terminator("\r\n").collect::<Vec<_>>(),
                lines
            );
        }
        for text in [
            format!("{}\r\n", "A".repeat(76)),
            format!("{}\r\n", "A".repeat(150)),
            format!("{long}\r\n"),
            format!("X:{}\r\n", "€".repeat(60)),
        ] {
            let folded = fold(&text);
            assert!(
                folded
                    .split_terminator("\r\n")
                    .all(|l| l.len() <= LINE_OCTETS),
                "{folded}"
            );
            assert_eq!(fold(&folded), folded, "folding is idempotent");
            assert_eq!(
                folded.replace("\r\n ", ""),
                text,
                "unfolding gives the line back"
            );
        }
    }
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
