//! Membership years (R17, R18): renewals keep earlier years, one allocation a year, a new year's
//! benefit can be activated while last year's contract still runs, and an ended membership says
//! so.

use serde_json::Value;

use crate::support::{Env, w};

/// Contoso with Action Pack for 2026-01-15 to 2027-01-14, its product support activated on
/// 2026-03-01 (contract 6000001, to 2027-02-28).
fn one_year() -> Env {
    let env = Env::contoso();
    env.ok(&w(
        "--as-of 2026-01-15 offer add action-pack --start 2026-01-15 --end 2027-01-14",
    ));
    env.ok(&w(
        "--as-of 2026-03-01 activate action-pack/product-support --access-id MAPS-1 --contract-id 6000001",
    ));
    env
}

fn benefit(env: &Env, args: &str) -> Vec<(String, String, Value)> {
    env.ok(&w(&format!("--json benefits {args}"))).json()["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["name"] == "action-pack/product-support")
        .map(|b| {
            (
                b["year"]["start"].as_str().unwrap().to_string(),
                b["status"].as_str().unwrap().to_string(),
                b["contract_id"].clone(),
            )
        })
        .collect()
}

#[test]
fn r17_a_renewal_adds_the_next_year_and_keeps_the_last() {
    let env = one_year();
    // The next year is not a new offer.
    let run = env.refused(
        &w("--future --as-of 2027-01-10 offer add action-pack --start 2027-01-15 --end 2028-01-14"),
        3,
        "offer `action-pack` already exists",
    );
    assert!(
        run.stderr.contains(
            "hint: for its next membership year: `partner-support offer renew action-pack"
        ),
        "{}",
        run.stderr
    );
    let renewed = env.ok(&w("--future --as-of 2027-01-10 offer renew action-pack"));
    assert!(
        renewed
            .stderr
            .contains("renewed offer action-pack for 2027-01-15 to 2028-01-14"),
        "{}",
        renewed.stderr
    );
    env.refused(
        &w("offer renew action-pack --start 2027-06-01"),
        2,
        "its last year runs until 2028-01-14",
    );
    let offers = env.ok(&w("--as-of 2027-01-20 --json offer list")).json();
    assert_eq!(
        offers["offers"][0]["year"],
        serde_json::json!({"start": "2027-01-15", "end": "2028-01-14"})
    );
    assert_eq!(offers["offers"][0]["years"].as_array().unwrap().len(), 2);
    let table = env.ok(&w("--as-of 2027-01-20 offer list --all")).stdout;
    assert!(
        table.contains("2026-01-15 to 2027-01-14") && table.contains("ended"),
        "{table}"
    );
    assert!(
        table.contains("2027-01-15 to 2028-01-14") && table.contains("in force"),
        "{table}"
    );
    assert!(
        !env.ok(&w("--as-of 2027-01-20 offer list"))
            .stdout
            .contains("2026-01-15 to")
    );

    // On 2027-01-20 the new year's benefit is its own: not activated, though last year's
    // contract runs to 2027-02-28; its IDs are accepted at once, and both contracts are there.
    assert_eq!(
        benefit(&env, "--as-of 2027-01-20"),
        [("2027-01-15".into(), "not-activated".into(), Value::Null)]
    );
    env.ok(&w(
        "--future --as-of 2027-01-20 activate action-pack/product-support --access-id MAPS-2 --contract-id 6000002",
    ));
    assert_eq!(
        benefit(&env, "--as-of 2027-01-20"),
        [("2027-01-15".into(), "active".into(), "6000002".into())]
    );
    let contracts = env.ok(&w("--as-of 2027-01-20 --json contract list")).json();
    let ids: Vec<_> = contracts["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["contract_id"].clone(), c["year"]["start"].clone()))
        .collect();
    assert_eq!(
        ids,
        [
            ("6000001".into(), "2026-01-15".into()),
            ("6000002".into(), "2027-01-15".into())
        ]
    );
    let shown = env
        .ok(&w("--as-of 2027-01-20 contract show 6000001"))
        .stdout;
    assert!(
        shown
            .lines()
            .any(|l| l.contains("Membership year") && l.contains("2026-01-15 to 2027-01-14")),
        "{shown}"
    );
    assert!(
        shown.contains("Charged") && shown.contains("Left"),
        "{shown}"
    );
    // A re-issue of IDs is a correction of the contract, not a new allocation.
    env.ok(&w(
        "--future --as-of 2027-01-20 contract edit 6000002 --access-id MAPS-2B",
    ));
    assert_eq!(env.json()["contracts"][1]["access_id"], "MAPS-2B");
    assert!(
        !env.history().last().unwrap()["summary"]
            .as_str()
            .unwrap()
            .contains("MAPS-2B")
    );
    env.refused(&w("contract edit 6000002 --access-id MAPS-1"), 3, "6000001");
    // Earlier years are kept, with their own state.
    assert_eq!(
        benefit(&env, "--as-of 2027-01-20 --year 2026-06-01"),
        [("2026-01-15".into(), "active".into(), "6000001".into())]
    );
    assert_eq!(
        benefit(&env, "--as-of 2027-01-20 --all"),
        [
            ("2026-01-15".into(), "active".into(), "6000001".into()),
            ("2027-01-15".into(), "active".into(), "6000002".into())
        ]
    );
    env.ok(&["doctor"]);
}

#[test]
fn r18_one_allocation_a_year_an_exhausted_pack_is_not_activated_again_that_year() {
    let env = one_year();
    for n in 1..=10 {
        env.ok(&w(&format!(
            "--as-of 2026-04-0{} incidents open --scope on-premises --title T{n}",
            1 + n % 9
        )));
    }
    let run = env.refused(
        &w("--as-of 2026-05-01 activate action-pack/product-support --access-id MAPS-9 --contract-id 6000009"),
        3,
        "benefit `action-pack/product-support` was already allocated for the membership year 2026-01-15 to 2027-01-14: contract `6000001` is exhausted; one allocation a year",
    );
    assert!(
        run.stderr
            .contains("the next allocation comes with the next membership year, from 2027-01-15"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("activate again"));
    let table = env.ok(&w("--as-of 2026-05-01 benefits")).stdout;
    assert!(
        table.contains("exhausted: contract 6000001; the next allocation comes with the next year"),
        "{table}"
    );
    // An activation must start within its year.
    env.ok(&w("--as-of 2026-12-01 offer renew action-pack"));
    env.refused(
        &w("--future --as-of 2027-01-20 activate action-pack/product-support --access-id MAPS-2 --contract-id 6000002 --start 2027-01-10"),
        3,
        "must start within its membership year 2027-01-15 to 2028-01-14, not on 2027-01-10",
    );
}

#[test]
fn an_ended_membership_says_so_with_the_renew_hint_not_no_benefits_yet() {
    let env = one_year();
    let benefits = env.ok(&w("--as-of 2027-03-01 benefits")).stdout;
    assert!(
        benefits.contains("The membership ended on 2027-01-14. `partner-support offer renew NAME` adds the next year"),
        "{benefits}"
    );
    assert!(!benefits.contains("Looks like you don't have any benefits yet"));
    let json = env.ok(&w("--as-of 2027-03-01 --json benefits")).json();
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .starts_with("The membership ended on 2027-01-14")
    );
    assert!(
        env.ok(&w("--as-of 2027-03-01 status"))
            .stdout
            .contains("The membership ended on 2027-01-14")
    );
    // With no offer at all it is still R1's text.
    assert!(
        Env::contoso()
            .ok(&["benefits"])
            .stdout
            .contains("Looks like you don't have any benefits yet")
    );
}

#[test]
fn benefits_of_several_years_always_show_their_year() {
    let env = Env::contoso();
    env.ok(&w(
        "offer add action-pack --start 2025-06-01 --end 2026-05-31",
    ));
    env.ok(&w("offer renew action-pack"));
    for columns in [60, 80, 100, 140] {
        let run = crate::support::run_command(
            env.cmd()
                .env("COLUMNS", columns.to_string())
                .args(w("benefits --all")),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let header = run.stdout.lines().nth(1).unwrap();
        assert!(
            header.contains("Year"),
            "{columns} columns:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("2025-06-01") && run.stdout.contains("2026-06-01"),
            "{columns} columns:\n{}",
            run.stdout
        );
    }
}

#[test]
fn r17_an_offer_added_without_an_end_renews_like_any_other_and_the_calendar_says_how() {
    let env = Env::contoso();
    env.ok(&w("offer add action-pack --start 2025-03-01"));
    env.ok(&w(
        "activate action-pack/product-support --access-id MAPS-1 --contract-id 6000001",
    ));
    let years = |env: &Env| -> Vec<(String, String)> {
        env.ok(&w("--json offer list --all")).json()["offers"][0]["years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| {
                (
                    y["start"].as_str().unwrap().to_string(),
                    y["end"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let before = years(&env);
    assert_eq!(before.last().unwrap().0, "2026-03-01", "{before:?}");
    // The calendar's anniversary entry names the command; following it works.
    let calendar = env.ok(&["calendar"]).stdout.replace("\r\n ", "");
    assert!(
        calendar.contains("`partner-support offer renew action-pack`"),
        "{calendar}"
    );
    let run = env.ok(&w("offer renew action-pack"));
    assert!(
        run.stderr
            .contains("renewed offer action-pack for 2027-03-01 to 2028-02-29"),
        "{}",
        run.stderr
    );
    let after = years(&env);
    assert_eq!(
        after,
        [
            ("2025-03-01".into(), "2026-02-28".into()),
            ("2026-03-01".into(), "2027-02-28".into()),
            ("2027-03-01".into(), "2028-02-29".into()),
        ]
    );
    // This year's contract and benefit are as they were; the year after can be renewed again.
    let benefits = env.ok(&w("--json benefits")).json();
    assert_eq!(benefits["benefits"][0]["status"], "active", "{benefits}");
    env.ok(&w("offer renew action-pack"));
    assert_eq!(years(&env).len(), 4);
    env.ok(&["doctor"]);
}

#[test]
fn a_legacy_offer_after_microsoft_stopped_selling_it_is_recorded_with_a_note() {
    let env = Env::contoso();
    // A year of the past, when Action Pack was still sold: no note.
    let past = env.ok(&w(
        "offer add action-pack --start 2024-03-01 --end 2025-02-28",
    ));
    assert!(!past.stderr.contains("note:"), "{}", past.stderr);
    // One that starts after 2025-01-21: recorded as given, with the note.
    let later = env.ok(&[
        &w("offer add gold --start 2025-06-01 --competency")[..],
        &["Cloud Platform"],
    ]
    .concat());
    assert!(
        later.stderr.contains(
            "note: Microsoft sold Microsoft Partner Network (legacy program) offers until 2025-01-21; a year starting 2025-06-01 is recorded as given"
        ),
        "{}",
        later.stderr
    );
    assert_eq!(env.json()["offers"].as_array().unwrap().len(), 2);
    // `-q` keeps it quiet; `--json` says it as a JSON note on stderr.
    let quiet = env.ok(&[
        &w("-q offer add silver --start 2025-06-01 --competency")[..],
        &["Data Analytics"],
    ]
    .concat());
    assert_eq!(quiet.stderr, "");
}

#[test]
fn a_2026_organization_on_todays_built_in_program_from_init_to_its_second_year() {
    let env = Env::new();
    let at = |day: &str, line: &str| -> Vec<String> {
        let mut args = vec!["--as-of".to_string(), day.to_string()];
        args.extend(line.split_whitespace().map(String::from));
        args
    };
    let ok = |args: Vec<String>| env.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    ok(at(
        "2026-01-10",
        "init --partner-id 4012345 --name Fabrikam --account admin@fabrikam.com --role global-admin",
    ));
    let added = ok(at("2026-01-10", "offer add partner-success-expanded"));
    assert!(
        !added.stderr.contains("note:"),
        "today's program is sold: {}",
        added.stderr
    );
    // The gate is calm while the benefit is being activated, then the IDs come.
    assert!(
        env.run(
            &at("2026-01-12", "check")
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        )
        .code
            <= 4
    );
    ok(at(
        "2026-01-14",
        "activate partner-success-expanded/cloud-support --access-id ACC-EXP-2026 --contract-id 5500001",
    ));
    for day in ["2026-02-03", "2026-05-19", "2026-09-08"] {
        ok(at(day, "incidents open --scope cloud --title Deployment"));
    }
    let remaining = ok(at("2026-09-08", "--json incidents remaining")).json();
    assert_eq!(remaining["by_scope"][1]["left"], 2, "{remaining}");
    // The anniversary is announced (information: the offer runs on), then renewed.
    let before = ok(at("2026-12-20", "--json check --exit-zero")).json();
    assert!(
        before["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "membership-ending" && f["severity"] == "info"),
        "{before}"
    );
    ok(at("2026-12-01", "offer renew partner-success-expanded"));
    // The second year: its own allocation, activated again (R18), the first year's contract
    // kept with its history.
    ok([
        vec!["--future".to_string()],
        at(
            "2027-01-12",
            "activate partner-success-expanded/cloud-support --access-id ACC-EXP-2027 --contract-id 5500002",
        ),
    ]
    .concat());
    let benefits = ok(at("2027-01-12", "--json benefits --all")).json();
    let years: Vec<_> = benefits["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["year"]["start"].clone(), b["contract_id"].clone()))
        .collect();
    assert_eq!(
        years,
        [
            (
                serde_json::json!("2026-01-10"),
                serde_json::json!("5500001")
            ),
            (
                serde_json::json!("2027-01-10"),
                serde_json::json!("5500002")
            ),
        ]
    );
    let report = ok(at("2027-01-12", "--json report --year 2026")).json();
    let row = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "5500001")
        .cloned()
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(row["charged"], 3, "{row}");
    ok(at("2027-01-12", "doctor"));
}

#[test]
fn a_legacy_gold_year_and_the_solutions_partner_years_after_it_stay_in_one_record() {
    let env = Env::new();
    let at = |day: &str, line: &str| -> Vec<String> {
        let mut args = vec!["--as-of".to_string(), day.to_string()];
        args.extend(line.split('|').map(String::from));
        args
    };
    let run = |args: Vec<String>| env.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let ok = |args: Vec<String>| env.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    ok(at(
        "2024-07-01",
        "init|--partner-id|4012345|--name|Northwind|--account|it@northwind.example|--role|global-admin|--catalog|mpn-2021",
    ));
    ok(at(
        "2024-07-01",
        "offer|add|gold|--competency|Cloud Platform|--start|2024-07-01|--end|2025-06-30",
    ));
    ok(at(
        "2024-07-08",
        "activate|gold-cloud-platform/product-support|--access-id|ACC-GOLD-24|--contract-id|3100001",
    ));
    ok(at(
        "2024-09-02",
        "incidents|open|--scope|on-premises|--product|SQL Server 2022|--title|Backup fails",
    ));
    // The program changes: today's is added, the Gold year stays with its catalog.
    let moved = ok(at("2025-07-01", "catalog|use|ai-cloud-partner-program"));
    assert!(moved.stderr.contains("mpn-2021"), "{}", moved.stderr);
    ok(at(
        "2025-07-01",
        "offer|add|solutions-partner|--solution-area|Infrastructure (Azure)|--start|2025-07-01",
    ));
    ok(at(
        "2025-07-10",
        "activate|solutions-partner-infrastructure-azure/cloud-support|--access-id|ACC-SP-25|--contract-id|5600001",
    ));
    ok(at(
        "2025-08-04",
        "incidents|open|--scope|cloud|--product|Azure Virtual Machines|--title|VM will not start",
    ));

    let offers = ok(at("2026-06-15", "--json|offer|list|--all")).json();
    let catalogs: Vec<(String, String)> = offers["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_string(),
                o["catalog"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect();
    assert_eq!(
        catalogs,
        [
            ("gold-cloud-platform".to_string(), "mpn-2021".to_string()),
            (
                "solutions-partner-infrastructure-azure".to_string(),
                "ai-cloud-partner-program".to_string()
            ),
        ],
        "{offers}"
    );
    let text = ok(at("2026-06-15", "offer|list|--all")).stdout;
    assert!(
        text.contains("2024-07-01") && text.contains("2025-07-01"),
        "{text}"
    );

    let benefits = ok(at("2026-06-15", "--json|benefits|--all")).json();
    let rows: Vec<(String, String, Value)> = benefits["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["year"]["start"].as_str().unwrap().to_string(),
                b["contract_id"].clone(),
            )
        })
        .collect();
    for (name, year, contract) in [
        (
            "gold-cloud-platform/product-support",
            "2024-07-01",
            "3100001",
        ),
        (
            "solutions-partner-infrastructure-azure/cloud-support",
            "2025-07-01",
            "5600001",
        ),
    ] {
        assert!(
            rows.iter()
                .any(|(n, y, c)| n == name && y == year && c == contract),
            "{name} {year}: {rows:?}"
        );
    }
    // Each year's report keeps its incidents, whichever program they were charged under.
    for (year, contract) in [("2024", "3100001"), ("2025", "5600001")] {
        let report = ok(at(
            "2026-06-15",
            &format!("report|--year|{year}|--format|json"),
        ))
        .stdout;
        assert!(report.contains(contract), "{year}: {report}");
    }
    let contract = ok(at("2026-06-15", "--json|contract|show|3100001")).json();
    assert_eq!(contract["year"]["start"], "2024-07-01", "{contract}");
    // A legacy offer may still be recorded beside today's (the past as it was), and the state
    // stays healthy with both programs.
    ok(at(
        "2026-06-15",
        "offer|add|action-pack|--start|2023-07-01|--end|2024-06-30",
    ));
    assert_eq!(run(at("2026-06-15", "doctor")).code, 0);
    let status = ok(at("2026-06-15", "status")).stdout;
    assert!(status.contains("AI Cloud Partner Program"), "{status}");
}

#[test]
fn a_second_solutions_partner_designation_brings_no_second_benefits_package() {
    let env = Env::contoso();
    env.ok(&w(
        "offer add solutions-partner --solution-area Security --start 2026-03-01",
    ));
    let second = env.ok(&[
        "offer",
        "add",
        "solutions-partner",
        "--solution-area",
        "Modern Work",
        "--start",
        "2026-05-01",
    ]);
    assert!(
        second.stderr.contains(
            "no benefits of its own while solutions-partner-security is held: Solutions Partner benefits come once per organization"
        ),
        "{}",
        second.stderr
    );
    let names: Vec<String> = env.ok(&w("--json benefits")).json()["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "solutions-partner-security/cloud-support",
            "solutions-partner-security/on-premises-support"
        ]
    );
    // Nothing to activate for the second designation, so nothing to warn about.
    let check = env.run(&w("--json check --exit-zero")).json();
    assert!(
        !check.to_string().contains("solutions-partner-modern-work"),
        "{check}"
    );
    env.refused(
        &w("activate solutions-partner-modern-work/cloud-support"),
        3,
        "solutions-partner-modern-work/cloud-support",
    );
    // A file of the partner's own can say each designation has its own.
    let own = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/catalogs/ai-cloud-partner-program.toml"
    ))
    .unwrap()
    .replace(
        "package = \"once-per-organization\"",
        "package = \"per-designation\"",
    )
    .replace(
        "version = \"2025.06-unverified\"",
        "version = \"2026.12-own\"",
    );
    let file = env.dir().join("own.toml");
    std::fs::write(&file, own).unwrap();
    env.ok(&["catalog", "use", file.to_str().unwrap()]);
    let after = env.ok(&w("--json benefits")).json()["benefits"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, 4);
}
