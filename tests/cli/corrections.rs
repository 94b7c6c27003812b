//! Corrections, each a change with its history entry: `incidents edit` (a move re-checks R8 as of
//! the opening day), `incidents void`, `account edit` (an admin role needed, like R2),
//! `contract edit`, and `undo`.

use std::fs;

use serde_json::Value;

use crate::support::{Env, w};

fn remaining(env: &Env, contract: &str) -> Value {
    let doc = env
        .ok(&w("--json incidents remaining --contract")
            .into_iter()
            .chain([contract])
            .collect::<Vec<_>>())
        .json();
    doc["contracts"][0]["remaining"].clone()
}

fn last_summary(env: &Env) -> String {
    env.history().last().unwrap()["summary"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn void_takes_a_mistaken_entry_out_of_every_count_and_keeps_it_visible_with_all() {
    let env = Env::contoso_active();
    env.ok(&w(
        "incidents open --scope cloud --contract 8000005 --title Typed-twice",
    ));
    env.ok(&w(
        "incidents open --scope cloud --contract 8000005 --title Real",
    ));
    assert_eq!(remaining(&env, "8000005"), 3);
    let run = env.ok(&["incidents", "void", "INC-0001", "--reason", "typed twice"]);
    assert!(run.stderr.contains("voided INC-0001"), "{}", run.stderr);
    assert_eq!(remaining(&env, "8000005"), 4);
    // On every day, not only from the void on.
    let early = env
        .ok(&w(
            "--as-of 2026-06-15 --json incidents remaining --contract 8000005",
        ))
        .json();
    assert_eq!(early["contracts"][0]["remaining"], 4);
    assert_eq!(early["contracts"][0]["charged"], 1);
    let open = env.ok(&w("--json incidents list")).json();
    let ids: Vec<_> = open["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(ids, ["INC-0002"]);
    let all = env.ok(&w("--json incidents list --all")).json();
    let voided = &all["incidents"][0];
    assert_eq!(voided["status"], "voided");
    assert_eq!(voided["void"]["reason"], "typed twice");
    assert_eq!(voided["void"]["by"], "admin@contoso.com");
    assert!(env.ok(&w("incidents list --all")).stdout.contains("voided"));
    assert_eq!(last_summary(&env), "voided INC-0001 (typed twice)");
    assert_eq!(
        env.history().last().unwrap()["balances"][0]["used_after"],
        1,
        "the history records the balance it moved"
    );
    // A voided entry is kept as it was.
    for line in [
        "incidents close INC-0001",
        "incidents refund INC-0001 --reason duplicate",
        "incidents edit INC-0001 --title Other",
    ] {
        env.refused(&w(line), 3, "voided on 2026-06-15");
    }
    env.refused(
        &["incidents", "void", "INC-0001", "--reason", "again"],
        3,
        "voided on 2026-06-15",
    );
    // Dated before it was opened (R16).
    env.refused(
        &[
            "--as-of",
            "2026-06-01",
            "incidents",
            "void",
            "INC-0002",
            "--reason",
            "x",
        ],
        3,
        "it was opened on 2026-06-15",
    );
    env.ok(&["doctor"]);
}

#[test]
fn a_move_to_another_contract_is_checked_against_r8_as_of_the_day_the_incident_was_opened() {
    let env = Env::contoso_active();
    env.ok(&w("contract add --plan premier --contract-id P1 --access-id PREM-ACC-1 --incidents 40 --scope both --start 2026-01-01"));
    env.ok(&w("contract add --plan custom --contract-id LATER --access-id LATER-ACC-1 --incidents 5 --scope on-premises --start 2026-07-01"));
    env.ok(&w(
        "incidents open --scope on-premises --contract 7000001 --title Printer",
    ));
    assert_eq!(remaining(&env, "7000001"), 19);

    // Wrong scope, and a contract that had not started on the opening day.
    env.refused(
        &w("incidents edit INC-0001 --contract 8000005"),
        3,
        "could not have been charged to it when it was opened on 2026-06-15",
    );
    env.refused(
        &w("--as-of 2026-07-02 incidents edit INC-0001 --contract LATER"),
        3,
        "starts on 2026-07-01",
    );
    env.refused(&w("incidents edit INC-0001 --contract NOPE"), 3, "NOPE");

    let moved = env
        .ok(&w(
            "--json incidents edit INC-0001 --contract P1 --case 2606150010001",
        ))
        .json();
    assert_eq!(moved["contract_id"], "P1");
    assert_eq!(moved["case_number"], "2606150010001");
    assert_eq!(remaining(&env, "7000001"), 20);
    assert_eq!(remaining(&env, "P1"), 39);
    assert_eq!(
        last_summary(&env),
        "corrected the contract and case number of INC-0001"
    );
    let moved: Vec<_> = env.history().last().unwrap()["balances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["contract"].clone(), b["used_after"].clone()))
        .collect();
    assert_eq!(
        moved,
        [("7000001".into(), 0.into()), ("P1".into(), 1.into())]
    );
    env.ok(&["doctor"]);
}

#[test]
fn account_edit_changes_roles_kind_and_association_and_needs_an_admin_role() {
    let env = Env::contoso();
    env.ok(&w("account add tech@contoso.com --role admin-agent"));
    let edited = env
        .ok(&w(
            "--json account edit tech@contoso.com --add-role mpn-partner-admin --msa",
        ))
        .json();
    assert_eq!(
        edited["roles"],
        serde_json::json!(["mpn-partner-admin", "admin-agent"])
    );
    assert_eq!(edited["kind"], "msa");
    assert_eq!(
        last_summary(&env),
        "changed account tech@contoso.com: +mpn-partner-admin, now msa"
    );
    env.ok(&w(
        "account edit tech@contoso.com --remove-role mpn-partner-admin --aad --csp-only",
    ));
    let list = env.ok(&w("--json account list")).json();
    let tech = list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "tech@contoso.com")
        .unwrap()
        .clone();
    assert_eq!(tech["roles"], serde_json::json!(["admin-agent"]));
    assert_eq!(tech["csp_only"], true);

    // Only an admin changes accounts: tech (admin-agent) may not make itself one, add or remove.
    for line in [
        "--as tech@contoso.com account edit tech@contoso.com --add-role global-admin",
        "--as tech@contoso.com account add friend@contoso.com --role global-admin",
        "--as tech@contoso.com account remove admin@contoso.com",
    ] {
        env.refused(&w(line), 3, "not authorized");
    }
    env.refused(
        &w("account edit tech@contoso.com --add-role admin-agent"),
        2,
        "nothing to change",
    );
    env.refused(
        &w("account edit ghost@contoso.com --msa"),
        3,
        "ghost@contoso.com",
    );
    env.refused(&w("account edit tech@contoso.com --msa --aad"), 2, "--aad");
    env.refused(
        &w("account edit tech@contoso.com --add-role global-admin --remove-role global-admin"),
        2,
        "contradict",
    );
}

#[test]
fn contract_edit_corrects_the_end_or_name_and_refuses_an_end_that_strands_an_incident() {
    let env = Env::contoso_active();
    env.ok(&w(
        "--as-of 2026-08-01 incidents open --scope cloud --contract 8000005 --title Late",
    ));
    env.refused(
        &w("contract edit 8000005 --end 2026-07-31"),
        3,
        "it charged INC-0001 on 2026-08-01",
    );
    env.refused(
        &w("contract edit 8000005 --end 2026-01-01"),
        2,
        "before start date",
    );
    env.refused(&w("contract edit 8000005"), 2, "nothing to change");
    let edited = env
        .ok(&[
            "--json",
            "contract",
            "edit",
            "8000005",
            "--end",
            "2026-12-31",
            "--name",
            "Silver pack",
        ])
        .json();
    assert_eq!(edited["end"], "2026-12-31");
    assert_eq!(edited["plan"], "Silver pack");
    assert_eq!(
        last_summary(&env),
        "changed contract 8000005: end 2027-06-14 → 2026-12-31, name \"Partner Cloud Support 5\" → \"Silver pack\""
    );
}

#[test]
fn undo_puts_back_the_state_before_the_last_change_as_a_change_of_its_own() {
    let env = Env::contoso_active();
    let before = env.json();
    env.ok(&w(
        "incidents open --scope cloud --contract 8000005 --title Oops",
    ));
    assert_eq!(remaining(&env, "8000005"), 4);
    let run = env.ok(&["undo"]);
    assert!(
        run.stderr
            .contains("undid revision 6 (incidents open: opened INC-0001"),
        "{}",
        run.stderr
    );
    assert_eq!(remaining(&env, "8000005"), 5);
    let after = env.json();
    assert_eq!(after["revision"], 7);
    assert_eq!(after["incidents"], before["incidents"]);
    // The records as they were; the undo is an operation of its own, and the contract notes
    // when it set the field again (`set_at`, which a merge weighs).
    let mut contracts = after["contracts"].clone();
    let stamped = contracts[1]["set_at"].take();
    assert!(stamped["linked_accounts"].is_array(), "{stamped}");
    contracts[1].as_object_mut().unwrap().remove("set_at");
    assert_eq!(contracts, before["contracts"]);
    let log = env.history();
    assert_eq!(log.last().unwrap()["action"], "undo");
    assert_eq!(log.len(), 7);
    // A second undo puts the change back.
    env.ok(&["undo"]);
    assert_eq!(remaining(&env, "8000005"), 4);
    env.ok(&["doctor"]);

    // A backup that is not exactly the revision before is refused, and nothing changes.
    let backup = env.state().with_file_name("state.json.bak");
    let older = fs::read(&backup).unwrap();
    env.ok(&w("incidents close INC-0001"));
    fs::write(&backup, &older).unwrap();
    env.refused(&["undo"], 3, "the backup is revision 7, not revision 8");
    let mut edited = fs::read(&backup).unwrap();
    let at = edited.windows(7).position(|x| x == b"Contoso").unwrap();
    edited[at] = b'K';
    fs::write(&backup, &edited).unwrap();
    env.refused(&["undo"], 3, "changed outside partner-support");
    fs::remove_file(&backup).unwrap();
    env.refused(&["undo"], 3, "there is no backup");
}

#[test]
fn undo_with_nothing_before_is_refused_and_leaves_nothing_behind() {
    let env = Env::new();
    env.refused(&["undo"], 3, "cannot undo: no change has been recorded");
    assert!(
        !env.dir().join("config").exists(),
        "no folder is left behind"
    );
    env.ok(crate::support::INIT_CONTOSO);
    env.refused(&["undo"], 3, "there is no backup");
}
