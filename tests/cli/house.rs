//! The house rules that code review alone would let slip: the domain names no flag or command
//! (hints are written at the edge, `src/hint.rs`), git runs from one room (`src/store/git.rs`),
//! and `render/` writes only (what people bring is read in `src/exchange/`).

use std::fs;
use std::path::{Path, PathBuf};

fn sources(under: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join(under), &mut out);
    out
}

/// The lines of `text` before its tests, comments left out.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, l)| !l.starts_with("#[cfg(test)]"))
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(n, l)| (n + 1, l))
}

#[test]
fn no_string_in_the_domain_names_a_flag_or_a_command() {
    let mut found = Vec::new();
    for (path, text) in sources("src/domain") {
        for (n, line) in code_lines(&text) {
            let quoted = line.contains('"');
            let flag = line
                .match_indices("--")
                .any(|(at, _)| line[at + 2..].starts_with(|c: char| c.is_ascii_lowercase()));
            if quoted && (flag || line.contains("partner-support ")) {
                found.push(format!("{}:{n}: {}", path.display(), line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the domain carries data; the sentences with flags and commands are src/hint.rs's:\n{}",
        found.join("\n")
    );
}

#[test]
fn git_runs_from_one_room() {
    let runs: Vec<String> = sources("src")
        .into_iter()
        .filter(|(_, text)| text.contains("Command::new(\"git\")"))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(runs[0].ends_with("src/store/git.rs"), "{runs:?}");
}

#[test]
fn render_writes_only() {
    let readers = [
        "from_str",
        "from_slice",
        "from_reader",
        "csv::Reader",
        "toml::",
    ];
    for (path, text) in sources("src/render") {
        for (n, line) in code_lines(&text) {
            assert!(
                !readers.iter().any(|r| line.contains(r)),
                "{}:{n} reads input; that is src/exchange/'s: {}",
                path.display(),
                line.trim()
            );
        }
    }
}
