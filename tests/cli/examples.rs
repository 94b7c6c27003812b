//! The sample data the README's first command runs on.

use std::path::Path;
use std::process::Command;

use pretty_assertions::assert_eq;

fn example() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/contoso.json"
    ))
}

fn run_on_example(args: &[&str]) -> crate::support::Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-support"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("--state")
        .arg(example())
        .args(["--as-of", "2026-11-25"])
        .args(args);
    crate::support::run_command(&mut cmd)
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

/// Runs `examples/ci/check.sh` on `state` the way cron would: a bare environment.
fn cron(state: &Path, extra_env: &[(&str, &str)], check_args: &[&str]) -> crate::support::Run {
    let mut cmd = Command::new("sh");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PARTNER_SUPPORT", env!("CARGO_BIN_EXE_partner-support"))
        .env("PARTNER_SUPPORT_AS_OF", "2026-11-25")
        .envs(extra_env.iter().copied())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/ci/check.sh"))
        .arg(state)
        .args(check_args);
    crate::support::run_command(&mut cmd)
}

#[test]
fn the_cron_script_is_silent_when_all_is_well_and_reports_otherwise() {
    // The sample has critical findings.
    let env = crate::support::Env::new();
    env.write_private(&std::fs::read(example()).unwrap());
    let run = cron(env.state(), &[], &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("CRITICAL contract RESELLER-26"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("checked as of"),
        "no summary line: {}",
        run.stdout
    );
    assert!(!run.stdout.contains('\u{1b}'));

    // NOTIFY gets the findings on its standard input instead.
    let notified = env.dir().join("notified.txt");
    let command = format!("cat > '{}'", notified.display());
    let run = cron(env.state(), &[("NOTIFY", &command)], &[]);
    assert_eq!((run.code, run.stdout.as_str()), (5, ""));
    assert!(
        std::fs::read_to_string(&notified)
            .unwrap()
            .contains("[benefit-lapsed]")
    );

    // All well prints nothing (so cron mails nothing) and exits 0; options go to `check`.
    let healthy = crate::support::Env::contoso_active();
    let run = cron(
        healthy.state(),
        &[("PARTNER_SUPPORT_AS_OF", "2026-06-15")],
        &["--scope", "on-premises", "--offer", "gold-cloud-platform"],
    );
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );

    // A broken state is an error, not a finding.
    let broken = crate::support::Env::new();
    broken.write_private(b"{");
    let run = cron(broken.state(), &[], &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("check.sh: partner-support check failed with status 1"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_workflow_runs_check_on_a_schedule() {
    let workflow = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/ci/partner-support-check.yml"
    ))
    .unwrap();
    for want in [
        "schedule:",
        "cron:",
        "partner-support --color never check",
        "shell: bash",
    ] {
        assert!(workflow.contains(want), "the workflow lacks {want:?}");
    }
}
