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

#[test]
fn r15_a_read_shows_the_records_as_they_stood_at_the_end_of_its_day() {
    let env = Env::contoso_active();
    env.ok(&w(
        "--as-of 2026-07-01 incidents open --scope on-premises --title First",
    ));
    env.ok(&w(
        "--as-of 2026-09-01 incidents refund INC-0001 --reason duplicate",
    ));
    env.ok(&w(
        "--as-of 2026-10-01 incidents open --scope on-premises --title Second",
    ));
    env.ok(&w("--as-of 2026-10-05 incidents close INC-0002"));
    let gold = |day: &str| {
        let doc = env
            .ok(&["--as-of", day, "--json", "incidents", "remaining"])
            .json();
        let c = doc["contracts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["contract_id"] == "7000001")
            .unwrap()
            .clone();
        (
            c["used"].as_u64().unwrap(),
            c["remaining"].as_u64().unwrap(),
        )
    };
    assert_eq!(gold("2026-06-30"), (0, 20), "nothing opened yet");
    assert_eq!(gold("2026-08-01"), (1, 19), "the first, not refunded yet");
    assert_eq!(gold("2026-09-15"), (0, 20), "the first refunded");
    assert_eq!(gold("2026-10-02"), (1, 19), "the second opened");
    let ids = |day: &str, all: bool| -> Vec<String> {
        let mut args = vec!["--as-of", day, "--json", "incidents", "list"];
        if all {
            args.push("--all");
        }
        env.ok(&args).json()["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("2026-06-30", true), Vec::<String>::new());
    assert_eq!(ids("2026-08-01", true), ["INC-0001"]);
    assert_eq!(ids("2026-10-02", false), ["INC-0001", "INC-0002"]);
    assert_eq!(ids("2026-10-06", false), ["INC-0001"]);
    // What the export says of a day: the refund of September had not been given in August.
    let export = env
        .ok(&w("--as-of 2026-08-01 export --what incidents"))
        .json();
    let incidents = export["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1);
    assert!(incidents[0]["refund"].is_null(), "{}", incidents[0]);
    // Today (the default: the end of every record) everything counts.
    assert_eq!(gold("2026-12-01"), (1, 19));
}

#[test]
fn a_refused_first_change_leaves_no_folder_and_no_lock_file() {
    let env = Env::new();
    let dir = env.state().parent().unwrap().to_path_buf();
    env.refused(&["offer", "add", "action-pack"], 3, "no organization yet");
    assert!(!dir.exists(), "the folder was left behind");
    // In a folder that already exists, no lock file is left either.
    std::fs::create_dir_all(&dir).unwrap();
    env.refused(&["offer", "add", "action-pack"], 3, "no organization yet");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn corrections_are_changes_with_their_history_entry() {
    let env = with_an_incident_opened_in_june();
    env.ok(&w(
        "incidents edit INC-0001 --case 2606150010001 --title Printer-jam",
    ));
    let record = &env.json()["incidents"][0];
    assert_eq!(record["case_number"], "2606150010001");
    assert_eq!(record["title"], "Printer-jam");
    let last = env.history().last().unwrap().clone();
    assert_eq!(last["action"], "incidents edit");
    assert_eq!(
        last["summary"],
        "corrected the title and case number of INC-0001"
    );
    // An edit that changes nothing is a usage error; the file is left as it was.
    env.refused(
        &w("incidents edit INC-0001 --title Printer-jam"),
        2,
        "nothing to change",
    );
    env.refused(&w("incidents edit INC-0009 --title X"), 3, "INC-0009");
    // Reopening: only a closed incident, never before it was closed, and the balance stays.
    env.refused(&w("incidents reopen INC-0001"), 3, "is not closed");
    env.ok(&w("--as-of 2026-06-20 incidents close INC-0001"));
    env.refused(
        &w("--as-of 2026-06-19 incidents reopen INC-0001"),
        3,
        "closed on 2026-06-20",
    );
    env.ok(&w("--as-of 2026-06-21 incidents reopen INC-0001"));
    assert!(env.json()["incidents"][0]["closed_on"].is_null());
    let left = env.ok(&w("--json incidents remaining")).json();
    assert_eq!(left["contracts"][0]["remaining"], 19, "{left}");
}

#[test]
fn r15_contracts_and_activations_recorded_later_are_not_there_and_r16_refuses_using_them_earlier() {
    let env = Env::contoso();
    env.ok(&w(
        "offer add gold --competency Security --start 2026-01-01",
    ));
    env.ok(&w(
        "--as-of 2026-06-01 activate gold-security/product-support",
    ));
    env.ok(&w(
        "--as-of 2026-06-10 activate gold-security/product-support --access-id GOLD-ACC-1 --contract-id 7000001 --start 2026-06-01",
    ));
    env.ok(&w(
        "contract add --plan premier --contract-id P1 --access-id PREM-ACC-1 --incidents 40 --scope both --start 2026-01-01",
    ));
    let on = |day: &str| {
        let benefits = env.ok(&["--as-of", day, "--json", "benefits"]).json();
        let state = benefits["benefits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == "gold-security/product-support")
            .unwrap()["status"]
            .clone();
        let contracts = env
            .ok(&["--as-of", day, "--json", "contract", "list", "--all"])
            .json();
        let ids: Vec<String> = contracts["contracts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["contract_id"].as_str().unwrap().to_string())
            .collect();
        (state, ids)
    };
    assert_eq!(on("2026-05-31"), ("not-activated".into(), vec![]));
    assert_eq!(on("2026-06-05"), ("pending".into(), vec![]));
    assert_eq!(
        on("2026-06-12"),
        ("active".into(), vec!["7000001".to_string()])
    );
    assert_eq!(
        on("2026-06-15"),
        (
            "active".into(),
            vec!["7000001".to_string(), "P1".to_string()]
        )
    );
    // The JSON says when each was recorded.
    let shown = env.ok(&w("--json contract show 7000001")).json();
    assert_eq!(shown["recorded_on"], "2026-06-10");

    // Using a contract before it was recorded, or activating before the request, is refused.
    env.refused(
        &w("--as-of 2026-06-11 incidents open --scope cloud --contract P1 --title Early"),
        3,
        "cannot charge contract `P1` on 2026-06-11: it was recorded on 2026-06-15",
    );
    env.refused(
        &w("--as-of 2026-06-11 contract link P1 --account admin@contoso.com"),
        3,
        "it was recorded on 2026-06-15",
    );
    env.ok(&w(
        "offer add silver --competency Security --start 2026-01-01",
    ));
    env.ok(&w("activate silver-security/cloud-support"));
    env.refused(
        &w("--as-of 2026-06-14 activate silver-security/cloud-support --access-id S-ACC-1 --contract-id 8000001"),
        3,
        "it was requested on 2026-06-15",
    );
    env.ok(&["doctor"]);
}

/// Runs the binary as if the real date were 2026-06-20 (its clock is `SOURCE_DATE_EPOCH`'s).
fn on_june_20(env: &Env, args: &[&str]) -> crate::support::Run {
    crate::support::run_command(
        env.cmd()
            .env("SOURCE_DATE_EPOCH", "1781956800") // 2026-06-20T12:00:00Z
            .args(args),
    )
}

#[test]
fn r16_a_change_dated_after_the_real_date_needs_future_and_a_read_does_not() {
    let env = Env::contoso_active();
    let before = env.bytes();
    // A mistyped year: refused with both days, as a usage error, by every kind of change and
    // by a dry run; nothing written.
    for line in [
        "--as-of 2027-06-16 incidents open --scope cloud --title Typo",
        "--as-of 2026-06-21 offer renew gold-cloud-platform",
        "--as-of 2026-06-21 -n incidents open --scope cloud --title Typo",
        "--as-of 2026-06-21 account add ops@contoso.com --role global-admin",
    ] {
        let run = on_june_20(&env, &w(line));
        assert_eq!(run.code, 2, "{line}: {}", run.stderr);
        let day = w(line)[1];
        assert!(
            run.stderr
                .contains(&format!("`--as-of {day}` is after today (2026-06-20)"))
                && run.stderr.contains("`--future`")
                && run.stderr.lines().count() == 1,
            "{line}: {}",
            run.stderr
        );
        assert!(env.bytes() == before, "{line} wrote the state");
    }
    // --json says so as a usage error too.
    let run = on_june_20(
        &env,
        &w("--json --as-of 2027-06-16 incidents open --scope cloud --title Typo"),
    );
    let error: serde_json::Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(error["error"]["exit_code"], 2);
    // Reads take any day.
    for line in [
        "--as-of 2030-01-01 status",
        "--as-of 2027-06-16 check --exit-zero",
        "--as-of 2027-06-16 incidents list --all",
    ] {
        let run = on_june_20(&env, &w(line));
        assert_eq!(run.code, 0, "{line}: {}", run.stderr);
    }
    // The real date itself, and earlier, need nothing.
    assert_eq!(
        on_june_20(
            &env,
            &w("--as-of 2026-06-20 incidents open --scope cloud --title Today")
        )
        .code,
        0
    );
    // With --future the change is made and dated that day.
    let run = on_june_20(
        &env,
        &w("--future --as-of 2026-07-01 incidents open --scope cloud --title Planned"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let incidents = env.json()["incidents"].clone();
    assert_eq!(incidents[1]["opened_on"], "2026-07-01", "{incidents}");
}
