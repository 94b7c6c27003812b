//! Contracts: hidden unavailable plans (R7), linking (R6), paid plans (R13).

use crate::support::{Env, w};
use pretty_assertions::assert_eq;

fn exhaust_silver(env: &Env) {
    for i in 1..=5 {
        env.ok(&[
            "incidents",
            "open",
            "--scope",
            "cloud",
            "--title",
            &format!("Case {i}"),
        ]);
    }
}

fn ids(json: &serde_json::Value) -> Vec<String> {
    json["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["contract_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn step8_lists_hide_expired_and_exhausted_contracts() {
    let env = Env::contoso_active();
    exhaust_silver(&env);
    env.ok(&w("contract add --plan custom --contract-id OLD-2025 --access-id ACC-OLD-2025 --incidents 10 --scope on-premises --start 2025-01-01 --end 2025-12-31"));
    assert_eq!(
        ids(&env.ok(&["contract", "list", "--json"]).json()),
        ["7000001"]
    );
    let all = env.ok(&["contract", "list", "--all", "--json"]).json();
    assert_eq!(ids(&all), ["7000001", "8000005", "OLD-2025"]);
    let reasons: Vec<_> = all["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["status"].clone(), c["reason"].clone()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("active".into(), serde_json::Value::Null),
            ("exhausted".into(), "no incidents remaining".into()),
            ("expired".into(), "expired on 2025-12-31".into()),
        ]
    );
    let table = env.ok(&["contract", "list", "--all"]).stdout;
    assert!(
        table.contains("no incidents remaining") && table.contains("expired on 2025-12-31"),
        "{table}"
    );
    let table = env.ok(&["contract", "list"]).stdout;
    assert!(
        !table.contains("8000005") && !table.contains("OLD-2025"),
        "{table}"
    );
}

#[test]
fn step9_linking_is_idempotent_and_refuses_unusable_contracts() {
    let env = Env::contoso_active();
    let run = env.ok(&w("contract link 7000001 --account someone@outlook.com"));
    assert!(
        run.stderr
            .contains("linked someone@outlook.com to contract 7000001"),
        "{}",
        run.stderr
    );
    let linked =
        env.ok(&["contract", "show", "7000001", "--json"]).json()["linked_accounts"].clone();
    assert_eq!(linked, serde_json::json!(["someone@outlook.com"]));

    let before = env.bytes();
    let run = env.ok(&w("contract link 7000001 --account someone@outlook.com"));
    assert!(run.stderr.contains("already linked"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("This Access ID is already associated to an account"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("can be ignored"), "{}", run.stderr);
    assert!(before == env.bytes(), "a no-op link writes nothing");
    let json = env
        .ok(&w(
            "contract link 7000001 --account someone@outlook.com --json",
        ))
        .json();
    assert_eq!(json["already_linked"], true);

    // Linking with no --account links the acting account.
    env.ok(&["contract", "link", "7000001"]);
    let linked =
        env.ok(&["contract", "show", "7000001", "--json"]).json()["linked_accounts"].clone();
    assert_eq!(
        linked,
        serde_json::json!(["admin@contoso.com", "someone@outlook.com"])
    );

    exhaust_silver(&env);
    let run = env.refused(
        &w("contract link 8000005 --account someone@outlook.com"),
        3,
        "no incidents remaining",
    );
    assert!(
        run.stderr.contains("new support plan is needed"),
        "{}",
        run.stderr
    );
    env.refused(
        &w("--future --as-of 2027-06-15 contract link 7000001 --account x@outlook.com"),
        3,
        "expired on 2027-06-14",
    );
    env.refused(
        &["contract", "link", "NOPE", "--account", "x@outlook.com"],
        3,
        "contract `NOPE` not found",
    );
}

#[test]
fn step12_paid_plans_with_their_own_allowance_and_dates() {
    let env = Env::contoso();
    let premier = env
        .ok(&w("contract add --plan premier --contract-id PREM-1 --access-id ACC-PREM-0001 --incidents 40 --scope both --start 2026-03-01 --end 2027-02-28 --json"))
        .json();
    assert_eq!(premier["plan"], "Premier Support for Partners");
    assert_eq!(
        (premier["allowance"].clone(), premier["scope"].clone()),
        (40.into(), "both".into())
    );
    assert_eq!(
        (premier["start"].clone(), premier["end"].clone()),
        ("2026-03-01".into(), "2027-02-28".into())
    );

    let advanced = env
        .ok(&w("contract add --plan advanced --contract-id ADV-1 --access-id ACC-ADV-0001 --incidents unlimited --scope cloud --json"))
        .json();
    assert_eq!(advanced["unlimited"], true);
    assert_eq!(advanced["allowance"], serde_json::Value::Null);
    assert_eq!(advanced["remaining"], serde_json::Value::Null);
    assert_eq!(advanced["end"], "2027-06-14");

    env.refused(
        &w("contract add --plan advanced --contract-id ADV-2 --access-id ACC-ADV-0002 --incidents 10 --scope on-premises"),
        2,
        "Advanced Support for Partners covers cloud products only",
    );
    let custom = env
        .ok(&[
            "contract",
            "add",
            "--plan",
            "custom",
            "--contract-id",
            "CUST-1",
            "--access-id",
            "ACC-CUST-0001",
            "--incidents",
            "12",
            "--scope",
            "on-premises",
            "--name",
            "Reseller escalation pack",
            "--json",
        ])
        .json();
    assert_eq!(custom["plan"], "Reseller escalation pack");
    // A paid plan is charged like any other.
    let run = env.ok(&[
        "incidents",
        "open",
        "--scope",
        "cloud",
        "--title",
        "Azure Files",
    ]);
    assert!(
        run.stderr.contains("ADV-1"),
        "unlimited Advanced plan first: {}",
        run.stderr
    );
}

/// What Partner Center shows left is recorded against the record on its day: equal is exit 0,
/// different is exit 4 with the likely causes, `check` warns while the last count disagrees and
/// a later agreeing one clears it.
#[test]
fn reconcile_with_partner_centers_count() {
    let env = Env::contoso();
    let on = |day: &str, line: &str| {
        let mut args = vec!["--as-of", day];
        args.extend(line.split_whitespace());
        let run = env.run(&args);
        assert_eq!(run.code, 0, "{line}: {}", run.stderr);
        run
    };
    on(
        "2026-01-10",
        "offer add partner-success-expanded --start 2026-01-10",
    );
    on(
        "2026-01-12",
        "activate partner-success-expanded/cloud-support --access-id PSE-26 --contract-id 5500001",
    );
    on(
        "2026-02-01",
        "incidents open --scope cloud --title First --case 2602010010001",
    );
    on("2026-02-03", "incidents open --scope cloud --title Second");
    // Nothing recorded yet: the hint says how to give the count (followed just below).
    let none = env.refused(
        &w("--as-of 2026-02-05 contract reconcile 5500001"),
        2,
        "no count of Partner Center is recorded for contract `5500001`",
    );
    assert!(
        none.stderr
            .contains("`partner-support contract reconcile 5500001 --left N`"),
        "{}",
        none.stderr
    );
    // Agreed: 3 left.
    let agreed = on("2026-02-05", "contract reconcile 5500001 --left 3");
    assert!(
        agreed
            .stdout
            .contains("Partner Center showed 3 left on 2026-02-05, as the record does"),
        "{}",
        agreed.stdout
    );
    // Partner Center shows 4: the second has no case number.
    let before = env.bytes();
    let differs = env.run(&w("--as-of 2026-02-10 contract reconcile 5500001 --left 4"));
    assert_eq!(differs.code, 4, "{}{}", differs.stdout, differs.stderr);
    assert!(
        differs.stdout.contains("the record 3"),
        "{}",
        differs.stdout
    );
    assert!(
        differs.stdout.contains("incidents with no case number")
            && differs.stdout.contains("INC-0002"),
        "{}",
        differs.stdout
    );
    assert_ne!(
        env.bytes(),
        before,
        "the count is recorded even when it differs"
    );
    let check = env
        .run(&w("--as-of 2026-02-10 --json check --exit-zero"))
        .json();
    assert!(
        check["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "balance-differs" && f["contract"] == "5500001"),
        "{check}"
    );
    // The hint of the finding, followed: the last count compared again, same answer.
    let again = env.run(&w("--as-of 2026-02-10 --json contract reconcile 5500001"));
    assert_eq!(again.code, 4);
    let doc = again.json();
    assert_eq!(
        (&doc["left"], &doc["record_left"], &doc["agrees"]),
        (&4.into(), &3.into(), &false.into())
    );
    assert_eq!(doc["causes"][0]["cause"], "no-case-number");
    // Voiding the mistaken entry makes them agree, and a new agreeing count clears the warning.
    on("2026-02-11", "incidents void INC-0002 --reason typed-twice");
    on("2026-02-11", "contract reconcile 5500001 --left 4");
    let check = env
        .run(&w("--as-of 2026-02-11 --json check --exit-zero"))
        .json();
    assert!(!check.to_string().contains("balance-differs"), "{check}");
    let shown = env
        .run(&w("--as-of 2026-02-11 --json contract show 5500001"))
        .json();
    assert_eq!(
        shown["observations"].as_array().unwrap().len(),
        3,
        "{shown}"
    );
    // The report of the period lists the counts, in every format.
    let report = env
        .run(&w("--as-of 2026-02-11 --json report --since 2026-02-01"))
        .json();
    let counts: Vec<(String, bool)> = report["observations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["on"].as_str().unwrap().to_string(),
                o["agrees"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        // Each against the record as it stands: with the mistaken entry voided, the first
        // count (taken while the record held it) no longer agrees, the later two do.
        [
            ("2026-02-05".to_string(), false),
            ("2026-02-10".to_string(), true),
            ("2026-02-11".to_string(), true)
        ]
    );
    for format in ["table", "markdown", "html"] {
        let out = env
            .run(&[
                "--as-of",
                "2026-02-11",
                "report",
                "--since",
                "2026-02-01",
                "--format",
                format,
            ])
            .stdout;
        assert!(out.contains("Partner Center"), "{format}: {out}");
    }
    // Refused: a count larger than the pack, a day to come, an unlimited plan.
    let before = env.bytes();
    env.refused(
        &w("--as-of 2026-02-11 contract reconcile 5500001 --left 9"),
        2,
        "9 left is more than contract `5500001` grants (5)",
    );
    env.refused(
        &w("--as-of 2026-02-11 contract reconcile 5500001 --left 1 --on 2026-03-01"),
        2,
        "after today",
    );
    assert_eq!(env.bytes(), before);
}

/// `contract remove` takes out a contract recorded by mistake, and refuses one that records
/// still name, byte for byte unchanged; its hint, followed, lets the removal through.
#[test]
fn a_contract_recorded_by_mistake_is_removed_once_nothing_names_it() {
    let env = Env::new();
    env.ok(crate::support::INIT_CONTOSO);
    for id in ["P-1", "P-2"] {
        env.ok(&w(&format!(
            "contract add --plan custom --contract-id {id} --access-id ACC-{id} --incidents 5 --scope cloud --start 2026-06-01 --end 2027-05-31"
        )));
    }
    env.ok(&w(
        "incidents open --scope cloud --contract P-2 --title Outage",
    ));
    let before = env.bytes();
    let refused = env.refused(
        &w("contract remove P-2"),
        3,
        "contract `P-2` cannot be removed: INC-0001 name it",
    );
    assert!(
        refused.stderr.contains("incidents edit ID --contract C"),
        "{}",
        refused.stderr
    );
    assert!(env.bytes() == before);
    env.ok(&w("incidents edit INC-0001 --contract P-1"));
    let removed = env.ok(&w("--json contract remove P-2")).json();
    assert_eq!(removed["removed"], "P-2");
    let left = ids(&env.ok(&w("--json contract list --all")).json());
    assert_eq!(left, ["P-1"]);
    env.refused(&w("contract remove P-2"), 3, "P-2");
}
