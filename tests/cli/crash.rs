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

#[test]
fn sigkill_anywhere_leaves_the_old_or_the_new_file_and_no_pile_of_debris() {
    let env = Env::contoso_with_incidents(INCIDENTS);
    let load = || {
        let bytes = env.bytes().expect("the state file exists");
        decode(env.state(), bytes).unwrap_or_else(|e| panic!("the state file does not load: {e}"))
    };
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
        let mut cmd = env.cmd();
        cmd.args(["incidents", "open", "--scope", "cloud", "--contract", "P1"])
            .args(["--title", &format!("Crash test {k}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };

    // How long one whole mutation takes here, start to exit: the kills are spread over it.
    let mut runs: Vec<Duration> = (0..5)
        .map(|k| {
            let started = Instant::now();
            assert!(open(100_000 + k).status().unwrap().success());
            started.elapsed()
        })
        .collect();
    runs.sort();
    let whole = runs[2];

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
