//! The README walkthrough, step by step, through the real binary.

use std::os::unix::fs::PermissionsExt;

use crate::support::{Env, INIT_CONTOSO, TODAY, w};
use partner_support::store::file::SCHEMA_VERSION;
use pretty_assertions::assert_eq;

#[test]
fn step1_init_creates_a_private_folder_and_file() {
    let env = Env::new();
    assert!(env.bytes().is_none());
    let run = env.ok(INIT_CONTOSO);
    assert!(
        run.stderr.contains("Contoso Ltd (partner ID 4012345)"),
        "{}",
        run.stderr
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(env.state().parent().unwrap()), 0o700);
    assert_eq!(mode(env.state()), 0o600);
    let state = env.json();
    assert_eq!(state["schema_version"], SCHEMA_VERSION);
    assert_eq!(state["organization"]["name"], "Contoso Ltd");
    assert_eq!(state["current_account"], "admin@contoso.com");
    assert_eq!(
        state["accounts"][0]["roles"],
        serde_json::json!(["global-admin"])
    );
    // A second init is refused and changes nothing.
    env.refused(
        &["init", "--partner-id", "1", "--name", "Other"],
        3,
        "already belongs to `Contoso Ltd`",
    );
}

#[test]
fn step2_no_offers_means_no_benefits_yet() {
    let env = Env::contoso();
    let run = env.ok(&["benefits"]);
    assert!(
        run.stdout
            .contains("Looks like you don't have any benefits yet"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("offer add"),
        "hints how to add an offer: {}",
        run.stdout
    );
    let json = env.ok(&["benefits", "--json"]).json();
    assert_eq!(json["benefits"], serde_json::json!([]));
    assert_eq!(
        json["message"],
        "Looks like you don't have any benefits yet"
    );
}

#[test]
fn step3_offers_yield_the_catalog_benefits() {
    let env = Env::contoso();
    env.ok(&["offer", "add", "gold", "--competency", "Cloud Platform"]);
    env.ok(&["offer", "add", "silver", "--competency", "Data Analytics"]);
    let json = env.ok(&["benefits", "--json"]).json();
    let rows: Vec<(String, serde_json::Value, bool, String)> = json["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["allowance"].clone(),
                b["unlimited"].as_bool().unwrap(),
                b["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let n = |v: u64| serde_json::json!(v);
    let na = "not-activated".to_string();
    assert_eq!(
        rows,
        vec![
            (
                "gold-cloud-platform/product-support".into(),
                n(20),
                false,
                na.clone()
            ),
            (
                "gold-cloud-platform/cloud-support".into(),
                serde_json::Value::Null,
                true,
                na.clone()
            ),
            (
                "silver-data-analytics/product-support".into(),
                n(15),
                false,
                na.clone()
            ),
            (
                "silver-data-analytics/cloud-support".into(),
                n(5),
                false,
                na.clone()
            ),
        ]
    );
    let table = env.ok(&["benefits"]).stdout;
    assert_eq!(table.matches("not activated").count(), 4, "{table}");

    let ap = Env::contoso();
    ap.ok(&["offer", "add", "action-pack"]);
    let json = ap.ok(&["benefits", "--json"]).json();
    let names: Vec<_> = json["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["action-pack/product-support"]);
    assert_eq!(json["benefits"][0]["allowance"], 10);
}

#[test]
fn step4_activation_needs_a_role_and_an_mpn_account() {
    let env = Env::contoso();
    env.ok(&["offer", "add", "gold", "--competency", "Cloud Platform"]);
    env.ok(&w("account add tech@contoso.com --role admin-agent"));
    let run = env.refused(
        &w("--as tech@contoso.com activate gold-cloud-platform/product-support"),
        3,
        "You are not authorized for this action",
    );
    assert!(
        run.stderr.contains("global-admin or mpn-partner-admin"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("admin@contoso.com"),
        "names who holds the role: {}",
        run.stderr
    );

    env.ok(&w(
        "account add csp@contoso.com --role global-admin --csp-only",
    ));
    for args in [
        &["benefits"][..],
        &["activate", "gold-cloud-platform/product-support"],
    ] {
        let mut with_as = vec!["--as", "csp@contoso.com"];
        with_as.extend_from_slice(args);
        let run = env.refused(&with_as, 3, "You are not authorized for this action");
        assert!(run.stderr.contains("CSP only"), "{}", run.stderr);
        assert!(
            run.stderr.contains("MPN-associated account"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn step5_activation_pending_then_active_and_names() {
    let env = Env::contoso();
    env.ok(&["offer", "add", "gold", "--competency", "Cloud Platform"]);
    env.ok(&["offer", "add", "silver", "--competency", "Data Analytics"]);
    let run = env.ok(&["activate", "gold-cloud-platform/product-support"]);
    assert!(run.stderr.contains("pending"), "{}", run.stderr);
    let benefit = &env.ok(&["benefits", "--json"]).json()["benefits"][0];
    assert_eq!(benefit["status"], "pending");
    assert_eq!(benefit["pending_since"], TODAY);
    assert_eq!(benefit["requested_by"], "admin@contoso.com");

    let run = env.ok(&w("activate gold-cloud-platform/product-support --access-id ACC-GOLD-7788 --contract-id 7000001"));
    assert!(run.stderr.contains("contract 7000001"), "{}", run.stderr);
    let c = env.ok(&["contract", "show", "7000001", "--json"]).json();
    assert_eq!(c["plan"], "Partner On-premises Support 20");
    assert_eq!(c["allowance"], 20);
    assert_eq!(c["remaining"], 20);
    assert_eq!(c["start"], TODAY);
    assert_eq!(c["end"], "2027-06-14", "one year, end date inclusive");
    assert_eq!(c["status"], "active");
    assert_eq!(
        env.ok(&["benefits", "--json"]).json()["benefits"][0]["status"],
        "active"
    );

    let run = env.refused(&["activate", "product-support"], 3, "ambiguous");
    assert!(
        run.stderr.contains("gold-cloud-platform/product-support"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("silver-data-analytics/product-support"),
        "{}",
        run.stderr
    );

    env.refused(
        &w("activate data-analytics/product-support --access-id ACC-NEW-0001 --contract-id 7000001"),
        3,
        "contract `7000001` already exists",
    );
    let run = env.refused(
        &w("activate data-analytics/product-support --access-id ACC-GOLD-7788 --contract-id 7000002"),
        3,
        "Access ID is already recorded for contract `7000001`",
    );
    assert!(
        !run.stderr.contains("ACC-GOLD-7788"),
        "the Access ID is a credential: {}",
        run.stderr
    );
    // Microsoft's 2025 name for the benefit resolves too.
    let run = env.ok(&["activate", "Gold Cloud Platform/Partner Cloud Support"]);
    assert!(
        run.stderr.contains("gold-cloud-platform/cloud-support"),
        "{}",
        run.stderr
    );
}

#[test]
fn step6_opening_an_incident_charges_the_chosen_contract() {
    let env = Env::contoso_active();
    let run = env.ok(&[
        "incidents",
        "open",
        "--scope",
        "on-premises",
        "--product",
        "Windows Server 2022",
        "--title",
        "Cluster validation fails on shared disk",
    ]);
    assert!(run.stderr.contains("INC-0001"), "{}", run.stderr);
    assert!(
        run.stderr.contains("contract 7000001"),
        "names the chosen contract: {}",
        run.stderr
    );
    let remaining = env
        .ok(&["incidents", "remaining", "--contract", "7000001", "--json"])
        .json();
    assert_eq!(remaining["contracts"][0]["remaining"], 19);
    let table = env.ok(&["incidents", "remaining"]).stdout;
    let row = table.lines().find(|l| l.contains("7000001")).unwrap();
    assert!(row.contains("19"), "{row}");
}

#[test]
fn step13_status_dashboard() {
    let env = Env::contoso_active();
    env.ok(&["offer", "add", "action-pack"]);
    env.ok(&["activate", "action-pack/product-support"]);
    for i in 0..3 {
        env.ok(&[
            "incidents",
            "open",
            "--scope",
            "cloud",
            "--title",
            &format!("Case {i}"),
        ]);
    }
    env.ok(&w("contract add --plan custom --contract-id SOON-1 --access-id ACC-SOON-0001 --incidents 8 --scope on-premises --start 2026-01-01 --end 2026-07-01"));
    let run = env.ok(&["status"]);
    let bare = env.ok(&[]);
    assert_eq!(run.stdout, bare.stdout, "the bare command is status");
    let out = run.stdout;
    for want in [
        "Contoso Ltd (partner ID 4012345)",
        "Account: admin@contoso.com (global-admin)",
        "7000001",
        "20/20",
        "8000005",
        "2/5",
        "SOON-1",
        // `check`'s findings, in its words and with its thresholds.
        "WARNING contract SOON-1 (Custom support plan) ends on 2026-07-01, in 16 days [contract-expiring]",
        "WARNING contract 8000005 (Partner Cloud Support 5) has 2 incidents left [incidents-low]",
        "[benefit-not-activated]",
    ] {
        assert!(out.contains(want), "status lacks {want:?}:\n{out}");
    }
    assert!(out.contains('█') && out.contains('░'), "a text bar: {out}");
    // Over seven days pending, the activation deserves a look in Partner Center.
    let later = env.ok(&["--as-of", "2026-06-24", "status"]).stdout;
    assert!(
        later.contains("activation of action-pack/product-support pending since 2026-06-15")
            && later.contains("check Partner Center"),
        "{later}"
    );
    // The same findings as `check`, in `status --json` too.
    let check = env.run(&["--json", "check"]).json();
    let status = env.ok(&["--json", "status"]).json();
    let codes = |doc: &serde_json::Value, key: &str| -> Vec<String> {
        doc[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes(&status, "warnings"), codes(&check, "findings"));
}

#[test]
fn step15_as_of_state_and_account_from_the_environment() {
    let env = Env::contoso_active();
    env.ok(&w("account add ops@contoso.com --role mpn-partner-admin"));
    // PARTNER_SUPPORT_STATE, _ACCOUNT and _AS_OF stand in for the flags.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_partner-support"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PARTNER_SUPPORT_STATE", env.state())
        .env("PARTNER_SUPPORT_ACCOUNT", "ops@contoso.com")
        .env("PARTNER_SUPPORT_AS_OF", "2027-06-15")
        .args(["status", "--json"]);
    let run = crate::support::run_command(&mut cmd);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["as_of"], "2027-06-15");
    assert_eq!(json["account"]["email"], "ops@contoso.com");
    assert_eq!(
        json["contracts"],
        serde_json::json!([]),
        "both contracts expired by then"
    );
    // --as-of moves "today" for every rule: the same incident is refused a year later.
    env.refused(
        &w("--future --as-of 2027-06-15 incidents open --scope on-premises --title Late"),
        3,
        "support plan expired",
    );
    // An unknown --as is refused, not silently ignored.
    env.refused(
        &["--as", "ghost@contoso.com", "status"],
        3,
        "account `ghost@contoso.com` is not in this state file",
    );
}
