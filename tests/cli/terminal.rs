//! Terminal conventions: completion scripts and a man page generated from the command line
//! itself, and `-n/--dry-run` on every command that changes something.

use std::process::Command;

use crate::support::{Env, w};
use pretty_assertions::assert_eq;

#[test]
fn completion_scripts_for_every_shell_call_back_into_the_binary() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = env.ok(&["completions", shell]).stdout;
        for word in ["PARTNER_SUPPORT_COMPLETE", "partner-support"] {
            assert!(
                script.contains(word),
                "{shell} completion lacks {word}:\n{script}"
            );
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
    env.refused(&["completions", "tcsh"], 2, "tcsh");
    assert!(env.bytes().is_none(), "nothing was created");
}

/// What bash offers at the end of `line`, as it would: the completion script sourced, its
/// function called with the words, `partner-support` found on the PATH.
fn bash_offers(env: &Env, line: &str) -> Vec<String> {
    let script = env.dir().join("partner-support.bash");
    std::fs::write(&script, env.ok(&["completions", "bash"]).stdout).unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_partner-support"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let driver = format!(
        r#"source "{script}"
read -ra COMP_WORDS <<< "$LINE"
[[ "$LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="$LINE"; COMP_POINT=${{#LINE}}; COMP_TYPE=9
_clap_complete_partner_support partner-support "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        script = script.display()
    );
    let mut bash = Command::new("bash");
    bash.arg("-c")
        .arg(driver)
        .env_clear()
        .env("PATH", path)
        .env("HOME", env.dir())
        .env("XDG_CONFIG_HOME", env.dir().join("xdg"))
        .env("LINE", line);
    let run = crate::support::run_command(&mut bash);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').next().unwrap().trim().to_string())
        .collect()
}

#[test]
fn bash_completes_every_level_and_the_values_in_the_state() {
    let env = Env::sample();
    let state = env.state().display().to_string();
    let on = |rest: &str| bash_offers(&env, &format!("partner-support --state {state} {rest}"));
    let has = |offers: &[String], wanted: &[&str], line: &str| {
        for w in wanted {
            assert!(
                offers.iter().any(|o| o == w),
                "`{line}` does not offer {w}: {offers:?}"
            );
        }
    };
    // Subcommands and options at every level (the generator's scripts stopped after one word).
    has(&on(""), &["incidents", "report", "calendar", "--as-of"], "");
    has(
        &on("incidents "),
        &["open", "close", "remaining"],
        "incidents",
    );
    has(
        &on("incidents open --"),
        &["--scope", "--title", "--contract", "--as-of"],
        "incidents open --",
    );
    has(
        &on("incidents open --scope "),
        &["on-premises", "cloud"],
        "--scope",
    );
    has(&on("report --format "), &["html", "markdown"], "--format");
    has(
        &on("check --ignore runs"),
        &["runs-out-before-end"],
        "--ignore",
    );
    // Values from the state file the line names.
    has(
        &on("incidents close INC-001"),
        &["INC-0010", "INC-0018"],
        "incidents close",
    );
    has(
        &on("contract show "),
        &["7000001", "RESELLER-26"],
        "contract show",
    );
    has(
        &on("incidents open --contract RES"),
        &["RESELLER-26"],
        "--contract",
    );
    has(
        &on("activate sol"),
        &["solutions-partner-infrastructure-azure/cloud-support"],
        "activate",
    );
    has(&on("account use "), &["admin@contoso.com"], "account use");
    has(&on("--as eng"), &["engineer@outlook.com"], "--as");
    has(
        &on("offer renew "),
        &["partner-success-expanded", "action-pack"],
        "offer renew",
    );
    assert!(!on("contract show ").iter().any(|o| o.starts_with("INC-")));
    // Profile names from the config folder.
    let config = env.dir().join("xdg");
    let made = Command::new(env!("CARGO_BIN_EXE_partner-support"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.dir())
        .env("XDG_CONFIG_HOME", &config)
        .args(["--profile", "fabrikam"])
        .args(&crate::support::INIT_CONTOSO[..5])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    has(
        &bash_offers(&env, "partner-support --profile fab"),
        &["fabrikam"],
        "--profile",
    );
    // No state: no values to offer (options only), and nothing made.
    let empty = Env::new();
    let missing = empty.state().display().to_string();
    let offers = bash_offers(
        &empty,
        &format!("partner-support --state {missing} contract show "),
    );
    assert!(offers.iter().all(|o| o.starts_with('-')), "{offers:?}");
    assert!(empty.bytes().is_none() && !empty.state().parent().unwrap().exists());
}

#[test]
fn the_man_page_is_the_top_page_and_names_the_commands() {
    let env = Env::new();
    let man = env.ok(&["man"]).stdout;
    assert!(
        man.starts_with(".ie") || man.contains(".TH partner-support 1"),
        "{man}"
    );
    assert!(man.contains("history") && man.contains("doctor"));
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
        // Nothing on stderr but notes, each a JSON object (a legacy offer added after Microsoft
        // stopped selling it gets one).
        for said in json.stderr.lines() {
            let note: serde_json::Value = serde_json::from_str(said).unwrap();
            assert!(note.get("note").is_some(), "{line}: {said}");
        }
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

/// Every subcommand's path (`incidents open`), from the definition the binary parses with.
fn subcommand_paths() -> Vec<String> {
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let path = match path {
                "" => sub.get_name().to_string(),
                p => format!("{p} {}", sub.get_name()),
            };
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&partner_support::cli::command(), "", &mut out);
    out
}

#[test]
fn each_help_lists_its_own_options_then_points_to_the_global_ones_and_ends_with_examples() {
    let env = Env::new();
    let top = env.ok(&["--help"]).stdout;
    for global in [
        "--state <PATH>",
        "--as-of <YYYY-MM-DD>",
        "--lock-wait <SECONDS>",
        "--wide",
        "--dry-run",
    ] {
        assert_eq!(top.matches(global).count(), 1, "{global} in\n{top}");
    }
    let paths = subcommand_paths();
    assert!(paths.len() > 40, "{paths:?}");
    for path in &paths {
        let mut args: Vec<&str> = path.split(' ').collect();
        args.push("--help");
        let help = env.ok(&args).stdout;
        assert!(
            !help.contains("--lock-wait") && !help.contains("--as-of <"),
            "{path}:\n{help}"
        );
        assert!(help.contains("`partner-support --help`"), "{path}:\n{help}");
        let examples = help
            .split("Examples:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{path} has no examples:\n{help}"));
        // Each example is whole on its line (or continued with a backslash), and is of this command.
        let first = examples.lines().next().unwrap().trim();
        assert!(
            first.starts_with(&format!("partner-support {path}"))
                || first.contains(&format!(" {path}")),
            "{path}: {first}"
        );
        for line in examples.lines() {
            assert!(line.chars().count() <= 100, "{path}: {line}");
        }
    }
    assert!(env.bytes().is_none());
}

#[test]
fn man_dir_writes_a_page_per_subcommand_and_the_top_page_has_every_section() {
    let env = Env::new();
    let dir = env.dir().join("man1");
    env.refused(&["man", "--dir", dir.to_str().unwrap()], 1, "mkdir -p");
    assert!(!dir.exists());
    std::fs::create_dir(&dir).unwrap();
    env.ok(&["man", "--dir", dir.to_str().unwrap()]);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = subcommand_paths()
        .iter()
        .map(|p| format!("partner-support-{}.1", p.replace(' ', "-")))
        .chain(["partner-support.1".to_string()])
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    // Every page another page points to exists.
    for name in &names {
        let page = std::fs::read_to_string(dir.join(name)).unwrap();
        for reference in page.split("partner\\-support\\-").skip(1) {
            let Some(end) = reference.find("(1)") else {
                continue;
            };
            // A reference is `partner-support-NAME(1)`, NAME of letters and dashes.
            if !reference[..end]
                .chars()
                .all(|c| c.is_ascii_lowercase() || "\\-".contains(c))
            {
                continue;
            }
            let target = format!("partner-support-{}.1", reference[..end].replace("\\-", "-"));
            assert!(names.contains(&target), "{name} points to {target}");
        }
    }
    let top = std::fs::read_to_string(dir.join("partner-support.1")).unwrap();
    assert_eq!(top, env.ok(&["man"]).stdout);
    for section in ["EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"] {
        assert!(
            top.contains(&format!(".SH \"{section}\"")) || top.contains(&format!(".SH {section}")),
            "{section}"
        );
    }
    for var in [
        "PARTNER_SUPPORT_STATE",
        "PARTNER_SUPPORT_PROFILE",
        "PARTNER_SUPPORT_ACCOUNT",
        "PARTNER_SUPPORT_AS_OF",
        "PARTNER_SUPPORT_LIFECYCLE",
        "PARTNER_SUPPORT_LOCK_WAIT",
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "COLUMNS",
    ] {
        assert!(top.contains(var), "{var}");
    }
    for file in [
        "state.json",
        ".bak",
        ".lock",
        "history.jsonl",
        "profiles/NAME",
    ] {
        assert!(top.contains(file), "{file}");
    }
    let open = std::fs::read_to_string(dir.join("partner-support-incidents-open.1")).unwrap();
    assert!(
        open.contains("EXAMPLES") && open.contains("SEE ALSO"),
        "{open}"
    );
}

/// On a pipe or into a file without `COLUMNS`, tables are not fitted to a guessed width: every
/// cell whole, no row wrapped (as `--wide`); `COLUMNS` still fits them.
#[test]
fn a_pipe_gets_whole_rows_unless_columns_says_a_width() {
    let env = Env::contoso_active();
    let title = "Cluster validation fails on the shared disk of the second node after the patch";
    env.ok(&["incidents", "open", "--scope", "cloud", "--title", title]);
    let mut cmd = env.cmd();
    cmd.env_remove("COLUMNS")
        .args(["incidents", "list", "--all"]);
    let run = crate::support::run_command(&mut cmd);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.lines().any(|l| l.contains(title)),
        "{}",
        run.stdout
    );
    // Header, rule, one row, two borders: no row wrapped onto a second line.
    assert_eq!(run.stdout.lines().count(), 5, "{}", run.stdout);
    let mut cmd = env.cmd();
    cmd.env("COLUMNS", "80")
        .args(["incidents", "list", "--all"]);
    let fitted = crate::support::run_command(&mut cmd);
    assert!(
        fitted.stdout.lines().all(|l| l.chars().count() <= 80),
        "{}",
        fitted.stdout
    );
}
