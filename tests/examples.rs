//! The sample data the README's first command runs on.

mod support;

use std::path::Path;
use std::process::Command;

use pretty_assertions::assert_eq;

fn example() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/contoso.json"
    ))
}

fn run_on_example(args: &[&str]) -> support::Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-support"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("--state")
        .arg(example())
        .args(["--as-of", "2026-11-25"])
        .args(args);
    support::run_command(&mut cmd)
}

#[test]
fn the_example_shows_every_contract_status_and_is_never_written() {
    let before = std::fs::read(example()).unwrap();
    let status = run_on_example(&["status"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    for want in [
        "Contoso Ltd",
        "waiting",
        "active",
        "pending since 2026-11-10",
        "ends on 2026-12-15",
        "1 incident left",
    ] {
        assert!(
            status.stdout.contains(want),
            "status lacks {want:?}:\n{}",
            status.stdout
        );
    }
    let all = run_on_example(&["contract", "list", "--all", "--json"]).json();
    let mut statuses: Vec<_> = all["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap().to_string())
        .collect();
    statuses.sort();
    statuses.dedup();
    assert_eq!(statuses, ["active", "exhausted", "expired", "waiting"]);
    let kinds: Vec<_> = run_on_example(&["account", "list", "--json"]).json()["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_string(),
                a["csp_only"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("msa".into(), false)) && kinds.contains(&("aad".into(), true)),
        "{kinds:?}"
    );
    let incidents = run_on_example(&["incidents", "list", "--all", "--json"]).json();
    let list = incidents["incidents"].as_array().unwrap();
    assert!(
        list.iter().any(|i| i["refunded"] == true)
            && list.iter().any(|i| i["csp_customer"].is_string())
    );
    for args in [
        &["benefits"][..],
        &["incidents", "remaining"],
        &["offer", "list"],
    ] {
        assert_eq!(run_on_example(args).code, 0);
    }
    assert!(
        before == std::fs::read(example()).unwrap(),
        "reading the example wrote to it"
    );
}
