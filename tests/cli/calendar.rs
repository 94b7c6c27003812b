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
        at("activation-pending/silver-data-analytics/product-support/2026-11-10").0,
        "20261125"
    );
    // The membership year that ends on 2027-01-31 renews the next day.
    assert_eq!(
        at("anniversary/gold-cloud-platform/2027-02-01").1,
        "Membership anniversary: gold-cloud-platform"
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
