//! Many writers at once: no lost or doubled update; a held lock makes a writer wait, then fail
//! naming the holder, while readers go on; a reader during changes sees one whole version.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::thread;
use std::time::{Duration, Instant};

use crate::support::{Env, run_command, w};
use pretty_assertions::assert_eq;

const PROCESSES: usize = 16;
const MUTATIONS: usize = 25;

#[test]
fn sixteen_processes_of_mixed_mutations_lose_and_double_nothing() {
    let env = Env::contoso();
    env.ok(&w("contract add --plan advanced --contract-id ADV-1 --access-id ACC-ADV-0001 --incidents unlimited --scope cloud"));
    let history_before = env.history().len();

    // Each "process" is a sequence of 25 commands: open an incident, close it, refund it, link
    // a new account to the contract, and again; every command changes the file.
    let failures: Vec<String> = thread::scope(|s| {
        let workers: Vec<_> = (0..PROCESSES)
            .map(|p| {
                let env = &env;
                s.spawn(move || {
                    let mut failures = Vec::new();
                    let mut incident = String::new();
                    for k in 0..MUTATIONS {
                        let title = format!("p{p} k{k}");
                        let email = format!("user{p}-{k}@contoso.com");
                        let args: Vec<&str> = match k % 4 {
                            0 => vec![
                                "--json",
                                "incidents",
                                "open",
                                "--scope",
                                "cloud",
                                "--title",
                                &title,
                            ],
                            1 => vec!["incidents", "close", &incident],
                            2 => vec!["incidents", "refund", &incident, "--reason", "product-bug"],
                            _ => vec!["contract", "link", "ADV-1", "--account", &email],
                        };
                        let run = run_command(env.cmd().args(&args));
                        if run.code != 0 {
                            failures.push(format!("p{p} `{}`: {}", args.join(" "), run.stderr));
                        } else if k % 4 == 0 {
                            incident = run.json()["id"].as_str().unwrap().to_string();
                        }
                    }
                    failures
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(failures, Vec::<String>::new(), "every process exits 0");

    let state = env.json();
    let history = env.history();
    assert_eq!(history.len() - history_before, PROCESSES * MUTATIONS);
    let revisions: Vec<u64> = history
        .iter()
        .map(|e| e["revision"].as_u64().unwrap())
        .collect();
    let expected: Vec<u64> = (1..=state["revision"].as_u64().unwrap()).collect();
    assert_eq!(revisions, expected, "one log line per revision, in order");
    let incidents = state["incidents"].as_array().unwrap();
    let opened_per_process = MUTATIONS.div_ceil(4);
    assert_eq!(incidents.len(), PROCESSES * opened_per_process);
    let ids: BTreeSet<_> = incidents
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), incidents.len(), "every incident has its own ID");
    let count =
        |pred: &dyn Fn(&serde_json::Value) -> bool| incidents.iter().filter(|i| pred(i)).count();
    let cycles = PROCESSES * (MUTATIONS / 4);
    assert_eq!(count(&|i| !i["closed_on"].is_null()), cycles);
    assert_eq!(count(&|i| !i["refund"].is_null()), cycles);
    let linked = state["contracts"][0]["linked_accounts"].as_array().unwrap();
    // The links made, plus the admin linked by the first incident opened.
    assert_eq!(linked.len(), cycles + 1);
    let leftovers: Vec<_> = fs::read_dir(env.state().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert_eq!(
        leftovers,
        Vec::<String>::new(),
        "no temp file is left behind"
    );
}

#[test]
fn a_held_lock_makes_a_writer_wait_then_fail_naming_the_holder() {
    let env = Env::contoso();
    let lock_path = env.state().with_file_name("state.json.lock");
    let mut lock = fs::OpenOptions::new().write(true).open(&lock_path).unwrap();
    lock.lock().unwrap();
    // A holder records its PID in the lock file, as the binary does.
    lock.set_len(0).unwrap();
    writeln!(lock, "{}", std::process::id()).unwrap();

    let started = Instant::now();
    env.ok(&["status"]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "reads take no lock"
    );
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 1);
    assert!(
        doctor.stdout.contains(&format!(
            "locked by partner-support process {}",
            std::process::id()
        )),
        "{}",
        doctor.stdout
    );

    let started = Instant::now();
    let run = env.refused(
        &["--lock-wait", "1", "offer", "add", "action-pack"],
        1,
        &format!(
            "is locked by another partner-support process (PID {}, waited 1 s)",
            std::process::id()
        ),
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "it waited for the lock first"
    );
    assert!(run.stderr.contains("try again"), "{}", run.stderr);

    // The setting comes from the environment too.
    let started = Instant::now();
    let run = run_command(env.cmd().env("PARTNER_SUPPORT_LOCK_WAIT", "0").args([
        "offer",
        "add",
        "action-pack",
    ]));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(1));

    drop(lock);
    env.ok(&["offer", "add", "action-pack"]);
    env.ok(&["doctor"]);
}

#[test]
fn readers_during_changes_each_see_one_whole_version() {
    let env = Env::contoso_with_incidents(2_000);
    // The first change seals the hand-written file, so the readers below take the path for a
    // file this program wrote (mapped, on Unix) while the writer replaces it again and again.
    env.ok(&w(
        "incidents open --scope cloud --contract P1 --title First",
    ));
    const OPENED: usize = 15;
    let done = std::sync::atomic::AtomicBool::new(false);
    let seen: Vec<Vec<usize>> = thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (env, done) = (&env, &done);
                s.spawn(move || {
                    let mut counts = Vec::new();
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        let run = env.ok(&["--json", "incidents", "list", "--all"]);
                        let list = run.json();
                        let ids: Vec<&str> = list["incidents"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|i| i["id"].as_str().unwrap())
                            .collect();
                        assert!(ids.is_sorted(), "one whole version, in order");
                        counts.push(ids.len());
                    }
                    counts
                })
            })
            .collect();
        for k in 0..OPENED {
            env.ok(&w(&format!(
                "incidents open --scope cloud --contract P1 --title Later{k}"
            )));
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        readers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for counts in seen {
        assert!(!counts.is_empty());
        assert!(
            counts.is_sorted(),
            "a reader never sees an older version: {counts:?}"
        );
        assert!(
            counts
                .iter()
                .all(|&n| (2_001..=2_001 + OPENED).contains(&n)),
            "{counts:?}"
        );
    }
}

#[test]
fn a_lock_held_by_a_process_that_wrote_no_pid_is_named_unknown_not_the_last_writer() {
    let env = Env::contoso();
    // A change came and went: its PID must not outlive its lock.
    env.ok(&w("account add ops@contoso.com --role global-admin"));
    let lock_path = env.state().with_file_name("state.json.lock");
    let lock = fs::OpenOptions::new().write(true).open(&lock_path).unwrap();
    lock.lock().unwrap();
    let run = env.refused(
        &w("--lock-wait 0 offer add action-pack"),
        1,
        "is locked by another process (PID unknown",
    );
    drop(lock);
    // A PID left by a holder that died is not named either.
    fs::write(&lock_path, "999999999\n").unwrap();
    let lock = fs::OpenOptions::new().write(true).open(&lock_path).unwrap();
    lock.lock().unwrap();
    env.refused(&w("--lock-wait 0 offer add action-pack"), 1, "(PID unknown");
    drop((lock, run));
}
