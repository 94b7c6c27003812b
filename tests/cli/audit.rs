//! What an outside audit of the store broke, each case through the binary: a committed change is
//! never reported as failed, planted links and files are never followed or fatal, the backup is
//! private, odd files at the state path are refused, a lock whose file was deleted is not
//! trusted, and an impossible revision is refused.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::process::Stdio;

use crate::support::{Env, run_command, w};
use pretty_assertions::assert_eq;

fn mode(path: &std::path::Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

/// The user the tests plant files as: anyone but the one running them.
const OTHER_UID: u32 = 65534;

fn opened(env: &Env) -> usize {
    env.json()["incidents"].as_array().map_or(0, Vec::len)
}

#[test]
fn a_change_whose_output_cannot_be_written_is_still_done_and_says_so() {
    let env = Env::contoso_active();
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let run = run_command(
        env.cmd()
            .args(w("--json incidents open --scope cloud --title Mailbox"))
            .stdout(Stdio::from(full)),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Under --json the warning is a JSON object on a line of its own.
    let warning: serde_json::Value =
        serde_json::from_str(run.stderr.lines().next().unwrap()).unwrap();
    let message = warning["warning"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("recorded as revision 6")
            && message.contains("its output could not be written"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("cannot write state file"),
        "{}",
        run.stderr
    );
    assert_eq!(opened(&env), 1);
    // A read that cannot write its output has done nothing: that is still an error.
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let run = run_command(
        env.cmd()
            .args(["--json", "status"])
            .stdout(Stdio::from(full)),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn planted_links_for_the_lock_and_the_history_are_never_followed() {
    for planted in ["state.json.lock", "state.history.jsonl"] {
        let env = Env::contoso_active();
        let dir = env.state().parent().unwrap();
        let target = env.dir().join("victim");
        fs::write(&target, "precious\n").unwrap();
        fs::remove_file(dir.join(planted)).unwrap();
        symlink(&target, dir.join(planted)).unwrap();
        let before = env.bytes();
        let run = env.run(&w("incidents open --scope cloud --title Mailbox"));
        assert_eq!(run.code, 1, "{planted}: {}", run.stderr);
        assert!(
            run.stderr.contains(planted) && run.stderr.contains("symbolic link"),
            "{planted}: {}",
            run.stderr
        );
        assert_eq!(
            fs::read_to_string(&target).unwrap(),
            "precious\n",
            "{planted}"
        );
        assert!(env.bytes() == before, "{planted}: the state changed");
    }
}

#[test]
fn a_lock_or_history_owned_by_someone_else_is_refused() {
    for planted in ["state.json.lock", "state.history.jsonl"] {
        let env = Env::contoso_active();
        let path = env.state().parent().unwrap().join(planted);
        std::os::unix::fs::chown(&path, Some(OTHER_UID), None).unwrap();
        let run = env.run(&w("incidents open --scope cloud --title Mailbox"));
        assert_eq!(run.code, 1, "{planted}: {}", run.stderr);
        assert!(
            run.stderr.contains(planted) && run.stderr.contains("owned by another user"),
            "{planted}: {}",
            run.stderr
        );
        assert_eq!(opened(&env), 0);
    }
}

#[test]
fn a_folder_others_can_write_is_warned_about() {
    let env = Env::contoso_active();
    let dir = env.state().parent().unwrap();
    fs::set_permissions(dir, fs::Permissions::from_mode(0o777)).unwrap();
    for args in [
        w("status"),
        w("incidents open --scope cloud --title Mailbox"),
    ] {
        let run = env.ok(&args);
        assert!(
            run.stderr.contains("warning: the folder")
                && run.stderr.contains("writable by others (mode 777)"),
            "{}",
            run.stderr
        );
    }
    let doctor = env.reports(&["doctor"], 1, "writable by others");
    assert!(doctor.stdout.contains("chmod 700"), "{}", doctor.stdout);
    env.ok(&["doctor", "--fix"]);
    assert_eq!(mode(dir), 0o700);
    assert!(!env.ok(&["status"]).stderr.contains("warning"));
}

#[test]
fn the_backup_is_private_whatever_the_mode_of_the_file_it_was() {
    let env = Env::contoso_active();
    fs::set_permissions(env.state(), fs::Permissions::from_mode(0o644)).unwrap();
    env.ok(&w("incidents open --scope cloud --title Mailbox"));
    let backup = env.state().with_file_name("state.json.bak");
    assert_eq!(mode(&backup), 0o600);
    assert_eq!(mode(env.state()), 0o600);
}

#[test]
fn planted_temp_files_are_skipped_and_reported_never_fatal() {
    let env = Env::contoso_active();
    let dir = env.state().parent().unwrap();
    let victim = env.dir().join("victim");
    fs::write(&victim, "precious\n").unwrap();
    fs::create_dir(dir.join(".state.json.dir.tmp")).unwrap();
    symlink(&victim, dir.join(".state.json.link.tmp")).unwrap();
    let foreign = dir.join(".state.json.theirs.tmp");
    fs::write(&foreign, "x").unwrap();
    std::os::unix::fs::chown(&foreign, Some(OTHER_UID), None).unwrap();
    let run = env.ok(&w("incidents open --scope cloud --title Mailbox"));
    for name in [
        ".state.json.dir.tmp",
        ".state.json.link.tmp",
        ".state.json.theirs.tmp",
    ] {
        assert!(run.stderr.contains(name), "{name}: {}", run.stderr);
        assert!(
            fs::symlink_metadata(dir.join(name)).is_ok(),
            "{name} was removed"
        );
    }
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(opened(&env), 1);
    // A temp file of ours that a killed writer left is still cleaned up.
    fs::write(dir.join(".state.json.ours.tmp"), "debris").unwrap();
    env.ok(&w("incidents close INC-0001"));
    assert!(fs::symlink_metadata(dir.join(".state.json.ours.tmp")).is_err());
}

#[test]
fn a_fifo_a_device_or_a_folder_at_the_state_path_is_refused_at_once() {
    let env = Env::new();
    fs::create_dir_all(env.state().parent().unwrap()).unwrap();
    let fifo = env.state().to_path_buf();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for args in [
        w("status"),
        w("incidents list"),
        w("offer add action-pack"),
        w("doctor"),
    ] {
        let started = std::time::Instant::now();
        let run = env.run(&args);
        assert!(started.elapsed().as_secs() < 5, "{args:?} hung");
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        let text = format!("{}{}", run.stderr, run.stdout);
        assert!(text.contains("not a regular file"), "{args:?}: {text}");
    }
    let linked = Env::new();
    fs::create_dir_all(linked.state().parent().unwrap()).unwrap();
    symlink("/dev/zero", linked.state()).unwrap();
    let run = linked.run(&["status"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

#[test]
fn a_file_larger_than_the_limit_is_refused_before_it_is_read() {
    let env = Env::contoso();
    let file = fs::OpenOptions::new()
        .write(true)
        .open(env.state())
        .unwrap();
    // Sparse: no disk is used, and nothing would be read before the size is known.
    file.set_len(300 << 20).unwrap();
    let run = env.run(&["status"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("larger than")
            && run.stderr.contains("256 MiB")
            && run.stderr.contains("state.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_state_and_backup_left_as_one_file_are_told_apart() {
    // A writer killed between keeping the backup and renaming the new file leaves the backup a
    // second name of the state file.
    let env = Env::contoso_active();
    let backup = env.state().with_file_name("state.json.bak");
    fs::remove_file(&backup).unwrap();
    fs::hard_link(env.state(), &backup).unwrap();
    env.ok(&w("incidents open --scope cloud --title Mailbox"));
    assert_eq!(env.temp_files(), Vec::<String>::new());
    let (state, bak) = (
        fs::metadata(env.state()).unwrap(),
        fs::metadata(&backup).unwrap(),
    );
    assert_ne!(state.ino(), bak.ino());
    env.ok(&["doctor"]);
}

#[test]
fn changes_lose_nothing_while_the_lock_file_keeps_being_deleted() {
    // `git clean -X` or a tmp cleaner removes the lock file while writers hold and wait for it.
    let env = Env::contoso();
    env.ok(&w(
        "contract add --plan premier --contract-id P1 --access-id PREMIER-ACCESS-0001 --incidents unlimited --scope both --start 2026-01-01",
    ));
    let lock = env.state().with_file_name("state.json.lock");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let cleaner = {
        let (lock, stop) = (lock.clone(), stop.clone());
        // A burst of deletions while the writers start, then quiet, so that they all finish.
        std::thread::spawn(move || {
            for _ in 0..300 {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let _ = fs::remove_file(&lock);
                std::thread::sleep(std::time::Duration::from_micros(500));
            }
        })
    };
    let writers: Vec<_> = (0..8)
        .map(|_| {
            let mut cmd = env.cmd();
            cmd.args(w("-q incidents open --scope cloud --title Mailbox"));
            // Each writer makes 8 changes, trying each again while it is refused (a change that
            // finds its lock file gone writes nothing and says so).
            std::thread::spawn(move || {
                (0..8)
                    .filter(|_| (0..100).any(|_| run_command(&mut cmd).code == 0))
                    .count()
            })
        })
        .collect();
    let done: usize = writers.into_iter().map(|t| t.join().unwrap()).sum();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    cleaner.join().unwrap();
    assert_eq!(done, 64, "every change got through in the end");
    // Every change that said it was done is in the file, each with its own ID.
    assert_eq!(opened(&env), done);
    env.ok(&["doctor"]);
}

#[test]
fn a_lock_held_by_another_process_says_cannot_lock_with_its_pid() {
    let env = Env::contoso_active();
    let lock = env.state().with_file_name("state.json.lock");
    let holder = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&lock)
        .unwrap();
    holder.lock().unwrap();
    // The PID a holder wrote is named while that process lives.
    let mut living = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    fs::write(&lock, format!("{}\n", living.id())).unwrap();
    let run = env.refused(
        &w("--lock-wait 0 incidents open --scope cloud --title Mailbox"),
        1,
        "cannot lock",
    );
    living.kill().unwrap();
    living.wait().unwrap();
    assert!(
        run.stderr.contains(&format!("PID {}", living.id())),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("cannot write state file"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_impossible_revision_is_refused_and_a_log_that_goes_back_is_reported() {
    let env = Env::contoso_active();
    let mut state = env.json();
    state["revision"] = serde_json::json!(u64::MAX);
    env.write_private(&serde_json::to_vec_pretty(&state).unwrap());
    let run = env.refused(&["status"], 1, "revision");
    assert!(
        run.stderr.contains("18446744073709551615"),
        "{}",
        run.stderr
    );
    // A lowered revision: the log has changes the file says never happened.
    state["revision"] = serde_json::json!(2);
    env.write_private(&serde_json::to_vec_pretty(&state).unwrap());
    let doctor = env.reports(&["doctor"], 1, "the history log ends at revision 5");
    assert!(
        doctor.stdout.contains("file is at revision 2"),
        "{}",
        doctor.stdout
    );
    let report = env
        .reports(&["--json", "doctor"], 1, "history-ahead")
        .json();
    assert!(crate::support::codes(&report).contains(&("warning".into(), "history-ahead".into())));
}

#[test]
fn nothing_is_changed_or_created_beside_a_file_that_is_not_a_state_file() {
    let env = Env::new();
    let victim = env.dir().join("passwd");
    fs::write(&victim, "root:x:0:0:root:/root:/bin/bash\n").unwrap();
    fs::set_permissions(&victim, fs::Permissions::from_mode(0o644)).unwrap();
    fs::create_dir_all(env.state().parent().unwrap()).unwrap();
    symlink(&victim, env.state()).unwrap();
    let listing = || {
        let mut names: Vec<_> = fs::read_dir(env.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = listing();
    let fix = env.run(&["doctor", "--fix"]);
    assert_eq!(fix.code, 1, "{}", fix.stdout);
    assert!(!fix.stdout.contains("→ 600"), "{}", fix.stdout);
    assert_eq!(mode(&victim), 0o644);
    let change = env.run(&w("offer add action-pack"));
    assert_eq!(change.code, 1, "{}", change.stderr);
    assert!(change.stderr.contains("state.json"), "{}", change.stderr);
    assert_eq!(listing(), before, "something was created beside it");
    assert_eq!(
        fs::read_to_string(&victim).unwrap(),
        "root:x:0:0:root:/root:/bin/bash\n"
    );
}

#[test]
fn a_linked_state_file_of_another_user_is_never_changed() {
    let env = Env::contoso_active();
    let theirs = env.dir().join("theirs.json");
    fs::copy(env.state(), &theirs).unwrap();
    std::os::unix::fs::chown(&theirs, Some(OTHER_UID), None).unwrap();
    let linked = env.dir().join("linked");
    fs::create_dir(&linked).unwrap();
    symlink(&theirs, linked.join("state.json")).unwrap();
    let before = fs::read(&theirs).unwrap();
    let run = run_command(
        std::process::Command::new(env!("CARGO_BIN_EXE_partner-support"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .arg("--state")
            .arg(linked.join("state.json"))
            .args(["--as-of", crate::support::TODAY])
            .args(w("incidents open --scope cloud --title Mailbox")),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("owned by another user"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read(&theirs).unwrap(), before);
    assert!(fs::symlink_metadata(env.dir().join("theirs.json.lock")).is_err());
}

#[test]
fn invisible_characters_are_refused_in_new_text_and_escaped_when_read_from_the_file() {
    let env = Env::contoso_active();
    for c in [
        '\u{200B}',
        '\u{200D}',
        '\u{2060}',
        '\u{FEFF}',
        '\u{00AD}',
        '\u{2028}',
        '\u{2029}',
        '\u{E0041}',
    ] {
        let title = format!("Mail{c}box");
        let run = env.refused(
            &["incidents", "open", "--scope", "cloud", "--title", &title],
            2,
            "invisible",
        );
        assert!(
            run.stderr.contains(&format!("U+{:04X}", u32::from(c))),
            "{}",
            run.stderr
        );
    }
    // Text already recorded (a hand edit) loads, and is shown escaped.
    env.ok(&w("incidents open --scope cloud --title Mailbox"));
    let text = String::from_utf8(env.bytes().unwrap()).unwrap();
    env.write_private(
        text.replacen(r#""title": "Mailbox""#, "\"title\": \"Mail\u{200B}box\"", 1)
            .as_bytes(),
    );
    let list = env.ok(&w("incidents list"));
    assert!(list.stdout.contains("Mail\\u{200b}box"), "{}", list.stdout);
    assert!(!list.stdout.contains('\u{200B}'));
    // A hand-edited history line cannot drive the terminal.
    let log = env.history_path();
    let mut lines = fs::read_to_string(&log).unwrap();
    lines = lines.replacen("\"summary\":\"", "\"summary\":\"\\u001b[2J\\u202eevil ", 1);
    fs::write(&log, lines).unwrap();
    let history = env.ok(&["history"]);
    assert!(!history.stdout.contains('\u{1b}'), "{}", history.stdout);
    assert!(!history.stdout.contains('\u{202E}'));
    assert!(
        history.stdout.contains("\\u{1b}[2J\\u{202e}evil"),
        "{}",
        history.stdout
    );
}

#[test]
fn spreadsheet_formulas_are_neutralised_in_csv_and_read_back_as_they_were() {
    let env = Env::contoso_active();
    let titles = [
        "=HYPERLINK(\"http://x\")",
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "-2+3",
    ];
    for title in titles {
        env.ok(&[
            "incidents",
            "open",
            "--scope",
            "on-premises",
            &format!("--title={title}"),
        ]);
    }
    let csv = env.ok(&w("export --format csv --what incidents")).stdout;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let cells: Vec<String> = reader
        .records()
        .map(|r| r.unwrap().get(3).unwrap().to_string())
        .collect();
    assert_eq!(
        cells,
        titles.iter().map(|t| format!("'{t}")).collect::<Vec<_>>()
    );
    let file = env.dir().join("incidents.csv");
    fs::write(&file, &csv).unwrap();
    let before = env.bytes();
    let run = env.ok(&["import", file.to_str().unwrap()]);
    assert!(run.stderr.contains("4 already recorded"), "{}", run.stderr);
    assert!(env.bytes() == before, "the same records, nothing new");
}

/// Runs `args` with a file-size limit of `bytes` (`ulimit -f`).
fn with_size_limit(env: &Env, bytes: u64, args: &[&str]) -> crate::support::Run {
    use std::os::unix::process::CommandExt;
    let mut cmd = env.cmd();
    cmd.args(args);
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            match libc::setrlimit(libc::RLIMIT_FSIZE, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    run_command(&mut cmd)
}

#[test]
fn a_file_size_limit_refuses_a_change_cleanly_or_leaves_it_done_with_a_warning() {
    let env = Env::contoso_active();
    let before = env.bytes();
    // Too small for the new state file: refused with a message, nothing changed or left.
    let run = with_size_limit(
        &env,
        1024,
        &w("incidents open --scope cloud --title Mailbox"),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot write state file"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.to_lowercase().contains("too large"),
        "{}",
        run.stderr
    );
    assert!(env.bytes() == before);
    assert_eq!(env.temp_files(), Vec::<String>::new());
    // Enough for the state file, not for the longer history log: the change is done, and says
    // its history line is missing; the next change restores it.
    let log = env.history_path();
    let mut padded = format!("{}\n", "x".repeat(200_000));
    padded.push_str(&fs::read_to_string(&log).unwrap());
    fs::write(&log, padded).unwrap();
    let run = with_size_limit(
        &env,
        100_000,
        &w("incidents open --scope cloud --title Mailbox"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("recorded as revision 6; its history line could not be appended"),
        "{}",
        run.stderr
    );
    assert_eq!(opened(&env), 1);
    env.ok(&w("incidents close INC-0001"));
    // The padding line is not an entry; every change is, once.
    let revisions: Vec<u64> = fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|e| e["revision"].as_u64())
        .collect();
    assert_eq!(revisions, (1..=7).collect::<Vec<_>>());
}

#[test]
fn a_history_log_that_cannot_be_written_is_named_in_the_error_not_the_state_file() {
    // The log is a folder: nothing can be appended to it.
    let env = Env::contoso_active();
    let log = env.history_path();
    fs::remove_file(&log).unwrap();
    fs::create_dir(&log).unwrap();
    let run = env.refused(
        &w("incidents open --scope cloud --title Mailbox"),
        1,
        &format!("cannot write the history log `{}`", log.display()),
    );
    assert!(!run.stderr.contains("state file"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    // The log lacks the last change's line and its file system is full (a size limit): the line
    // cannot be restored before the new file goes in, so the change is refused, naming the log.
    let env = Env::contoso_active();
    let log = env.history_path();
    let text = fs::read_to_string(&log).unwrap();
    let without_last: Vec<&str> = text.lines().collect();
    let mut padded = format!("{}\n", "x".repeat(200_000));
    for line in &without_last[..without_last.len() - 1] {
        padded.push_str(line);
        padded.push('\n');
    }
    fs::write(&log, padded).unwrap();
    let before = env.bytes();
    let run = with_size_limit(
        &env,
        100_000,
        &w("incidents open --scope cloud --title Mailbox"),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("cannot write the history log `{}`", log.display())),
        "{}",
        run.stderr
    );
    assert!(env.bytes() == before);
}
