//! `completions` and `man`: the command line describing itself, generated from its definition.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};

use crate::cli::{self, Cli};
use crate::error::Error;

/// Prints the completion script for `shell`: a registration that asks `partner-support` itself
/// for the words at every level, and for the values in the state file.
pub fn completions(ctx: &mut super::Ctx, shell: clap_complete::Shell) -> Result<(), Error> {
    let mut script = Vec::new();
    crate::complete::registration(shell, &mut script)?;
    ctx.out.write_all(&script)?;
    Ok(())
}

/// What the top page says of the environment: every variable read.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "PARTNER_SUPPORT_STATE",
        "The state file, as --state (which wins over it).",
    ),
    ("PARTNER_SUPPORT_PROFILE", "A profile, as --profile."),
    ("PARTNER_SUPPORT_ACCOUNT", "The account to act as, as --as."),
    (
        "PARTNER_SUPPORT_AS_OF",
        "The day taken as today, as --as-of.",
    ),
    (
        "PARTNER_SUPPORT_LIFECYCLE",
        "A product lifecycle CSV, as --lifecycle.",
    ),
    (
        "PARTNER_SUPPORT_LOCK_WAIT",
        "Seconds a change waits for the lock, as --lock-wait.",
    ),
    (
        "PARTNER_SUPPORT_COMPLETE",
        "Set by the completion scripts: the shell asking for completions.",
    ),
    ("NO_COLOR", "When set, no colour (unless --color always)."),
    (
        "CLICOLOR_FORCE",
        "When set, colour even on a pipe (unless --color never).",
    ),
    (
        "COLUMNS",
        "The width tables and messages fit (default: the terminal's; on a pipe, tables keep whole rows).",
    ),
];

/// What the top page says of the files.
const FILES: &[(&str, &str)] = &[
    (
        "~/.config/partner-support/state.json",
        "The default state file (the platform's config folder: on macOS ~/Library/Application Support/partner-support, on Windows %APPDATA%\\partner-support\\config).",
    ),
    (
        "STATE.bak",
        "The previous good version, beside the state file; undo puts it back.",
    ),
    (
        "STATE.lock",
        "The lock a change takes, beside the state file.",
    ),
    (
        "STATE.history.jsonl",
        "The history log (state.history.jsonl for state.json): one line per change.",
    ),
    (
        "lifecycle.csv",
        "Beside the state file: corrections to the product lifecycle table.",
    ),
    (
        "~/.config/partner-support/profiles/NAME/state.json",
        "A profile's state file.",
    ),
];

/// Page-level roff text: a leading dot or quote would be read as a request.
fn line(text: &str) -> String {
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text.to_string()
    }
}

fn examples_section(roff: &mut Roff, examples: &[&str]) {
    if examples.is_empty() {
        return;
    }
    roff.control("SH", ["EXAMPLES"]);
    for e in examples {
        roff.control("PP", []).control("nf", []);
        for l in e.lines() {
            roff.text([roman(line(l))]);
        }
        roff.control("fi", []);
    }
}

/// The top page: everything `--help` says, then EXIT STATUS, ENVIRONMENT, FILES and EXAMPLES.
fn top_page(w: &mut dyn Write) -> std::io::Result<()> {
    // Every subcommand it names has a page; `help` has none.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let man = Man::new(cmd);
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    man.render_subcommands_section(w)?;
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in [
        ("0", "Success."),
        (
            "1",
            "Error: the state file could not be read, parsed or written, breaks a consistency rule, is locked, or is from a newer version; doctor found a problem.",
        ),
        ("2", "Usage: a bad option or value; nothing was written."),
        (
            "3",
            "Refused by a rule (not authorized, not found, duplicate, plan expired or exhausted…); nothing was written.",
        ),
        ("4", "check found a warning and nothing critical."),
        ("5", "check found something critical."),
    ] {
        roff.control("TP", [])
            .text([bold(code)])
            .text([roman(meaning)]);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, meaning) in ENVIRONMENT {
        roff.control("TP", [])
            .text([bold(*name)])
            .text([roman(*meaning)]);
    }
    roff.control("SH", ["FILES"]);
    for (name, meaning) in FILES {
        roff.control("TP", [])
            .text([italic(*name)])
            .text([roman(*meaning)]);
    }
    let examples: Vec<&str> = ["status", "incidents open", "check", "report"]
        .iter()
        .flat_map(|p| cli::examples(p).iter().copied())
        .collect();
    examples_section(&mut roff, &examples);
    roff.to_writer(w)?;
    man.render_version_section(w)
}

/// A subcommand's page: its synopsis, own options and subcommands, examples, and a pointer to
/// the top page for the global options.
fn sub_page(cmd: &clap::Command, path: &str, w: &mut dyn Write) -> std::io::Result<()> {
    let man = Man::new(cmd.clone());
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    if cmd.get_subcommands().any(|s| s.get_name() != "help") {
        man.render_subcommands_section(w)?;
    }
    let mut roff = Roff::new();
    examples_section(&mut roff, cli::examples(path));
    roff.control("SH", ["SEE ALSO"]);
    roff.text([
        bold("partner-support"),
        roman("(1) for the global options (--state, --as-of, --json, …), the exit status, the environment and the files."),
    ]);
    roff.to_writer(w)
}

/// Every page to write: its file name and its text.
fn pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut top = Vec::new();
    top_page(&mut top)?;
    let mut pages = vec![("partner-support.1".to_string(), top)];
    let mut cmd = cli::command().disable_help_subcommand(true);
    cmd.build();
    fn walk(
        cmd: &clap::Command,
        path: &str,
        pages: &mut Vec<(String, Vec<u8>)>,
    ) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let path = match path {
                "" => sub.get_name().to_string(),
                p => format!("{p} {}", sub.get_name()),
            };
            let mut text = Vec::new();
            sub_page(sub, &path, &mut text)?;
            pages.push((
                format!("partner-support-{}.1", path.replace(' ', "-")),
                text,
            ));
            walk(sub, &path, pages)?;
        }
        Ok(())
    }
    walk(&cmd, "", &mut pages)?;
    Ok(pages)
}

/// Prints the top manual page, or with `--dir` writes every page into DIR.
pub fn man(ctx: &mut super::Ctx, dir: Option<&Path>) -> Result<(), Error> {
    let Some(dir) = dir else {
        let mut page = Vec::new();
        top_page(&mut page)?;
        ctx.out.write_all(&page)?;
        return Ok(());
    };
    if !dir.is_dir() {
        return Err(Error::BadOutput(format!(
            "`{}` is not a folder: create it first (`mkdir -p {}`)",
            dir.display(),
            dir.display()
        )));
    }
    let pages = pages()?;
    for (name, text) in &pages {
        // Manual pages are for everyone to read.
        crate::store::write_whole(&dir.join(name), text, 0o644).map_err(|e| {
            Error::BadOutput(format!("cannot write `{}`: {e}", dir.join(name).display()))
        })?;
    }
    ctx.say(format_args!(
        "wrote {} manual pages to {} (`man partner-support` once it is on your MANPATH)",
        pages.len(),
        dir.display()
    ))?;
    Ok(())
}
