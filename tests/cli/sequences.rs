//! R16 as a property: random sequences of changes, each on a random `--as-of` day, never leave
//! a file the loader refuses. Whatever each change does (done, refused, a usage error), every
//! command still reads the file and `doctor` finds no broken rule.

use proptest::prelude::*;

use crate::support::Env;

const CONTRACTS: &[&str] = &["7000001", "8000005", "P1"];

/// One change, as arguments, from a few numbers.
fn change(kind: u8, n: u8, day: u16) -> Vec<String> {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        + chrono::Days::new(u64::from(day % 400));
    let id = format!("INC-{:04}", 1 + n % 4);
    let contract = CONTRACTS[usize::from(n) % CONTRACTS.len()];
    let scope = if n.is_multiple_of(2) {
        "cloud"
    } else {
        "on-premises"
    };
    let args: Vec<String> = match kind % 9 {
        0 | 1 => vec!["incidents", "open", "--scope", scope, "--title", "T"]
            .into_iter()
            .map(String::from)
            .chain(
                n.is_multiple_of(3)
                    .then(|| ["--contract".to_string(), contract.to_string()])
                    .into_iter()
                    .flatten(),
            )
            .collect(),
        2 => vec!["incidents".into(), "close".into(), id],
        3 => vec![
            "incidents".into(),
            "refund".into(),
            id,
            "--reason".into(),
            "duplicate".into(),
        ],
        4 => vec!["incidents".into(), "reopen".into(), id],
        5 => vec![
            "incidents".into(),
            "void".into(),
            id,
            "--reason".into(),
            "mistake".into(),
        ],
        6 => vec![
            "incidents".into(),
            "edit".into(),
            id,
            "--contract".into(),
            contract.into(),
        ],
        7 => vec![
            "contract".into(),
            "edit".into(),
            contract.into(),
            "--end".into(),
            (day + chrono::Days::new(30)).to_string(),
        ],
        _ => vec!["undo".into()],
    };
    ["--as-of".to_string(), day.to_string()]
        .into_iter()
        .chain(args)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_sequence_of_dated_changes_leaves_a_file_the_loader_refuses(
        steps in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u16>()), 1..16)
    ) {
        let env = Env::contoso_active();
        env.ok(&["--as-of", "2026-01-01", "contract", "add", "--plan", "premier", "--contract-id", "P1",
            "--access-id", "PREM-ACC-1", "--incidents", "2", "--scope", "both", "--start", "2026-01-01"]);
        for (kind, n, day) in steps {
            let args = change(kind, n, day);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = env.run(&args);
            prop_assert!([0, 2, 3].contains(&run.code), "`{}` exited {}: {}", args.join(" "), run.code, run.stderr);
            let read = env.run(&["--json", "incidents", "list", "--all"]);
            prop_assert_eq!(read.code, 0, "after `{}`: {}", args.join(" "), read.stderr);
        }
        let doctor = env.run(&["--json", "doctor"]);
        let findings = doctor.json()["findings"].clone();
        let broken: Vec<_> = findings
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error" || f["code"] == "not-chargeable")
            .collect();
        prop_assert!(broken.is_empty(), "{:?}", broken);
    }
}

/// Runs `args` on the state at `state`: done, refused or a usage error, never a crash.
fn on(env: &Env, state: &std::path::Path, args: &[String]) -> Result<(), TestCaseError> {
    let mut cmd = env.cmd();
    cmd.arg("--state").arg(state).args(args);
    let run = crate::support::run_command(&mut cmd);
    prop_assert!(
        [0, 2, 3].contains(&run.code),
        "`{}` exited {}: {}",
        args.join(" "),
        run.code,
        run.stderr
    );
    Ok(())
}

/// A copy of the state at `from`, with its log, at `to` (a folder of its own).
fn copied(from: &std::path::Path, to: &std::path::Path) -> std::path::PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for name in ["state.json", "state.history.jsonl"] {
        std::fs::copy(from.with_file_name(name), to.join(name)).unwrap();
    }
    to.join("state.json")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// R23 as a property: two copies of one state changed apart by random dated changes (undo
    /// among them) merge with `merge FILE` either way round into the same incidents, and each
    /// merged copy's history replays to it. (A debug build also checks each common ancestor
    /// made by undoing a copy's own operations against the replay of the shared ones.)
    #[test]
    fn two_copies_changed_apart_merge_either_way_into_the_same_incidents(
        shared in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u16>()), 0..6),
        home in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u16>()), 0..8),
        laptop in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u16>()), 0..8),
    ) {
        let env = Env::contoso_active();
        env.ok(&["--as-of", "2026-01-01", "contract", "add", "--plan", "premier", "--contract-id", "P1",
            "--access-id", "PREM-ACC-1", "--incidents", "2", "--scope", "both", "--start", "2026-01-01"]);
        for (kind, n, day) in shared {
            on(&env, env.state(), &change(kind, n, day))?;
        }
        let (a, b) = (env.dir().join("a"), env.dir().join("b"));
        let (home_state, laptop_state) = (copied(env.state(), &a), copied(env.state(), &b));
        for (kind, n, day) in home {
            on(&env, &home_state, &change(kind, n, day))?;
        }
        for (kind, n, day) in laptop {
            on(&env, &laptop_state, &change(kind, n, day))?;
        }
        // Each way round, on copies, so that both merges start from the same two copies.
        let (one, other) = (
            copied(&home_state, &env.dir().join("one")),
            copied(&laptop_state, &env.dir().join("other")),
        );
        merged_into(&env, &one, &laptop_state)?;
        merged_into(&env, &other, &home_state)?;
        prop_assert_eq!(incidents_of(&env, &one), incidents_of(&env, &other));
    }
}

/// Every incident of the copy at `copy`, as `incidents list --all --json` gives them.
fn incidents_of(env: &Env, copy: &std::path::Path) -> serde_json::Value {
    let mut cmd = env.cmd();
    cmd.arg("--state").arg(copy).args([
        "--as-of",
        "2026-12-01",
        "--json",
        "incidents",
        "list",
        "--all",
    ]);
    crate::support::run_command(&mut cmd).json()
}

/// Merges the copy at `from` into the copy at `into` with `merge FILE`: done, and its history
/// replays to it.
fn merged_into(
    env: &Env,
    into: &std::path::Path,
    from: &std::path::Path,
) -> Result<(), TestCaseError> {
    let mut cmd = env.cmd();
    cmd.arg("--state")
        .arg(into)
        .args(["--as-of", "2026-12-01", "merge"])
        .arg(from);
    let merged = crate::support::run_command(&mut cmd);
    prop_assert_eq!(merged.code, 0, "{}", merged.stderr);
    let mut cmd = env.cmd();
    cmd.arg("--state")
        .arg(into)
        .args(["--as-of", "2026-12-01", "--json", "doctor"]);
    let doctor = crate::support::run_command(&mut cmd).json();
    let diverging: Vec<_> = doctor["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "history-diverges")
        .collect();
    prop_assert!(diverging.is_empty(), "{:?}", diverging);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Three copies changed apart, merged into each other a pair at a time with `merge FILE` in
    /// an order that leaves each copy's log with the others' operations between its own (so
    /// that a common ancestor is sometimes replayed, sometimes made by undoing), end with the
    /// same incidents, and no merge leaves a history that does not replay to its file.
    #[test]
    fn three_copies_merged_a_pair_at_a_time_end_with_the_same_incidents(
        steps in proptest::collection::vec(
            proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u16>()), 0..5),
            6,
        ),
    ) {
        let env = Env::contoso_active();
        env.ok(&["--as-of", "2026-01-01", "contract", "add", "--plan", "premier", "--contract-id", "P1",
            "--access-id", "PREM-ACC-1", "--incidents", "2", "--scope", "both", "--start", "2026-01-01"]);
        let copies: Vec<std::path::PathBuf> = ["a", "b", "c"]
            .iter()
            .map(|name| copied(env.state(), &env.dir().join(name)))
            .collect();
        let change_on = |copy: usize, steps: &[(u8, u8, u16)]| -> Result<(), TestCaseError> {
            for (kind, n, day) in steps {
                on(&env, &copies[copy], &change(*kind, *n, *day))?;
            }
            Ok(())
        };
        for (copy, steps) in steps[..3].iter().enumerate() {
            change_on(copy, steps)?;
        }
        merged_into(&env, &copies[0], &copies[1])?;
        change_on(0, &steps[3])?;
        change_on(2, &steps[4])?;
        merged_into(&env, &copies[2], &copies[0])?;
        change_on(1, &steps[5])?;
        merged_into(&env, &copies[1], &copies[2])?;
        merged_into(&env, &copies[0], &copies[1])?;
        merged_into(&env, &copies[2], &copies[0])?;
        let all: Vec<_> = copies.iter().map(|c| incidents_of(&env, c)).collect();
        prop_assert_eq!(&all[0], &all[1]);
        prop_assert_eq!(&all[1], &all[2]);
    }
}
