//! R21, the N-1 policy: an on-premises incident is for the newest version of a product family
//! released by then, or the one before it, while in mainstream support; the lifecycle table is
//! data, which a user's own file corrects.

use serde_json::Value;

use crate::support::{Env, w};

fn open_for(env: &Env, day: &str, product: &str) -> crate::support::Run {
    env.run(&[
        "--as-of",
        day,
        "incidents",
        "open",
        "--scope",
        "on-premises",
        "--product",
        product,
        "--title",
        "Down",
    ])
}

#[test]
fn r21_an_on_premises_product_past_mainstream_or_n_minus_2_is_refused_with_the_entitled_versions() {
    let env = Env::contoso_active();
    let run = env.refused(
        &w("incidents open --scope on-premises --title Down --product")
            .into_iter()
            .chain(["Windows Server 2012 R2"])
            .collect::<Vec<_>>(),
        3,
        "the support plan can't be used for support of the specified products: Windows Server 2012 R2 is not entitled on 2026-06-15 under the N-1 policy: it is N-2 or older (the newest version is Windows Server 2025)",
    );
    assert!(
        run.stderr
            .contains("decided by lifecycle rows not verified: Windows Server 2025 (CONFLICT)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: entitled that day: Windows Server 2025, Windows Server 2022"),
        "{}",
        run.stderr
    );
    // Mainstream support ended (N-1, decided against a newer CONFLICT row, which it names).
    let sql = open_for(&env, "2026-11-01", "Windows Server 2022");
    assert_eq!(sql.code, 3, "{}", sql.stderr);
    assert!(
        sql.stderr
            .contains("its mainstream support ended on 2026-10-13"),
        "{}",
        sql.stderr
    );
    assert!(
        sql.stderr.contains("Windows Server 2025 (CONFLICT)"),
        "{}",
        sql.stderr
    );
    // The same version on a day it was N-1 in mainstream support is charged.
    let on_day = open_for(&env, "2026-06-16", "Windows Server 2022 Datacenter");
    assert_eq!(on_day.code, 0, "{}", on_day.stderr);
    assert!(!on_day.stderr.contains("note:"), "{}", on_day.stderr);
    // Unknown and near-miss names pass with a note; cloud incidents are not affected.
    let unknown = open_for(&env, "2026-06-16", "Acme Widget 7");
    assert_eq!(unknown.code, 0);
    assert!(unknown.stderr.contains("note: `Acme Widget 7` is not in the product lifecycle table, so the N-1 policy was not checked"), "{}", unknown.stderr);
    let near = open_for(&env, "2026-06-16", "Windows Servr 2022");
    assert!(
        near.stderr
            .contains("(did you mean `Windows Server 2022`?)"),
        "{}",
        near.stderr
    );
    env.ok(&[
        "incidents",
        "open",
        "--scope",
        "cloud",
        "--product",
        "Windows Server 2012 R2",
        "--title",
        "Azure VM",
    ]);
    // A corrected product is checked as of the day the incident was opened.
    env.refused(
        &[
            "incidents",
            "edit",
            "INC-0001",
            "--product",
            "Windows Server 2016",
        ],
        3,
        "Windows Server 2016 is not entitled on 2026-06-16",
    );
    env.ok(&["doctor"]);
}

#[test]
fn a_users_lifecycle_file_corrects_the_table_beside_the_state_or_with_the_flag() {
    let env = Env::contoso_active();
    let header = "product_id,product,policy,start,mainstream_end,extended_end,status,source";
    // Say Windows Server 2025 came out in 2027 and 2019's mainstream support was extended.
    let moved = format!(
        "{header}\nwindows-server-2025,Windows Server 2025,fixed,2027-01-01,2031-11-13,2036-11-14,VERIFIED,ours\nwindows-server-2019,Windows Server 2019,fixed,2018-11-13,2027-01-09,2029-01-09,VERIFIED,ours\n"
    );
    let file = env.dir().join("mine.csv");
    std::fs::write(&file, &moved).unwrap();
    assert_eq!(open_for(&env, "2026-06-15", "Windows Server 2019").code, 3);
    let flagged = env.run(&[
        "--lifecycle",
        file.to_str().unwrap(),
        "incidents",
        "open",
        "--scope",
        "on-premises",
        "--product",
        "Windows Server 2019",
        "--title",
        "Down",
    ]);
    assert_eq!(flagged.code, 0, "{}", flagged.stderr);
    // Beside the state file it applies without the flag.
    std::fs::write(env.state().with_file_name("lifecycle.csv"), &moved).unwrap();
    assert_eq!(open_for(&env, "2026-06-15", "Windows Server 2019").code, 0);
    let list = env
        .ok(&w("--json products list --family windows-server"))
        .json();
    let ws2019 = list["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product_id"] == "windows-server-2019")
        .unwrap()
        .clone();
    assert_eq!(
        (ws2019["entitled"].clone(), ws2019["source"].clone()),
        (Value::Bool(true), "ours".into())
    );
    // A bad row is named, exit 2, nothing written.
    std::fs::write(
        &file,
        format!("{header}\nx,X,fixed,2020-13-01,none,none,VERIFIED,s\n"),
    )
    .unwrap();
    env.refused(
        &["--lifecycle", file.to_str().unwrap(), "products", "list"],
        2,
        "row 2, column `start`: `2020-13-01` is not a date",
    );
    env.refused(
        &["--lifecycle", "/nonexistent.csv", "products", "list"],
        2,
        "cannot read lifecycle file `/nonexistent.csv`",
    );
}

#[test]
fn products_list_shows_dates_how_sure_they_are_and_the_verdict_on_the_day() {
    let env = Env::new();
    let table = env.ok(&w("products list --family windows-server")).stdout;
    for want in [
        "Windows Server 2022",
        "entitled (N-1)",
        "entitled (N)",
        "CONFLICT",
        "N-2 or older",
    ] {
        assert!(table.contains(want), "{want}:\n{table}");
    }
    assert!(
        !table.contains("Windows Server 2012 R2"),
        "past extended support: only with --all"
    );
    assert!(
        env.ok(&w("products list --family windows-server --all"))
            .stdout
            .contains("Windows Server 2012 R2")
    );
    let earlier = env
        .ok(&w(
            "--as-of 2017-01-01 --json products list --family windows-server --all",
        ))
        .json();
    let entitled: Vec<_> = earlier["products"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["entitled"] == true)
        .map(|p| p["product"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(entitled, ["Windows Server 2012 R2", "Windows Server 2016"]);
    env.refused(
        &w("products list --family windowz"),
        2,
        "`--family windowz` is not a family",
    );
    assert!(env.bytes().is_none(), "a list writes nothing");
}

#[test]
fn import_and_doctor_apply_r21_as_of_each_incidents_own_day() {
    let env = Env::contoso_active();
    let header = "id,opened_on,scope,title,product,contract_id";
    let file = env.dir().join("old.csv");
    std::fs::write(
        &file,
        format!("{header}\nINC-0001,2026-06-20,on-premises,Fine,Windows Server 2022,7000001\nINC-0002,2026-06-20,on-premises,Old,Exchange Server 2016,7000001\n"),
    )
    .unwrap();
    env.refused(
        &["import", file.to_str().unwrap()],
        3,
        "row 3, column `product`: INC-0002 could not have been opened on 2026-06-20: the support plan can't be used for support of the specified products: Exchange Server 2016 is not entitled",
    );
    // A hand edit that makes a recorded incident's product ineligible is named by doctor.
    env.ok(&w(
        "incidents open --scope on-premises --title Down --product Windows-Server-2022",
    ));
    let mut state = env.json();
    state["incidents"][0]["product"] = "Windows Server 2016".into();
    env.write_private(&serde_json::to_vec_pretty(&state).unwrap());
    let doctor = env.run(&w("--json doctor")).json();
    let codes: Vec<_> = doctor["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].clone())
        .collect();
    assert!(codes.contains(&"not-chargeable".into()), "{doctor}");
}

#[test]
fn lifecycle_text_that_could_drive_a_terminal_is_refused_with_its_row() {
    let env = Env::contoso();
    let header =
        "product_id,family,product,policy,start,mainstream_end,extended_end,status,source\n";
    for (row, column, code) in [
        (
            "acme-1,\"Acme\u{1b}]8;;https://x.invalid\u{7}Widget\",Acme 1,fixed,2020-01-01,2025-01-01,2030-01-01,VERIFIED,me\n",
            "family",
            "U+001B",
        ),
        (
            "acme-1,Acme,\"Acme\u{202e}1\",fixed,2020-01-01,2025-01-01,2030-01-01,VERIFIED,me\n",
            "product",
            "U+202E",
        ),
        (
            "acme-1,Acme,Acme 1,fixed,2020-01-01,2025-01-01,2030-01-01,VERIFIED,\"line\rbreak\"\n",
            "source",
            "U+000D",
        ),
    ] {
        let file = env.dir().join("lifecycle.csv");
        std::fs::write(&file, format!("{header}{row}")).unwrap();
        let run = env.refused(
            &["--lifecycle", file.to_str().unwrap(), "products", "list"],
            2,
            &format!("row 2, column `{column}`: it holds {code}"),
        );
        assert!(
            !run.stderr.contains(['\u{1b}', '\u{202e}', '\r']),
            "{:?}",
            run.stderr
        );
    }
}

#[test]
fn on_2026_12_06_todays_versions_are_entitled_from_rows_that_say_how_sure_they_are() {
    let env = Env::contoso_active();
    let json = env.ok(&w("--as-of 2026-12-06 --json products list")).json();
    let rows = json["products"].as_array().unwrap();
    let entitled = |family: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r["family"] == family && r["entitled"] == true)
            .map(|r| r["product"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(entitled("windows-server"), ["Windows Server 2025"]);
    assert_eq!(
        entitled("sql-server"),
        ["SQL Server 2022", "SQL Server 2025"]
    );
    assert_eq!(
        entitled("exchange-server"),
        ["Exchange Server Subscription Edition (SE)"]
    );
    assert_eq!(
        entitled("sharepoint-server"),
        ["SharePoint Server Subscription Edition"]
    );
    assert_eq!(entitled("office"), ["Office LTSC 2024"]);
    assert_eq!(entitled("windows"), ["Windows 11"]);
    // Windows Server 2025's end dates differ between sources: the row says so and names both.
    let all = env
        .ok(&w("--as-of 2026-12-06 --json products list --all"))
        .json();
    let ws2025 = all["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["product"] == "Windows Server 2025")
        .unwrap()
        .clone();
    assert_eq!(ws2025["status"], "CONFLICT", "{ws2025}");
    let source = ws2025["source"].as_str().unwrap();
    assert!(
        source.contains("2029-11-13") && source.contains("10/09/2029"),
        "{source}"
    );
    // Windows 10 reached its end of support on 2025-10-14 (Modern Lifecycle Policy); Windows 11
    // is supported, whatever its edition.
    env.refused(
        &w("--as-of 2026-06-15 incidents open --scope on-premises --title Login --product")
            .into_iter()
            .chain(["Windows 10 Pro"])
            .collect::<Vec<_>>(),
        3,
        "Windows 11",
    );
    env.ok(
        &w("--as-of 2026-06-15 incidents open --scope on-premises --title Login --product")
            .into_iter()
            .chain(["Windows 11 Pro"])
            .collect::<Vec<_>>(),
    );
}

#[test]
fn a_case_microsoft_accepted_outside_n_minus_1_is_recorded_marked_and_kept() {
    let env = Env::contoso_active();
    let open = |extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> =
            w("incidents open --scope on-premises --title Cluster --product")
                .into_iter()
                .map(String::from)
                .collect();
        args.push("Windows Server 2012 R2".into());
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    fn as_strs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    // The table says no: refused.
    env.refused(&as_strs(&open(&[])), 3, "not entitled");
    // Both flags or neither.
    env.refused(&as_strs(&open(&["--outside-policy"])), 2, "--reason");
    env.refused(&as_strs(&open(&["--reason", "x"])), 2, "--outside-policy");
    // Accepted by Microsoft on the call: recorded, with why.
    let why = "accepted by the engineer on case 2606150010001";
    env.ok(&as_strs(&open(&["--outside-policy", "--reason", why])));
    let shown = env.ok(&w("incidents show INC-0001")).stdout;
    assert!(shown.contains("accepted outside the policy"), "{shown}");
    let list = env.ok(&w("incidents list")).stdout;
    assert!(list.contains("outside N-1"), "{list}");
    assert_eq!(
        env.ok(&w("--json incidents show INC-0001")).json()["outside_policy"],
        why
    );
    // doctor does not count it as breaking R21; a product correction is not checked either.
    env.ok(&["doctor"]);
    env.ok(&[
        "incidents",
        "edit",
        "INC-0001",
        "--product",
        "Windows Server 2008 R2",
    ]);
    // Export and import keep it.
    let export = env.ok(&w("--reveal export")).stdout;
    let fresh = Env::new();
    let file = fresh.dir().join("export.json");
    std::fs::write(&file, export).unwrap();
    fresh.ok(&["import", file.to_str().unwrap()]);
    assert_eq!(
        fresh.ok(&w("--json incidents show INC-0001")).json()["outside_policy"],
        why
    );
    let csv = env.ok(&w("export --format csv --what incidents")).stdout;
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",note,outside_policy"),
        "{csv}"
    );
}
