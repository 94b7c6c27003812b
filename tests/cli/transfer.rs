//! `export` and `import`: JSON that reads back, CSV a spreadsheet opens (RFC 4180 quoting), and
//! a merge that is all or nothing.

use crate::support::{Env, w};
use pretty_assertions::assert_eq;

/// Contoso with two incidents on 7000001, one with a title that needs CSV quoting.
fn contoso() -> Env {
    let env = Env::contoso_active();
    env.ok(&[
        "incidents",
        "open",
        "--scope",
        "on-premises",
        "--title",
        "Mail \"flow\", stopped",
    ]);
    env.ok(&w("incidents open --scope on-premises --title Second"));
    env.ok(&w("incidents refund INC-0002 --reason duplicate"));
    env
}

/// Writes `text` to a file `name` in the test's folder, and gives its path.
fn beside(env: &Env, name: &str, text: &str) -> String {
    let p = env.dir().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn csv_has_a_header_and_quotes_what_needs_it() {
    let env = contoso();
    let csv = env.ok(&w("export --format csv --what incidents")).stdout;
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,opened_on,scope,title,product,contract_id,plan,case_number,csp_customer,opened_by,closed_on,refunded_on,refund_reason,refunded_by,voided_on,void_reason,voided_by,note,outside_policy"
    );
    assert_eq!(
        lines[1],
        r#"INC-0001,2026-06-15,on-premises,"Mail ""flow"", stopped",,7000001,Partner On-premises Support 20,,,admin@contoso.com,,,,,,,,,"#
    );
    assert!(
        lines[2].ends_with(",2026-06-15,duplicate,admin@contoso.com,,,,,"),
        "{}",
        lines[2]
    );
    let contracts = env.ok(&w("export --format csv --what contracts")).stdout;
    assert!(
        contracts.contains("7000001,****7788,Partner On-premises Support 20,benefit,"),
        "{contracts}"
    );
    assert!(!contracts.contains("ACC-GOLD-7788"));
    assert!(
        contracts
            .lines()
            .next()
            .unwrap()
            .contains(",allowance,charged,refunded,remaining,lapsed,start,"),
        "{contracts}"
    );
    // 7000001: 2 charged, 1 refunded, 19 left.
    assert!(
        contracts.contains(",on-premises,20,2,1,19,,"),
        "{contracts}"
    );
    env.refused(&w("export --format csv"), 2, "a CSV file holds one table");
}

#[test]
fn a_json_export_reads_back_into_a_new_state_and_again_changes_nothing() {
    let env = contoso();
    env.ok(&w("activate gold-cloud-platform/cloud-support"));
    let masked = env.ok(&["export"]).json();
    assert_eq!(masked["format"], "partner-support export");
    assert_eq!(masked["contracts"][0]["access_id"], "****7788");
    let file = env.dir().join("all.json");
    std::fs::write(&file, env.ok(&w("export --reveal")).stdout).unwrap();
    let path = file.to_str().unwrap();

    // Into a fresh state of the same organization: everything arrives.
    let other = Env::new();
    other.ok(&w("init --partner-id 4012345 --name Contoso"));
    let run = other.ok(&["import", path]);
    assert_eq!(
        run.stderr,
        "imported 2 incidents, 2 contracts, 1 account, 2 offers, 1 pending activation from all.json\n"
    );
    let remaining = |e: &Env| e.ok(&w("--json incidents remaining")).json()["totals"].clone();
    assert_eq!(remaining(&other), remaining(&env));
    let benefits = |e: &Env| e.ok(&w("--json benefits")).json();
    assert_eq!(
        benefits(&other),
        benefits(&env),
        "pending activations came along"
    );
    // Importing it again finds only duplicates and writes nothing.
    let before = other.bytes();
    let again = other.ok(&["import", path]);
    assert!(
        again
            .stderr
            .starts_with("imported nothing new from all.json (8 already recorded"),
        "{}",
        again.stderr
    );
    assert!(other.bytes() == before);
    // And the original takes it back as duplicates only.
    env.ok(&["import", path]);
}

#[test]
fn an_import_is_validated_first_and_all_or_nothing() {
    let env = contoso();
    let write = |name: &str, text: &str| beside(&env, name, text);
    let header = "id,opened_on,scope,title,product,contract_id,plan,case_number,csp_customer,opened_by,closed_on,refunded_on,refund_reason,refunded_by";
    // A new incident and one that differs from INC-0001: nothing is imported.
    let conflict = write(
        "conflict.csv",
        &format!(
            "{header}\nINC-0009,2026-06-15,cloud,New,,8000005,,,,,,,,\nINC-0001,2026-06-15,on-premises,Other title,,7000001,,,,,,,,\n"
        ),
    );
    env.refused(
        &["import", &conflict],
        3,
        "cannot import: incident INC-0001 differs from the one recorded",
    );
    // Six more on a five-incident contract would push it below zero.
    let rows: String = (10..16)
        .map(|n| format!("INC-00{n},2026-06-15,cloud,Load,,8000005,,,,,,,,\n"))
        .collect();
    let too_many = write("too-many.csv", &format!("{header}\n{rows}"));
    env.refused(
        &["import", &too_many],
        3,
        "contract `8000005` has more incidents charged (6) than it grants (5)",
    );
    // Files that are not exports.
    let masked = write("masked.json", &env.ok(&["export"]).stdout);
    env.refused(
        &["import", &masked],
        2,
        "has a masked Access ID; export with `--reveal`",
    );
    let other = write("other.json", "{\"hello\": 1}");
    env.refused(
        &["import", &other],
        2,
        "is not a `partner-support export --format json` file",
    );
    let bad_row = write(
        "bad.csv",
        &format!("{header}\nINC-0009,2026-02-30,cloud,Bad date,,8000005,,,,,,,,\n"),
    );
    env.refused(&["import", &bad_row], 2, "row 2:");
    env.refused(
        &["import", "/nonexistent/file.json"],
        2,
        "cannot import `/nonexistent/file.json`",
    );
    // A dry run shows what would change and writes nothing.
    let good = write(
        "good.csv",
        &format!("{header}\nINC-0009,2026-06-15,cloud,New,,8000005,,,,,,,,\n"),
    );
    let before = env.bytes();
    let run = env.ok(&["-n", "import", &good]);
    assert!(
        run.stderr
            .contains("imported 1 incident from good.csv (2 already recorded")
            || run.stderr.contains("imported 1 incident from good.csv"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.ends_with("dry run: nothing was written\n"));
    assert!(env.bytes() == before);
    env.ok(&["import", &good]);
    assert_eq!(env.json()["incidents"].as_array().unwrap().len(), 3);
}

#[test]
fn r8_an_imported_incident_must_have_been_chargeable_on_its_own_opening_day_named_by_row_and_column()
 {
    let env = contoso();
    let write = |name: &str, text: &str| beside(&env, name, text);
    let header =
        "id,opened_on,scope,title,product,contract_id,plan,case_number,csp_customer,opened_by";
    for (row, wanted) in [
        // A cloud incident on the on-premises contract.
        (
            "INC-0009,2026-06-20,cloud,Cloud,,7000001,,,,",
            "row 3, column `contract_id`: INC-0009 could not have been charged to contract `7000001` on 2026-06-20: the support plan can't be used for support of the specified products",
        ),
        // Six weeks after the contract expired (it ends 2027-06-14).
        (
            "INC-0009,2027-07-26,on-premises,Late,,7000001,,,,",
            "row 3, column `opened_on`: INC-0009 could not have been charged to contract `7000001` on 2027-07-26: support plan expired on 2027-06-14",
        ),
        (
            "INC-0009,2026-06-20,on-premises,Who,,7000001,,,,ghost@contoso.com",
            "row 3, column `opened_by`: INC-0009 was opened by `ghost@contoso.com`, which is not a recorded account",
        ),
    ] {
        let file = write(
            "rows.csv",
            &format!("{header}\nINC-0008,2026-06-20,on-premises,Fine,,7000001,,,,\n{row}\n"),
        );
        env.refused(&["import", &file], 3, wanted);
    }
    // Five on the five-incident pack in June are fine; a sixth in July finds it exhausted then,
    // even though a refund in August would have made room.
    let rows: String = (10..14)
        .map(|n| format!("INC-00{n},2026-06-20,cloud,Load,,8000005,,,,,,,\n"))
        .collect();
    let file = write(
        "pack.csv",
        &format!(
            "{header},closed_on,refunded_on,refund_reason\n{rows}INC-0015,2026-07-01,cloud,One more,,8000005,,,,,,,\nINC-0016,2026-06-20,cloud,Refunded in August,,8000005,,,,,,2026-08-01,duplicate\n"
        ),
    );
    env.refused(
        &["import", &file],
        3,
        "row 6, column `contract_id`: INC-0015 could not have been charged to contract `8000005` on 2026-07-01: support plan exhausted (all 5 incidents were used then)",
    );
}

#[test]
fn doctor_reports_a_record_a_hand_edit_made_unchargeable() {
    let env = contoso();
    let mut state = env.json();
    state["incidents"][0]["scope"] = "cloud".into();
    state["incidents"][1]["opened_on"] = "2027-07-26".into();
    state["incidents"][1]["refund"]["on"] = "2027-07-27".into();
    env.write_private(&serde_json::to_vec_pretty(&state).unwrap());
    let doctor = env.run(&w("--json doctor"));
    assert_eq!(doctor.code, 1, "{}", doctor.stdout);
    let found: Vec<_> = doctor.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "not-chargeable")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        found,
        [
            "INC-0001 could not have been charged to contract `7000001` on 2026-06-15: the support plan can't be used for support of the specified products (it covers on-premises, the incident is cloud)",
            "INC-0002 could not have been charged to contract `7000001` on 2027-07-26: support plan expired on 2027-06-14",
        ]
    );
}

#[test]
fn an_export_starts_a_new_state_without_init() {
    let env = contoso();
    let file = env.dir().join("all.json");
    std::fs::write(&file, env.ok(&w("export --reveal")).stdout).unwrap();
    let fresh = Env::new();
    let run = fresh.ok(&["import", file.to_str().unwrap()]);
    assert!(
        run.stderr
            .starts_with("imported 2 incidents, 2 contracts, 1 account"),
        "{}",
        run.stderr
    );
    let status = fresh.ok(&w("--json status")).json();
    assert_eq!(status["organization"]["name"], "Contoso Ltd");
    assert_eq!(status["account"]["email"], "admin@contoso.com");
    let remaining = |e: &Env| e.ok(&w("--json incidents remaining")).json()["totals"].clone();
    assert_eq!(remaining(&fresh), remaining(&env));
    fresh.ok(&["doctor"]);
    // An export of schema 3 (an offer's `start` and `end`, not its years) is migrated as a
    // state file of that version would be.
    let mut older: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    older["schema_version"] = 3.into();
    for offer in older["offers"].as_array_mut().unwrap() {
        let term = offer.as_object_mut().unwrap().remove("years").unwrap()[0].clone();
        offer["start"] = term["start"].clone();
    }
    let older_file = env.dir().join("v3.json");
    std::fs::write(&older_file, serde_json::to_vec(&older).unwrap()).unwrap();
    let again = Env::new();
    again.ok(&["import", older_file.to_str().unwrap()]);
    assert_eq!(remaining(&again), remaining(&env));
    // A CSV carries no organization: that still needs `init`, and leaves nothing behind.
    let csv = env.dir().join("incidents.csv");
    std::fs::write(
        &csv,
        env.ok(&w("export --format csv --what incidents")).stdout,
    )
    .unwrap();
    let empty = Env::new();
    empty.refused(&["import", csv.to_str().unwrap()], 3, "init");
    assert!(!empty.dir().join("config").exists());
}

#[test]
fn a_note_on_an_incident_is_kept_shown_exported_and_imported() {
    let env = contoso();
    env.ok(&[
        "incidents",
        "open",
        "--scope",
        "cloud",
        "--title",
        "Tenant sync",
        "--note",
        "=waiting on the customer's logs, see ticket 42",
    ]);
    let id = "INC-0003";
    let show = env.ok(&["incidents", "show", id]).stdout;
    assert!(
        show.contains("Note") && show.contains("waiting on the customer's logs"),
        "{show}"
    );
    let json = env.ok(&["--json", "incidents", "show", id]).json();
    assert_eq!(
        json["note"],
        "=waiting on the customer's logs, see ticket 42"
    );
    // Replaced by `edit`, recorded in the history.
    env.ok(&["incidents", "edit", id, "--note", "logs received"]);
    assert_eq!(
        env.ok(&["--json", "incidents", "show", id]).json()["note"],
        "logs received"
    );
    let history = env.ok(&["history"]).stdout;
    assert!(
        history.contains(&format!("corrected the note of {id}")),
        "{history}"
    );
    // The same note again changes nothing: refused, naming the flags that would.
    env.refused(
        &["incidents", "edit", id, "--note", "logs received"],
        2,
        "`--note`",
    );
    // A note like any text: no control characters.
    env.refused(
        &["incidents", "edit", id, "--note", "a\u{1b}[31mb"],
        2,
        "--note",
    );
    // Exported as the last CSV column (a formula-like cell guarded), and read back by import.
    env.ok(&[
        "incidents",
        "edit",
        id,
        "--note",
        "=SUM(A1:A9) is not a formula",
    ]);
    let csv = env.ok(&w("export --format csv --what incidents")).stdout;
    let row = csv.lines().find(|l| l.starts_with(id)).unwrap();
    assert!(row.ends_with(",'=SUM(A1:A9) is not a formula,"), "{row}");
    let export = env.ok(&w("--reveal export")).stdout;
    let fresh = Env::new();
    let file = beside(&fresh, "export.json", &export);
    fresh.ok(&["import", &file]);
    assert_eq!(
        fresh.ok(&["--json", "incidents", "show", id]).json()["note"],
        "=SUM(A1:A9) is not a formula"
    );
    // And from the CSV, into a state with the same contracts.
    let again = Env::contoso_active();
    let file = beside(&again, "incidents.csv", &csv);
    again.ok(&["import", &file]);
    assert_eq!(
        again.ok(&["--json", "incidents", "show", id]).json()["note"],
        "=SUM(A1:A9) is not a formula"
    );
}
