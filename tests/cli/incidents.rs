//! Incidents: refusals with Microsoft's wording (R8, R10), refunds and closing (R12), CSP
//! requests (R11), and contract choice (R9).

use crate::support::{Env, w};
use pretty_assertions::assert_eq;

fn open(scope: &str, title: &str) -> Vec<String> {
    ["incidents", "open", "--scope", scope, "--title", title]
        .map(String::from)
        .to_vec()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn step7_refusals_use_microsofts_wording_and_change_nothing() {
    // No active cloud contract: the Silver cloud benefit is not activated.
    let env = Env::contoso();
    env.ok(&["offer", "add", "silver", "--competency", "Data Analytics"]);
    let run = env.refused(
        &args(&open("cloud", "Azure VM")),
        3,
        "no support plan covers cloud products",
    );
    assert!(
        run.stderr
            .contains("silver-data-analytics/cloud-support is not activated"),
        "{}",
        run.stderr
    );

    // A pending activation is named as such.
    env.ok(&["activate", "silver-data-analytics/cloud-support"]);
    env.refused(&args(&open("cloud", "Azure VM")), 3, "activation pending");

    // The sixth incident on a 5-incident contract.
    let env = Env::contoso_active();
    for i in 1..=5 {
        env.ok(&args(&open("cloud", &format!("Case {i}"))));
    }
    env.refused(&args(&open("cloud", "Sixth")), 3, "support plan exhausted");
    let run = env.ok(&["incidents", "refund", "INC-0001", "--reason", "duplicate"]);
    assert!(
        run.stderr.contains("contract 8000005 has 1 incident left"),
        "{}",
        run.stderr
    );
    env.ok(&args(&open("cloud", "Sixth, after the refund")));

    // Any incident after the end date.
    let mut late = vec![
        "--future".to_string(),
        "--as-of".to_string(),
        "2027-06-15".to_string(),
    ];
    late.extend(open("on-premises", "Late"));
    env.refused(&args(&late), 3, "support plan expired");

    // A contract that starts later.
    env.ok(&w("contract add --plan premier --contract-id PREM-2027 --access-id ACC-PREM-2027 --incidents 40 --scope both --start 2027-01-01"));
    let mut named = open("on-premises", "Later");
    named.extend(["--contract".into(), "PREM-2027".into()]);
    env.refused(
        &args(&named),
        3,
        "support plan not started yet: contract `PREM-2027` starts on 2027-01-01",
    );

    // Scope mismatch.
    let mut wrong = open("cloud", "Wrong plan");
    wrong.extend(["--contract".into(), "7000001".into()]);
    env.refused(
        &args(&wrong),
        3,
        "the support plan can't be used for support of the specified products",
    );

    // R10: an organization whose only offers are Action Packs.
    let ap = Env::contoso();
    ap.ok(&["offer", "add", "action-pack"]);
    ap.ok(&w(
        "activate product-support --access-id ACC-MAPS-1010 --contract-id 6000010",
    ));
    let run = ap.refused(
        &args(&open("cloud", "Azure AD sync")),
        3,
        "Action Pack includes Microsoft Product Support (on-premises) only, not Signature Cloud Support",
    );
    // The hint, written at the edge from the refusal's data.
    assert!(
        run.stderr
            .contains("hint: cloud support needs Solutions Partner or Partner Success Expanded or Partner Success Core, or a paid plan"),
        "{}",
        run.stderr
    );
}

#[test]
fn r9_unlimited_before_counted_then_earliest_end() {
    let env = Env::contoso_active();
    env.ok(&w(
        "activate gold-cloud-platform/cloud-support --access-id ACC-UNL-0001 --contract-id 7000002",
    ));
    let run = env.ok(&args(&open("cloud", "Azure SQL latency")));
    assert!(
        run.stderr.contains("contract 7000002"),
        "unlimited first: {}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("unlimited plan is used before counted incidents"),
        "{}",
        run.stderr
    );
    let silver = env.ok(&["contract", "show", "8000005", "--json"]).json();
    assert_eq!(silver["used"], 0, "the counted cloud pack was not touched");

    env.ok(&w("contract add --plan custom --contract-id EARLY --access-id ACC-EARLY-01 --incidents 3 --scope on-premises --start 2026-01-01 --end 2026-09-30"));
    let run = env.ok(&args(&open("on-premises", "SharePoint 2019 crawl")));
    assert!(
        run.stderr.contains("chose contract EARLY"),
        "ends first: {}",
        run.stderr
    );
}

#[test]
fn step10_refund_once_and_close_without_changing_the_balance() {
    let env = Env::contoso_active();
    env.ok(&args(&open("on-premises", "One")));
    env.ok(&args(&open("on-premises", "Two")));
    let remaining =
        |env: &Env| env.ok(&["contract", "show", "7000001", "--json"]).json()["remaining"].clone();
    assert_eq!(remaining(&env), 18);

    let run = env.ok(&["incidents", "refund", "INC-0001", "--reason", "duplicate"]);
    assert!(run.stderr.contains("19 incidents left"), "{}", run.stderr);
    assert_eq!(remaining(&env), 19);
    let incident = env.ok(&["incidents", "list", "--json"]).json()["incidents"][0].clone();
    assert_eq!(incident["refund"]["reason"], "duplicate");
    env.refused(
        &["incidents", "refund", "INC-0001", "--reason", "duplicate"],
        3,
        "already refunded on 2026-06-15",
    );
    assert_eq!(remaining(&env), 19);

    env.ok(&["incidents", "close", "2"]);
    assert_eq!(remaining(&env), 19, "closing does not change the balance");
    env.refused(
        &["incidents", "close", "INC-0002"],
        3,
        "already closed on 2026-06-15",
    );
    let open_ids: Vec<_> = env.ok(&["incidents", "list", "--json"]).json()["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(open_ids, ["INC-0001"], "list hides closed incidents");
    let all = env.ok(&["incidents", "list", "--all", "--json"]).json();
    assert_eq!(all["incidents"].as_array().unwrap().len(), 2);
    env.refused(
        &["incidents", "close", "INC-0099"],
        3,
        "incident `INC-0099` not found",
    );
}

#[test]
fn step11_csp_requests_need_admin_agent_and_charge_nothing() {
    let env = Env::contoso_active();
    env.ok(&w(
        "account add agent@contoso.com --role admin-agent --csp-only",
    ));
    let mut csp = open("cloud", "Customer VM will not start");
    csp.extend(["--csp-customer".into(), "fabrikam.onmicrosoft.com".into()]);
    let before = env.ok(&["incidents", "remaining", "--json"]).json();

    let mut as_agent = vec!["--as".to_string(), "agent@contoso.com".to_string()];
    as_agent.extend(csp.clone());
    let run = env.ok(&args(&as_agent));
    assert!(
        run.stderr.contains("Cloud Solution Provider"),
        "{}",
        run.stderr
    );
    let incident = env.ok(&["incidents", "list", "--json"]).json()["incidents"][0].clone();
    assert_eq!(incident["plan"], "Cloud Solution Provider");
    assert_eq!(incident["contract_id"], serde_json::Value::Null);
    assert_eq!(incident["csp_customer"], "fabrikam.onmicrosoft.com");
    assert_eq!(
        env.ok(&["incidents", "remaining", "--json"]).json(),
        before,
        "nothing charged"
    );
    env.refused(
        &["incidents", "refund", "INC-0001", "--reason", "other"],
        3,
        "charged no contract",
    );

    // Anyone else is refused.
    let run = env.refused(&args(&csp), 3, "You are not authorized for this action");
    assert!(run.stderr.contains("admin-agent"), "{}", run.stderr);
    assert!(
        run.stderr.contains("agent@contoso.com"),
        "names who holds it: {}",
        run.stderr
    );
}

/// `incidents show` shows every field of the incident, one a row, as `contract show` does: the
/// case, the product and who opened it are there at any width.
#[test]
fn incidents_show_is_every_field_one_a_row() {
    let env = Env::contoso_active();
    env.ok(&w(
        "incidents open --scope on-premises --product Acme-Widget-7 --title Queue --case 2606150010001",
    ));
    env.ok(&w("incidents refund INC-0001 --reason duplicate"));
    for columns in ["60", "80", "120"] {
        let mut cmd = env.cmd();
        cmd.env("COLUMNS", columns)
            .args(["incidents", "show", "INC-0001"]);
        let run = crate::support::run_command(&mut cmd);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for field in [
            "INC-0001",
            "2606150010001",
            "Acme-Widget-7",
            "admin@contoso.com",
            "7000001",
            "Partner On-premises Support 20",
            "duplicate",
            "Queue",
        ] {
            assert!(
                run.stdout.contains(field),
                "{columns}: {field}\n{}",
                run.stdout
            );
        }
        assert!(run.stdout.contains("Field"), "{}", run.stdout);
        let widest = run.stdout.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(
            widest <= columns.parse().unwrap(),
            "{columns}: {widest}\n{}",
            run.stdout
        );
    }
}
