//! The performance benchmark: `cargo bench --bench perf`.
//!
//! Builds realistic state files (through the library's own types, written by its own store)
//! with 10 to 100 000 incidents, then times the release binary (a copy, as installed) as a whole
//! process — median and spread of repeated runs after a warm-up, peak memory of each run — for
//! the read commands and one mutation, next to the same binary's `--version`, the process-start
//! floor; and how each read's time above that floor grows with the incidents.

// Its report is what it prints; it measures a child's peak memory with `wait4` (libc).
#![allow(clippy::print_stdout, unsafe_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, TimeZone, Utc};
use partner_support::domain::account::{Account, AccountKind, Role};
use partner_support::domain::contract::{Allowance, Contract, Coverage, PlanKind, Scope};
use partner_support::domain::incident::{Incident, IncidentId, Refund, RefundReason};
use partner_support::domain::offer::{Choice, Offer, Term};
use partner_support::domain::state::{HistoryEntry, Organization, State};
use partner_support::store::Store;

const BIN: &str = env!("CARGO_BIN_EXE_partner-support");
/// The binary that is timed: a copy of `BIN`, made once per benchmark.
static INSTALLED: OnceLock<PathBuf> = OnceLock::new();
const AS_OF: &str = "2026-11-25";
const SIZES: &[u32] = &[10, 1_000, 10_000, 100_000];
const WARMUP: usize = 3;
// Odd, for a true median; enough that one slow moment of a shared machine moves it little.
const RUNS: usize = 31;

fn main() {
    // `--write N PATH` writes one state file and exits. The benchmark runs itself that way, so
    // that the organization it builds never sits in the memory of the process that measures
    // its children (a child's peak RSS counts what it inherits before `exec`).
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--write") {
        let n = args[at + 1].parse().expect("--write N PATH");
        write_state(Path::new(&args[at + 2]), organization(n));
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--write-bare") {
        let mut bare = organization(0);
        bare.offers.clear();
        bare.contracts.clear();
        write_state(Path::new(&args[at + 1]), bare);
        return;
    }
    let work = tempfile::tempdir().expect("a temp folder");
    // Timed as installed, copied whole (as `cargo install` does): the linker writes the file in
    // small pieces, which leaves it cached in 4 KiB pages, and every run of it then takes 13
    // (`--version`) to 26 more page faults than a run of the same bytes copied
    // (docs/performance.md).
    let installed = work.path().join("partner-support");
    fs::copy(BIN, &installed).expect("a copy of the binary");
    println!("partner-support benchmark: {}", machine());
    println!("binary: {BIN}, copied to {}", installed.display());
    INSTALLED.set(installed).unwrap();
    println!(
        "{RUNS} runs per row after {WARMUP} warm-up runs; time is wall clock of the whole process;\n\
         × --version is the median, over the runs, of each run's time over the --version run just before it\n"
    );
    println!("| incidents | file | command | median | min – max | × --version | peak RSS |");
    println!("|---:|---:|---|---:|---:|---:|---:|");
    // What any read command costs above the process start before it has data to read: the
    // same organization and accounts, with no offer, contract or incident.
    let bare = bare_state(work.path());
    let size = fs::metadata(&bare).unwrap().len();
    row(0, size, "--version", &measure(&["--version"], None));
    let m = measure(&args_with_state(&bare, &["status"]), None);
    row(0, size, "status, no offers or contracts", &m);
    // What each read command costs above the floor at each size, for the growth table.
    let mut growth: Vec<(&str, Vec<f64>)> = Vec::new();
    for &n in SIZES {
        let state = work.path().join(format!("state-{n}.json"));
        let written = Command::new(std::env::current_exe().unwrap())
            .args(["--write", &n.to_string()])
            .arg(&state)
            .status()
            .unwrap();
        assert!(written.success(), "writing the {n}-incident state failed");
        let size = fs::metadata(&state).unwrap().len();
        // Size and modification time, not the bytes: a copy of a large file here would count
        // in every child's peak memory.
        let stamp = |p: &Path| {
            let m = fs::metadata(p).unwrap();
            (m.len(), m.modified().unwrap())
        };
        let before = stamp(&state);
        let floor = measure(&["--version"], None);
        row(n, size, "--version", &floor);
        for (name, args) in [
            ("status", &["status"][..]),
            ("incidents remaining", &["incidents", "remaining"]),
            ("incidents list --json", &["--json", "incidents", "list"]),
            ("check", &["check", "--exit-zero"]),
        ] {
            let m = measure(&args_with_state(&state, args), None);
            row(n, size, name, &m);
            let above = m.ratio() - 1.0;
            match growth.iter_mut().find(|(command, _)| *command == name) {
                Some((_, sizes)) => sizes.push(above),
                None => growth.push((name, vec![above])),
            }
        }
        assert!(stamp(&state) == before, "a read command wrote the file");
        // The whole file end to end, and its history's operations replayed against it (R23).
        let m = measure(&args_with_state(&state, &["doctor"]), None);
        row(n, size, "doctor (replays the history)", &m);
        // The same file with its checksum no longer matching, as after a hand edit: read in
        // full, record by record.
        let edited_dir = tempfile::tempdir().unwrap();
        let edited = edited_dir.path().join("state.json");
        fs::copy(&state, &edited).unwrap();
        spoil_checksum(&edited);
        let m = measure(&args_with_state(&edited, &["status"]), None);
        row(n, size, "status, edited by hand (full read)", &m);
        let m = measure(
            &[
                "incidents",
                "open",
                "--scope",
                "cloud",
                "--title",
                "Benchmark incident",
            ],
            Some(&state),
        );
        row(n, size, "incidents open (copy, fsync)", &m);
    }
    growth_table(&growth);
    merges(work.path());
    lifecycles(work.path());
    tickets(work.path());
}

/// What a user's lifecycle file of 10 000, 30 000 and 100 000 rows (in 100 families) costs a
/// command that reads it (`products list` of one built-in family), and how it grows.
fn lifecycles(work: &Path) {
    const LIFECYCLE_RUNS: usize = 5;
    println!("\n| lifecycle rows | products list | min – max | peak RSS |");
    println!("|---:|---:|---:|---:|");
    let mut medians = Vec::new();
    for n in [10_000u32, 30_000, 100_000] {
        let file = work.join(format!("lifecycle-{n}.csv"));
        let mut text = String::from(
            "product_id,family,product,policy,start,mainstream_end,extended_end,status,source\n",
        );
        for k in 0..n {
            let year = 1990 + k % 200;
            text.push_str(&format!(
                "acme-{f}-{k},acme-{f},Acme {f} Server {k},fixed,{year}-01-01,{year}-06-30,{year}-12-31,UNVERIFIED,bench\n",
                f = k % 100
            ));
        }
        fs::write(&file, text).unwrap();
        let args: Vec<String> = [
            "--state",
            work.join("no-state.json").to_str().unwrap(),
            "--lifecycle",
            file.to_str().unwrap(),
            "--json",
            "products",
            "list",
            "--all",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        medians.push(timed_row(n, LIFECYCLE_RUNS, || {
            let (elapsed, status, rss) = run(&args);
            assert_eq!(status, 0, "products list with {n} lifecycle rows failed");
            (elapsed, rss)
        }));
    }
    growth_line("lifecycle", &medians);
}

/// The bare state (the organization and its accounts, nothing else) in `work`, written by this
/// benchmark run as a child the first time it is asked for.
fn bare_state(work: &Path) -> PathBuf {
    let bare = work.join("state-bare.json");
    if !bare.exists() {
        let written = Command::new(std::env::current_exe().unwrap())
            .arg("--write-bare")
            .arg(&bare)
            .status()
            .unwrap();
        assert!(written.success(), "writing the bare state failed");
    }
    bare
}

/// How a timing at 10 000, 30 000 and 100 000 grew (linear is ×3, then ×3.3).
fn growth_line(what: &str, medians: &[f64]) {
    println!(
        "\n{what} growth: 10000→30000: ×{:.1}, 30000→100000: ×{:.1}",
        medians[1] / medians[0],
        medians[2] / medians[1]
    );
}

/// What `import --from azure-tickets` costs for 10 000, 30 000 and 100 000 tickets in date order
/// on an unlimited plan, each run on a fresh copy of a bare state (linear is ×3, then ×3.3).
fn tickets(work: &Path) {
    const TICKET_RUNS: usize = 3;
    println!("\n| tickets | import --from azure-tickets | min – max | peak RSS |");
    println!("|---:|---:|---:|---:|");
    let bare = bare_state(work);
    let state = work.join("tickets-state.json");
    let mut medians = Vec::new();
    for n in [10_000u32, 30_000, 100_000] {
        let file = work.join(format!("tickets-{n}.json"));
        let mut text = String::from("{\"value\": [");
        for k in 0..n {
            // Spread over 150 days from 2026-01-11, in date order.
            let at = NaiveDate::from_ymd_opt(2026, 1, 11)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                + chrono::Duration::seconds(i64::from(k) * 150 * 86_400 / i64::from(n));
            let when = at.format("%Y-%m-%dT%H:%M:%SZ");
            if k > 0 {
                text.push(',');
            }
            text.push_str(&format!(
                r#"{{"name": "t{k}", "properties": {{"supportTicketId": "26{k:011}", "title": "Case {k}", "createdDate": "{when}", "modifiedDate": "{when}", "status": "Open", "serviceDisplayName": "Virtual Machine running Windows", "supportPlanType": "Advanced", "supportPlanDisplayName": "Advanced Support for Partners"}}}}"#
            ));
        }
        text.push_str("]}");
        fs::write(&file, text).unwrap();
        let strings = |args: &[&str]| -> Vec<String> {
            let mut all = vec!["--state".to_string(), state.to_str().unwrap().to_string()];
            all.extend(args.iter().map(|a| a.to_string()));
            all
        };
        let add = strings(&[
            "--as-of",
            "2026-01-10",
            "-q",
            "contract",
            "add",
            "--plan",
            "advanced",
            "--contract-id",
            "ADV-BENCH",
            "--access-id",
            "ADV-BENCH-1",
            "--incidents",
            "unlimited",
            "--scope",
            "cloud",
        ]);
        let import = strings(&[
            "--as-of",
            "2026-06-30",
            "-q",
            "--json",
            "import",
            "--from",
            "azure-tickets",
            "--contract",
            "ADV-BENCH",
            file.to_str().unwrap(),
        ]);
        medians.push(timed_row(n, TICKET_RUNS, || {
            fs::copy(&bare, &state).unwrap();
            let _ = fs::remove_file(state.with_extension("history.jsonl"));
            let (_, status, _) = run(&add);
            assert_eq!(status, 0, "adding the bench contract failed");
            let (elapsed, status, rss) = run(&import);
            assert_eq!(status, 0, "importing {n} tickets failed");
            (elapsed, rss)
        }));
    }
    growth_line("ticket import", &medians);
}

/// What git's merge driver costs on two copies of one state, each with an incident of its own
/// since they parted: at 10 000, 30 000 and 100 000 incidents, and how it grows (linear is ×3,
/// then ×3.3).
fn merges(work: &Path) {
    const MERGE_RUNS: usize = 5;
    println!("\n| incidents | merge-driver | min – max | peak RSS |");
    println!("|---:|---:|---:|---:|");
    let mut medians = Vec::new();
    let mut copies = Vec::new();
    for n in [10_000u32, 30_000, 100_000] {
        let base = work.join(format!("merge-base-{n}.json"));
        let written = Command::new(std::env::current_exe().unwrap())
            .args(["--write", &n.to_string()])
            .arg(&base)
            .status()
            .unwrap();
        assert!(written.success(), "writing the {n}-incident state failed");
        let side = |name: &str| {
            let dir = work.join(format!("merge-{name}-{n}"));
            fs::create_dir_all(&dir).unwrap();
            let path = dir.join("state.json");
            // Its history too: `merge FILE` replays both.
            copy_with_history(&base, &path);
            let args = args_with_state(
                &path,
                &[
                    "-q",
                    "incidents",
                    "open",
                    "--scope",
                    "cloud",
                    "--title",
                    name,
                ],
            );
            let (_, status, _) = run(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(status, 0, "opening {name}'s incident failed");
            path
        };
        let (ours, theirs) = (side("ours"), side("theirs"));
        copies.push((n, base.clone(), ours.clone(), theirs.clone()));
        medians.push(timed_row(n, MERGE_RUNS, || {
            let dir = tempfile::tempdir().unwrap();
            let copy = dir.path().join("state.json");
            fs::copy(&ours, &copy).unwrap();
            merged(&[
                "merge-driver",
                base.to_str().unwrap(),
                copy.to_str().unwrap(),
                theirs.to_str().unwrap(),
                "state.json",
            ])
        }));
    }
    growth_line("merge", &medians);
    // The same two copies merged by `merge FILE`, which finds their common ancestor by
    // replaying the operations both histories hold.
    println!("\n| incidents | merge FILE | min – max | peak RSS |");
    println!("|---:|---:|---:|---:|");
    let mut medians = Vec::new();
    for (n, _, ours, theirs) in &copies {
        let (n, ours, theirs) = (*n, ours, theirs);
        medians.push(timed_row(n, MERGE_RUNS, || {
            let dir = tempfile::tempdir().unwrap();
            let copy = dir.path().join("state.json");
            copy_with_history(ours, &copy);
            merged(&args_with_state(
                &copy,
                &["-q", "merge", theirs.to_str().unwrap()],
            ))
        }));
    }
    growth_line("merge FILE", &medians);
    // Under git, a pull merges the history logs too: git's second driver.
    println!("\n| incidents | merge-driver --history | min – max | peak RSS |");
    println!("|---:|---:|---:|---:|");
    let mut medians = Vec::new();
    for (n, base, ours, theirs) in &copies {
        let log = |path: &Path| partner_support::store::Paths::of(path).history;
        medians.push(timed_row(*n, MERGE_RUNS, || {
            let dir = tempfile::tempdir().unwrap();
            let copy = dir.path().join("state.history.jsonl");
            fs::copy(log(ours), &copy).unwrap();
            merged(&[
                "merge-driver",
                "--history",
                log(base).to_str().unwrap(),
                copy.to_str().unwrap(),
                log(theirs).to_str().unwrap(),
                "state.history.jsonl",
            ])
        }));
    }
    growth_line("history merge", &medians);
}

/// Copies the state file `from` to `to`, with its history log.
fn copy_with_history(from: &Path, to: &Path) {
    use partner_support::store::Paths;
    fs::copy(from, to).unwrap();
    fs::copy(Paths::of(from).history, Paths::of(to).history).unwrap();
}

/// Runs a merge that must succeed: its time and peak RSS.
fn merged(args: &[&str]) -> (Duration, i64) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (elapsed, status, rss) = run(&args);
    assert_eq!(status, 0, "the merge failed");
    (elapsed, rss)
}

/// Runs `once` `runs` times and prints a table row for size `n`: the median, min – max and peak
/// RSS; returns the median in seconds.
fn timed_row(n: u32, runs: usize, mut once: impl FnMut() -> (Duration, i64)) -> f64 {
    let mut times = Vec::new();
    let mut peak = 0;
    for _ in 0..runs {
        let (elapsed, rss) = once();
        times.push(elapsed);
        peak = peak.max(rss);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {n} | {:.0} ms | {:.0} – {:.0} | {:.1} MiB |",
        ms(median(&times)),
        ms(times[0]),
        ms(times[times.len() - 1]),
        peak as f64 / 1024.0
    );
    median(&times).as_secs_f64()
}

/// How each read command's time above the floor grows with the incidents.
fn growth_table(growth: &[(&str, Vec<f64>)]) {
    // In runs of `--version`, from the paired ratios: rows measured minutes apart, while the
    // machine's speed drifts, compare as well as the ratios do.
    println!(
        "\nTime above the floor, in runs of --version (the × --version column less one), and how\n\
         it grows from one size to the next:\n"
    );
    let sizes: Vec<String> = SIZES.iter().map(u32::to_string).collect();
    println!("| command | {} | growth |", sizes.join(" | "));
    println!("|---|{}---|", "---:|".repeat(SIZES.len()));
    for (name, above) in growth {
        let steps: Vec<String> = (1..above.len())
            .map(|i| {
                let times = above[i] / above[i - 1];
                format!("{}→{}: ×{times:.1}", SIZES[i - 1], SIZES[i])
            })
            .collect();
        let cells: Vec<String> = above.iter().map(|a| format!("{a:.2}")).collect();
        println!("| {name} | {} | {} |", cells.join(" | "), steps.join(", "));
    }
}

/// Changes one hex digit of the checksum at the end of the file, in place.
fn spoil_checksum(path: &Path) {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    // The file ends `…<hex>"\n}\n`: the last hex digit is 5 bytes from the end.
    let at = SeekFrom::End(-5);
    let mut digit = [0u8];
    file.seek(at).unwrap();
    file.read_exact(&mut digit).unwrap();
    assert!(
        digit[0].is_ascii_hexdigit(),
        "the file ends with its checksum"
    );
    file.seek(at).unwrap();
    file.write_all(if digit[0] == b'0' { b"1" } else { b"0" })
        .unwrap();
}

/// What one command cost over `RUNS` runs.
struct Measured {
    times: Vec<Duration>,
    /// Each run's time over that of the `--version` run just before it.
    ratios: Vec<f64>,
    peak_rss_kib: i64,
}

impl Measured {
    /// The median of the paired ratios to `--version`.
    fn ratio(&self) -> f64 {
        self.ratios[self.ratios.len() / 2]
    }
}

fn median(times: &[Duration]) -> Duration {
    times[times.len() / 2]
}

fn args_with_state<'a>(state: &'a Path, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--state", state.to_str().unwrap(), "--as-of", AS_OF];
    all.extend_from_slice(args);
    all
}

/// Runs the binary `WARMUP + RUNS` times. With `mutate_copy_of`, every run works on a fresh
/// copy of that state file (the copy is not timed).
fn measure(args: &[&str], mutate_copy_of: Option<&Path>) -> Measured {
    let mut times = Vec::new();
    let mut floors = Vec::new();
    let mut peak_rss_kib = 0;
    for i in 0..WARMUP + RUNS {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let _copy = mutate_copy_of.map(|original| {
            let dir = tempfile::tempdir().unwrap();
            let copy = dir.path().join("state.json");
            fs::copy(original, &copy).unwrap();
            let head = ["--state", copy.to_str().unwrap(), "--as-of", AS_OF];
            all.splice(0..0, head.iter().map(|s| s.to_string()));
            dir
        });
        // `--version` right before every run: the pair sees the same machine, so their ratio
        // holds even while the machine's speed drifts.
        let (floor, _, _) = run(&["--version".to_string()]);
        let (elapsed, status, rss) = run(&all);
        assert!(
            status == 0,
            "`{}` exited with status {status}",
            all.join(" ")
        );
        if let (Some(dir), Some(original)) = (&_copy, mutate_copy_of) {
            // One write: the previous version became the backup, untouched, and the new file
            // holds one more incident; nothing was left half-written.
            let len = |p: &Path| fs::metadata(p).map_or(0, |m| m.len());
            let copy = dir.path().join("state.json");
            assert_eq!(len(&dir.path().join("state.json.bak")), len(original));
            assert!(len(&copy) > len(original), "the change was not written");
            let names = fs::read_dir(dir.path()).unwrap().count();
            assert_eq!(
                names, 4,
                "state, backup, lock and history log, and nothing else"
            );
        }
        if i >= WARMUP {
            times.push(elapsed);
            floors.push(floor);
            peak_rss_kib = peak_rss_kib.max(rss);
        }
    }
    // Pair by pair, so a ratio compares two runs on the machine as it was at that moment.
    let mut ratios: Vec<f64> = times
        .iter()
        .zip(&floors)
        .map(|(t, f)| t.as_secs_f64() / f.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    times.sort();
    Measured {
        times,
        ratios,
        peak_rss_kib,
    }
}

/// Runs the binary once: wall time, exit status, peak RSS in KiB.
// The child is reaped by `wait_with_rusage`: `Child::wait` cannot stand in, it has no rusage.
#[allow(clippy::zombie_processes)]
fn run(args: &[String]) -> (Duration, i32, i64) {
    let started = Instant::now();
    let child = Command::new(INSTALLED.get().expect("copied first"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let (status, rss) = wait_with_rusage(child.id());
    (started.elapsed(), status, rss)
}

/// Waits for the child and returns its exit status and its own peak RSS in KiB (`wait4`, so
/// the figure is this child's alone).
fn wait_with_rusage(pid: u32) -> (i32, i64) {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; both pointers are to live locals.
    let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert!(r == pid as libc::pid_t, "wait4 failed");
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

fn row(n: u32, size: u64, name: &str, m: &Measured) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {n} | {:.2} MB | {name} | {:.2} ms | {:.2} – {:.2} | {:.2} | {:.1} MiB |",
        size as f64 / 1e6,
        ms(median(&m.times)),
        ms(m.times[0]),
        ms(*m.times.last().unwrap()),
        m.ratio(),
        m.peak_rss_kib as f64 / 1024.0,
    );
}

fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpu}, {cores} cores, Linux {}", kernel.trim())
}

// ---- a realistic organization -------------------------------------------------------------

fn p<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const FIRST_YEAR: i32 = 2017;
const LAST_YEAR: i32 = 2026;
const ACCOUNTS: &[&str] = &[
    "admin@contoso.com",
    "mpn@contoso.com",
    "tech@contoso.com",
    "oncall@contoso.com",
    "engineer@outlook.com",
];
const TITLES: &[&str] = &[
    "Cluster validation fails on shared disk",
    "Mail flow stops after cumulative update",
    "Always On listener unreachable after patch",
    "Conditional access blocks service principal",
    "VM scale set stuck in updating state",
    "Teams meetings drop audio for external users",
    "SharePoint search crawl never completes",
    "Key Vault throttling during deployment",
    "AKS node pool upgrade times out",
    "Intune enrollment fails for new devices",
];
const PRODUCTS: &[&str] = &[
    "Windows Server 2022",
    "Exchange Server 2019",
    "SQL Server 2019",
    "Azure Kubernetes Service",
    "Microsoft Entra ID",
];

/// A contract of one year, with how many incidents it may still take in the generator.
struct Slot {
    contract: Contract,
    room: Option<u32>,
}

fn contract(
    id: String,
    kind: PlanKind,
    plan: &str,
    coverage: Coverage,
    allowance: Allowance,
    year: i32,
    benefit: Option<&str>,
) -> Slot {
    Slot {
        room: match allowance {
            Allowance::Incidents(n) => Some(n.saturating_sub(1)),
            Allowance::Unlimited => None,
        },
        contract: Contract {
            access_id: p(&format!("ACC-{id}-{:04}", year % 10_000)),
            contract_id: p(&id),
            kind,
            plan: p(plan),
            benefit: benefit.map(str::to_string),
            coverage,
            allowance,
            start: date(year, 1, 1),
            end: date(year, 12, 31),
            linked_accounts: ACCOUNTS[..3].iter().map(|a| p(a)).collect(),
            recorded_on: Some(date(year, 1, 1)),
            requested_on: None,
            set_at: Default::default(),
        },
    }
}

/// Ten years of a partner with Action Pack, two Gold and a Silver competency and Premier: five
/// contracts a year, `n` incidents spread evenly over the years, most closed, some refunded,
/// and the history every one of those changes left.
fn organization(n: u32) -> State {
    let mut s = State {
        organization: Some(Organization {
            partner_id: p("4012345"),
            name: p("Contoso Ltd"),
            set_at: Default::default(),
        }),
        current_account: Some(p(ACCOUNTS[0])),
        catalog: std::sync::Arc::new(
            partner_support::store::catalog::built_in("mpn-2021").expect("built in"),
        ),
        ..State::default()
    };
    s.accounts = ACCOUNTS
        .iter()
        .enumerate()
        .map(|(i, a)| Account {
            email: p(a),
            kind: if a.ends_with("outlook.com") {
                AccountKind::Msa
            } else {
                AccountKind::Aad
            },
            roles: match i {
                0 => [Role::GlobalAdmin].into(),
                1 => [Role::MpnPartnerAdmin].into(),
                2 | 3 => [Role::AdminAgent].into(),
                _ => Default::default(),
            },
            csp_only: false,
            set_at: Default::default(),
        })
        .collect();
    let competency = |name: &str, category: &str| {
        Some(Choice {
            name: p(name),
            category: Some(category.to_string()),
        })
    };
    s.offers = vec![
        Offer {
            catalog: "mpn-2021".into(),
            kind: "action-pack".into(),
            option: None,
            years: vec![Term {
                start: date(FIRST_YEAR, 1, 1),
                end: None,
            }],
            set_at: Default::default(),
        },
        Offer {
            catalog: "mpn-2021".into(),
            kind: "gold".into(),
            option: competency("Cloud Platform", "cloud"),
            years: vec![Term {
                start: date(FIRST_YEAR, 1, 1),
                end: None,
            }],
            set_at: Default::default(),
        },
        Offer {
            catalog: "mpn-2021".into(),
            kind: "silver".into(),
            option: competency("Data Analytics", "other"),
            years: vec![Term {
                start: date(2020, 1, 1),
                end: None,
            }],
            set_at: Default::default(),
        },
        Offer {
            catalog: "mpn-2021".into(),
            kind: "gold".into(),
            option: competency("Security", "cloud"),
            years: vec![Term {
                start: date(2022, 1, 1),
                end: None,
            }],
            set_at: Default::default(),
        },
    ];
    let mut years: Vec<Vec<Slot>> = (FIRST_YEAR..=LAST_YEAR)
        .map(|y| {
            let mut c = vec![
                contract(
                    format!("AP{y}"),
                    PlanKind::Benefit,
                    "Partner support MAPS 10pack",
                    Coverage::OnPremises,
                    Allowance::Incidents(10),
                    y,
                    Some("action-pack/product-support"),
                ),
                contract(
                    format!("GCP{y}"),
                    PlanKind::Benefit,
                    "Partner support Gold 20pack",
                    Coverage::OnPremises,
                    Allowance::Incidents(20),
                    y,
                    Some("gold-cloud-platform/product-support"),
                ),
                contract(
                    format!("GCPC{y}"),
                    PlanKind::Benefit,
                    "Partner Signature Cloud Support",
                    Coverage::Cloud,
                    Allowance::Unlimited,
                    y,
                    Some("gold-cloud-platform/cloud-support"),
                ),
                contract(
                    format!("PREM{y}"),
                    PlanKind::Premier,
                    "Premier Support for Partners",
                    Coverage::Both,
                    Allowance::Unlimited,
                    y,
                    None,
                ),
            ];
            if y >= 2020 {
                c.push(contract(
                    format!("SDA{y}"),
                    PlanKind::Benefit,
                    "Partner Signature 5pack",
                    Coverage::Cloud,
                    Allowance::Incidents(5),
                    y,
                    Some("silver-data-analytics/cloud-support"),
                ));
            }
            c
        })
        .collect();

    let first = date(FIRST_YEAR, 1, 2);
    let span = (date(2026, 11, 20) - first).num_days() as u64;
    let mut log = Vec::new();
    for k in 0..n {
        let opened_on = first + Days::new(u64::from(k) * span / u64::from(n.max(1)));
        let scope = if k % 5 < 3 {
            Scope::Cloud
        } else {
            Scope::OnPremises
        };
        let year = &mut years
            [(opened_on.format("%Y").to_string().parse::<i32>().unwrap() - FIRST_YEAR) as usize];
        // A counted pack while it has room, else the year's unlimited plan.
        let slot = year
            .iter_mut()
            .filter(|s| s.contract.coverage.covers(scope))
            .find(|s| s.room.is_some_and(|r| r > 0));
        let contract_id = match slot {
            Some(s) => {
                s.room = s.room.map(|r| r - 1);
                s.contract.contract_id.clone()
            }
            None => year
                .iter()
                .find(|s| s.room.is_none() && s.contract.coverage.covers(scope))
                .unwrap()
                .contract
                .contract_id
                .clone(),
        };
        let id = IncidentId(k + 1);
        let by: partner_support::domain::values::Email = p(ACCOUNTS[k as usize % 4]);
        let still_open = n - k <= 25;
        let refunded = k % 25 == 7;
        let closed_on = (!still_open).then(|| opened_on + Days::new(3));
        let at =
            |d: NaiveDate, hour: u32| Utc.from_utc_datetime(&d.and_hms_opt(hour, 17, 42).unwrap());
        let entry = |d, hour, action: &str, summary: String| HistoryEntry {
            revision: 0,
            at: at(d, hour),
            as_of: d,
            account: Some(by.clone()),
            action: action.into(),
            summary,
            ..HistoryEntry::default()
        };
        let opened = Incident {
            id,
            scope,
            title: p(TITLES[k as usize % TITLES.len()]),
            product: (k % 2 == 0).then(|| p(PRODUCTS[k as usize % PRODUCTS.len()])),
            case_number: (k % 5 != 4)
                .then(|| p(&format!("{}{:07}", opened_on.format("%y%m%d"), k))),
            contract_id: Some(contract_id.clone()),
            csp_customer: None,
            opened_on,
            opened_by: Some(by.clone()),
            note: None,
            outside_policy: None,
            closed_on,
            void: None,
            refund: refunded.then(|| Refund {
                on: opened_on + Days::new(5),
                reason: RefundReason::ProductBug,
                by: Some(p(ACCOUNTS[0])),
            }),
            // A refund is a change after the opening: the file notes when it was made.
            set_at: match refunded {
                true => [(
                    "refund".to_string(),
                    partner_support::domain::stamp::Stamp(
                        u64::from(k) + 2,
                        (opened_on + Days::new(5))
                            .and_hms_opt(11, 0, 0)
                            .unwrap()
                            .and_utc()
                            .timestamp_millis(),
                    ),
                )]
                .into(),
                false => Default::default(),
            },
        };
        // Each change as an operation of its own, with the records it set, as this version
        // writes them: the incident added whole when it was opened, then each field it set.
        let change = |was: Option<serde_json::Value>, set: serde_json::Value| {
            let fields = |v: serde_json::Value| v.as_object().cloned().unwrap();
            partner_support::domain::operation::Change {
                collection: "incidents".into(),
                key: id.to_string(),
                was: was.map(fields),
                set: Some(fields(set)),
            }
        };
        let as_opened = Incident {
            closed_on: None,
            refund: None,
            set_at: Default::default(),
            ..opened.clone()
        };
        let (_, whole) = partner_support::store::file::records::incident(&as_opened);
        log.push(HistoryEntry {
            changes: vec![change(None, whole.into())],
            ..entry(
                opened_on,
                9,
                "incidents open",
                format!("opened {id} ({}) on contract {contract_id}", scope.slug()),
            )
        });
        if let Some(c) = closed_on {
            log.push(HistoryEntry {
                changes: vec![change(
                    Some(serde_json::json!({"closed_on": null})),
                    serde_json::json!({"closed_on": c.to_string()}),
                )],
                ..entry(c, 16, "incidents close", format!("closed {id}"))
            });
        }
        if let Some(refund) = &opened.refund {
            log.push(HistoryEntry {
                changes: vec![change(
                    Some(serde_json::json!({"refund": null})),
                    serde_json::json!({"refund": refund}),
                )],
                ..entry(
                    opened_on + Days::new(5),
                    11,
                    "incidents refund",
                    format!("refunded {id} (product-bug)"),
                )
            });
        }
        s.incidents.push(opened);
    }
    log.sort_by_key(|e| e.at);
    s.contracts = years.into_iter().flatten().map(|s| s.contract).collect();
    s.normalize();
    assert_eq!(s.problems(), [], "the generated organization is consistent");
    // A history of operations, as a file kept by this version has: a start holding the
    // records but the incidents (so that the history replays to the state, as `doctor`
    // checks), then every change to an incident as an operation of its own.
    let all = partner_support::store::file::records::header(&s);
    let first = HistoryEntry {
        clock: 1,
        ..log.first().cloned().unwrap_or_else(|| HistoryEntry {
            at: Utc.from_utc_datetime(&date(2016, 3, 1).and_hms_opt(9, 0, 0).unwrap()),
            as_of: date(2016, 3, 1),
            ..HistoryEntry::default()
        })
    };
    let start = partner_support::store::operations::start(
        partner_support::domain::operation::changes(&Default::default(), &all),
        &first,
    );
    s.record(start);
    for (i, entry) in log.into_iter().enumerate() {
        s.record(HistoryEntry {
            op: Some(partner_support::domain::operation::OpId(i as u128 + 1)),
            clock: i as u64 + 2,
            ..entry
        });
    }
    s
}

/// Writes the organization with `n` incidents to `path` through the store, as a command would.
fn write_state(path: &Path, state: State) {
    let store = Store::new(PathBuf::from(path), Duration::from_secs(10));
    store
        .mutate(
            |s, _| -> Result<((), bool), partner_support::store::StoreError> {
                *s = state;
                Ok(((), true))
            },
        )
        .expect("the state file is written");
}
