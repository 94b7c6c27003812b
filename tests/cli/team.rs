//! A team on one record through real git (temp folders, no network): two clones change the
//! state offline, then pull with the merge drivers `team init` set up.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Run, run_command, w};
use pretty_assertions::assert_eq;
use serde_json::Value;

/// A folder of repositories: a bare origin and clones of it, git and partner-support run with a
/// clean environment (the binary on the PATH, for git to call as the driver).
struct Team {
    dir: tempfile::TempDir,
}

impl Team {
    fn new() -> Team {
        let team = Team {
            dir: tempfile::tempdir().unwrap(),
        };
        team.git(".", &["init", "-q", "--bare", "-b", "main", "origin.git"]);
        team
    }

    fn env(&self, cmd: &mut Command) {
        let bin = Path::new(env!("CARGO_BIN_EXE_partner-support"))
            .parent()
            .unwrap();
        cmd.env_clear()
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    bin.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .env("HOME", self.dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ana")
            .env("GIT_AUTHOR_EMAIL", "ana@contoso.com")
            .env("GIT_COMMITTER_NAME", "Ana")
            .env("GIT_COMMITTER_EMAIL", "ana@contoso.com")
            .env("COLUMNS", "300")
            // The day git's merge driver works on: fixed, as every command's here.
            .env("PARTNER_SUPPORT_AS_OF", "2026-07-31");
    }

    fn at(&self, clone: &str) -> PathBuf {
        self.dir.path().join(clone)
    }

    fn git(&self, clone: &str, args: &[&str]) -> Run {
        let mut cmd = Command::new("git");
        self.env(&mut cmd);
        cmd.current_dir(self.at(clone)).args(args);
        run_command(&mut cmd)
    }

    fn ok(&self, clone: &str, args: &[&str]) -> String {
        let run = self.git(clone, args);
        assert_eq!(run.code, 0, "git {args:?}: {}{}", run.stdout, run.stderr);
        run.stdout
    }

    /// partner-support in `clone` on its state file as of `day`.
    fn ps(&self, clone: &str, day: &str, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-support"));
        self.env(&mut cmd);
        cmd.current_dir(self.at(clone))
            .args(["--state", "state.json", "--as-of", day])
            .args(args);
        run_command(&mut cmd)
    }

    fn ps_ok(&self, clone: &str, day: &str, args: &[&str]) -> Run {
        let run = self.ps(clone, day, args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        run
    }

    fn commit(&self, clone: &str, message: &str) {
        self.ok(clone, &["add", "-A"]);
        self.ok(clone, &["commit", "-q", "-m", message]);
    }

    /// Commits everything in `clone` and pushes it to origin.
    fn push(&self, clone: &str, message: &str) {
        self.commit(clone, message);
        self.ok(clone, &["push", "-q", "origin", "main"]);
    }

    /// Pulls main into `clone` with a merge, as a teammate does: what git did.
    fn pull(&self, clone: &str) -> Run {
        self.git(
            clone,
            &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
        )
    }

    /// Ana's clone with Contoso, a 5-pack (8000005) and one incident, pushed; Ben's clone of it.
    fn two_clones() -> Team {
        let team = Team::new();
        team.ok(".", &["clone", "-q", "origin.git", "ana"]);
        let ana = |args: &[&str]| team.ps_ok("ana", "2026-06-15", args);
        ana(crate::support::INIT_CONTOSO);
        ana(&["offer", "add", "silver", "--competency", "Data Analytics"]);
        ana(&[
            "activate",
            "silver-data-analytics/cloud-support",
            "--access-id",
            "ACC-SIG-5555",
            "--contract-id",
            "8000005",
        ]);
        ana(&["incidents", "open", "--scope", "cloud", "--title", "First"]);
        let init = ana(&["team", "init"]);
        assert!(
            init.stderr
                .contains("added to .gitattributes: state.json merge=partner-support"),
            "{}",
            init.stderr
        );
        team.push("ana", "Contoso and its 5-pack");
        team.ok(".", &["clone", "-q", "origin.git", "ben"]);
        team.ps_ok("ben", "2026-06-15", &["team", "init"]);
        team
    }

    /// Opens a cloud incident titled `title` in `clone` on `day`.
    fn open(&self, clone: &str, day: &str, title: &str) -> Run {
        self.ps_ok(
            clone,
            day,
            &["incidents", "open", "--scope", "cloud", "--title", title],
        )
    }

    /// The incidents of `clone`: ID and title, in ID order.
    fn incidents(&self, clone: &str) -> Vec<(String, String)> {
        self.json(clone, &["incidents", "list", "--all"])["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let text = |k: &str| i[k].as_str().unwrap().to_string();
                (text("id"), text("title"))
            })
            .collect()
    }

    /// The titles of `clone`'s incidents, in ID order.
    fn titles(&self, clone: &str) -> Vec<String> {
        self.incidents(clone).into_iter().map(|(_, t)| t).collect()
    }

    /// The `merge-conflict` findings `check` raises in `clone` as of 2026-07-31.
    fn merge_conflicts(&self, clone: &str) -> Vec<Value> {
        let check = self
            .ps(clone, "2026-07-31", &["--json", "check", "--exit-zero"])
            .json();
        check["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "merge-conflict")
            .cloned()
            .collect()
    }

    /// Makes `clone`'s state file and log private, as a user would after git checked them out
    /// readable by all.
    fn private(&self, clone: &str) {
        use std::os::unix::fs::PermissionsExt;
        for name in ["state.json", "state.history.jsonl"] {
            let path = self.at(clone).join(name);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    fn json(&self, clone: &str, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend(args);
        self.ps_ok(clone, "2026-07-31", &all).json()
    }
}

/// The summaries of history `entries`, which must be numbered 1, 2, 3… in order.
fn in_order(entries: &[Value]) -> Vec<&str> {
    let revisions: Vec<u64> = entries
        .iter()
        .map(|e| e["revision"].as_u64().unwrap())
        .collect();
    assert_eq!(revisions, (1..=revisions.len() as u64).collect::<Vec<_>>());
    entries
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect()
}

#[test]
fn team_init_says_what_it_did_and_does_nothing_twice() {
    let team = Team::two_clones();
    let again = team.ps_ok("ana", "2026-06-15", &["team", "init"]);
    assert!(again.stderr.contains("already set up"), "{}", again.stderr);
    let attributes = std::fs::read_to_string(team.at("ana").join(".gitattributes")).unwrap();
    assert_eq!(
        attributes,
        "state.json merge=partner-support\nstate.history.jsonl merge=partner-support-history\n"
    );
    let ignore = std::fs::read_to_string(team.at("ana").join(".gitignore")).unwrap();
    assert_eq!(
        ignore,
        "state.json.bak\nstate.json.lock\nstate.json.account\n.state.json.*.tmp\n"
    );
    assert_eq!(
        team.ok("ben", &["config", "merge.partner-support.driver"])
            .trim(),
        "partner-support merge-driver %O %A %B %P"
    );
    // Outside a repository: refused, nothing written.
    std::fs::create_dir(team.at("loose")).unwrap();
    let run = team.ps("loose", "2026-06-15", &["team", "init"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("not in a git repository"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_dir(team.at("loose")).unwrap().count(), 0);
}

#[test]
fn two_clones_working_offline_pull_without_a_conflict() {
    let team = Team::two_clones();
    // Ana opens and closes; Ben opens, refunds the first and links an account, offline.
    team.open("ana", "2026-07-01", "Ana's outage");
    team.ps_ok("ana", "2026-07-02", &["incidents", "close", "INC-0002"]);
    team.push("ana", "Ana's incident");
    team.open("ben", "2026-07-03", "Ben's outage");
    team.ps_ok(
        "ben",
        "2026-07-04",
        &["incidents", "refund", "INC-0001", "--reason", "duplicate"],
    );
    // A fresh clone has no current account of its own: Ben acts with Ana's admin rights, named.
    team.ps_ok(
        "ben",
        "2026-07-05",
        &[
            "--as",
            "admin@contoso.com",
            "account",
            "add",
            "ben@contoso.com",
            "--role",
            "mpn-partner-admin",
        ],
    );
    team.ps_ok(
        "ben",
        "2026-07-05",
        &[
            "contract",
            "link",
            "8000005",
            "--account",
            "ben@contoso.com",
        ],
    );
    team.commit("ben", "Ben's incident");
    let pull = team.pull("ben");
    assert_eq!(pull.code, 0, "{}{}", pull.stdout, pull.stderr);
    // Every record once, the incidents both numbered INC-0002 renumbered on the side that
    // opened later (Ben's, on 07-03), balances right.
    let titles = team.incidents("ben");
    assert_eq!(
        titles,
        [
            ("INC-0001".to_string(), "First".to_string()),
            ("INC-0002".into(), "Ana's outage".into()),
            ("INC-0003".into(), "Ben's outage".into())
        ]
    );
    let pack = team.json("ben", &["contract", "show", "8000005"]);
    assert_eq!(
        (
            pack["charged"].clone(),
            pack["refunded"].clone(),
            pack["remaining"].clone()
        ),
        (3.into(), 1.into(), 3.into()),
        "{pack}"
    );
    let accounts = team.json("ben", &["account", "list"]);
    assert_eq!(accounts["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(
        pack["linked_accounts"],
        serde_json::json!(["admin@contoso.com", "ben@contoso.com"]),
        "{pack}"
    );
    // The history: every change of both sides once, in the order made, revisions running on,
    // and the merge itself saying what it renumbered.
    let history = team.json("ben", &["history"]);
    let entries = history["entries"].as_array().unwrap();
    let summaries = in_order(entries);
    for wanted in [
        "opened INC-0002 (cloud) on contract 8000005",
        "closed INC-0002",
        "refunded INC-0001",
    ] {
        assert!(
            summaries.iter().any(|s| s.starts_with(wanted)),
            "{wanted}: {summaries:#?}"
        );
    }
    let last = entries.last().unwrap();
    assert_eq!(last["action"], "merge");
    assert!(
        last["summary"]
            .as_str()
            .unwrap()
            .contains("renumbered INC-0002 as INC-0003"),
        "{last}"
    );
    // And as data, which is what a rebase follows: the words are for people.
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(team.at("ben").join("state.json")).unwrap())
            .unwrap();
    assert_eq!(
        file["last_change"]["renumbered"],
        serde_json::json!([{"from": "INC-0002", "to": "INC-0003"}])
    );
    // The number Ben's incident had still leads to it.
    let show = team.ps_ok("ben", "2026-07-31", &["incidents", "show", "INC-0002"]);
    assert!(show.stdout.contains("Ana's outage"), "{}", show.stdout);
    assert!(
        show.stderr
            .contains("another incident numbered INC-0002, on one side of the merge of revision"),
        "{}",
        show.stderr
    );
    let shown = team.json("ben", &["incidents", "show", "INC-0002"]);
    assert_eq!(shown["renumbered"][0]["now"], "INC-0003", "{shown}");
    // The merged file is sealed and keeps every rule: doctor finds nothing wrong, only that the
    // log has yet to get the merge's line (git checks files out readable by all: made private
    // first, as a user would).
    team.private("ben");
    let report = team.ps("ben", "2026-07-31", &["--json", "doctor"]).json();
    assert_eq!(report["healthy"], true, "{report}");
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes
            .iter()
            .all(|c| ["history-behind", "no-backup"].contains(c)),
        "{report}"
    );
    let sealed = std::fs::read(team.at("ben").join("state.json")).unwrap();
    assert!(crate::support::sealed(&sealed), "the merged file is sealed");
    // The next change logs the merge, and Ana pulls it as it is.
    team.ps_ok("ben", "2026-07-31", &["incidents", "close", "INC-0003"]);
    team.push("ben", "closed");
    team.ok(
        "ana",
        &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
    );
    assert_eq!(team.incidents("ana").len(), 3);
}

/// Both spend the last incidents of a pack offline: the pull keeps every incident, writes no
/// markers, and records an open conflict for each incident over the allowance, which `check`
/// (exit 5), `status` and `doctor` show with their fixes; voiding one settles its conflict, and
/// accepting the other (Microsoft did charge it) closes the last.
#[test]
fn both_spending_the_last_incident_of_a_pack_keeps_both_and_an_open_conflict() {
    let team = Team::two_clones();
    // The pack has 4 left: each side spends 3 before the other knows.
    for clone in ["ana", "ben"] {
        for n in 0..3 {
            team.open(clone, "2026-07-01", &format!("{clone} {n}"));
        }
        team.commit(clone, clone);
    }
    team.ok("ana", &["push", "-q", "origin", "main"]);
    let said = pull_clean(&team, "ben");
    assert!(!said.contains("CONFLICT"), "{said}");
    assert!(
        said.contains("kept INC-0007, which breaks a rule in the merged record: an open conflict"),
        "{said}"
    );
    assert_eq!(team.incidents("ben").len(), 7);
    let open = |clone: &str| -> Vec<String> {
        team.merge_conflicts(clone)
            .iter()
            .map(|f| {
                assert_eq!(f["severity"], "critical", "{f}");
                assert_eq!(f["contract"], "8000005", "{f}");
                f["incident"].as_str().unwrap().to_string()
            })
            .collect()
    };
    assert_eq!(open("ben"), ["INC-0006", "INC-0007"]);
    let check = team.ps("ben", "2026-07-31", &["check"]);
    assert_eq!(check.code, 5, "{}", check.stdout);
    assert!(
        check.stdout.contains("kept by the merge of ")
            && check
                .stdout
                .contains("INC-0007 could not have been charged to contract `8000005`")
            && check
                .stdout
                .contains("`partner-support team resolve INC-0007 --reason TEXT`"),
        "{}",
        check.stdout
    );
    let status = team.ps_ok("ben", "2026-07-31", &["status"]);
    assert!(
        status.stdout.contains("[merge-conflict]"),
        "{}",
        status.stdout
    );
    let shown = team.ps_ok("ben", "2026-07-31", &["incidents", "show", "INC-0007"]);
    assert!(
        shown.stdout.contains("open since the merge of 2026-07-31"),
        "{}",
        shown.stdout
    );
    let shown = team.json("ben", &["incidents", "show", "INC-0007"]);
    assert_eq!(shown["conflict"]["kind"], "exhausted", "{shown}");
    assert_eq!(
        team.json("ben", &["incidents", "show", "INC-0001"])["conflict"],
        Value::Null
    );
    team.private("ben");
    let doctor = team.ps("ben", "2026-07-31", &["--json", "doctor"]).json();
    let codes: Vec<&str> = doctor["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "merge-conflict").count(),
        2,
        "{doctor}"
    );
    assert!(!codes.contains(&"not-chargeable"), "{doctor}");

    // An export carries them, and a state imported from it has the same open conflicts.
    let export = team
        .ps_ok("ben", "2026-07-31", &["export", "--reveal"])
        .stdout;
    let copy = team.at("copy");
    std::fs::create_dir(&copy).unwrap();
    std::fs::write(copy.join("export.json"), &export).unwrap();
    let imported = team.ps("copy", "2026-07-31", &["import", "export.json"]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert_eq!(open("copy"), ["INC-0006", "INC-0007"]);

    // The other way round, Ana pulls Ben's merge: the same record, the same conflicts.
    team.ok("ben", &["push", "-q", "origin", "main"]);
    pull_clean(&team, "ana");
    assert_eq!(open("ana"), ["INC-0006", "INC-0007"]);

    // A correction settles one; the team accepts the other.
    team.ps_ok(
        "ben",
        "2026-07-31",
        &["incidents", "void", "INC-0007", "--reason", "typed twice"],
    );
    assert_eq!(open("ben"), ["INC-0006"]);
    let resolved = team.ps_ok(
        "ben",
        "2026-07-31",
        &[
            "team",
            "resolve",
            "INC-0006",
            "--reason",
            "Microsoft charged it",
        ],
    );
    assert!(
        resolved
            .stderr
            .contains("accepted the conflict of INC-0006"),
        "{}",
        resolved.stderr
    );
    assert!(open("ben").is_empty());
    let history = team.json("ben", &["history"]);
    let summaries: Vec<&str> = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert!(
        summaries
            .iter()
            .any(|s| s.contains("the conflict of INC-0007 is settled")),
        "{summaries:#?}"
    );
    // Nothing left to accept: refused, nothing written.
    let before = std::fs::read(team.at("ben").join("state.json")).unwrap();
    let again = team.ps(
        "ben",
        "2026-07-31",
        &["team", "resolve", "INC-0006", "--reason", "again"],
    );
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(
        again.stderr.contains("INC-0006 has no open conflict"),
        "{}",
        again.stderr
    );
    assert_eq!(
        std::fs::read(team.at("ben").join("state.json")).unwrap(),
        before
    );
}

/// The state in `env`'s folder and a copy of it (file and history) in `laptop/`, as a synced
/// folder leaves one when two machines changed it apart.
fn copy_to_laptop(env: &crate::support::Env) -> PathBuf {
    copy_into(env, env.state(), "laptop")
}

/// A copy of the state file at `from`, with its log, in a new folder `name` of the test's.
fn copy_into(env: &crate::support::Env, from: &Path, name: &str) -> PathBuf {
    let dir = env.dir().join(name);
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(from, dir.join("state.json")).unwrap();
    std::fs::copy(
        from.with_file_name("state.history.jsonl"),
        dir.join("state.history.jsonl"),
    )
    .unwrap();
    dir.join("state.json")
}

fn on(env: &crate::support::Env, state: &Path, day: &str, args: &[&str]) -> Run {
    let mut cmd = env.cmd();
    cmd.args(["--state", state.to_str().unwrap(), "--as-of", day])
        .args(args);
    let run = run_command(&mut cmd);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run
}

#[test]
fn merge_file_takes_a_synced_folders_copy_in_with_its_history() {
    let env = crate::support::Env::contoso_active();
    let home = env.state().to_path_buf();
    on(
        &env,
        &home,
        "2026-06-20",
        &[
            "incidents",
            "open",
            "--scope",
            "cloud",
            "--title",
            "Before the split",
        ],
    );
    let laptop = copy_to_laptop(&env);
    // Apart: the laptop opens one and adds an account; this copy opens one and refunds the first.
    on(
        &env,
        &laptop,
        "2026-07-01",
        &[
            "incidents",
            "open",
            "--scope",
            "cloud",
            "--title",
            "On the laptop",
        ],
    );
    on(
        &env,
        &laptop,
        "2026-07-02",
        &["account", "add", "ben@contoso.com", "--role", "admin-agent"],
    );
    on(
        &env,
        &home,
        "2026-07-03",
        &[
            "incidents",
            "open",
            "--scope",
            "cloud",
            "--title",
            "At home",
        ],
    );
    on(
        &env,
        &home,
        "2026-07-04",
        &["incidents", "refund", "INC-0001", "--reason", "duplicate"],
    );
    // -n says what it would take, and writes nothing.
    let before = env.bytes();
    let preview = on(
        &env,
        &home,
        "2026-07-10",
        &["-n", "merge", laptop.to_str().unwrap()],
    );
    assert!(
        preview.stderr.contains("would take 2 records from"),
        "{}",
        preview.stderr
    );
    assert!(
        preview.stderr.contains(
            "INC-0002 was numbered alike on both copies: the one opened later is now INC-0003"
        ),
        "{}",
        preview.stderr
    );
    assert!(env.bytes() == before);
    on(
        &env,
        &home,
        "2026-07-10",
        &["merge", laptop.to_str().unwrap()],
    );
    let list = on(
        &env,
        &home,
        "2026-07-31",
        &["--json", "incidents", "list", "--all"],
    )
    .json();
    let titles: Vec<&str> = list["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Before the split", "On the laptop", "At home"]);
    let accounts = env.ok(&["--json", "account", "list"]).json();
    assert!(
        accounts["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["email"] == "ben@contoso.com")
    );
    // The laptop's changes joined the history, then the merge; revisions run on.
    let history = env.history();
    let summaries = in_order(&history);
    assert!(
        summaries
            .iter()
            .any(|s| s.starts_with("added account ben@contoso.com")),
        "{summaries:#?}"
    );
    assert!(
        summaries
            .last()
            .unwrap()
            .contains("renumbered INC-0002 as INC-0003"),
        "{summaries:#?}"
    );
    // Again: nothing left to take.
    let again = on(
        &env,
        &home,
        "2026-07-11",
        &["merge", laptop.to_str().unwrap()],
    );
    assert!(
        again.stderr.contains("nothing to merge"),
        "{}",
        again.stderr
    );
}

/// R23: `merge FILE` finds the common ancestor by replaying the operations both histories
/// hold, so a record both copies changed merges field by field (a close here, a refund there),
/// one field set differently keeps the later change, and merging either way round gives the
/// same records, whose history `doctor` replays to them.
#[test]
fn merge_file_merges_what_both_copies_changed_field_by_field_either_way_round() {
    let env = crate::support::Env::contoso_active();
    let home = env.state().to_path_buf();
    let open = |title| ["incidents", "open", "--scope", "cloud", "--title", title];
    on(&env, &home, "2026-06-20", &open("Shared"));
    let laptop = copy_to_laptop(&env);
    on(
        &env,
        &laptop,
        "2026-07-01",
        &["incidents", "refund", "INC-0001", "--reason", "duplicate"],
    );
    on(
        &env,
        &laptop,
        "2026-07-01",
        &[
            "incidents",
            "edit",
            "INC-0001",
            "--title",
            "Named on the laptop",
        ],
    );
    on(&env, &laptop, "2026-07-01", &open("On the laptop"));
    on(
        &env,
        &home,
        "2026-07-02",
        &["incidents", "close", "INC-0001"],
    );
    on(
        &env,
        &home,
        "2026-07-02",
        &["incidents", "edit", "INC-0001", "--title", "Named at home"],
    );
    on(&env, &home, "2026-07-03", &open("At home"));
    // Each way round, from copies of the two as they are now.
    let (home_copy, laptop_copy) = (
        copy_into(&env, &home, "home-copy"),
        copy_into(&env, &laptop, "laptop-copy"),
    );
    let merged_home = on(
        &env,
        &home,
        "2026-07-10",
        &["merge", laptop_copy.to_str().unwrap()],
    );
    assert!(
        merged_home
            .stderr
            .contains("incident INC-0001: `title` was set differently on both sides; kept the later change (this state's)"),
        "{}",
        merged_home.stderr
    );
    on(
        &env,
        &laptop,
        "2026-07-10",
        &["merge", home_copy.to_str().unwrap()],
    );
    let records = |state: &Path| {
        let list = on(
            &env,
            state,
            "2026-07-31",
            &["--json", "incidents", "list", "--all"],
        )
        .json();
        list["incidents"].clone()
    };
    let (a, b) = (records(&home), records(&laptop));
    assert_eq!(a, b, "merged either way round, the same incidents");
    let first = &a[0];
    assert_eq!(first["title"], "Named at home", "{first}");
    assert_eq!(first["closed_on"], "2026-07-02", "{first}");
    assert_eq!(first["refund"]["reason"], "duplicate", "{first}");
    let titles: Vec<&str> = a
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Named at home", "On the laptop", "At home"]);
    for state in [&home, &laptop] {
        let doctor = on(&env, state, "2026-07-31", &["--json", "doctor"]).json();
        assert_eq!(doctor["healthy"], true, "{doctor}");
        assert!(!doctor.to_string().contains("history-diverges"), "{doctor}");
    }
}

#[test]
fn a_clone_numbers_new_incidents_after_those_it_has_seen_on_any_branch() {
    let team = Team::two_clones();
    // Ana pushes a branch with INC-0002; Ben fetches it, without merging, and opens one.
    team.ok("ana", &["checkout", "-q", "-b", "ana-work"]);
    team.open("ana", "2026-07-01", "On Ana's branch");
    team.commit("ana", "Ana's branch");
    team.ok("ana", &["push", "-q", "origin", "ana-work"]);
    team.ok("ben", &["fetch", "-q", "origin"]);
    let opened = team.open("ben", "2026-07-02", "Ben's, after seeing Ana's");
    assert!(
        opened.stderr.contains("opened INC-0003"),
        "{}",
        opened.stderr
    );
    team.commit("ben", "Ben's");
    // Merging Ana's branch then renumbers nothing.
    let pull = team.git(
        "ben",
        &[
            "pull",
            "-q",
            "--no-rebase",
            "--no-edit",
            "origin",
            "ana-work",
        ],
    );
    assert_eq!(pull.code, 0, "{}{}", pull.stdout, pull.stderr);
    let history = team.json("ben", &["history"]);
    let last = history["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "merge");
    assert!(
        !last["summary"].as_str().unwrap().contains("renumbered"),
        "{last}"
    );
    let ids: Vec<String> = team
        .incidents("ben")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, ["INC-0001", "INC-0002", "INC-0003"]);
}

/// Ana pushes an incident; Ben edits his copy with `edit` (so its seal no longer matches),
/// commits and pulls it in, which must succeed and leave a sealed file: what the pull said.
fn hand_edit_and_pull(team: &Team, edit: impl Fn(&str) -> String) -> String {
    team.open("ana", "2026-07-01", "Ana's");
    team.push("ana", "Ana's");
    let path = team.at("ben").join("state.json");
    std::fs::write(&path, edit(&std::fs::read_to_string(&path).unwrap())).unwrap();
    team.commit("ben", "a hand edit");
    let pull = team.pull("ben");
    assert_eq!(pull.code, 0, "{}{}", pull.stdout, pull.stderr);
    assert!(crate::support::sealed(&std::fs::read(&path).unwrap()));
    format!("{}{}", pull.stdout, pull.stderr)
}

#[test]
fn a_hand_edited_side_merges_and_the_result_is_sealed() {
    let team = Team::two_clones();
    // Ben corrects a title by hand.
    hand_edit_and_pull(&team, |text| {
        text.replace("\"First\"", "\"First, corrected\"")
    });
    let titles = team.titles("ben");
    assert_eq!(titles, ["First, corrected", "Ana's"]);
}

/// partner-support in `clone` on the state file at `state` (relative to the clone).
fn ps_at(team: &Team, clone: &str, state: &str, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-support"));
    team.env(&mut cmd);
    cmd.current_dir(team.at(clone))
        .args(["--state", state, "--as-of", "2026-06-15"])
        .args(args);
    run_command(&mut cmd)
}

/// A folder with a space and brackets: the attributes and ignores `team init` writes match it,
/// as git itself says (`check-attr`, `check-ignore`).
#[test]
fn team_init_writes_patterns_git_matches_whatever_the_folder_is_called() {
    let team = Team::new();
    team.ok(".", &["clone", "-q", "origin.git", "ana"]);
    let state = "Contoso team [2026] *notes*/state.json";
    let dir = team.at("ana").join("Contoso team [2026] *notes*");
    std::fs::create_dir(&dir).unwrap();
    let run = ps_at(&team, "ana", state, crate::support::INIT_CONTOSO);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = ps_at(&team, "ana", state, &["team", "init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let attr = |path: &str| team.ok("ana", &["check-attr", "merge", "--", path]);
    assert!(
        attr(state).trim_end().ends_with("merge: partner-support"),
        "{}",
        attr(state)
    );
    let log = "Contoso team [2026] *notes*/state.history.jsonl";
    assert!(
        attr(log)
            .trim_end()
            .ends_with("merge: partner-support-history"),
        "{}",
        attr(log)
    );
    // The pattern matches that folder only, not its look-alikes.
    let other = "Contoso team 2 xnotesx/state.json";
    assert!(
        attr(other).trim_end().ends_with("unspecified"),
        "{}",
        attr(other)
    );
    for ignored in [
        "state.json.bak",
        "state.json.lock",
        ".state.json.Xq3b9a.tmp",
    ] {
        let path = format!("Contoso team [2026] *notes*/{ignored}");
        let run = team.git("ana", &["check-ignore", "-q", "--no-index", "--", &path]);
        assert_eq!(run.code, 0, "{path} is not ignored");
    }
    let run = team.git("ana", &["check-ignore", "-q", "--no-index", "--", state]);
    assert_eq!(run.code, 1, "the state file itself is not ignored");
    // A second run finds everything in place.
    let again = ps_at(&team, "ana", state, &["team", "init"]);
    assert!(again.stderr.contains("already set up"), "{}", again.stderr);
}

/// A state file that is a link out of the work tree would send the team's changes elsewhere:
/// `team init` refuses it and writes nothing.
#[test]
fn team_init_refuses_a_state_file_that_links_out_of_the_repository() {
    let team = Team::new();
    team.ok(".", &["clone", "-q", "origin.git", "ana"]);
    std::fs::create_dir(team.at("elsewhere")).unwrap();
    let run = ps_at(
        &team,
        "elsewhere",
        "state.json",
        crate::support::INIT_CONTOSO,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::os::unix::fs::symlink(
        team.at("elsewhere").join("state.json"),
        team.at("ana").join("state.json"),
    )
    .unwrap();
    let run = ps_at(&team, "ana", "state.json", &["team", "init"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("links to") && run.stderr.contains("outside the repository"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("-o FILE"),
        "no hint that leads elsewhere: {}",
        run.stderr
    );
    assert!(!team.at("ana").join(".gitattributes").exists());
    assert!(!team.at("ana").join(".gitignore").exists());
    assert_eq!(
        team.git("ana", &["config", "merge.partner-support.driver"])
            .code,
        1
    );
}

/// `merge COPY` into `home` on 2026-06-25, refused: exit 1, nothing written. What it said.
fn merge_refused(env: &crate::support::Env, home: &Path, copy: &Path) -> String {
    let before = env.bytes();
    let mut cmd = env.cmd();
    cmd.args(["--state", home.to_str().unwrap(), "--as-of", "2026-06-25"])
        .args(["merge", copy.to_str().unwrap()]);
    let run = run_command(&mut cmd);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(env.bytes() == before, "nothing written");
    run.stderr
}

/// Each incident of `state` on `day`, voided ones too: its ID, status and whether it was
/// refunded.
fn incident_statuses(
    env: &crate::support::Env,
    state: &Path,
    day: &str,
) -> Vec<(String, String, bool)> {
    let list = on(env, state, day, &["--json", "incidents", "list", "--all"]);
    let doc: Value = serde_json::from_str(&list.stdout).unwrap();
    doc["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["status"].as_str().unwrap().to_string(),
                i["refunded"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// A synced folder names its conflict copy `state-LAPTOP-7.json` and its log
/// `state.history-LAPTOP-7.jsonl`: the copy's log is not where `merge` looks. Merging without
/// it would take the copy's closed and refunded incidents for new ones; `merge` refuses with
/// where it looked, and `--history FILE` names the log.
#[test]
fn merge_file_refuses_a_copy_whose_log_it_cannot_find_and_takes_it_named() {
    let env = crate::support::Env::contoso_active();
    let home = env.state().to_path_buf();
    fn open(title: &str) -> [&str; 6] {
        ["incidents", "open", "--scope", "cloud", "--title", title]
    }
    on(&env, &home, "2026-06-20", &open("One"));
    on(&env, &home, "2026-06-21", &open("Two"));
    on(
        &env,
        &home,
        "2026-06-22",
        &["incidents", "close", "INC-0001"],
    );
    let laptop = env.dir().join("laptop");
    std::fs::create_dir(&laptop).unwrap();
    let copy = laptop.join("state-LAPTOP-7.json");
    let copy_log = laptop.join("state.history-LAPTOP-7.jsonl");
    std::fs::copy(&home, &copy).unwrap();
    std::fs::copy(
        env.history_path(),
        laptop.join("state-LAPTOP-7.history.jsonl"),
    )
    .unwrap();
    on(
        &env,
        &copy,
        "2026-06-23",
        &["incidents", "refund", "INC-0002", "--reason", "duplicate"],
    );
    on(&env, &copy, "2026-06-24", &open("Three"));
    // The sync renames the log: where merge looks, there is none. Refused, nothing written.
    std::fs::rename(laptop.join("state-LAPTOP-7.history.jsonl"), &copy_log).unwrap();
    let said = merge_refused(&env, &home, &copy);
    assert!(
        said.contains("state-LAPTOP-7.history.jsonl") && said.contains("--history"),
        "{said}"
    );
    // Named, it merges: the refund and the new incident come in, nothing doubles.
    on(
        &env,
        &home,
        "2026-06-25",
        &[
            "merge",
            copy.to_str().unwrap(),
            "--history",
            copy_log.to_str().unwrap(),
        ],
    );
    assert_eq!(
        incident_statuses(&env, &home, "2026-06-25"),
        [
            ("INC-0001".to_string(), "closed".to_string(), false),
            ("INC-0002".to_string(), "open".to_string(), true),
            ("INC-0003".to_string(), "open".to_string(), false),
        ]
    );
}

/// The sync renamed the copy's log before anyone changed the copy: its next change started a new
/// log where `merge` looks, which begins at that change. Refused with where it looked and where
/// that log begins, nothing written; `--history FILE` with the renamed log merges it.
#[test]
fn merge_file_refuses_a_copy_whose_log_begins_after_the_first_change() {
    let env = crate::support::Env::contoso_active();
    let home = env.state().to_path_buf();
    on(
        &env,
        &home,
        "2026-06-20",
        &["incidents", "open", "--scope", "cloud", "--title", "One"],
    );
    on(
        &env,
        &home,
        "2026-06-21",
        &["incidents", "open", "--scope", "cloud", "--title", "Two"],
    );
    let laptop = env.dir().join("laptop");
    std::fs::create_dir(&laptop).unwrap();
    let copy = laptop.join("state-LAPTOP-7.json");
    let renamed = laptop.join("state.history-LAPTOP-7.jsonl");
    std::fs::copy(&home, &copy).unwrap();
    std::fs::copy(env.history_path(), &renamed).unwrap();
    on(
        &env,
        &copy,
        "2026-06-23",
        &["incidents", "refund", "INC-0002", "--reason", "duplicate"],
    );
    on(
        &env,
        &home,
        "2026-06-24",
        &["incidents", "close", "INC-0001"],
    );
    let said = merge_refused(&env, &home, &copy);
    assert!(
        said.contains("state-LAPTOP-7.history.jsonl")
            && said.contains("begins at revision")
            && said.contains("--history")
            && !said.contains("conflict markers"),
        "{said}"
    );
    // The hint followed: the refund comes in, the close stays, and the history gives the file.
    on(
        &env,
        &home,
        "2026-06-25",
        &[
            "merge",
            copy.to_str().unwrap(),
            "--history",
            renamed.to_str().unwrap(),
        ],
    );
    assert_eq!(
        incident_statuses(&env, &home, "2026-06-25"),
        [
            ("INC-0001".to_string(), "closed".to_string(), false),
            ("INC-0002".to_string(), "open".to_string(), true),
        ]
    );
    on(&env, &home, "2026-06-25", &["doctor"]);
}

/// Ben deletes an incident from his copy by hand (its seal no longer matches) and pulls: the
/// merge keeps the incident, says so, and names what his edited copy changed; `doctor` is then
/// healthy on a file that still holds it.
#[test]
fn an_incident_deleted_by_hand_on_one_side_is_kept_and_said() {
    let team = Team::two_clones();
    // Ben removes INC-0001 ("First") from his file by hand.
    let said = hand_edit_and_pull(&team, |text| {
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.contains("\"INC-0001\""))
            .collect();
        kept.join("\n") + "\n"
    });
    assert!(
        said.contains("INC-0001") && said.contains("edited outside partner-support"),
        "{said}"
    );
    let titles = team.titles("ben");
    assert_eq!(titles, ["First", "Ana's"]);
    team.ps_ok("ben", "2026-07-02", &["doctor"]);
}

/// The laptop's copy adds account ana@… and contract PX; this copy adds diana@… and PX2. The
/// other copy's records are new to this one, though this history names records whose names
/// contain theirs: names are matched whole, so nothing is taken for removed.
#[test]
fn merge_file_keeps_records_whose_names_are_inside_other_names() {
    let env = crate::support::Env::contoso_active();
    let home = env.state().to_path_buf();
    let laptop = copy_to_laptop(&env);
    let add = |state: &Path, day: &str, email: &str, contract: &str, access: &str| {
        on(
            &env,
            state,
            day,
            &["account", "add", email, "--role", "admin-agent"],
        );
        on(
            &env,
            state,
            day,
            &[
                "contract",
                "add",
                "--plan",
                "custom",
                "--contract-id",
                contract,
                "--access-id",
                access,
                "--incidents",
                "5",
                "--scope",
                "cloud",
            ],
        );
    };
    add(
        &laptop,
        "2026-07-01",
        "ana@contoso.com",
        "PX",
        "PX-ACCESS-1",
    );
    add(
        &home,
        "2026-07-02",
        "diana@contoso.com",
        "PX2",
        "PX-ACCESS-2",
    );
    on(
        &env,
        &home,
        "2026-07-03",
        &["merge", laptop.to_str().unwrap()],
    );
    let accounts = on(&env, &home, "2026-07-03", &["--json", "account", "list"]);
    let accounts: Value = serde_json::from_str(&accounts.stdout).unwrap();
    let emails: Vec<&str> = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert!(
        emails.contains(&"ana@contoso.com") && emails.contains(&"diana@contoso.com"),
        "{emails:?}"
    );
    let contracts = on(
        &env,
        &home,
        "2026-07-03",
        &["--json", "contract", "list", "--all"],
    );
    let contracts: Value = serde_json::from_str(&contracts.stdout).unwrap();
    let ids: Vec<&str> = contracts["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["contract_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"PX") && ids.contains(&"PX2"), "{ids:?}");
}

/// Git checks files out readable by everyone: after `team init`, a pull (fast-forward or
/// merge) and a checkout leave the state file and its log private again, by git's own hooks,
/// without anyone typing a command.
#[test]
fn after_a_pull_or_a_checkout_the_record_is_private_again() {
    use std::os::unix::fs::PermissionsExt;
    let team = Team::two_clones();
    let mode = |clone: &str, file: &str| {
        std::fs::metadata(team.at(clone).join(file))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    let private = |clone: &str, when: &str| {
        for file in ["state.json", "state.history.jsonl"] {
            assert_eq!(mode(clone, file), 0o600, "{file} in {clone} after {when}");
        }
    };
    // Ben's clone was checked out 0644 before `team init` set up the hooks.
    team.open("ana", "2026-07-01", "Ana's");
    team.push("ana", "Ana's");
    team.ok("ben", &["pull", "-q", "--ff-only", "origin", "main"]);
    private("ben", "a fast-forward pull");
    team.open("ben", "2026-07-02", "Ben's");
    team.commit("ben", "Ben's");
    team.open("ana", "2026-07-03", "Ana's second");
    team.push("ana", "Ana's second");
    team.ok(
        "ben",
        &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
    );
    private("ben", "a merge");
    team.ok("ben", &["checkout", "-q", "HEAD~1"]);
    private("ben", "a checkout");
    // And the hook is the clone's own: a second `team init` leaves it as it is.
    let again = team.ps_ok("ben", "2026-07-04", &["team", "init"]);
    assert!(again.stderr.contains("already set up"), "{}", again.stderr);
}

/// Who acts is per person: Ben makes himself the current account in his clone and pushes; Ana
/// pulls, and her next incident is still hers. The shared file names no current account.
#[test]
fn the_current_account_is_each_persons_own_not_the_shared_files() {
    let team = Team::two_clones();
    team.ps_ok(
        "ben",
        "2026-07-01",
        &[
            "--as",
            "admin@contoso.com",
            "account",
            "add",
            "ben@contoso.com",
            "--role",
            "mpn-partner-admin",
        ],
    );
    team.ps_ok("ben", "2026-07-01", &["account", "use", "ben@contoso.com"]);
    team.open("ben", "2026-07-01", "Ben's");
    team.push("ben", "Ben");
    team.ok(
        "ana",
        &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
    );
    let shared: Value =
        serde_json::from_str(&std::fs::read_to_string(team.at("ana").join("state.json")).unwrap())
            .unwrap();
    assert_eq!(
        shared["current_account"],
        Value::Null,
        "the shared file names no one"
    );
    team.open("ana", "2026-07-02", "Ana's");
    let by = |clone: &str| -> Vec<(String, String)> {
        team.json(clone, &["incidents", "list", "--all"])["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["title"].as_str().unwrap().to_string(),
                    i["opened_by"].as_str().unwrap_or("-").to_string(),
                )
            })
            .collect()
    };
    let ana = by("ana");
    assert!(
        ana.contains(&("Ana's".to_string(), "admin@contoso.com".to_string()))
            && ana.contains(&("Ben's".to_string(), "ben@contoso.com".to_string())),
        "{ana:?}"
    );
    let status = team.ps_ok("ana", "2026-07-02", &["status"]);
    assert!(
        status.stdout.contains("Account: admin@contoso.com"),
        "{}",
        status.stdout
    );
    let status = team.ps_ok("ben", "2026-07-02", &["status"]);
    assert!(
        status.stdout.contains("Account: ben@contoso.com"),
        "{}",
        status.stdout
    );
    // Each clone keeps its own, and git ignores it.
    let ignored = team.git("ana", &["check-ignore", "-q", "state.json.account"]);
    assert_eq!(ignored.code, 0, "state.json.account is ignored");
}

/// One clone puts today's program in use and adds a Solutions Partner designation; the other
/// declines a benefit and opens an incident: the pull keeps both, with both catalogs.
#[test]
fn a_program_change_and_a_decline_on_two_clones_merge_into_one_record() {
    let team = Team::two_clones();
    team.ps_ok(
        "ana",
        "2026-06-20",
        &["catalog", "use", "ai-cloud-partner-program"],
    );
    team.ps_ok(
        "ana",
        "2026-06-20",
        &[
            "offer",
            "add",
            "solutions-partner",
            "--solution-area",
            "Security",
        ],
    );
    team.push("ana", "today's program");
    team.ps_ok(
        "ben",
        "2026-06-21",
        &[
            "--as",
            "admin@contoso.com",
            "decline",
            "silver-data-analytics/product-support",
            "--reason",
            "the designation covers on-premises",
        ],
    );
    team.ps_ok(
        "ben",
        "2026-06-21",
        &["incidents", "open", "--scope", "cloud", "--title", "Second"],
    );
    team.commit("ben", "a decline and an incident");
    let pull = team.pull("ben");
    assert_eq!(pull.code, 0, "{}{}", pull.stdout, pull.stderr);
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(team.at("ben").join("state.json")).unwrap())
            .unwrap();
    assert_eq!(
        state["catalog"]["name"], "ai-cloud-partner-program",
        "{state}"
    );
    assert_eq!(state["other_catalogs"][0]["name"], "mpn-2021", "{state}");
    let offers: Vec<(&str, &str)> = state["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["catalog"].as_str().unwrap(), o["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        offers,
        [
            ("mpn-2021", "silver"),
            ("ai-cloud-partner-program", "solutions-partner")
        ]
    );
    assert_eq!(
        state["declined"][0]["benefit"], "silver-data-analytics/product-support",
        "{state}"
    );
    assert_eq!(state["incidents"].as_array().unwrap().len(), 2);
    assert_eq!(team.ps("ben", "2026-06-21", &["doctor"]).code, 0);
}

/// Two clones with Ana's and Ben's accounts known to both (pushed before they part).
fn two_clones_with_two_people() -> Team {
    let team = Team::two_clones();
    for who in ["ana@contoso.com", "ben@contoso.com"] {
        team.ps_ok(
            "ana",
            "2026-06-20",
            &["account", "add", who, "--role", "mpn-partner-admin"],
        );
    }
    team.push("ana", "Ana and Ben");
    team.ok(
        "ben",
        &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
    );
    team
}

/// Pulls main into `clone`, which must merge: what git and the driver said.
fn pull_clean(team: &Team, clone: &str) -> String {
    let pull = team.git(
        clone,
        &["pull", "--no-rebase", "--no-edit", "origin", "main"],
    );
    let said = format!("{}{}", pull.stdout, pull.stderr);
    assert_eq!(pull.code, 0, "{said}");
    let text = std::fs::read_to_string(team.at(clone).join("state.json")).unwrap();
    assert!(!text.contains("<<<<<<<"), "no markers: {said}");
    said
}

/// Ana and Ben each open their first incident on one contract, as themselves, offline: each
/// first use links its account to the contract, and the pull keeps both links and both
/// incidents.
#[test]
fn two_people_opening_incidents_on_one_contract_merge_without_a_conflict() {
    let team = two_clones_with_two_people();
    for (clone, who) in [("ana", "ana@contoso.com"), ("ben", "ben@contoso.com")] {
        team.ps_ok(
            clone,
            "2026-07-01",
            &[
                "--as",
                who,
                "incidents",
                "open",
                "--scope",
                "cloud",
                "--title",
                who,
            ],
        );
        team.commit(clone, who);
    }
    team.ok("ana", &["push", "-q", "origin", "main"]);
    pull_clean(&team, "ben");
    let pack = team.json("ben", &["contract", "show", "8000005"]);
    assert_eq!(
        pack["linked_accounts"],
        serde_json::json!(["admin@contoso.com", "ana@contoso.com", "ben@contoso.com"]),
        "{pack}"
    );
    let titles = team.titles("ben");
    assert_eq!(titles, ["First", "ana@contoso.com", "ben@contoso.com"]);
    assert_eq!(pack["remaining"], 2, "{pack}");
}

/// Independent changes to one record merge: one person closes an incident while the other
/// refunds it, and each links another account to the contract.
#[test]
fn a_close_on_one_side_and_a_refund_on_the_other_are_both_kept() {
    let team = two_clones_with_two_people();
    team.ps_ok("ana", "2026-07-01", &["incidents", "close", "INC-0001"]);
    team.ps_ok(
        "ana",
        "2026-07-01",
        &[
            "contract",
            "link",
            "8000005",
            "--account",
            "ana@contoso.com",
        ],
    );
    team.push("ana", "closed, linked Ana");
    team.ps_ok(
        "ben",
        "2026-07-02",
        &["incidents", "refund", "INC-0001", "--reason", "duplicate"],
    );
    team.ps_ok(
        "ben",
        "2026-07-02",
        &[
            "contract",
            "link",
            "8000005",
            "--account",
            "ben@contoso.com",
        ],
    );
    team.commit("ben", "refunded, linked Ben");
    pull_clean(&team, "ben");
    let first = team.json("ben", &["incidents", "show", "INC-0001"]);
    assert_eq!(
        (&first["closed_on"], &first["refunded"]),
        (&"2026-07-01".into(), &true.into()),
        "{first}"
    );
    let pack = team.json("ben", &["contract", "show", "8000005"]);
    assert_eq!(
        pack["linked_accounts"],
        serde_json::json!(["admin@contoso.com", "ana@contoso.com", "ben@contoso.com"]),
        "{pack}"
    );
    let report = team.ps("ben", "2026-07-31", &["--json", "doctor"]).json();
    assert_eq!(report["healthy"], true, "{report}");
}

/// One field set differently on both sides (the same incident refunded for two reasons): the
/// later change wins, the merge says which it kept in what it prints and in the history, and
/// the file merges with no markers. Merging either way round keeps the same.
#[test]
fn one_field_set_differently_on_both_sides_keeps_the_later_change_and_says_so() {
    let team = Team::two_clones();
    team.ps_ok(
        "ana",
        "2026-07-01",
        &["incidents", "refund", "INC-0001", "--reason", "duplicate"],
    );
    team.push("ana", "refund: duplicate");
    // Ben's change is made after Ana's.
    std::thread::sleep(std::time::Duration::from_millis(20));
    team.ps_ok(
        "ben",
        "2026-07-01",
        &["incidents", "refund", "INC-0001", "--reason", "product-bug"],
    );
    team.commit("ben", "refund: product bug");
    let said = pull_both_ways(&team);
    assert!(
        said.contains("incident INC-0001: `refund` was set differently on both sides; kept the later change (this side's)"),
        "{said}"
    );
    let refund = |clone: &str| {
        team.json(clone, &["incidents", "show", "INC-0001"])["refund"]["reason"].clone()
    };
    assert_eq!(refund("ben"), "product-bug");
    let history = team.json("ben", &["history"]);
    let last = history["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        last["summary"]
            .as_str()
            .unwrap()
            .contains("incident INC-0001: `refund` set differently on both sides, kept ours"),
        "{last}"
    );
    // The other way round: Ana's clone as she pushed pulled Ben's merge.
    assert_eq!(refund("ana2"), "product-bug");
}

/// One benefit activated on both sides for one year is two allocations Microsoft never gives
/// (R18): both contracts are kept, an open conflict names them, `check` says to remove the one
/// Partner Center does not show, and `contract remove` settles it.
#[test]
fn one_benefit_activated_on_both_sides_keeps_both_contracts_and_an_open_conflict() {
    let team = Team::two_clones();
    for (clone, id) in [("ana", "7000001"), ("ben", "7000002")] {
        team.ps_ok(
            clone,
            "2026-07-01",
            &[
                "--as",
                "admin@contoso.com",
                "activate",
                "silver-data-analytics/product-support",
                "--access-id",
                &format!("ACC-{id}"),
                "--contract-id",
                id,
            ],
        );
        team.commit(clone, id);
    }
    team.ok("ana", &["push", "-q", "origin", "main"]);
    let said = pull_clean(&team, "ben");
    assert!(
        said.contains("benefit silver-data-analytics/product-support was activated twice for one year: contracts 7000001 and 7000002"),
        "{said}"
    );
    let check = team.ps("ben", "2026-07-31", &["check"]);
    assert_eq!(check.code, 5, "{}", check.stdout);
    assert!(
        check.stdout.contains("`partner-support contract remove C`"),
        "{}",
        check.stdout
    );
    // Partner Center shows 7000001: the other goes, and the conflict with it.
    let removed = team.ps_ok(
        "ben",
        "2026-07-31",
        &["--as", "admin@contoso.com", "contract", "remove", "7000002"],
    );
    assert!(
        removed.stderr.contains("removed contract 7000002"),
        "{}",
        removed.stderr
    );
    assert_eq!(team.merge_conflicts("ben"), Vec::<Value>::new());
    let history = team.json("ben", &["history"]);
    let last = history["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        last["summary"]
            .as_str()
            .unwrap()
            .contains("the conflict of contracts 7000001 and 7000002 is settled"),
        "{last}"
    );
}

/// The same Microsoft case opened on both sides, each with its own title and day (N6): the pull
/// charges it once; the other record is kept, voided, and the driver says which stands.
#[test]
fn one_case_opened_on_both_sides_is_charged_once() {
    let team = Team::two_clones();
    for (clone, day, title) in [
        ("ana", "2026-07-01", "Sync fails"),
        ("ben", "2026-07-02", "AD sync"),
    ] {
        team.ps_ok(
            clone,
            day,
            &[
                "incidents",
                "open",
                "--scope",
                "cloud",
                "--title",
                title,
                "--case",
                "2607010010001",
            ],
        );
        team.commit(clone, title);
    }
    team.ok("ana", &["push", "-q", "origin", "main"]);
    let said = pull_clean(&team, "ben");
    assert!(
        said.contains(
            "case 2607010010001 was recorded on both sides: INC-0002 stands, INC-0003 is voided"
        ),
        "{said}"
    );
    let list = team.json("ben", &["incidents", "list", "--all"]);
    let of_case: Vec<(String, String)> = list["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["case_number"] == "2607010010001")
        .map(|i| {
            (
                i["title"].as_str().unwrap().to_string(),
                i["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        of_case,
        [
            ("Sync fails".to_string(), "open".to_string()),
            ("AD sync".into(), "voided".into())
        ]
    );
    let pack = team.json("ben", &["contract", "show", "8000005"]);
    assert_eq!(pack["charged"], 2, "{pack}");
}

/// N7: one side moves a contract's end earlier, or removes an account, while the other opens an
/// incident that the change makes unchargeable. Whoever pulls, the incident is kept and an open
/// conflict names it with the rule it breaks.
#[test]
fn an_incident_the_other_side_made_unchargeable_is_kept_as_a_conflict_whoever_pulls() {
    for puller in ["ben", "ana"] {
        let team = two_clones_with_two_people();
        let (ana_first, other) = if puller == "ben" {
            ("ana", "ben")
        } else {
            ("ben", "ana")
        };
        // Ana ends the pack on 2026-06-30 and removes Ben's account; Ben opens as himself on
        // 2026-07-05, after that end.
        team.ps_ok(
            "ana",
            "2026-07-01",
            &["contract", "edit", "8000005", "--end", "2026-06-30"],
        );
        team.ps_ok(
            "ana",
            "2026-07-01",
            &["account", "remove", "ben@contoso.com"],
        );
        team.commit("ana", "pack ends, Ben leaves");
        team.ps_ok(
            "ben",
            "2026-07-05",
            &[
                "--as",
                "ben@contoso.com",
                "incidents",
                "open",
                "--scope",
                "cloud",
                "--title",
                "Late",
            ],
        );
        team.commit("ben", "Ben's");
        team.ok(ana_first, &["push", "-q", "origin", "main"]);
        pull_clean(&team, other);
        let conflicts: Vec<String> = team
            .merge_conflicts(other)
            .iter()
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(conflicts.len(), 1, "{puller}: {conflicts:?}");
        assert!(
            conflicts[0].contains(
                "INC-0002 was opened by `ben@contoso.com`, which is not a recorded account"
            ),
            "{puller}: {conflicts:?}"
        );
        let titles = team.titles(other);
        assert_eq!(titles, ["First", "Late"], "{puller}");
    }
}

/// `undo` right after a pull undoes the merge: the state is this side's as it was before, and
/// the undo is a change of its own.
#[test]
fn undo_after_a_pull_undoes_the_merge() {
    let team = Team::two_clones();
    team.open("ana", "2026-07-01", "Ana's");
    team.push("ana", "Ana's");
    team.open("ben", "2026-07-02", "Ben's");
    team.commit("ben", "Ben's");
    let before: Vec<String> = team.titles("ben");
    pull_clean(&team, "ben");
    assert_eq!(team.incidents("ben").len(), 3);
    team.private("ben");
    let undo = team.ps("ben", "2026-07-31", &["undo"]);
    assert_eq!(undo.code, 0, "{}", undo.stderr);
    assert!(
        undo.stderr.contains("(merge: merged state.json"),
        "{}",
        undo.stderr
    );
    let after: Vec<String> = team.titles("ben");
    assert_eq!(after, before);
    let report = team.ps("ben", "2026-07-31", &["--json", "doctor"]).json();
    assert_eq!(report["healthy"], true, "{report}");
}

/// A laptop's copy of `env`'s state that opened one incident, "Laptop", apart.
fn laptop_with_an_incident(env: &crate::support::Env) -> PathBuf {
    let laptop = copy_to_laptop(env);
    on(
        env,
        &laptop,
        "2026-07-01",
        &w("incidents open --scope cloud --title Laptop"),
    );
    laptop
}

/// `undo` right after `merge FILE` puts this state back as it was before the merge.
#[test]
fn undo_after_merge_file_puts_this_state_back() {
    let env = crate::support::Env::contoso_active();
    let laptop = laptop_with_an_incident(&env);
    let before = env
        .ok(&w("--as-of 2026-07-02 --json incidents list --all"))
        .stdout;
    let merged = env.ok(&["--as-of", "2026-07-02", "merge", laptop.to_str().unwrap()]);
    assert!(merged.stderr.contains("took"), "{}", merged.stderr);
    let undo = env.ok(&["--as-of", "2026-07-02", "undo"]);
    assert!(undo.stderr.contains("(merge: merged"), "{}", undo.stderr);
    let after = env
        .ok(&w("--as-of 2026-07-02 --json incidents list --all"))
        .stdout;
    assert_eq!(after, before);
}

/// A backup older than the state a merge started from is not put back: `undo` never loses the
/// changes between.
#[test]
fn undo_refuses_a_backup_older_than_the_merge() {
    let env = crate::support::Env::contoso_active();
    let laptop = laptop_with_an_incident(&env);
    env.ok(&[
        "--as-of",
        "2026-07-02",
        "incidents",
        "open",
        "--scope",
        "cloud",
        "--title",
        "Here",
    ]);
    let old_backup = std::fs::read(env.state()).unwrap();
    env.ok(&[
        "--as-of",
        "2026-07-02",
        "incidents",
        "open",
        "--scope",
        "cloud",
        "--title",
        "Again",
    ]);
    env.ok(&["--as-of", "2026-07-02", "merge", laptop.to_str().unwrap()]);
    // The backup is put back to one two changes before the merge.
    let backup = env.state().with_file_name("state.json.bak");
    std::fs::write(&backup, &old_backup).unwrap();
    let before = std::fs::read(env.state()).unwrap();
    let undo = env.refused(&["--as-of", "2026-07-02", "undo"], 3, "cannot undo");
    assert!(
        undo.stderr.contains("the backup is revision"),
        "{}",
        undo.stderr
    );
    assert_eq!(std::fs::read(env.state()).unwrap(), before);
}

/// N14: `git pull --rebase` replays this side's commits onto the other's through the same
/// drivers: every incident of both sides once, every change once in the history, and `doctor`
/// finds nothing wrong.
#[test]
fn pull_with_rebase_keeps_every_incident_and_change_once() {
    let team = Team::two_clones();
    team.open("ana", "2026-07-01", "Ana's");
    team.push("ana", "Ana's");
    team.open("ben", "2026-07-02", "Ben's first");
    team.commit("ben", "Ben's first");
    team.ps_ok("ben", "2026-07-03", &["incidents", "close", "INC-0002"]);
    team.commit("ben", "Ben closes his");
    team.open("ben", "2026-07-04", "Ben's second");
    team.commit("ben", "Ben's second");
    let pull = team.git("ben", &["pull", "--rebase", "origin", "main"]);
    assert_eq!(pull.code, 0, "{}{}", pull.stdout, pull.stderr);
    let titles = team.titles("ben");
    assert_eq!(titles, ["First", "Ana's", "Ben's first", "Ben's second"]);
    // Ben's close went with his incident, wherever it was renumbered.
    let closed: Vec<Value> = team.json("ben", &["incidents", "list", "--all"])["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i["closed_on"].is_null())
        .map(|i| i["title"].clone())
        .collect();
    assert_eq!(closed, [Value::from("Ben's first")]);
    let history = team.json("ben", &["history"]);
    let summaries: Vec<String> = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap().to_string())
        .collect();
    // Ana's open and Ben's, Ben's close: each once, whatever number it ended up with.
    for (wanted, times) in [
        ("opened INC-0002 (cloud)", 2),
        ("closed INC-0002", 1),
        ("opened INC-0003 (cloud)", 1),
    ] {
        let n = summaries.iter().filter(|s| s.starts_with(wanted)).count();
        assert_eq!(n, times, "{wanted}: {summaries:#?}");
    }
    let revisions: Vec<u64> = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["revision"].as_u64().unwrap())
        .collect();
    let mut sorted = revisions.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(revisions, sorted, "revisions in order, each once");
    team.private("ben");
    let report = team.ps("ben", "2026-07-31", &["--json", "doctor"]).json();
    assert_eq!(report["healthy"], true, "{report}");
}

/// N14: a teammate's commit cherry-picked goes through the same driver: both incidents, each
/// change once in the history.
#[test]
fn a_cherry_picked_commit_brings_its_changes_once() {
    let team = Team::two_clones();
    team.ok("ana", &["checkout", "-q", "-b", "ana-work"]);
    team.open("ana", "2026-07-01", "Ana's");
    team.commit("ana", "Ana's");
    team.ok("ana", &["push", "-q", "origin", "ana-work"]);
    team.open("ben", "2026-07-02", "Ben's");
    team.commit("ben", "Ben's");
    team.ok("ben", &["fetch", "-q", "origin"]);
    let pick = team.git("ben", &["cherry-pick", "origin/ana-work"]);
    assert_eq!(pick.code, 0, "{}{}", pick.stdout, pick.stderr);
    let titles = team.titles("ben");
    // Ana's was opened first: it keeps INC-0002, Ben's moves on.
    assert_eq!(titles, ["First", "Ana's", "Ben's"]);
    let history = team.json("ben", &["history"]);
    let opened = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "incidents open")
        .count();
    assert_eq!(opened, 3, "{history}");
}

/// Both sides put a catalog in use, differently (Ana the legacy program back, Ben his own
/// edition of today's): the pull keeps the later change's in use, keeps the other for its
/// offers, says which it kept, and leaves no markers.
#[test]
fn a_catalog_put_in_use_differently_on_both_sides_keeps_the_later_change() {
    let team = Team::two_clones();
    team.ps_ok("ana", "2026-07-01", &["catalog", "use", "mpn-2021"]);
    team.push("ana", "legacy in use");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let edition = team.at("ben").join("edition.toml");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/catalogs/ai-cloud-partner-program.toml"
    ))
    .unwrap()
    .replace(
        "version = \"2025.06-unverified\"",
        "version = \"2026.12-ours\"",
    );
    std::fs::write(&edition, text).unwrap();
    team.ps_ok(
        "ben",
        "2026-07-02",
        &["catalog", "use", edition.to_str().unwrap()],
    );
    std::fs::remove_file(&edition).unwrap();
    team.commit("ben", "our edition");
    let said = pull_clean(&team, "ben");
    assert!(
        said.contains("the state: `catalog` was set differently on both sides; kept the later change (this side's)"),
        "{said}"
    );
    let list = team.ps_ok("ben", "2026-07-31", &["catalog", "list"]).stdout;
    assert!(list.contains("2026.12-ours"), "{list}");
    let offers = team.json("ben", &["offer", "list", "--all"]);
    assert_eq!(offers["offers"].as_array().unwrap().len(), 1, "{offers}");
}

/// Renewal against an open: Ana records the membership's next year while Ben opens an
/// incident on this year's pack. The pull keeps both, with no conflict.
#[test]
fn a_renewal_on_one_side_and_an_incident_on_the_other_both_stand() {
    let team = Team::two_clones();
    team.ps_ok("ana", "2026-07-01", &w("offer renew silver-data-analytics"));
    team.push("ana", "next year");
    team.open("ben", "2026-07-02", "Ben's");
    team.commit("ben", "Ben's");
    pull_clean(&team, "ben");
    let offers = team.json("ben", &["offer", "list", "--all"]);
    let years = offers["offers"][0]["years"].as_array().map_or(0, Vec::len);
    assert_eq!(years, 2, "{offers}");
    let titles = team.titles("ben");
    assert_eq!(titles, ["First", "Ben's"]);
    assert_eq!(team.merge_conflicts("ben"), Vec::<Value>::new());
}

/// Run outside the work tree its path names (no state file there), the driver merges and
/// leaves no backup behind in the folder it was run from.
#[test]
fn the_driver_keeps_a_backup_only_beside_the_file_it_merges() {
    let env = crate::support::Env::contoso_active();
    let copies = tempfile::tempdir().unwrap();
    for name in ["base.json", "ours.json", "theirs.json"] {
        std::fs::copy(env.state(), copies.path().join(name)).unwrap();
    }
    let elsewhere = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-support"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(elsewhere.path())
        .arg("merge-driver")
        .args(["base.json", "ours.json", "theirs.json"].map(|n| copies.path().join(n)))
        .arg("state.json");
    let run = run_command(&mut cmd);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let left: Vec<_> = std::fs::read_dir(elsewhere.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// R23: a copy whose history shares no operation with this one has no common ancestor to merge
/// from: refused, nothing written, and the way it names (export, import) takes its new records.
#[test]
fn merge_file_refuses_a_copy_that_shares_no_operation_and_its_hint_works() {
    let env = crate::support::Env::contoso_active();
    let home = env.state().to_path_buf();
    let other = env.dir().join("other");
    std::fs::create_dir(&other).unwrap();
    let other = other.join("state.json");
    on(
        &env,
        &other,
        "2026-06-20",
        &[
            "init",
            "--partner-id",
            "4012345",
            "--name",
            "Contoso",
            "--account",
            "admin@contoso.com",
            "--role",
            "global-admin",
        ],
    );
    on(
        &env,
        &other,
        "2026-06-21",
        &["account", "add", "zoe@contoso.com", "--role", "admin-agent"],
    );
    let before = env.bytes();
    let refused = env.refused(
        &["merge", other.to_str().unwrap()],
        1,
        "shares no operation",
    );
    assert!(
        refused.stderr.contains("nothing was written"),
        "{}",
        refused.stderr
    );
    assert!(env.bytes() == before, "the refusal wrote the state");
    let export = on(&env, &other, "2026-06-22", &["export"]);
    let file = env.dir().join("other.json");
    std::fs::write(&file, &export.stdout).unwrap();
    on(
        &env,
        &home,
        "2026-06-22",
        &["import", file.to_str().unwrap()],
    );
    let accounts = env.ok(&["--json", "account", "list"]).json();
    assert!(
        accounts.to_string().contains("zoe@contoso.com"),
        "{accounts}"
    );
}

/// Adds a 9-incident premier contract `id` with Access ID `access` in `clone` on 2026-06-20.
fn add_premier(team: &Team, clone: &str, id: &str, access: &str) {
    team.ps_ok(
        clone,
        "2026-06-20",
        &[
            "contract",
            "add",
            "--plan",
            "premier",
            "--contract-id",
            id,
            "--access-id",
            access,
            "--incidents",
            "9",
            "--scope",
            "both",
            "--start",
            "2026-06-01",
        ],
    );
}

/// One person removes a contract recorded by mistake while the other charges an incident to
/// it: the pull keeps the contract (the incident would point nowhere) and says so, and the
/// record is healthy.
#[test]
fn a_contract_removed_on_one_side_and_used_on_the_other_is_kept_and_said() {
    let team = Team::two_clones();
    add_premier(&team, "ana", "P9", "PA-9");
    team.push("ana", "P9");
    team.ok(
        "ben",
        &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
    );
    team.ps_ok("ana", "2026-06-21", &["contract", "remove", "P9"]);
    team.push("ana", "P9 was a mistake");
    team.ps_ok(
        "ben",
        "2026-06-21",
        &[
            "incidents",
            "open",
            "--contract",
            "P9",
            "--scope",
            "cloud",
            "--title",
            "On P9",
        ],
    );
    team.commit("ben", "on P9");
    let said = pull_clean(&team, "ben");
    assert!(
        said.contains("kept contract `P9`, which one side removed: INC-0002 is charged to it"),
        "{said}"
    );
    let p9 = team.json("ben", &["contract", "show", "P9"]);
    assert_eq!(p9["used"], 1, "{p9}");
    let doctor = team.ps("ben", "2026-06-21", &["doctor"]);
    assert_eq!(doctor.code, 0, "{}{}", doctor.stdout, doctor.stderr);
}

/// Two people record two contracts with one Access ID: the pull keeps both and an open
/// conflict names them (`check` exit 5); its hint, followed, settles it.
#[test]
fn two_contracts_with_one_access_id_are_kept_as_an_open_conflict_whose_hint_works() {
    let team = Team::two_clones();
    add_premier(&team, "ana", "P1", "PA-1");
    team.commit("ana", "P1");
    add_premier(&team, "ben", "P2", "PA-1");
    team.commit("ben", "P2");
    team.ok("ana", &["push", "-q", "origin", "main"]);
    let said = pull_clean(&team, "ben");
    assert!(
        said.contains("contracts P1 and P2 were recorded on two sides with one Access ID"),
        "{said}"
    );
    let check = team.ps("ben", "2026-06-21", &["check"]);
    assert_eq!(check.code, 5, "{}", check.stdout);
    assert!(
        check
            .stdout
            .contains("`partner-support contract edit C --access-id ID`"),
        "{}",
        check.stdout
    );
    // The hint, followed: P2's Access ID was mistyped.
    team.ps_ok(
        "ben",
        "2026-06-21",
        &["contract", "edit", "P2", "--access-id", "PA-2"],
    );
    assert_eq!(team.merge_conflicts("ben"), Vec::<Value>::new());
    let check = team.ps("ben", "2026-06-21", &["check", "--contract", "P2"]);
    assert!(!check.stdout.contains("merge-conflict"), "{}", check.stdout);
    // Ana pulls the settled record back without a word.
    team.commit("ben", "P2's Access ID");
    team.ok("ben", &["push", "-q", "origin", "main"]);
    let said = pull_clean(&team, "ana");
    assert!(!said.contains("conflict"), "{said}");
    assert_eq!(team.merge_conflicts("ana"), Vec::<Value>::new());
}

/// Two pulls before a change (git's driver keeps a merge in the file until a change logs it):
/// what the first merge did still reaches the history, which replays to the file.
#[test]
fn two_pulls_before_a_change_keep_what_both_merges_did_in_the_history() {
    let team = Team::two_clones();
    team.open("ana", "2026-07-01", "Ana's");
    team.push("ana", "Ana's");
    team.open("ben", "2026-07-02", "Ben's");
    team.commit("ben", "Ben's");
    pull_clean(&team, "ben");
    team.open("ana", "2026-07-03", "Ana's second");
    team.push("ana", "Ana's second");
    pull_clean(&team, "ben");
    assert_eq!(
        team.incidents("ben"),
        [
            ("INC-0001".to_string(), "First".to_string()),
            ("INC-0002".into(), "Ana's".into()),
            ("INC-0003".into(), "Ben's".into()),
            ("INC-0004".into(), "Ana's second".into()),
        ]
    );
    team.ps_ok("ben", "2026-07-04", &["incidents", "close", "INC-0004"]);
    let history = team.json("ben", &["history"]);
    let merges: Vec<String> = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "merge")
        .map(|e| e["summary"].as_str().unwrap().to_string())
        .collect();
    let said = merges.join("\n");
    for renumbered in [
        "renumbered INC-0002 as INC-0003",
        "renumbered INC-0003 as INC-0004",
    ] {
        assert!(said.contains(renumbered), "{renumbered}: {said}");
    }
    team.private("ben");
    let report = team.ps("ben", "2026-07-31", &["--json", "doctor"]).json();
    assert_eq!(report["healthy"], true, "{report}");
}

/// Of one field two people set differently, the later operation's value stands, not the value
/// of the copy changed last: Ana refunds, Ben refunds for another reason after her, then Ana
/// opens an incident. Either side pulling keeps Ben's reason.
#[test]
fn the_later_operation_wins_a_field_even_when_the_other_copy_changed_last() {
    let team = Team::two_clones();
    let refund = |reason| ["incidents", "refund", "INC-0001", "--reason", reason];
    let said = set_by_both_then_pulled(
        &team,
        &refund("duplicate"),
        &refund("product-bug"),
        "Ana's, after Ben's refund",
    );
    assert!(
        said.contains("incident INC-0001: `refund` was set differently on both sides; kept the later change (this side's)"),
        "{said}"
    );
    let reason = |clone: &str| {
        team.json(clone, &["incidents", "show", "INC-0001"])["refund"]["reason"].clone()
    };
    assert_eq!(reason("ben"), "product-bug");
    assert_eq!(reason("ana2"), "product-bug");
    assert_eq!(team.titles("ana2"), ["First", "Ana's, after Ben's refund"]);
}

/// Ana runs `ana`, then Ben `ben` a little later, both on 2026-07-01; Ana then opens an
/// incident titled `title` and pushes, Ben commits, and both pull ([`pull_both_ways`]). What
/// Ben's pull said.
fn set_by_both_then_pulled(team: &Team, ana: &[&str], ben: &[&str], title: &str) -> String {
    team.ps_ok("ana", "2026-07-01", ana);
    // Later by the clock too, whichever way the copies meet.
    std::thread::sleep(std::time::Duration::from_millis(20));
    team.ps_ok("ben", "2026-07-01", ben);
    team.open("ana", "2026-07-02", title);
    team.push("ana", "a change and an incident");
    team.commit("ben", "a change");
    pull_both_ways(team)
}

/// Ben, whose change is committed, pulls what Ana pushed; then a clone of Ana's as she pushed
/// it pulls Ben's merge, the other way round (`ana2`). What Ben's pull said.
fn pull_both_ways(team: &Team) -> String {
    team.ok(".", &["clone", "-q", "origin.git", "ana2"]);
    team.ps_ok("ana2", "2026-06-15", &["team", "init"]);
    let said = pull_clean(team, "ben");
    team.ok("ben", &["push", "-q", "origin", "HEAD:ben"]);
    let pull = team.git(
        "ana2",
        &["pull", "--no-rebase", "--no-edit", "origin", "ben"],
    );
    assert_eq!(pull.code, 0, "{}{}", pull.stdout, pull.stderr);
    said
}

/// A contract's end corrected differently by two people: the later correction stands, not the
/// copy changed last, whichever side pulls.
#[test]
fn the_later_correction_of_a_contract_stands_whichever_side_pulls() {
    let team = Team::two_clones();
    let end = |day| ["contract", "edit", "8000005", "--end", day];
    set_by_both_then_pulled(
        &team,
        &end("2027-05-30"),
        &end("2027-05-29"),
        "Ana's, after Ben's correction",
    );
    for clone in ["ben", "ana2"] {
        let pack = team.json(clone, &["contract", "show", "8000005"]);
        assert_eq!(pack["end"], "2027-05-29", "{clone}: {pack}");
    }
}

/// A line of a side's history log that is not an entry (a torn append, a hand edit) stops no
/// pull and is lost by none: the log merges with no markers, holds the line once after both
/// sides' changes, and `doctor` names it.
#[test]
fn a_log_line_that_is_not_an_entry_stops_no_pull_and_doctor_names_it() {
    let team = Team::two_clones();
    team.open("ana", "2026-07-01", "Ana's");
    team.push("ana", "Ana's");
    team.open("ben", "2026-07-02", "Ben's");
    let log = team.at("ben").join("state.history.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("a line written by hand\n");
    std::fs::write(&log, text).unwrap();
    team.commit("ben", "Ben's, and a line by hand");
    pull_clean(&team, "ben");
    team.private("ben");
    let merged = std::fs::read_to_string(&log).unwrap();
    assert!(!merged.contains("<<<<<<<"), "{merged}");
    let lines: Vec<&str> = merged.lines().collect();
    assert_eq!(
        lines
            .iter()
            .filter(|l| **l == "a line written by hand")
            .count(),
        1
    );
    assert_eq!(lines.last(), Some(&"a line written by hand"));
    assert_eq!(team.titles("ben"), ["First", "Ana's", "Ben's"]);
    let doctor = team.ps("ben", "2026-07-31", &["--json", "doctor"]).json();
    let codes: Vec<&str> = doctor["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"history-damaged"), "{doctor}");
    assert!(!codes.contains(&"history-diverges"), "{doctor}");
}

/// A merge that cannot find what the two copies shared (here this copy's log lost its first
/// line) merges nothing, and its hint leads to mending it: `doctor` names the missing first
/// line and says to put it back from its copy; put back, the merge is done.
#[test]
fn a_merge_file_that_cannot_rebuild_the_ancestor_merges_nothing_and_its_hints_lead_to_the_merge() {
    let env = crate::support::Env::contoso_active();
    let home = env.state().to_path_buf();
    let laptop = laptop_with_an_incident(&env);
    on(
        &env,
        &home,
        "2026-07-02",
        &w("incidents open --scope cloud --title Home"),
    );
    let log = env.history_path();
    let whole = std::fs::read_to_string(&log).unwrap();
    let (first, rest) = whole.split_once('\n').unwrap();
    std::fs::write(&log, rest).unwrap();
    let before = std::fs::read(&home).unwrap();
    let said = merge_refused(&env, &home, &laptop);
    assert!(
        said.contains("nothing was merged")
            && said.contains("`partner-support doctor`")
            && !said.contains("keep one side"),
        "{said}"
    );
    assert_eq!(std::fs::read(&home).unwrap(), before, "nothing written");
    // The hint followed: doctor names what to mend, and how.
    let doctor = env.run(&["--as-of", "2026-07-02", "doctor"]);
    let found = format!("{}{}", doctor.stdout, doctor.stderr);
    assert!(found.contains("put it back from its copy"), "{found}");
    std::fs::write(&log, format!("{first}\n{rest}")).unwrap();
    let merged = on(
        &env,
        &home,
        "2026-07-02",
        &["merge", laptop.to_str().unwrap()],
    );
    assert!(merged.stderr.contains("took"), "{}", merged.stderr);
    let titles: Vec<String> = env
        .ok(&w("--as-of 2026-07-02 --json incidents list --all"))
        .json()["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect();
    assert!(
        titles.contains(&"Home".to_string()) && titles.contains(&"Laptop".to_string()),
        "{titles:?}"
    );
}

/// A pull that merges nothing (here a side's log is not text) says so, and its hint puts the
/// clone back: `git merge --abort` leaves both files as they were before the pull.
#[test]
fn a_pull_that_merges_nothing_says_how_to_put_the_clone_back_and_that_works() {
    let team = Team::two_clones();
    team.open("ana", "2026-07-01", "Ana's");
    team.push("ana", "Ana's");
    team.open("ben", "2026-07-02", "Ben's");
    let log = team.at("ben").join("state.history.jsonl");
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend_from_slice(b"\xff\xfe not text\n");
    std::fs::write(&log, &bytes).unwrap();
    team.commit("ben", "Ben's, and bytes that are not text");
    let state = std::fs::read(team.at("ben").join("state.json")).unwrap();
    let pull = team.pull("ben");
    let said = format!("{}{}", pull.stdout, pull.stderr);
    assert_ne!(pull.code, 0, "{said}");
    assert!(
        said.contains("nothing was merged") && said.contains("git merge --abort"),
        "{said}"
    );
    team.ok("ben", &["merge", "--abort"]);
    assert_eq!(std::fs::read(&log).unwrap(), bytes);
    assert_eq!(
        std::fs::read(team.at("ben").join("state.json")).unwrap(),
        state
    );
    assert_eq!(team.titles("ben"), ["First", "Ben's"]);
}
