//! SIGKILL at random moments of a mutation: the file always parses and holds the state from
//! before or after that mutation, and debris from killed writers never piles up.

use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

use crate::support::Env;
use partner_support::store::decode;

const KILLS: u32 = 200;
const INCIDENTS: u32 = 5_000;

/// A small deterministic generator: the kill moments differ from kill to kill but not from run
/// to run.
struct Jitter(u64);

impl Jitter {
    /// A number in [0, 1).
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The state file of `env` as the binary reads it; it must load.
fn loaded(env: &Env) -> partner_support::store::Loaded {
    let bytes = env.bytes().expect("the state file exists");
    decode(env.state(), bytes).unwrap_or_else(|e| panic!("the state file does not load: {e}"))
}

/// `incidents open` of a cloud incident on the unlimited contract P1, titled `what k`.
fn opening(env: &Env, what: &str, k: u32) -> std::process::Command {
    let mut cmd = env.cmd();
    cmd.args(["incidents", "open", "--scope", "cloud", "--contract", "P1"])
        .args(["--title", &format!("{what} {k}")]);
    cmd
}

/// How long one whole `incidents open` takes here, start to exit (the median of five): the
/// signals are spread over it.
fn whole_run(env: &Env) -> Duration {
    let mut runs: Vec<Duration> = (0..5)
        .map(|k| {
            let started = Instant::now();
            let status = opening(env, "Timing", 100_000 + k)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
            started.elapsed()
        })
        .collect();
    runs.sort();
    runs[2]
}

#[test]
fn sigkill_anywhere_leaves_the_old_or_the_new_file_and_no_pile_of_debris() {
    let env = Env::contoso_with_incidents(INCIDENTS);
    let load = || loaded(&env);
    let incidents = || load().state.incidents.len();
    // The revisions of the log's complete lines; a torn last line (no newline yet) is skipped.
    let logged = || -> Vec<u64> {
        let text = std::fs::read_to_string(env.history_path()).unwrap_or_default();
        let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        complete
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["revision"]
                    .as_u64()
                    .unwrap()
            })
            .collect()
    };
    let open = |k: u32| {
        let mut cmd = opening(&env, "Crash test", k);
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        cmd
    };
    let whole = whole_run(&env);

    let mut jitter = Jitter(0x9E37_79B9_7F4A_7C15);
    // Killed before writing anything / killed while writing (a temp file left) / completed.
    let (mut untouched, mut mid_write, mut written) = (0, 0, 0);
    for k in 0..KILLS {
        let before = incidents();
        // Stratified over 0..1.2× the whole run, so every phase gets its share of kills.
        let at = whole.mul_f64(1.2 * (f64::from(k) + jitter.next()) / f64::from(KILLS));
        let mut child = open(k).spawn().unwrap();
        thread::sleep(at);
        let _ = child.kill(); // SIGKILL; it may have finished already
        child.wait().unwrap();

        let after = incidents();
        assert!(
            after == before || after == before + 1,
            "kill {k} at {at:?}: {before} incidents before, {after} after"
        );
        let revision = load().state.revision;
        assert!(
            logged().last().is_none_or(|r| *r <= revision),
            "kill {k}: the log holds a change the file does not"
        );
        let debris = env.temp_files();
        assert!(
            debris.len() <= 2,
            "kill {k}: temp files pile up: {debris:?}"
        );
        match (after > before, debris.is_empty()) {
            (true, _) => written += 1,
            (false, true) => untouched += 1,
            (false, false) => mid_write += 1,
        }
    }
    eprintln!(
        "{KILLS} kills over {whole:?}: {untouched} before any write, {mid_write} mid-write, {written} after the rename"
    );
    assert!(
        untouched > 0 && written > 0,
        "the kills cover the whole run"
    );

    // The next mutation sweeps the debris; the backup is the version before it.
    let before = incidents();
    assert!(open(KILLS).status().unwrap().success());
    assert_eq!(env.temp_files(), Vec::<String>::new());
    assert_eq!(incidents(), before + 1);
    let backup = std::fs::read(env.state().with_file_name("state.json.bak")).unwrap();
    assert_eq!(
        decode(env.state(), backup).unwrap().state.incidents.len(),
        before
    );
    // Every change is in the log once, in order, lost lines restored from the file.
    let expected: Vec<u64> = (1..=load().state.revision).collect();
    assert_eq!(logged(), expected);
    env.ok(&["doctor"]);
}

const INTERRUPTS: u32 = 240;

#[test]
fn an_interrupt_anywhere_stops_the_change_or_says_it_was_recorded() {
    let env = Env::contoso_with_incidents(INCIDENTS);
    let load = || loaded(&env);
    let open = |k: u32| {
        let mut cmd = opening(&env, "Interrupt test", k);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd
    };
    let whole = whole_run(&env);

    let signals = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];
    let mut jitter = Jitter(0x2545_F491_4F6C_DD1D);
    // Stopped with its word / done, then told it was recorded though interrupted / done before
    // the interrupt was looked at (its own confirmation) / ended by the signal before the
    // program had started (nothing of it ran).
    let (mut stopped, mut recorded_anyway, mut done, mut before_start) = (0, 0, 0, 0);
    for k in 0..INTERRUPTS {
        let before = load().state;
        let at = whole.mul_f64(1.2 * (f64::from(k) + jitter.next()) / f64::from(INTERRUPTS));
        let child = open(k).spawn().unwrap();
        thread::sleep(at);
        let signal = signals[k as usize % signals.len()];
        // SAFETY: a plain kill(2) of our own child, which has not been waited for yet.
        unsafe { libc::kill(child.id() as i32, signal) };
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let after = load().state;
        let added = after.incidents.len() - before.incidents.len();
        match out.status.code() {
            Some(130) => {
                assert_eq!(
                    stderr.trim(),
                    "error: interrupted: nothing was recorded",
                    "run {k}"
                );
                assert_eq!(added, 0, "run {k} said nothing was recorded: {stderr}");
                assert_eq!(after.revision, before.revision, "run {k}");
                stopped += 1;
            }
            Some(0) => {
                assert_eq!(added, 1, "run {k} exited 0: {stderr}");
                let word = format!(
                    "interrupted after the change was recorded as revision {}: it is done",
                    after.revision
                );
                if stderr.contains(&word) {
                    recorded_anyway += 1;
                } else {
                    // Its own confirmation is its word.
                    let id = &after.incidents.last().unwrap().id;
                    assert!(
                        stderr.starts_with(&format!("opened {id}:")),
                        "run {k}: {stderr}"
                    );
                    assert_eq!(stderr.lines().count(), 1, "run {k}: {stderr}");
                    done += 1;
                }
            }
            None => {
                assert_eq!(added, 0, "run {k} ended by its signal wrote something");
                before_start += 1;
            }
            Some(code) => panic!("run {k} exited {code}: {stderr}"),
        }
    }
    eprintln!(
        "{INTERRUPTS} interrupts over {whole:?}: {stopped} stopped, {recorded_anyway} recorded then said so, {done} done before, {before_start} before the program started"
    );
    assert!(
        stopped > 0 && recorded_anyway + done > 0,
        "the interrupts hit every phase"
    );
    assert_eq!(env.temp_files(), Vec::<String>::new());
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 0, "{}", doctor.stdout);
}
