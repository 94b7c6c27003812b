//! Terminal conventions: completion scripts and a man page generated from the command line
//! itself, and `-n/--dry-run` on every command that changes something.

use std::process::Command;

use crate::support::{Env, w};
use pretty_assertions::assert_eq;

#[test]
fn completion_scripts_for_every_shell_and_a_man_page() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = env.ok(&["completions", shell]).stdout;
        // fish names options without their dashes.
        for word in ["check", "incidents", "doctor", "dry-run"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    // The bash script is valid bash.
    let script = env.dir().join("partner-support.bash");
    std::fs::write(&script, env.ok(&["completions", "bash"]).stdout).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(syntax.success());
    let man = env.ok(&["man"]).stdout;
    assert!(
        man.starts_with(".ie") || man.contains(".TH partner-support 1"),
        "{man}"
    );
    assert!(man.contains("history") && man.contains("doctor"));
    env.refused(&["completions", "tcsh"], 2, "tcsh");
    assert!(env.bytes().is_none(), "nothing was created");
}

#[test]
fn dry_run_checks_every_change_and_writes_nothing() {
    let env = Env::contoso_active();
    env.ok(&w("incidents open --scope on-premises --title Seed"));
    let changes = [
        "offer add action-pack",
        "offer remove silver-data-analytics",
        "account add new@contoso.com --role admin-agent",
        "account use admin@contoso.com",
        "activate gold-cloud-platform/cloud-support",
        "contract link 7000001 --account new@contoso.com",
        "contract add --plan premier --contract-id P1 --access-id ACC-P1-0001 --incidents 5 --scope both",
        "incidents open --scope cloud --title Outage",
        "incidents close INC-0001",
        "incidents refund INC-0001 --reason duplicate",
    ];
    let dir = env.state().parent().unwrap();
    let files = || {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before_files = files();
    let log = std::fs::read(env.history_path()).unwrap();
    for line in changes {
        let before = env.bytes();
        let run = env.ok(&w(&format!("-n {line}")));
        assert!(
            run.stderr.ends_with("dry run: nothing was written\n"),
            "{line}: {}",
            run.stderr
        );
        assert!(env.bytes() == before, "{line}: the dry run wrote the file");
        // The same with --json gives the document the real change would.
        let json = env.ok(&w(&format!("--dry-run --json {line}")));
        assert_eq!(json.stderr, "", "{line}");
        json.json();
    }
    assert_eq!(
        files(),
        before_files,
        "no backup rotated, no temp file left"
    );
    assert!(
        std::fs::read(env.history_path()).unwrap() == log,
        "nothing logged"
    );
    // A dry run is refused exactly as the change would be.
    env.refused(
        &[
            "-n",
            "offer",
            "add",
            "gold",
            "--competency",
            "Cloud Platform",
        ],
        3,
        "already exists",
    );
    env.refused(&w("-n incidents close INC-0042"), 3, "not found");
    // On a fresh path a dry run creates nothing at all.
    let fresh = Env::new();
    fresh.ok(&w("-n init --partner-id 1 --name Fabrikam"));
    assert!(!fresh.state().parent().unwrap().exists());
}

#[test]
fn tables_and_check_labels_are_coloured_only_when_asked_or_on_a_terminal() {
    let env = Env::contoso_active();
    let esc = |run: &crate::support::Run| run.stdout.contains('\u{1b}');
    assert!(!esc(&env.ok(&w("contract list"))), "a pipe gets no colour");
    assert!(esc(&env.ok(&w("--color always contract list"))));
    assert!(esc(&env.ok(&w("--color always status"))));
    let forced = crate::support::run_command(
        env.cmd()
            .env("CLICOLOR_FORCE", "1")
            .args(w("contract list")),
    );
    assert!(esc(&forced));
    let no_color = crate::support::run_command(
        env.cmd()
            .env("CLICOLOR_FORCE", "1")
            .env("NO_COLOR", "1")
            .args(w("contract list")),
    );
    assert!(!esc(&no_color));
    assert!(!esc(&env.ok(&w("--color never --json status"))));
    let check = env.run(&w("--color always --as-of 2027-06-10 check"));
    assert!(check.stdout.starts_with("\u{1b}["), "{:?}", check.stdout);
    // JSON never carries colour, even forced.
    assert!(!esc(&env.ok(&w("--color always --json contract list"))));
}
