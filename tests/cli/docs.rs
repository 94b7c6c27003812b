//! The documents run: every ```console block of the README, the guide, the reference and the
//! reliability page is run
//! through the real binary, in order, one temp folder per document (the sample copied into its
//! `examples/`), and what each command prints must be what the document shows. The reference's
//! command list is clap's.
//!
//! In a block, `$ COMMAND` runs COMMAND with bash; the lines after it, up to the next `$ `, are
//! what it prints, both streams in the order written. The documents' folder is shown as
//! `~/records`. A line `...` stands for any lines, and `[..]` in
//! a line for any text (a temp folder's name); a last line
//! `[exit N]` says the command exits N (else it must exit 0). `$ export NAME=VALUE` sets NAME for
//! the rest of the document (VALUE is evaluated once, by bash).
//!
//! `PARTNER_SUPPORT_BLESS=1 cargo test docs::` writes what the commands print into the
//! documents instead of comparing (a block with `...` keeps its elisions where they still match).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::run_command;

/// The width the documents' tables are drawn for.
const COLUMNS: &str = "120";

/// One `$ COMMAND` of a document and what it shows.
#[derive(Debug)]
struct Step {
    /// The line of the `$`, 1-based.
    line: usize,
    command: String,
    /// The lines shown after it, `[exit N]` taken off.
    shown: Vec<String>,
    exit: i32,
    /// Where its shown lines are in the document (0-based, end excluded), `[exit N]` included.
    span: (usize, usize),
}

/// The steps of every ```console block of `text`, in order.
fn steps(text: &str) -> Vec<Step> {
    let lines: Vec<&str> = text.lines().collect();
    let mut steps = Vec::new();
    let mut in_console = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if !in_console {
            in_console = line.trim_end() == "```console";
            i += 1;
            continue;
        }
        if line.starts_with("```") {
            in_console = false;
            i += 1;
            continue;
        }
        let Some(command) = line.strip_prefix("$ ") else {
            panic!("line {}: a console block's text starts with `$ `", i + 1);
        };
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && !lines[end].starts_with("$ ") && !lines[end].starts_with("```") {
            end += 1;
        }
        let mut shown: Vec<String> = lines[start..end].iter().map(|l| l.to_string()).collect();
        let exit = match shown.last().and_then(|l| l.strip_prefix("[exit ")) {
            Some(n) => {
                let n = n.trim_end_matches(']').parse().expect("[exit N]");
                shown.pop();
                n
            }
            None => 0,
        };
        steps.push(Step {
            line: i + 1,
            command: command.to_string(),
            shown,
            exit,
            span: (start, end),
        });
        i = end;
    }
    steps
}

/// Whether `actual` is what `shown` shows: line by line, `...` standing for any lines.
fn matches(shown: &[String], actual: &[&str]) -> bool {
    match shown.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(a, more)| same_line(first, a) && matches(rest, more)),
    }
}

/// Whether `actual` is the line `shown`, each `[..]` in it standing for any text.
fn same_line(shown: &str, actual: &str) -> bool {
    let (shown, actual) = (shown.trim_end(), actual.trim_end());
    let mut pieces = shown.split("[..]");
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    for (n, piece) in pieces.iter().enumerate() {
        if n + 1 == pieces.len() {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// A temp folder laid out as the documents expect: the sample in `examples/` (private, as a
/// real state file is), a home and config folder of its own.
struct Desk {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Desk {
    fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_tree(&root.join("examples"), &dir.path().join("examples"));
        for file in ["contoso.json", "contoso.history.jsonl"] {
            let path = dir.path().join("examples").join(file);
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }
        let bin = Path::new(env!("CARGO_BIN_EXE_partner-support"))
            .parent()
            .unwrap()
            .to_path_buf();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![bin];
        paths.extend(std::env::split_paths(&path));
        let home = dir.path().join("home");
        fs::create_dir_all(&home).unwrap();
        let env = vec![
            (
                "PATH".to_string(),
                std::env::join_paths(paths)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            ),
            ("HOME".into(), home.display().to_string()),
            (
                "XDG_CONFIG_HOME".into(),
                home.join(".config").display().to_string(),
            ),
            ("COLUMNS".into(), COLUMNS.into()),
            ("NO_COLOR".into(), "1".into()),
            // The documents were written on 2026-12-06 (a change dated later needs `--future`
            // there): their steps run on that day whatever the machine's clock says.
            ("SOURCE_DATE_EPOCH".into(), "1796558400".into()),
        ];
        Desk { dir, env }
    }

    fn bash(&self, script: &str) -> crate::support::Run {
        let mut cmd = Command::new("bash");
        cmd.env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.dir.path())
            .args(["-c", script]);
        run_command(&mut cmd)
    }

    fn export(&mut self, assignment: &str) {
        let (name, value) = assignment.split_once('=').expect("export NAME=VALUE");
        let run = self.bash(&format!("printf %s {value}"));
        assert_eq!(run.code, 0, "export {assignment}: {}", run.stderr);
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_string(), run.stdout));
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

/// Runs every step of the document at `path` (relative to the crate) and compares, or with
/// `PARTNER_SUPPORT_BLESS` writes what was printed into it.
fn run_document(path: &str) -> Desk {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = fs::read_to_string(&file).unwrap();
    let bless = std::env::var_os("PARTNER_SUPPORT_BLESS").is_some();
    let mut desk = Desk::new();
    let mut wrong = Vec::new();
    let mut replacements: Vec<((usize, usize), Vec<String>)> = Vec::new();
    for step in steps(&text) {
        if let Some(assignment) = step.command.strip_prefix("export ") {
            desk.export(assignment);
            continue;
        }
        // Both streams into one pipe, in the order they were written, as a terminal shows them.
        let run = desk.bash(&format!("{{ {}\n}} 2>&1", step.command));
        let printed = run
            .stdout
            .replace(&desk.dir.path().display().to_string(), "~/records");
        let actual: Vec<&str> = printed.lines().collect();
        let same = matches(&step.shown, &actual) && run.code == step.exit;
        if same {
            continue;
        }
        if bless {
            let mut lines: Vec<String> = actual.iter().map(|l| l.trim_end().to_string()).collect();
            if run.code != 0 {
                lines.push(format!("[exit {}]", run.code));
            }
            replacements.push((step.span, lines));
        } else {
            wrong.push(format!(
                "{path}:{}: `{}` exited {} (the document says {}) and printed:\n{printed}\nthe document shows:\n{}\n",
                step.line,
                step.command,
                run.code,
                step.exit,
                step.shown.join("\n")
            ));
        }
    }
    if bless && !replacements.is_empty() {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for ((start, end), new) in replacements.into_iter().rev() {
            lines.splice(start..end, new);
        }
        fs::write(&file, lines.join("\n") + "\n").unwrap();
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    desk
}

/// Every file under `dir` with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(tree(&path));
        } else {
            files.insert(path.clone(), fs::read(&path).unwrap());
        }
    }
    files
}

#[test]
fn the_readme_shows_what_the_binary_prints_and_leaves_the_tracked_sample_alone() {
    let before = tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"));
    let desk = run_document("README.md");
    // A new user's first commands run in a clone: they change nothing there, and leave nothing
    // (no lock, no backup) beside the tracked sample.
    let after = tree(&desk.dir.path().join("examples"));
    let names = |t: &BTreeMap<PathBuf, Vec<u8>>, root: &Path| -> Vec<(String, u64)> {
        t.iter()
            .map(|(p, b)| {
                let name = p.strip_prefix(root).unwrap().display().to_string();
                (name, xxhash_rust::xxh3::xxh3_64(b))
            })
            .collect()
    };
    assert_eq!(
        names(&after, &desk.dir.path().join("examples")),
        names(
            &before,
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
        ),
        "the README's commands changed or left files in examples/"
    );
}

#[test]
fn the_guide_shows_what_the_binary_prints() {
    run_document("docs/guide.md");
}

#[test]
fn the_reference_shows_what_the_binary_prints() {
    run_document("docs/reference.md");
}

#[test]
fn the_reliability_page_shows_what_the_binary_prints() {
    run_document("docs/reliability.md");
}

/// Every command path clap knows (`offer add`), hidden ones left out.
fn clap_commands(cmd: &clap::Command, prefix: &str, out: &mut BTreeSet<String>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("{prefix}{}", sub.get_name());
        if sub.has_subcommands() {
            clap_commands(sub, &format!("{name} "), out);
        } else {
            out.insert(name);
        }
    }
}

#[test]
fn the_reference_lists_every_command_clap_knows() {
    let mut known = BTreeSet::new();
    clap_commands(&partner_support::cli::command(), "", &mut known);
    let reference: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md");
    let text = fs::read_to_string(reference).unwrap();
    // The commands section: a heading per command, `### partner-support offer add`.
    let listed: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("### `partner-support "))
        .map(|l| l.trim_end_matches('`').to_string())
        .collect();
    let missing: Vec<_> = known.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&known).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/reference.md's commands differ from clap's: missing {missing:?}, not commands {extra:?}"
    );
}

#[test]
fn dotted_lines_stand_for_any_lines() {
    let shown = |s: &[&str]| s.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    assert!(matches(&shown(&["a", "...", "d"]), &["a", "b", "c", "d"]));
    assert!(matches(&shown(&["a", "...", "d"]), &["a", "d"]));
    assert!(!matches(&shown(&["a", "d"]), &["a", "b", "d"]));
    assert!(!matches(&shown(&["a"]), &["a", "b"]));
    assert!(matches(
        &shown(&["created [..]/state.json for X"]),
        &["created /tmp/x/state.json for X"]
    ));
    assert!(!matches(
        &shown(&["created [..]/state.json"]),
        &["created /tmp/x/state.jsonl"]
    ));
}

#[test]
fn the_reference_lists_every_finding_code() {
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md");
    let text = fs::read_to_string(reference).unwrap();
    let section = text
        .split("## Finding codes")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Finding codes section");
    for code in partner_support::domain::check::FindingCode::ALL {
        assert!(
            section.contains(&format!("| `{}` |", code.slug())),
            "docs/reference.md's finding codes lack `{code}`"
        );
    }
}

/// A heading's anchor as GitHub makes it: lowercase, punctuation dropped, spaces as hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn every_link_between_the_documents_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut documents = vec![root.join("README.md")];
    for entry in fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            documents.push(path);
        }
    }
    let anchors_of = |path: &Path| -> BTreeSet<String> {
        let text = fs::read_to_string(path).unwrap();
        text.lines()
            .filter(|l| l.starts_with('#'))
            .map(|l| anchor(l.trim_start_matches('#')))
            .collect()
    };
    let mut broken = Vec::new();
    for doc in &documents {
        let text = fs::read_to_string(doc).unwrap();
        // Links in prose, not in code blocks.
        let prose: String = text.split("```").step_by(2).collect::<Vec<_>>().join("\n");
        for (at, _) in prose.match_indices("](") {
            let rest = &prose[at + 2..];
            let link = &rest[..rest.find(')').unwrap_or(0)];
            if link.starts_with("http") || link.contains(' ') {
                continue;
            }
            let (file, fragment) = link.split_once('#').unwrap_or((link, ""));
            let target = match file {
                "" => doc.clone(),
                file => doc.parent().unwrap().join(file),
            };
            if !target.exists() {
                broken.push(format!("{}: {link} (no such file)", doc.display()));
            } else if !fragment.is_empty()
                && target.extension().is_some_and(|e| e == "md")
                && !anchors_of(&target).contains(fragment)
            {
                broken.push(format!("{}: {link} (no such heading)", doc.display()));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
