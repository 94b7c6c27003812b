//! `calendar`: the sample organization's days to remember as RFC 5545 iCalendar, with UIDs that
//! stay put when the figures change, so a re-import updates rather than duplicates.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;

use crate::support::{Env, w};
use pretty_assertions::assert_eq;

/// The entries of an iCalendar text, unfolded: UID → (DTSTART, SUMMARY, DESCRIPTION).
fn entries(ics: &str) -> BTreeMap<String, (String, String, String)> {
    // RFC 5545: lines end in CRLF, are at most 75 octets, and a line starting with a space
    // continues the one before.
    assert!(ics.ends_with("END:VCALENDAR\r\n"), "{ics}");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{line:?}");
        assert!(!line.contains('\n'), "{line:?}");
    }
    let unfolded = ics.replace("\r\n ", "");
    let mut found = BTreeMap::new();
    for event in unfolded.split("BEGIN:VEVENT\r\n").skip(1) {
        let field = |name: &str| {
            event
                .split("\r\n")
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or_else(|| panic!("{name} in {event}"))
                .replace("\\,", ",")
        };
        assert!(field("DTSTAMP:").len() == 16, "{event}");
        let previous = found.insert(
            field("UID:"),
            (
                field("DTSTART;VALUE=DATE:"),
                field("SUMMARY:"),
                field("DESCRIPTION:"),
            ),
        );
        assert!(previous.is_none(), "two entries with one UID");
    }
    found
}

#[test]
fn contract_ends_anniversaries_pending_activations_and_run_outs() {
    let env = Env::sample();
    let ics = env.ok(&["calendar"]).stdout;
    assert!(
        ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"),
        "{ics}"
    );
    let found = entries(&ics);
    let at = |uid: &str| {
        found
            .get(&format!("{uid}@4012345.partner-support"))
            .unwrap_or_else(|| panic!("{uid}: {found:#?}"))
            .clone()
    };
    let (day, summary, description) = at("contract-end/RESELLER-26");
    assert_eq!(day, "20261215");
    assert_eq!(
        summary,
        "Support contract RESELLER-26 (Distributor escalation pack) ends"
    );
    assert!(
        description.contains("1 incident left as of 2026-11-25"),
        "{description}"
    );
    assert_eq!(at("runs-out/RESELLER-26").0, "20261213");
    // Pending since 2026-11-10, past its week: on the calendar today.
    assert_eq!(
        at("activation-pending/solutions-partner-infrastructure-azure/cloud-support/2026-11-10").0,
        "20261125"
    );
    // The membership year that ends on 2027-01-31 renews the next day.
    assert_eq!(
        at("anniversary/partner-success-expanded/2027-02-01").1,
        "Membership anniversary: partner-success-expanded"
    );
    // A contract that ended is not there.
    assert!(!found.keys().any(|k| k.contains("6000010")), "{found:#?}");
    // The same records on the same day give the same file.
    assert_eq!(env.ok(&["calendar"]).stdout, ics);

    // An incident later, the entries keep their UIDs and say the new figures.
    let cmd = |day: &str, args: &[&str]| {
        let mut c = env.cmd();
        c.args(["--as-of", day]).args(args);
        crate::support::run_command(&mut c)
    };
    let opened = cmd(
        "2026-11-30",
        &w("incidents open --scope on-premises --title Later --contract RESELLER-26"),
    );
    assert_eq!(opened.code, 0, "{}", opened.stderr);
    let later = entries(&cmd("2026-11-30", &["calendar"]).stdout);
    assert!(
        later
            .keys()
            .all(|k| found.contains_key(k) || k.starts_with("activation-pending")),
        "{later:#?}"
    );
    let (_, _, description) = &later["contract-end/RESELLER-26@4012345.partner-support"];
    assert!(
        description.contains("0 incidents left as of 2026-11-30"),
        "{description}"
    );

    let json = env.ok(&w("--json calendar")).json();
    assert_eq!(json["events"].as_array().unwrap().len(), found.len());
    assert_eq!(
        json["events"][0]["uid"].as_str().unwrap().split('@').nth(1),
        Some("4012345.partner-support")
    );
}

#[test]
fn o_writes_a_private_file_a_calendar_can_subscribe_to() {
    let env = Env::sample();
    let path = env.dir().join("support.ics");
    let run = env.ok(&["calendar", "-o", path.to_str().unwrap()]);
    assert_eq!(run.stdout, "");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        env.ok(&["calendar"]).stdout
    );
    env.refused(
        &["calendar", "-o", env.dir().to_str().unwrap()],
        1,
        "folder",
    );
}

/// Each event of `ics` as the library's RFC 5545 parser reads it: (UID, the TRIGGER of each of
/// its alarms).
fn parsed(ics: &str) -> Vec<(String, Vec<String>)> {
    let unfolded = icalendar::parser::unfold(ics);
    let calendar = icalendar::parser::read_calendar(&unfolded).expect("an RFC 5545 calendar");
    calendar
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .map(|event| {
            let value = |c: &icalendar::parser::Component<'_>, name: &str| {
                c.properties
                    .iter()
                    .find(|p| p.name == name)
                    .map(|p| p.val.to_string())
                    .unwrap_or_default()
            };
            let alarms = event
                .components
                .iter()
                .filter(|a| a.name == "VALARM")
                .map(|a| {
                    assert_eq!(value(a, "ACTION"), "DISPLAY");
                    assert!(!value(a, "DESCRIPTION").is_empty());
                    value(a, "TRIGGER")
                })
                .collect();
            (value(event, "UID"), alarms)
        })
        .collect()
}

#[test]
fn contract_ends_and_anniversaries_remind_ahead_and_lines_fold_at_75_octets() {
    let env = Env::new();
    // Names that fill lines with characters of two and three octets.
    env.ok(&[
        "init",
        "--partner-id",
        "4012345",
        "--name",
        "Société Générale d’Ingénierie € Frères",
        "--account",
        "admin@contoso.com",
        "--role",
        "global-admin",
    ]);
    env.ok(&w(
        "offer add action-pack --start 2026-01-15 --end 2027-01-14",
    ));
    // A custom pack of 6 for this year, named `name`.
    let pack = |id: &str, name: &str| {
        let line = format!(
            "contract add --plan custom --contract-id {id} --access-id ACC-{id}-01 --incidents 6 --scope on-premises --start 2026-01-01 --end 2026-12-31 --name"
        );
        env.ok(&[&w(&line)[..], &[name]].concat());
    };
    pack(
        "R-1",
        "Pack d’escalade “Éditeur” — réservé aux incidents critiques ☎☎☎☎☎☎",
    );
    // A summary of exactly 150 octets: the line a fold of 75 and then 75 more would leave at
    // 76 with its leading space.
    pack("R-2", &"x".repeat(114));
    env.ok(&w(
        "incidents open --scope on-premises --contract R-1 --title Posting",
    ));
    let ics = env.ok(&["calendar"]).stdout;
    for line in ics.split_terminator("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    assert!(ics.split_terminator("\r\n").any(|l| l.len() > 70), "{ics}");
    let events = parsed(&ics);
    let alarms = |uid: &str| {
        events
            .iter()
            .find(|(u, _)| u.starts_with(uid))
            .unwrap_or_else(|| panic!("{uid}: {events:?}"))
            .1
            .clone()
    };
    // Reminders 14 days ahead of an end and an anniversary; none for a forecast.
    assert_eq!(alarms("contract-end/R-1@"), ["-P14D"]);
    assert_eq!(alarms("anniversary/action-pack/2027-01-15@"), ["-P14D"]);
    // In the sample: a reminder for every end and anniversary, none for a forecast run-out or a
    // pending activation (they are the day itself).
    let sample = parsed(&Env::sample().ok(&["calendar"]).stdout);
    assert!(
        sample.iter().any(|(u, _)| u.starts_with("runs-out/")),
        "{sample:?}"
    );
    for (uid, alarms) in &sample {
        let ahead = uid.starts_with("contract-end/") || uid.starts_with("anniversary/");
        assert_eq!(alarms.is_empty(), !ahead, "{uid}: {alarms:?}");
    }
    let thirty = parsed(&env.ok(&w("calendar --remind-days 30")).stdout);
    assert!(thirty.iter().any(|(_, a)| a == &["-P30D"]), "{thirty:?}");
    let none = parsed(&env.ok(&w("calendar --remind-days 0")).stdout);
    assert!(none.iter().all(|(_, a)| a.is_empty()), "{none:?}");
    assert_eq!(none.len(), events.len());
    env.refused(&w("calendar --remind-days 400"), 2, "400");
    // The same records on the same day give the same bytes, reminders too.
    assert_eq!(env.ok(&["calendar"]).stdout, ics);
}
