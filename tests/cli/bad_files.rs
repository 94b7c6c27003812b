//! State files that parse but break a rule, older files, backups, links, and a loader fed
//! thousands of corrupted files: every one is named precisely and none is ever written over.

use std::fs;
use std::os::unix::fs::symlink;

use crate::support::{Env, resealed, w};
use partner_support::store::file::SCHEMA_VERSION;
use pretty_assertions::assert_eq;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Contoso with contracts 7000001 (20 incidents) and 8000005 (5), and INC-0001 on 7000001,
/// refunded.
fn contoso_with_a_refund() -> Env {
    let env = Env::contoso_active();
    env.ok(&w("incidents open --scope on-premises --title Outage"));
    env.ok(&w("incidents refund INC-0001 --reason product-bug"));
    env
}

#[test]
fn consistency_violations_are_named_with_the_path_and_nothing_is_written() {
    type Edit = fn(&mut Value);
    let cases: &[(&str, Edit, &str)] = &[
        (
            "incident names a missing contract",
            |s| s["incidents"][0]["contract_id"] = json!("9999999"),
            "incident INC-0001 is charged to contract `9999999`, which is not recorded",
        ),
        (
            "duplicate Contract ID",
            |s| s["contracts"][1]["contract_id"] = json!("7000001"),
            "contract `7000001` is recorded twice",
        ),
        (
            "refunded count above the charged count",
            |s| s["incidents"][0]["contract_id"] = Value::Null,
            "incident INC-0001 is refunded but was charged to no contract",
        ),
        (
            "end date before the start date",
            |s| s["contracts"][0]["end"] = json!("2020-01-01"),
            "contract `7000001` ends on 2020-01-01, before it starts on 2026-06-15",
        ),
        (
            "more charged than granted",
            |s| {
                s["incidents"][0]["refund"] = Value::Null;
                s["contracts"][0]["allowance"] = json!(0);
            },
            "contract `7000001` has more incidents charged (1) than it grants (0)",
        ),
    ];
    for (what, edit, message) in cases {
        let env = contoso_with_a_refund();
        let mut state = env.json();
        edit(&mut state);
        env.write_private(&serde_json::to_vec_pretty(&state).unwrap());
        let path = env.state().display().to_string();
        for args in [&["status"][..], &["offer", "add", "action-pack"]] {
            let run = env.refused(args, 1, message);
            assert!(
                run.stderr
                    .contains(&format!("state file `{path}` is inconsistent")),
                "{what}: {}",
                run.stderr
            );
            assert!(run.stderr.contains("doctor"), "{what}: a hint to doctor");
        }
        let doctor = env.run(&["doctor"]);
        assert_eq!(doctor.code, 1, "{what}");
        assert!(doctor.stdout.contains(message), "{what}: {}", doctor.stdout);
    }
}

/// When a field was set, edited by hand into something else: one line naming the value and what
/// was expected, and a change writes nothing.
#[test]
fn a_fields_stamp_edited_into_something_else_is_named_and_nothing_is_written() {
    let env = contoso_with_a_refund();
    let mut state = env.json();
    assert!(
        state["incidents"][0]["set_at"]["refund"].is_array(),
        "{state}"
    );
    state["incidents"][0]["set_at"]["refund"] = json!("soon");
    env.write_private(&serde_json::to_vec_pretty(&state).unwrap());
    let before = fs::read(env.state()).unwrap();
    for args in [&["status"][..], &["incidents", "close", "INC-0001"]] {
        env.refused(
            args,
            1,
            "invalid type: string \"soon\", expected when a field was set, as [clock, milliseconds since 1970]",
        );
    }
    assert_eq!(fs::read(env.state()).unwrap(), before);
}

#[test]
fn every_problem_is_counted_and_doctor_lists_them_all() {
    let env = contoso_with_a_refund();
    let mut state = env.json();
    state["contracts"][0]["end"] = json!("2020-01-01");
    state["contracts"][1]["end"] = json!("2020-01-01");
    env.write_private(&serde_json::to_vec_pretty(&state).unwrap());
    env.refused(
        &["status"],
        1,
        "before it starts on 2026-06-15 (and 1 more problem)",
    );
    let doctor = env.run(&["--json", "doctor"]);
    assert_eq!(doctor.code, 1);
    let codes: Vec<_> = doctor.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "inconsistent")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        codes,
        [
            "contract `7000001` ends on 2020-01-01, before it starts on 2026-06-15",
            "contract `8000005` ends on 2020-01-01, before it starts on 2026-06-15",
        ]
    );
}

#[test]
fn an_older_schema_is_read_as_is_and_migrated_on_the_next_write() {
    let v1 = fs::read("tests/fixtures/state-v1.json").unwrap();
    let env = Env::new();
    env.write_private(&v1);
    let as_of = ["--as-of", "2026-11-25"];
    let contracts = |env: &Env| {
        env.ok(&[&as_of[..], &["--json", "contract", "list", "--all"]].concat())
            .json()
    };
    let before = contracts(&env);
    assert_eq!(before["contracts"].as_array().unwrap().len(), 6);
    assert!(
        env.bytes().unwrap() == v1,
        "reading does not migrate the file"
    );
    // The fixture's incidents predate R21 here: doctor names those the N-1 policy would not have
    // entitled, and the file is read all the same.
    let doctor = env.run(&["doctor"]);
    assert!(
        doctor.stdout.contains("schema version 1") && doctor.stdout.contains("N-1 policy"),
        "{}",
        doctor.stdout
    );

    env.ok(&[&as_of[..], &w("account add new@contoso.com")].concat());
    let state = env.json();
    assert_eq!(state["schema_version"], SCHEMA_VERSION);
    let allowances: Vec<_> = state["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["allowance"].clone())
        .collect();
    assert_eq!(
        allowances,
        [
            json!(10),
            json!(20),
            json!("unlimited"),
            json!(5),
            json!(40),
            json!(6)
        ]
    );
    assert_eq!(contracts(&env), before, "the migration changes no figure");
    // The history moved from the file to the log, numbered, with the new change last.
    let v1_history = serde_json::from_slice::<Value>(&v1).unwrap()["history"]
        .as_array()
        .unwrap()
        .len();
    // Before the change, the start of its operations: every record the file held (R23).
    let log = env.history();
    assert_eq!(log.len(), v1_history + 2);
    assert!(state.get("history").is_none());
    assert_eq!(state["revision"], log.len());
    assert_eq!(log[0]["action"], "init");
    assert_eq!(log[0]["revision"], 1);
    let start = &log[v1_history];
    assert_eq!(start["action"], "start");
    let started = start["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["in"] == "contracts")
        .count();
    assert_eq!(started, 6, "the start holds every contract");
    assert_eq!(log[v1_history + 1]["clock"], 2);
    // Records are rewritten in this version's layout: one per line, the rules' fields first.
    let text = String::from_utf8(env.bytes().unwrap()).unwrap();
    let first = text.lines().find(|l| l.contains("\"INC-0001\"")).unwrap();
    assert!(
        first.starts_with(r#"    {"id": "INC-0001", "contract_id": "6000010", "opened_on": "2025-05-12", "closed_on": "2025-05-20", "void": null, "refund": null, "scope": "on-premises""#),
        "{first}"
    );
    assert_eq!(
        log.last().unwrap()["summary"],
        "added account new@contoso.com (no roles)"
    );
    assert!(
        fs::read(env.state().with_file_name("state.json.bak")).unwrap() == v1,
        "the backup is the file as it was"
    );
}

#[test]
fn the_backup_is_the_version_before_the_last_change() {
    let env = Env::contoso();
    env.ok(&w("offer add action-pack"));
    let previous = env.bytes().unwrap();
    env.ok(&w("account add tech@contoso.com --role admin-agent"));
    let backup = env.state().with_file_name("state.json.bak");
    assert!(fs::read(&backup).unwrap() == previous);
    // A refused change rotates nothing.
    env.refused(&w("offer add action-pack"), 3, "already");
    assert!(fs::read(&backup).unwrap() == previous);
}

#[test]
fn planted_links_are_replaced_not_written_through() {
    let env = Env::contoso();
    let outside = env.dir().join("outside.txt");
    fs::write(&outside, "not yours").unwrap();
    let backup = env.state().with_file_name("state.json.bak");
    symlink(&outside, &backup).unwrap();
    env.ok(&w("offer add action-pack"));
    assert_eq!(fs::read_to_string(&outside).unwrap(), "not yours");
    assert!(!fs::symlink_metadata(&backup).unwrap().is_symlink());
}

#[test]
fn a_state_file_behind_a_symlink_is_updated_where_it_lives() {
    let env = Env::contoso();
    let shared = env.dir().join("repo");
    fs::create_dir(&shared).unwrap();
    let real = shared.join("contoso.json");
    fs::rename(env.state(), &real).unwrap();
    symlink(&real, env.state()).unwrap();
    env.ok(&w("offer add action-pack"));
    assert!(fs::symlink_metadata(env.state()).unwrap().is_symlink());
    let state: Value = serde_json::from_slice(&fs::read(&real).unwrap()).unwrap();
    assert_eq!(state["offers"][0]["kind"], "action-pack");
    assert!(shared.join("contoso.json.bak").exists());
}

/// Ways to damage a file: overwrite, insert or delete a byte, or cut the file short.
#[derive(Debug, Clone)]
enum Damage {
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Set(i, b)),
        (
            any::<usize>(),
            prop::sample::select(&b"{}[]\",:0-9aez \n\\"[..])
        )
            .prop_map(|(i, b)| Damage::Insert(i, b)),
        any::<usize>().prop_map(Damage::Delete),
        any::<usize>().prop_map(Damage::Truncate),
    ]
}

#[test]
fn resealing_an_undamaged_file_gives_it_back() {
    let bytes = fs::read("examples/contoso.json").unwrap();
    assert!(
        resealed(&bytes) == bytes,
        "the example was written by this version"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn the_loader_never_panics_on_a_damaged_file(
        damages in prop::collection::vec(damage(), 1..4),
        reseal in any::<bool>(),
    ) {
        let mut bytes = fs::read("examples/contoso.json").unwrap();
        for d in damages {
            let n = bytes.len().max(1);
            match d {
                Damage::Set(i, b) => { if !bytes.is_empty() { bytes[i % n] = b } }
                Damage::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
                Damage::Delete(i) => { if !bytes.is_empty() { bytes.remove(i % n); } }
                Damage::Truncate(i) => bytes.truncate(i % n),
            }
        }
        if reseal {
            bytes = resealed(&bytes);
        }
        let path = std::path::Path::new("state.json");
        match partner_support::store::decode(path, bytes.clone()) {
            // Whatever went wrong, the message names the file.
            Err(e) => prop_assert!(e.to_string().contains("`state.json`"), "{}", e),
            // What loaded can be used: every record decodes or says why, every view derives.
            Ok(loaded) => {
                for head in loaded.state.incidents.iter() {
                    let _ = loaded.record(head.id);
                }
                let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
                let _ = loaded.state.contract_views(today);
                let _ = loaded.state.check(today, &Default::default(), &Default::default());
            }
        }
    }
}

#[test]
fn a_sealed_file_of_the_previous_schema_is_not_reported_as_changed_and_is_migrated_by_a_change() {
    let v2 = fs::read("tests/fixtures/state-v2.json").unwrap();
    let env = Env::new();
    env.write_private(&v2);
    let read = env.ok(&["--as-of", "2026-11-25", "--json", "incidents", "remaining"]);
    assert!(!read.stderr.contains("changed outside"), "{}", read.stderr);
    let before = read.json();
    assert!(
        env.bytes().unwrap() == v2,
        "reading does not migrate the file"
    );

    env.ok(&w("--as-of 2026-11-25 account add new@contoso.com"));
    let state = env.json();
    assert_eq!(state["schema_version"], SCHEMA_VERSION);
    let after = env.ok(&["--as-of", "2026-11-25", "--json", "incidents", "remaining"]);
    assert!(
        !after.stderr.contains("changed outside"),
        "{}",
        after.stderr
    );
    assert_eq!(after.json(), before, "the migration changes no figure");
    // A version 2 contract has no recording day: it is there on any day read.
    let early = env.ok(&[
        "--as-of",
        "2025-01-01",
        "--json",
        "contract",
        "list",
        "--all",
    ]);
    assert_eq!(early.json()["contracts"].as_array().unwrap().len(), 6);
}

/// The last incident number there can be (`INC-99999999`), edited in by hand: the next change
/// is refused rather than wrapping to `INC-0000`, and a number past it is refused where it
/// enters (the file, an import), with where it was.
#[test]
fn an_incident_number_with_no_next_is_refused_and_never_wraps() {
    let env = Env::contoso_active();
    env.ok(&w("incidents open --scope cloud --title One"));
    let text = String::from_utf8(env.bytes().unwrap()).unwrap();
    let last = text.replace("\"INC-0001\"", "\"INC-99999999\"");
    fs::write(env.state(), resealed(last.as_bytes())).unwrap();
    env.ok(&w("incidents show INC-99999999"));
    env.refused(
        &w("incidents open --scope cloud --title Two"),
        3,
        "no incident number is left after INC-99999999",
    );
    let past = text.replace("\"INC-0001\"", "\"INC-4294967295\"");
    fs::write(env.state(), resealed(past.as_bytes())).unwrap();
    for args in [
        &w("incidents open --scope cloud --title Two")[..],
        &w("doctor --accept"),
    ] {
        let run = env.refused(args, 1, "at most INC-99999999");
        assert!(run.stderr.contains("line "), "{}", run.stderr);
    }
    let import = env.dir().join("incidents.csv");
    fs::write(
        &import,
        "id,opened_on,scope,title\nINC-100000000,2026-06-15,cloud,Past the last\n",
    )
    .unwrap();
    fs::write(env.state(), resealed(text.as_bytes())).unwrap();
    let run = env.refused(&["import", import.to_str().unwrap()], 2, "row 2");
    assert!(
        run.stderr.contains("at most INC-99999999"),
        "{}",
        run.stderr
    );
}

/// Every file the user brings is refused, at once and with its name, when it is not a regular
/// file or is too large to be one of its kind: a named pipe no one writes to, a device that
/// never ends, a folder, a sparse file of 300 MiB. Nothing is written.
#[test]
fn an_input_that_is_not_a_regular_file_or_is_too_large_is_refused_before_it_is_read() {
    let env = Env::contoso();
    let fifo = env.dir().join("tickets.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let huge = env.dir().join("huge.json");
    fs::File::create(&huge).unwrap().set_len(300 << 20).unwrap();
    let folder = env.dir().to_path_buf();
    let before = env.bytes();
    for (path, why) in [
        (fifo.as_path(), "not a regular file (a named pipe)"),
        (
            std::path::Path::new("/dev/zero"),
            "not a regular file (a device)",
        ),
        (folder.as_path(), "not a regular file (a folder)"),
        (huge.as_path(), "it is 300 MiB, and at most"),
    ] {
        let p = path.to_str().unwrap();
        for args in [
            vec!["import", p],
            vec!["import", "--from", "azure-tickets", p],
            vec!["catalog", "check", p],
            vec!["catalog", "use", p],
            vec!["--lifecycle", p, "products", "list"],
        ] {
            // A read that waited on the pipe would hang here.
            let run = env.run(&args);
            assert!([2, 3].contains(&run.code), "{args:?}: {}", run.stderr);
            assert!(
                run.stderr.contains(why) && run.stderr.contains(p),
                "{args:?}: {}",
                run.stderr
            );
        }
    }
    assert_eq!(env.bytes(), before, "nothing was written");
}
