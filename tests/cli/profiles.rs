//! Profiles: a state per organization in the config folder, `--state` over `--profile` over the
//! default, and `profile list`. The config folder is a temp folder (XDG_CONFIG_HOME).

use std::path::Path;
use std::process::Command;

use crate::support::{Run, run_command};
use pretty_assertions::assert_eq;

/// The binary with a clean environment whose config folder is `config`.
fn cmd(config: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-support"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", config)
        .env("XDG_CONFIG_HOME", config)
        .args(["--as-of", crate::support::TODAY]);
    cmd
}

fn ok(config: &Path, args: &[&str]) -> Run {
    let run = run_command(cmd(config).args(args));
    assert_eq!(run.code, 0, "`{}`: {}", args.join(" "), run.stderr);
    run
}

#[test]
fn each_profile_keeps_its_own_state_and_the_list_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    ok(
        config,
        &[
            "--profile",
            "contoso",
            "init",
            "--partner-id",
            "1",
            "--name",
            "Contoso Ltd",
        ],
    );
    ok(
        config,
        &[
            "--profile",
            "fabrikam",
            "init",
            "--partner-id",
            "2",
            "--name",
            "Fabrikam Inc",
        ],
    );
    ok(
        config,
        &["init", "--partner-id", "3", "--name", "Own Company"],
    );
    let root = config.join("partner-support");
    assert!(root.join("profiles/contoso/state.json").exists());
    assert!(root.join("profiles/fabrikam/state.json").exists());
    assert!(root.join("state.json").exists());

    // The environment selects a profile too; each sees only its own organization.
    let run = run_command(
        cmd(config)
            .env("PARTNER_SUPPORT_PROFILE", "fabrikam")
            .args(["--json", "status"]),
    );
    assert_eq!(run.json()["organization"]["name"], "Fabrikam Inc");
    assert_eq!(
        ok(config, &["--json", "status"]).json()["organization"]["name"],
        "Own Company"
    );

    let list = ok(
        config,
        &["--profile", "contoso", "--json", "profile", "list"],
    )
    .json();
    let rows: Vec<(String, String, bool)> = list["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["organization"].as_str().unwrap().into(),
                p["current"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("default".into(), "Own Company".into(), false),
            ("contoso".into(), "Contoso Ltd".into(), true),
            ("fabrikam".into(), "Fabrikam Inc".into(), false),
        ]
    );
    let table = ok(config, &["profile", "list"]).stdout;
    assert!(
        table.contains("Fabrikam Inc") && table.contains("profiles/fabrikam/state.json"),
        "{table}"
    );

    // --state wins over --profile.
    let elsewhere = config.join("elsewhere.json");
    let run = ok(
        config,
        &[
            "--profile",
            "contoso",
            "--state",
            elsewhere.to_str().unwrap(),
            "--json",
            "status",
        ],
    );
    assert_eq!(run.json()["organization"], serde_json::Value::Null);
}

#[test]
fn a_profile_name_cannot_leave_the_profiles_folder() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["..", "../x", ".hidden", "a b"] {
        let run = run_command(cmd(dir.path()).args([
            "--profile",
            bad,
            "init",
            "--partner-id",
            "1",
            "--name",
            "X",
        ]));
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
    }
    assert!(!dir.path().join("partner-support").exists());
    assert_eq!(
        ok(dir.path(), &["profile", "list"])
            .stdout
            .lines()
            .next()
            .unwrap(),
        "No profiles yet: `partner-support --profile NAME init …` makes one."
    );
}

#[test]
fn an_explicit_profile_beats_the_environment_and_an_unknown_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    ok(
        config,
        &[
            "--profile",
            "fabrikam",
            "init",
            "--partner-id",
            "2",
            "--name",
            "Fabrikam Inc",
        ],
    );
    let elsewhere = dir.path().join("elsewhere.json");
    ok(
        config,
        &[
            "--state",
            elsewhere.to_str().unwrap(),
            "init",
            "--partner-id",
            "9",
            "--name",
            "Elsewhere Ltd",
        ],
    );
    // PARTNER_SUPPORT_STATE left in the environment does not beat --profile on the line.
    let run = run_command(cmd(config).env("PARTNER_SUPPORT_STATE", &elsewhere).args([
        "--profile",
        "fabrikam",
        "--json",
        "status",
    ]));
    assert_eq!(
        run.json()["organization"]["name"],
        "Fabrikam Inc",
        "{}",
        run.stderr
    );
    // Without a flag the environment still chooses.
    let run = run_command(
        cmd(config)
            .env("PARTNER_SUPPORT_STATE", &elsewhere)
            .env("PARTNER_SUPPORT_PROFILE", "fabrikam")
            .args(["--json", "status"]),
    );
    assert_eq!(run.json()["organization"]["name"], "Elsewhere Ltd");
    // A mistyped profile is refused, and nothing is created for it.
    for args in [
        &["--profile", "fabrikan", "status"][..],
        &["--profile", "fabrikan", "check"],
    ] {
        let run = run_command(cmd(config).args(args));
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("profile `fabrikan` does not exist"),
            "{}",
            run.stderr
        );
    }
    assert!(!config.join("partner-support/profiles/fabrikan").exists());
    // `init` is how a profile begins.
    ok(
        config,
        &[
            "--profile",
            "contoso",
            "init",
            "--partner-id",
            "1",
            "--name",
            "Contoso Ltd",
        ],
    );
}
