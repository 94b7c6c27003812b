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
    on_example("2026-11-25", args)
}

/// Runs the binary on the example as of `day`.
fn on_example(day: &str, args: &[&str]) -> crate::support::Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-support"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        // The tests read whole rows; `tests/cli/fit.rs` sets the widths people have.
        .env("COLUMNS", "300")
        .arg("--state")
        .arg(example())
        .args(["--as-of", day])
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

/// The `partner-support` command lines of a CI file (its `run:` and `script:` lines).
fn ci_commands(file: &str) -> Vec<String> {
    let path = format!("{}/examples/ci/{file}", env!("CARGO_MANIFEST_DIR"));
    commands_in(&std::fs::read_to_string(path).unwrap())
}

fn commands_in(yaml: &str) -> Vec<String> {
    yaml.lines()
        .map(|l| {
            l.trim()
                .trim_start_matches("- ")
                .trim_start_matches("run: ")
        })
        .filter(|l| l.starts_with("partner-support "))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_guides_ci_jobs_run_the_commands_of_the_example_files() {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/guide.md")).unwrap();
    let blocks: Vec<&str> = guide
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert_eq!(blocks.len(), 2, "a GitHub Actions and a GitLab CI job");
    let mut known = ci_commands("partner-support-check.yml");
    known.extend(ci_commands("gitlab-ci.yml"));
    for block in blocks {
        let commands = commands_in(block);
        assert!(!commands.is_empty(), "{block}");
        for command in commands {
            assert!(
                known.contains(&command),
                "the guide's `{command}` is in no example file"
            );
        }
    }
}

#[test]
fn the_ci_jobs_run_check_on_a_schedule_and_every_command_in_them_works() {
    for (file, wants) in [
        (
            "partner-support-check.yml",
            &["schedule:", "cron:", "shell: bash", "--format github"][..],
        ),
        (
            "gitlab-ci.yml",
            &["schedule", "junit: check.xml", "exit_codes: 4"][..],
        ),
    ] {
        let text =
            std::fs::read_to_string(format!("{}/examples/ci/{file}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        for want in wants {
            assert!(text.contains(want), "{file} lacks {want:?}");
        }
        let commands = ci_commands(file);
        assert!(commands.len() >= 2, "{file}: {commands:?}");
        // Each line as the job's shell runs it, on a copy of the sample: a finding's exit code
        // (0, 4, 5), never a usage error; what it writes to a file is what it says it is.
        for line in commands {
            let dir = tempfile::tempdir().unwrap();
            let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
            for name in ["contoso.json", "contoso.history.jsonl"] {
                let to = dir.path().join(name);
                std::fs::copy(format!("{examples}/{name}"), &to).unwrap();
                std::fs::set_permissions(&to, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                    .unwrap();
            }
            let bin = Path::new(env!("CARGO_BIN_EXE_partner-support"))
                .parent()
                .unwrap()
                .display()
                .to_string();
            let run = crate::support::run_command(
                Command::new("bash")
                    .env_clear()
                    .env("PATH", format!("{bin}:{}", std::env::var("PATH").unwrap()))
                    .env("PARTNER_SUPPORT_STATE", dir.path().join("contoso.json"))
                    .env("PARTNER_SUPPORT_AS_OF", "2026-11-25")
                    .current_dir(dir.path())
                    .args(["-c", &line]),
            );
            assert!(
                [0, 4, 5].contains(&run.code) && !run.stderr.contains("error"),
                "{file}: `{line}` exited {}: {}",
                run.code,
                run.stderr
            );
            for (name, starts) in [("check.json", "{"), ("check.xml", "<?xml")] {
                if line.contains(&format!("> {name}")) {
                    let written = std::fs::read_to_string(dir.path().join(name)).unwrap();
                    assert!(written.starts_with(starts), "{file}: `{line}`: {written}");
                }
            }
        }
    }
}

#[test]
fn tables_say_what_they_mean_charged_refunded_left_and_totals_per_scope() {
    let remaining = run_on_example(&["incidents", "remaining"]);
    assert_eq!(remaining.code, 0, "{}", remaining.stderr);
    let header = remaining.stdout.lines().nth(1).unwrap();
    for column in ["Charged", "Refunded", "Left"] {
        assert!(header.contains(column), "{header}");
    }
    assert!(!header.contains("Used") && !remaining.stdout.contains("Usable today"));
    // 7000001: 3 charged, 1 refunded, 18 of 20 left.
    let gold = remaining
        .stdout
        .lines()
        .find(|l| l.contains("7000001"))
        .unwrap();
    let cells: Vec<_> = gold.split('┆').map(str::trim).collect();
    assert_eq!(&cells[4..7], ["3", "1", "18"], "{gold}");
    // On-premises and cloud incidents are never added together.
    for line in [
        "On-premises: 19 left in 2 contracts, next end 2026-12-15",
        // The 5-pack is used up and the designation's cloud pack is still being activated.
        "Cloud: nothing usable today",
    ] {
        assert!(remaining.stdout.contains(line), "{}", remaining.stdout);
        assert!(run_on_example(&["status"]).stdout.contains(line));
    }
    let json = run_on_example(&["--json", "incidents", "remaining"]).json();
    assert_eq!(json["by_scope"][0]["scope"], "on-premises");
    assert_eq!(json["by_scope"][0]["left"], 19);
    assert_eq!(json["by_scope"][0]["next_end"], "2026-12-15");
    assert_eq!(
        (
            &json["by_scope"][1]["left"],
            &json["by_scope"][1]["contracts"]
        ),
        (&0.into(), &0.into())
    );

    // An expired pack shows what lapsed unused; a waiting one, the days to its start.
    let all = run_on_example(&["contract", "list", "--all"]).stdout;
    let row = |id: &str| all.lines().find(|l| l.contains(id)).unwrap().to_string();
    assert!(row("6000010").contains("8 lapsed unused"), "{all}");
    assert!(!row("6000010").contains('█'));
    assert!(row("PREM-2027").contains("starts in 37 days"), "{all}");
    let json = run_on_example(&["--json", "contract", "list", "--all"]).json();
    let lapsed: Vec<_> = json["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["contract_id"].clone(),
                c["lapsed"].clone(),
                c["starts_in_days"].clone(),
            )
        })
        .filter(|(_, l, s)| !l.is_null() || !s.is_null())
        .collect();
    assert_eq!(
        lapsed,
        [
            ("6000010".into(), 8.into(), serde_json::Value::Null),
            ("PREM-2027".into(), serde_json::Value::Null, 37.into())
        ]
    );
}

#[test]
fn a_named_unusable_contract_gets_a_hint_naming_the_usable_one() {
    let env = crate::support::Env::new();
    env.write_private(&std::fs::read(example()).unwrap());
    // An expired one names a usable one of its scope.
    let run = env.run(&crate::support::w(
        "--as-of 2026-11-25 incidents open --scope on-premises --contract 6000010 --title Old",
    ));
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("support plan expired"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "hint: contract `RESELLER-26` covers these products and is usable today: pass `--contract RESELLER-26`"
        ) || run.stderr.contains(
            "hint: contract `7000001` covers these products and is usable today: pass `--contract 7000001`"
        ),
        "{}",
        run.stderr
    );
    // With none usable for the scope, the hint says a new plan is needed.
    let run = env.run(&crate::support::w(
        "--as-of 2026-11-25 incidents open --scope cloud --contract 8000005 --title More",
    ));
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("support plan exhausted")
            && run.stderr.contains("hint: a new support plan is needed"),
        "{}",
        run.stderr
    );
    // Once the pending cloud benefit has its IDs, the exhausted pack names it.
    env.ok(&crate::support::w(
        "--as-of 2026-11-25 activate solutions-partner-infrastructure-azure/cloud-support --access-id SPC-ACC-1 --contract-id 7000002",
    ));
    let run = env.run(&crate::support::w(
        "--as-of 2026-11-25 incidents open --scope cloud --contract 8000005 --title More",
    ));
    assert!(
        run.stderr.contains(
            "hint: contract `7000002` covers these products and is usable today: pass `--contract 7000002`"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn r20_the_forecast_says_when_a_pack_runs_out_before_its_end() {
    let on = |args: &[&str]| on_example("2026-10-01", args);
    // RESELLER-26: 4 incidents in the last 90 days, 2 left: at 4 per 90 days, gone on 2026-11-15,
    // a month before its end.
    let json = on(&["--json", "incidents", "remaining"]).json();
    let reseller = json["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contract_id"] == "RESELLER-26")
        .unwrap()
        .clone();
    assert_eq!(
        reseller["forecast"],
        serde_json::json!({"rate_per_30_days": 1.3, "runs_out_on": "2026-11-15"})
    );
    let waiting = json["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contract_id"] == "PREM-2027")
        .unwrap()
        .clone();
    assert!(
        waiting.get("forecast").is_none(),
        "a plan not started has none"
    );
    let table = on(&["incidents", "remaining"]).stdout;
    assert!(
        table.lines().nth(1).unwrap().contains("Runs out"),
        "{table}"
    );
    let row = table.lines().find(|l| l.contains("RESELLER-26")).unwrap();
    assert!(row.contains("2026-11-15"), "{row}");
    assert!(
        table
            .lines()
            .find(|l| l.contains("7000001"))
            .unwrap()
            .contains('—')
    );
    assert!(on(&["status"]).stdout.contains("2026-11-15"));
    let check = on(&["check"]);
    assert!(
        check.stdout.contains("WARNING contract RESELLER-26 (Distributor escalation pack) would run out on 2026-11-15 at 1.3 incidents per 30 days, 30 days before it ends on 2026-12-15 [runs-out-before-end]"),
        "{}",
        check.stdout
    );
}

#[test]
fn r19_lapsed_incidents_are_shown_totalled_per_year_and_warned_about_before_they_lapse() {
    let on = on_example;
    let all = on("2026-11-25", &["incidents", "remaining", "--all"]).stdout;
    assert!(
        all.contains("Lapsed unused in 2026: 8 (6000010: 8)"),
        "{all}"
    );
    assert!(
        all.lines()
            .any(|l| l.contains("6000010") && l.contains("8 lapsed unused")),
        "{all}"
    );
    assert!(
        !on("2026-11-25", &["incidents", "remaining"])
            .stdout
            .contains("6000010")
    );
    let later = on("2027-03-01", &["--json", "incidents", "remaining", "--all"]).json();
    assert_eq!(
        later["lapsed_by_year"],
        serde_json::json!([
            {"year": 2026, "incidents": 9, "contracts": [
                {"contract_id": "6000010", "incidents": 8},
                {"contract_id": "RESELLER-26", "incidents": 1}
            ]},
            {"year": 2027, "incidents": 18, "contracts": [{"contract_id": "7000001", "incidents": 18}]}
        ])
    );
    // Before they lapse: RESELLER-26 keeps 1 past its end at its recent rate.
    let check = on("2026-12-01", &["check"]).stdout;
    assert!(
        check.contains("WARNING 1 incident left on RESELLER-26, which ends in 14 days: it lapses unused [incidents-expiring-unused]"),
        "{check}"
    );
    assert!(
        !on("2026-12-01", &["check", "--unused-days", "10"])
            .stdout
            .contains("incidents-expiring-unused")
    );
    assert!(
        !on("2026-12-01", &["check", "--unused-min", "2"])
            .stdout
            .contains("incidents-expiring-unused")
    );
}

/// `examples/make-contoso.sh` stamps each change with its own day, so running it again writes
/// the sample and its history log byte for byte: a one-line change of a fact is a one-line diff.
#[test]
fn the_sample_rebuilt_by_its_script_is_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("make-contoso.sh");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    std::fs::copy(examples.join("make-contoso.sh"), &script).unwrap();
    let mut cmd = Command::new("sh");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_partner-support"));
    let run = crate::support::run_command(&mut cmd);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for file in ["contoso.json", "contoso.history.jsonl"] {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(file)).unwrap(),
            std::fs::read_to_string(examples.join(file)).unwrap(),
            "{file}"
        );
    }
}
