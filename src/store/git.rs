//! Git, the one way it is run: in a folder, its output or what it said. And what `team init`
//! writes into a repository so that git merges the state file and its history log with
//! partner-support's drivers.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The name git knows the state file's driver by.
pub const DRIVER: &str = "partner-support";
/// The name git knows the history log's driver by.
pub const HISTORY_DRIVER: &str = "partner-support-history";

/// Git run in one folder.
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
}

impl Git {
    /// Git run in `dir`.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Git {
        Git { dir: dir.into() }
    }

    /// Runs git with `args`: its output, or what it said when it failed.
    pub fn bytes(&self, args: &[&str]) -> Result<Vec<u8>, String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(out.stdout)
    }

    /// Runs git with `args`: its output as text, trimmed.
    pub fn text(&self, args: &[&str]) -> Result<String, String> {
        self.bytes(args)
            .map(|b| String::from_utf8_lossy(&b).trim().to_string())
    }

    /// The top folder of the repository, canonical.
    pub fn root(&self) -> Result<PathBuf, String> {
        let root = PathBuf::from(self.text(&["rev-parse", "--show-toplevel"])?);
        Ok(root.canonicalize().unwrap_or(root))
    }
}

/// `file`'s path inside the repository at `root`, with `/` between folders as git writes it;
/// `None` when it is not inside.
pub fn in_repository(root: &Path, file: &Path) -> Option<String> {
    let dir = file.parent()?.canonicalize().ok()?;
    let file = dir.join(file.file_name()?);
    Some(
        file.strip_prefix(root)
            .ok()?
            .to_string_lossy()
            .replace('\\', "/"),
    )
}

/// Where the file at `file` (inside the repository at `root`) leads when it is a symbolic link
/// out of the repository: a team's changes would go there. `None` for a plain file or a link
/// that stays inside.
pub fn link_out_of(root: &Path, file: &Path) -> Option<PathBuf> {
    let meta = std::fs::symlink_metadata(file).ok()?;
    if !meta.file_type().is_symlink() {
        return None;
    }
    let target = std::fs::read_link(file).ok()?;
    let target = match target.is_absolute() {
        true => target,
        false => file.parent()?.join(target),
    };
    // A link to a file not there yet leads where its folder is.
    let resolved = target.canonicalize().ok().or_else(|| {
        Some(
            target
                .parent()?
                .canonicalize()
                .ok()?
                .join(target.file_name()?),
        )
    })?;
    (!resolved.starts_with(root)).then_some(resolved)
}

/// `path` as a pattern that matches it alone in `.gitignore` and `.gitattributes`: the glob
/// characters and a leading `#` or `!` taken literally.
fn literal(path: &str) -> String {
    let mut out = String::new();
    for (i, c) in path.chars().enumerate() {
        if matches!(c, '\\' | '*' | '?' | '[' | ']') || (i == 0 && matches!(c, '#' | '!')) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A `.gitattributes` pattern for `path`: quoted in C style when it holds a space, a tab or a
/// quote, which would otherwise end it.
fn attribute_pattern(path: &str) -> String {
    let pattern = literal(path);
    if !pattern.contains([' ', '\t', '"']) {
        return pattern;
    }
    let mut quoted = String::from('"');
    for c in pattern.chars() {
        match c {
            '\\' | '"' => {
                quoted.push('\\');
                quoted.push(c);
            }
            '\t' => quoted.push_str("\\t"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// A `.gitignore` pattern for `path` followed by `glob` (taken as a glob): a trailing space
/// kept by a backslash.
fn ignore_pattern(path: &str, glob: &str) -> String {
    let mut pattern = literal(path);
    if glob.is_empty() && pattern.ends_with(' ') {
        pattern.pop();
        pattern.push_str("\\ ");
    }
    pattern + glob
}

/// What `team init` set up, a line each; empty when everything already was.
pub type Done = Vec<String>;

/// Sets up the repository at `root` for the state file at `state` (inside it) and its history
/// log `history` and temp files `temp_prefix` (beside it): the merge attributes, the ignored
/// files beside the state, and the drivers in the repository's own config. Idempotent.
pub fn set_up(
    git: &Git,
    root: &Path,
    state: &str,
    history: &str,
    temp_prefix: &str,
) -> Result<Done, String> {
    let mut done = Vec::new();
    add_lines(
        &root.join(".gitattributes"),
        &[
            format!("{} merge={DRIVER}", attribute_pattern(state)),
            format!("{} merge={HISTORY_DRIVER}", attribute_pattern(history)),
        ],
        &mut done,
    )?;
    add_lines(
        &root.join(".gitignore"),
        &[
            ignore_pattern(&format!("{state}.bak"), ""),
            ignore_pattern(&format!("{state}.lock"), ""),
            ignore_pattern(&format!("{state}.account"), ""),
            ignore_pattern(temp_prefix, "*.tmp"),
        ],
        &mut done,
    )?;
    // Git itself must match what was written.
    for (path, driver) in [(state, DRIVER), (history, HISTORY_DRIVER)] {
        let said = git.text(&["check-attr", "merge", "--", path])?;
        if !said.ends_with(&format!(": merge: {driver}")) {
            return Err(format!(
                "git does not apply the merge driver to `{path}` ({said}): check .gitattributes"
            ));
        }
    }
    for (key, value) in [
        (
            format!("merge.{DRIVER}.name"),
            "partner-support state file".to_string(),
        ),
        (
            format!("merge.{DRIVER}.driver"),
            "partner-support merge-driver %O %A %B %P".to_string(),
        ),
        (
            format!("merge.{HISTORY_DRIVER}.name"),
            "partner-support history log".to_string(),
        ),
        (
            format!("merge.{HISTORY_DRIVER}.driver"),
            "partner-support merge-driver --history %O %A %B %P".to_string(),
        ),
    ] {
        let was = git.text(&["config", "--local", "--get", &key]).ok();
        if was.as_deref() == Some(value.as_str()) {
            continue;
        }
        git.text(&["config", "--local", &key, &value])
            .map_err(|e| format!("cannot set git config {key}: {e}"))?;
        done.push(match was {
            Some(was) => format!("git config {key} \"{value}\" (it was \"{was}\")"),
            None => format!("git config {key} \"{value}\""),
        });
    }
    private_after_git(git, &[state, history], &mut done)?;
    Ok(done)
}

/// The line that marks a hook as partner-support's.
const HOOK_MARK: &str = "# partner-support: the state file and its history log private again";

/// The git hooks that run after git writes files (a merge or fast-forward, a checkout, a
/// rebase): each makes `files` private again, as git checks files out readable by everyone. A
/// hook of another author is left alone, with the line to add to it.
fn private_after_git(git: &Git, files: &[&str], done: &mut Done) -> Result<(), String> {
    let hooks =
        PathBuf::from(git.text(&["rev-parse", "--path-format=absolute", "--git-path", "hooks"])?);
    let quoted: Vec<String> = files
        .iter()
        .map(|f| format!("'{}'", f.replace('\'', "'\\''")))
        .collect();
    let line = format!("chmod 600 -- {} 2>/dev/null", quoted.join(" "));
    let script = format!("#!/bin/sh\n{HOOK_MARK} after git wrote them\n{line}\nexit 0\n");
    std::fs::create_dir_all(&hooks)
        .map_err(|e| format!("cannot make `{}`: {e}", hooks.display()))?;
    for name in ["post-merge", "post-checkout", "post-rewrite"] {
        let path = hooks.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) if text == script => continue,
            Ok(text) if !text.contains(HOOK_MARK) => {
                done.push(format!(
                    "left the {name} hook as it is (not partner-support's): add to it `{line}`"
                ));
                continue;
            }
            Ok(_) | Err(_) => {}
        }
        super::write_whole(&path, script.as_bytes(), 0o755)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        done.push(format!("git hook {name}: {line}"));
    }
    Ok(())
}

/// Appends to the file at `path` those of `lines` it lacks, saying so in `done`.
fn add_lines(path: &Path, lines: &[String], done: &mut Done) -> Result<(), String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read `{}`: {e}", path.display())),
    };
    let mut new = text.clone();
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for line in lines {
        if text.lines().any(|l| l.trim() == line) {
            continue;
        }
        if !new.is_empty() && !new.ends_with('\n') {
            new.push('\n');
        }
        new.push_str(line);
        new.push('\n');
        done.push(format!("added to {file}: {line}"));
    }
    if new != text {
        super::write_whole(path, new.as_bytes(), 0o644)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(())
}

/// Writes git's own conflict markers over `ours` (`git merge-file`), so that a person sees both
/// sides where they differ. Git's exit code counts the conflicts; nothing to report either way.
pub fn mark_conflicts(ours: &Path, base: &Path, theirs: &Path) {
    let _ = Command::new("git")
        .arg("merge-file")
        .args(["-L", "ours", "-L", "base", "-L", "theirs"])
        .arg(ours)
        .arg(base)
        .arg(theirs)
        .status();
}
