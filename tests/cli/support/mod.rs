//! The one hermetic test helper: every run of the binary gets a temp state file, a cleared
//! environment (PATH only), and a fixed `--as-of` date.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use pretty_assertions::assert_eq;
use serde_json::Value;
use tempfile::TempDir;

/// Creates Contoso Ltd with admin@contoso.com (global-admin) as its current account.
pub const INIT_CONTOSO: &[&str] = &[
    "init",
    "--partner-id",
    "4012345",
    "--name",
    "Contoso Ltd",
    "--account",
    "admin@contoso.com",
    "--role",
    "global-admin",
];

/// The fixed "today" of the integration tests.
pub const TODAY: &str = "2026-06-15";

/// A temp folder with a state file path inside it (not created until a mutation).
pub struct Env {
    dir: TempDir,
    state: PathBuf,
    as_of: &'static str,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Stdout parsed as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    /// An empty environment: no state file yet.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("config").join("state.json");
        Env {
            dir,
            state,
            as_of: TODAY,
        }
    }

    /// A private copy of the sample organization (`examples/contoso.json` and its history), as
    /// of the README's day, 2026-11-25.
    pub fn sample() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let examples = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples"));
        for name in ["contoso.json", "contoso.history.jsonl"] {
            let to = dir.path().join(name);
            fs::copy(examples.join(name), &to).unwrap();
            fs::set_permissions(&to, fs::Permissions::from_mode(0o600)).unwrap();
        }
        let state = dir.path().join("contoso.json");
        Env {
            dir,
            state,
            as_of: "2026-11-25",
        }
    }

    /// An organization "Contoso Ltd" with admin@contoso.com (global-admin) as current account.
    pub fn contoso() -> Self {
        let env = Self::new();
        env.ok(INIT_CONTOSO);
        env
    }

    /// Contoso with Gold Cloud Platform and Silver Data Analytics, Gold product support active
    /// as contract 7000001 (20 incidents) and Silver cloud support as 8000005 (5 incidents).
    pub fn contoso_active() -> Self {
        let env = Self::contoso();
        env.ok(&["offer", "add", "gold", "--competency", "Cloud Platform"]);
        env.ok(&["offer", "add", "silver", "--competency", "Data Analytics"]);
        env.ok(&[
            "activate",
            "gold-cloud-platform/product-support",
            "--access-id",
            "ACC-GOLD-7788",
            "--contract-id",
            "7000001",
        ]);
        env.ok(&[
            "activate",
            "silver-data-analytics/cloud-support",
            "--access-id",
            "ACC-SIG-5555",
            "--contract-id",
            "8000005",
        ]);
        env
    }

    /// Contoso with an unlimited Premier contract `P1` (both scopes) holding `n` closed
    /// incidents, written straight into the file: opening them one command at a time would take
    /// minutes.
    pub fn contoso_with_incidents(n: u32) -> Self {
        let env = Self::contoso();
        env.ok(&w(
            "contract add --plan premier --contract-id P1 --access-id PREMIER-ACCESS-0001 --incidents unlimited --scope both --start 2026-01-01",
        ));
        env.ok(&w(
            "incidents open --scope cloud --contract P1 --title Seed",
        ));
        env.ok(&w("incidents close INC-0001"));
        let mut state = env.json();
        let seed = state["incidents"][0].clone();
        state["incidents"] = (1..=n)
            .map(|k| {
                let mut i = seed.clone();
                i["id"] = format!("INC-{k:04}").into();
                i["title"] = format!("Incident number {k} of a long history").into();
                i
            })
            .collect();
        env.write_private(&serde_json::to_vec_pretty(&state).unwrap());
        env
    }

    /// Replaces the state file with `bytes`, readable by its owner only (as the binary writes
    /// it), so no permission warning gets in the way.
    pub fn write_private(&self, bytes: &[u8]) {
        fs::create_dir_all(self.state.parent().unwrap()).unwrap();
        fs::write(&self.state, bytes).unwrap();
        fs::set_permissions(&self.state, fs::Permissions::from_mode(0o600)).unwrap();
    }

    /// The history log's path.
    pub fn history_path(&self) -> PathBuf {
        self.state.with_file_name("state.history.jsonl")
    }

    /// The history log's entries (none when it does not exist), each line parsed.
    pub fn history(&self) -> Vec<Value> {
        let text = fs::read_to_string(self.history_path()).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad log line ({e}): {l}")))
            .collect()
    }

    /// Temp files in the state file's folder.
    pub fn temp_files(&self) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(self.state.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        names.sort();
        names
    }

    /// The temp folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The state file's path.
    pub fn state(&self) -> &Path {
        &self.state
    }

    /// The binary with a clean environment, `--state` and `--as-of` already set.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_partner-support"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            // The tests read whole rows; `tests/cli/fit.rs` sets the widths people have.
            .env("COLUMNS", "300")
            .arg("--state")
            .arg(&self.state)
            .args(["--as-of", self.as_of]);
        cmd
    }

    /// Runs the binary with these arguments.
    pub fn run(&self, args: &[&str]) -> Run {
        run_command(self.cmd().args(args))
    }

    /// Runs and asserts success.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert!(
            run.code == 0,
            "`{}` exited {}\nstderr:\n{}\nstdout:\n{}",
            args.join(" "),
            run.code,
            run.stderr,
            run.stdout
        );
        run
    }

    /// Runs, asserts the exit code, that stderr holds `message`, and that the state file is
    /// byte-for-byte what it was.
    pub fn refused(&self, args: &[&str], code: i32, message: &str) -> Run {
        self.unchanged(args, code, "stderr", message)
    }

    /// Like [`Env::refused`] for a command whose report is on stdout (`check`).
    pub fn reports(&self, args: &[&str], code: i32, report: &str) -> Run {
        self.unchanged(args, code, "stdout", report)
    }

    fn unchanged(&self, args: &[&str], code: i32, stream: &str, wanted: &str) -> Run {
        let before = self.bytes();
        let run = self.run(args);
        let text = if stream == "stdout" {
            &run.stdout
        } else {
            &run.stderr
        };
        assert_eq!(
            run.code,
            code,
            "`{}`\nstdout:\n{}\nstderr:\n{}",
            args.join(" "),
            run.stdout,
            run.stderr
        );
        assert!(
            text.contains(wanted),
            "`{}`: {stream} lacks {wanted:?}:\n{text}",
            args.join(" "),
        );
        assert!(
            before == self.bytes(),
            "`{}` changed the state file",
            args.join(" ")
        );
        run
    }

    /// The state file's bytes (`None` when it does not exist).
    pub fn bytes(&self) -> Option<Vec<u8>> {
        fs::read(&self.state).ok()
    }

    /// The state file parsed.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes().expect("state file exists")).unwrap()
    }
}

/// Runs a prepared command and collects what it did.
pub fn run_command(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Splits a command line written as one string into its words (for arguments without spaces).
pub fn w(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Each finding of a `doctor --json` report, as (severity, code).
pub fn codes(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The checksum line that ends a state file, up to its hash.
const CHECKSUM: &str = "  \"checksum\": \"xxh3-128:";

/// A state file's bytes split at its checksum line: everything before it, and the hash it
/// names (`None` when there is no such line at the end).
pub fn split_checksum(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = bytes
        .windows(CHECKSUM.len())
        .rposition(|w| w == CHECKSUM.as_bytes())?;
    let hex = bytes[at + CHECKSUM.len()..].strip_suffix(b"\"\n}\n")?;
    Some((&bytes[..at], hex))
}

/// Whether the checksum at the end of `bytes` matches what comes before it.
pub fn sealed(bytes: &[u8]) -> bool {
    split_checksum(bytes).is_some_and(|(body, hex)| {
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(body)).as_bytes() == hex
    })
}

/// `bytes` with a checksum that matches them at the end, as partner-support would have written
/// them (any checksum line they had is replaced).
pub fn resealed(bytes: &[u8]) -> Vec<u8> {
    let body = split_checksum(bytes).map_or(bytes, |(body, _)| body);
    let hash = xxhash_rust::xxh3::xxh3_128(body);
    let mut out = body.to_vec();
    out.extend_from_slice(format!("{CHECKSUM}{hash:032x}\"\n}}\n").as_bytes());
    out
}
