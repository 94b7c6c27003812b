//! R16: a change is dated "today" and never dates a record before one it depends on; a change
//! that would leave the state breaking any rule the loader enforces is refused, so no past date
//! can make the file unreadable.

use crate::support::{Env, w};

fn with_an_incident_opened_in_june() -> Env {
    let env = Env::contoso_active();
    env.ok(&w("incidents open --scope on-premises --title Printer"));
    env
}

#[test]
fn r16_closing_or_refunding_before_the_incident_was_opened_is_refused_with_both_dates() {
    for (line, what) in [
        ("--as-of 2026-01-01 incidents close INC-0001", "close"),
        (
            "--as-of 2026-06-14 incidents refund INC-0001 --reason duplicate",
            "refund",
        ),
    ] {
        let env = with_an_incident_opened_in_june();
        let run = env.refused(&w(line), 3, what);
        assert!(
            run.stderr.contains("INC-0001") && run.stderr.contains("2026-06-15"),
            "{line}: {}",
            run.stderr
        );
        // Nothing was written, so every command still reads the file.
        env.ok(&["status"]);
        env.ok(&["check", "--exit-zero"]);
        env.ok(&["doctor"]);
    }
    // On the day it was opened, or later, both are fine.
    let env = with_an_incident_opened_in_june();
    env.ok(&w("incidents refund INC-0001 --reason duplicate"));
    env.ok(&w("--as-of 2026-07-01 incidents close INC-0001"));
    env.ok(&["doctor"]);
}
