//! The state-file protocol: locking under concurrency, bad files never written over, newer
//! schemas refused, deterministic output, history, and reads that never write.

use std::fs;

use crate::support::{Env, w};
use partner_support::store::file::SCHEMA_VERSION;
use pretty_assertions::assert_eq;

#[test]
fn unparseable_files_are_reported_with_path_line_and_column_and_never_written_over() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("empty", b"", "line 1 column 0"),
        (
            "truncated",
            b"{\n  \"schema_version\": 1,\n  \"organization\": {\n",
            "line 4 column 0",
        ),
        (
            "not utf-8",
            b"{\"schema_version\": 1, \"organization\": \"\xff\"}",
            "line 1",
        ),
        (
            "wrong shape",
            b"{\"schema_version\": 1, \"accounts\": 7}",
            "invalid type",
        ),
        ("no version", b"{\"accounts\": []}", "no `schema_version`"),
    ];
    for (name, bytes, want) in cases {
        let env = Env::new();
        fs::create_dir_all(env.state().parent().unwrap()).unwrap();
        fs::write(env.state(), bytes).unwrap();
        for args in [&["status"][..], &["offer", "add", "action-pack"]] {
            let run = env.refused(args, 1, want);
            assert!(
                run.stderr.contains(&env.state().display().to_string()),
                "{name}: names the file: {}",
                run.stderr
            );
            assert_eq!(run.stderr.matches("error:").count(), 1, "{name}");
        }
    }
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let env = Env::new();
    fs::create_dir_all(env.state().parent().unwrap()).unwrap();
    fs::write(
        env.state(),
        b"{\"schema_version\": 99, \"something_new\": true}",
    )
    .unwrap();
    let run = env.refused(
        &["init", "--partner-id", "1", "--name", "X"],
        1,
        "was written by a newer partner-support (schema 99, this one reads up to",
    );
    assert!(
        run.stderr.contains("upgrade partner-support"),
        "{}",
        run.stderr
    );
    env.refused(&["status"], 1, &format!("reads up to {SCHEMA_VERSION}"));
}

#[test]
fn reads_never_write_and_serialization_is_deterministic() {
    let env = Env::contoso_active();
    env.ok(&["incidents", "open", "--scope", "cloud", "--title", "One"]);
    let before = env.bytes();
    let mtime = fs::metadata(env.state()).unwrap().modified().unwrap();
    for args in [
        &["status"][..],
        &["benefits"],
        &["offer", "list"],
        &["account", "list"],
        &["contract", "list", "--all"],
        &["contract", "show", "7000001"],
        &["incidents", "list", "--all"],
        &["incidents", "remaining"],
        &["status", "--json"],
    ] {
        env.ok(args);
    }
    assert!(before == env.bytes());
    assert_eq!(
        fs::metadata(env.state()).unwrap().modified().unwrap(),
        mtime
    );

    // Pretty, sorted, schema_version first, with a trailing newline.
    let text = String::from_utf8(env.bytes().unwrap()).unwrap();
    assert!(
        text.starts_with(&format!("{{\n  \"schema_version\": {SCHEMA_VERSION},")),
        "{text}"
    );
    assert!(text.ends_with("}\n"));
    let offers: Vec<_> = env.json()["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].clone())
        .collect();
    assert_eq!(offers, ["gold", "silver"]);
}

#[test]
fn the_history_records_who_did_what_without_access_ids() {
    let env = Env::contoso_active();
    env.ok(&w("account add ops@contoso.com --role mpn-partner-admin"));
    env.ok(&w(
        "--as ops@contoso.com incidents open --scope on-premises --title SQL",
    ));
    let history = env.history();
    let actions: Vec<_> = history
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "init",
            "offer add",
            "offer add",
            "activate",
            "activate",
            "account add",
            "incidents open"
        ]
    );
    let last = history.last().unwrap();
    assert_eq!(last["revision"], 7);
    assert_eq!(env.json()["revision"], 7);
    // Its operation: an ID, a clock, and the records it set (R23).
    assert_eq!(last["op"].as_str().map(str::len), Some(32));
    assert_eq!(last["clock"], 7);
    let opened = last["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["in"] == "incidents")
        .expect("the incident it opened");
    assert_eq!(opened["set"]["title"], "SQL");
    assert!(opened.get("was").is_none(), "added: no fields before");
    let mut without_changes = last.clone();
    without_changes.as_object_mut().unwrap().remove("changes");
    without_changes["changes_left_out"] = true.into();
    assert_eq!(
        env.json()["last_change"],
        without_changes,
        "the file keeps its last entry too, the records it set left to the log"
    );
    assert_eq!(last["account"], "ops@contoso.com");
    assert_eq!(last["as_of"], "2026-06-15");
    assert_eq!(
        last["summary"],
        "opened INC-0001 (on-premises) on contract 7000001"
    );
    let text = serde_json::to_string(&history).unwrap();
    assert!(
        !text.contains("ACC-GOLD-7788") && !text.contains("ACC-SIG-5555"),
        "{text}"
    );
}

#[test]
fn a_hand_edited_file_out_of_order_is_put_back_in_order() {
    let env = Env::contoso_active();
    for title in ["One", "Two", "Three"] {
        env.ok(&[
            "incidents",
            "open",
            "--scope",
            "on-premises",
            "--title",
            title,
        ]);
    }
    let mut state = env.json();
    for key in ["incidents", "contracts", "offers"] {
        state[key].as_array_mut().unwrap().reverse();
    }
    fs::write(env.state(), serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    let run = env.ok(&w("incidents open --scope on-premises --title Four"));
    assert!(
        run.stderr.contains("INC-0004"),
        "the next ID follows the highest: {}",
        run.stderr
    );
    let state = env.json();
    let ids = |key: &str, field: &str| -> Vec<String> {
        state[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[field].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids("incidents", "id"),
        ["INC-0001", "INC-0002", "INC-0003", "INC-0004"]
    );
    assert_eq!(ids("contracts", "contract_id"), ["7000001", "8000005"]);
    assert_eq!(ids("offers", "kind"), ["gold", "silver"]);
}

/// A teammate's newer build wrote the file: schema one higher, an incident with a field this
/// build does not know. Every command says the file is newer, none blames the file or writes.
#[test]
fn every_command_says_a_newer_file_is_newer_and_never_blames_it() {
    let env = Env::contoso_active();
    env.ok(&["incidents", "open", "--scope", "cloud", "--title", "One"]);
    let text = String::from_utf8(env.bytes().unwrap()).unwrap();
    let newer = SCHEMA_VERSION + 1;
    let text = text
        .replacen(
            &format!("\"schema_version\": {SCHEMA_VERSION},"),
            &format!("\"schema_version\": {newer},"),
            1,
        )
        .replacen("\"title\":", "\"severity\": \"high\", \"title\":", 1);
    assert!(text.contains("severity"));
    fs::write(env.state(), &text).unwrap();
    let want = format!(
        "was written by a newer partner-support (schema {newer}, this one reads up to {SCHEMA_VERSION})"
    );
    for args in [
        &["status"][..],
        &["benefits"],
        &["contract", "list"],
        &["incidents", "list", "--all"],
        &["incidents", "show", "INC-0001"],
        &["incidents", "remaining"],
        &["incidents", "close", "INC-0001"],
        &["incidents", "open", "--scope", "cloud", "--title", "Two"],
        &["export", "--format", "csv", "--what", "incidents"],
        &["report"],
        &["history"],
    ] {
        let run = env.refused(args, 1, &want);
        assert!(
            !run.stderr.contains("by hand") && !run.stderr.contains("unknown field"),
            "`{}` blames the file: {}",
            args.join(" "),
            run.stderr
        );
    }
}

/// R23: the history's operations replay to the file's records; `doctor` names an operation the
/// file does not reflect, and a record no operation made, and leaves both files as they are.
#[test]
fn doctor_says_where_the_history_and_the_file_part() {
    let env = Env::contoso_active();
    env.ok(&w("incidents open --scope on-premises --title Printer"));
    env.ok(&w("incidents open --scope cloud --title Mailbox"));
    // A change that sets no shared record (who acts is no record) is an operation too.
    env.ok(&w("account add ops@contoso.com --role admin-agent"));
    env.ok(&w("account use ops@contoso.com"));
    let doctor = env.ok(&w("--json doctor")).json();
    assert_eq!(doctor["healthy"], true, "{doctor}");
    assert!(!doctor.to_string().contains("history-"), "{doctor}");
    // A line of the log edited by hand: the operation set another title.
    let log = fs::read_to_string(env.history_path()).unwrap();
    let edited = log.replacen(r#""title":"Printer""#, r#""title":"Plotter""#, 1);
    assert_ne!(edited, log);
    fs::write(env.history_path(), &edited).unwrap();
    let state = env.bytes();
    let doctor = env.run(&w("--json doctor")).json();
    let finding = doctor["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "history-diverges")
        .unwrap_or_else(|| panic!("{doctor}"));
    assert_eq!(finding["severity"], "warning");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("incident INC-0001's `title` is not what the operations set"),
        "{message}"
    );
    assert_eq!(env.bytes(), state, "doctor changed the file");
    assert_eq!(fs::read_to_string(env.history_path()).unwrap(), edited);
    // An operation taken out of the log: a record no operation made.
    let without: String = log
        .lines()
        .filter(|l| !l.contains(r#""title":"Printer""#))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(env.history_path(), without).unwrap();
    let doctor = env.run(&w("--json doctor")).json();
    let messages = doctor["findings"].to_string();
    assert!(
        messages.contains("incident INC-0001 is in the file and no operation made it"),
        "{messages}"
    );
    // The file's records are right: `doctor --accept`, as the finding says, records them
    // (the incident, and the contract its opening linked an account to).
    let accepted = env.ok(&w("doctor --accept"));
    assert!(
        accepted
            .stderr
            .contains("recorded 2 records as the file holds them"),
        "{}",
        accepted.stderr
    );
    let doctor = env.ok(&w("--json doctor")).json();
    assert_eq!(doctor["healthy"], true, "{doctor}");
    assert!(!doctor.to_string().contains("history-"), "{doctor}");
    // A line whose records were lost (here: taken out, and restored from the file by the next
    // change): the history is not checked from there, until `--accept` starts it again.
    let log = fs::read_to_string(env.history_path()).unwrap();
    let last_gone: String = log
        .lines()
        .take(log.lines().count() - 1)
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(env.history_path(), last_gone).unwrap();
    env.ok(&w("account use admin@contoso.com"));
    let doctor = env.ok(&w("--json doctor")).json();
    assert!(
        doctor.to_string().contains("history-unreplayable"),
        "{doctor}"
    );
    let accepted = env.ok(&w("doctor --accept"));
    assert!(
        accepted
            .stderr
            .contains("started the history's operations again"),
        "{}",
        accepted.stderr
    );
    let doctor = env.ok(&w("--json doctor")).json();
    assert!(!doctor.to_string().contains("history-"), "{doctor}");
    assert_eq!(doctor["healthy"], true, "{doctor}");
}

/// R23: a file whose history predates operations (as every file written before them) gets a
/// start holding its records with its next change; `undo` takes that change back, and the
/// history replays to the file throughout.
#[test]
fn the_first_operation_of_an_older_history_starts_it_and_can_be_undone() {
    let env = Env::contoso_active();
    env.ok(&w("incidents open --scope cloud --title Before"));
    // The file and its log as a version before operations wrote them: sealed, no operations.
    let store = partner_support::store::Store::new(
        env.state().to_path_buf(),
        std::time::Duration::from_secs(5),
    );
    store
        .mutate(
            |s, _| -> Result<((), bool), partner_support::store::StoreError> {
                let last = s.last_change.as_mut().unwrap();
                (last.op, last.clock, last.changes) = (None, 0, Vec::new());
                Ok(((), true))
            },
        )
        .unwrap();
    let log: String = fs::read_to_string(env.history_path())
        .unwrap()
        .lines()
        .map(|l| {
            let mut e: serde_json::Value = serde_json::from_str(l).unwrap();
            for k in ["op", "clock", "changes"] {
                e.as_object_mut().unwrap().remove(k);
            }
            format!("{e}\n")
        })
        .collect();
    fs::write(env.history_path(), log).unwrap();
    let older = env.bytes().unwrap();
    let revision = env.json()["revision"].as_u64().unwrap();
    env.ok(&w("account add ben@contoso.com --role admin-agent"));
    let history = env.history();
    let actions: Vec<_> = history[history.len() - 2..]
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["start", "account add"]);
    assert_eq!(env.json()["revision"], revision + 2);
    assert_eq!(env.ok(&w("--json doctor")).json()["healthy"], true);
    let undone = env.ok(&w("undo"));
    assert!(undone.stderr.contains("account add"), "{}", undone.stderr);
    let accounts = env.ok(&w("--json account list")).json().to_string();
    assert!(!accounts.contains("ben@contoso.com"), "{accounts}");
    let doctor = env.ok(&w("--json doctor")).json();
    assert_eq!(doctor["healthy"], true, "{doctor}");
    assert!(!doctor.to_string().contains("history-"), "{doctor}");
    // Put back as it was, but for the revision and the undo's own line.
    assert_ne!(env.bytes().unwrap(), older);
    let clocks: Vec<u64> = env
        .history()
        .iter()
        .filter_map(|e| e["clock"].as_u64())
        .collect();
    assert!(clocks.is_sorted() && clocks.len() == 3, "{clocks:?}");
}
