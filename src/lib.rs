//! partner-support: track a Microsoft partner organization's technical-support entitlements.
//!
//! `run` turns parsed arguments into a command; `report` prints a failure once, at the edge.

pub mod cli;
pub mod commands;
pub mod complete;
pub mod domain;
pub mod error;
pub mod exchange;
pub mod hint;
pub mod interrupt;
pub mod render;
pub mod store;

use std::io::{self, Write};
use std::path::PathBuf;

use render::{CYAN, RED, print_labelled};

use crate::cli::{Cli, ColorWhen, Command};
use crate::commands::Ctx;
use crate::error::Error;
use crate::store::Store;

fn color_choice(when: ColorWhen) -> anstream::ColorChoice {
    match when {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    }
}

/// The platform's config folder for partner-support.
fn config_dir() -> Result<PathBuf, Error> {
    store::config_dir().ok_or(Error::NoConfigDir)
}

/// The state file: `--state`, else the profile's, else the default one; a flag on the command
/// line beats any environment variable (PARTNER_SUPPORT_STATE does not beat `--profile`). A
/// profile whose state file does not exist is refused unless `may_begin` (for `init`).
fn state_path(cli: &Cli, may_begin: bool) -> Result<PathBuf, Error> {
    let profile = match (&cli.state, &cli.profile) {
        (Some(path), None) => return Ok(path.clone()),
        // Among two of a kind (two flags, two variables), `--state` wins.
        (Some(path), Some(_)) if !cli.state_from_env || cli.profile_from_env => {
            return Ok(path.clone());
        }
        (_, Some(name)) => name,
        (None, None) => return Ok(config_dir()?.join("state.json")),
    };
    let path = store::profile_path(&config_dir()?, &profile.to_string());
    if !may_begin && !path.exists() {
        return Err(Error::UnknownProfile {
            name: profile.to_string(),
            path,
        });
    }
    Ok(path)
}

/// The columns human output fits in: `COLUMNS` when it holds a width, else the terminal's;
/// `None` on a pipe or into a file, where no width is known and nothing is fitted to a guess.
fn stdout_width() -> Option<u16> {
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok());
    from_env
        .filter(|w| *w > 0)
        .or_else(|| terminal_size::terminal_size_of(io::stdout()).map(|(w, _)| w.0))
}

/// Runs the command the arguments name.
pub fn run(mut cli: Cli) -> Result<(), Error> {
    // Past a file-size limit (`ulimit -f`) the system would end the process with SIGXFSZ, in the
    // middle of a write; handled, the write fails with EFBIG and the change is refused (or, after
    // the rename, reported) like any other write error.
    #[cfg(unix)]
    let _ = signal_hook::flag::register(
        signal_hook::consts::SIGXFSZ,
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
    let (color, lock_wait) = (cli.color(), cli.lock_wait());
    let command = cli.command.take().unwrap_or(Command::Status);
    // Every stream follows `--color` over NO_COLOR, CLICOLOR_FORCE and TERM=dumb (which anstream
    // reads for `auto`); stdout's tables and labels too, never on a pipe unless forced.
    let stdout_color = match color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            anstream::AutoStream::choice(&io::stdout()) != anstream::ColorChoice::Never
        }
    };
    // A pipe or a file without `COLUMNS` gets whole rows, as `--wide` does (a script's `grep`
    // sees each row on one line); messages still wrap at the usual width.
    let width = stdout_width();
    let screen = render::Screen {
        color: stdout_color,
        width: width.unwrap_or(render::Screen::PIPE),
        wide: cli.wide || width.is_none(),
        short: None,
    };
    if let Command::Profile(c) = &command {
        let mut out = io::BufWriter::new(io::stdout().lock());
        return commands::profiles(
            &mut out,
            c,
            &config_dir()?,
            cli.profile.as_ref(),
            cli.json,
            &screen,
        );
    }
    let path = state_path(&cli, matches!(command, Command::Init(_)))?;
    let store = Store::new(path, lock_wait);
    let real_today = commands::now().with_timezone(&chrono::Local).date_naive();
    let mut ctx = Ctx {
        today: cli.as_of.unwrap_or(real_today),
        real_today,
        future: cli.future,
        as_account: cli.as_account,
        lifecycle: cli.lifecycle,
        json: cli.json,
        reveal: cli.reveal,
        quiet: cli.quiet,
        dry_run: cli.dry_run,
        changed: false,
        recorded: None,
        // Stdout on its own flushes at every newline: one write per line of a long list.
        out: Box::new(io::BufWriter::new(io::stdout().lock())),
        screen,
        err: Box::new(anstream::AutoStream::new(io::stderr(), color_choice(color))),
        store,
    };
    // Like ssh with a key, every command says so while the credentials are exposed; `doctor`
    // lists it among its findings instead, and git's merge driver works on copies, not on it.
    if !matches!(command, Command::Doctor(_) | Command::MergeDriver(_)) {
        for (message, fix) in store::exposures(&ctx.store.paths()) {
            let _ = ctx.warn_with(message, Some(&fix));
        }
    }
    commands::dispatch(&mut ctx, command)
}

/// Whether the command line asks for `--json` (before any `--`): read by hand for an error clap
/// raises before there is a `Cli`.
pub fn wants_json(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    args.into_iter()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json")
}

/// Prints clap's usage error (plain text that may quote the user's value) on stderr, with
/// control and reordering characters escaped so the value cannot drive the terminal; with
/// `json`, as one `{"error": …}` object of kind `usage`.
pub fn report_usage(message: &str, exit_code: i32, json: bool) {
    if json {
        let text = message.trim_end();
        let first = text.lines().next().unwrap_or_default();
        let first = first.strip_prefix("error:").unwrap_or(first).trim();
        let tip = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("tip:"))
            .map(str::trim);
        let body = render::message::ErrorBodyJson {
            message: first,
            hint: tip,
            exit_code,
            kind: "usage",
        };
        let _ = print_error_json(&mut io::stderr(), &body);
        return;
    }
    let text: String = message
        .split_inclusive('\n')
        .map(|line| match line.strip_suffix('\n') {
            Some(body) => format!("{}\n", domain::values::printable(body)),
            None => domain::values::printable(line),
        })
        .collect();
    let mut stderr = anstream::stderr();
    let _ = match text.strip_prefix("error:") {
        Some(rest) => write!(stderr, "{RED}error:{RED:#}{rest}"),
        None => write!(stderr, "{text}"),
    };
}

fn print_error_json(
    w: &mut dyn Write,
    body: &render::message::ErrorBodyJson<'_>,
) -> io::Result<()> {
    let line = render::json_line(&render::message::ErrorJson {
        error: render::message::ErrorBodyJson { ..*body },
    })?;
    writeln!(w, "{line}")
}

/// Prints a failure on stderr: `error: …` and, when there is one, `hint: …`; with `json`, one
/// `{"error": {"message", "hint", "exit_code", "kind"}}` object on a line.
pub fn report(err: &Error, color: ColorWhen, json: bool) {
    if json {
        let (message, hint) = (err.to_string(), err.hint());
        let kind = err.kind();
        let body = render::message::ErrorBodyJson {
            message: &message,
            hint: hint.as_deref(),
            exit_code: err.exit_code(),
            kind: &kind,
        };
        let _ = print_error_json(&mut io::stderr(), &body);
        return;
    }
    let mut stderr = anstream::AutoStream::new(io::stderr(), color_choice(color));
    let mut lines = vec![("error:", RED, err.to_string())];
    lines.extend(err.hint().map(|hint| ("hint:", CYAN, hint)));
    // Nothing useful can be done if stderr itself is gone.
    let _ = print_labelled(&mut stderr, &lines);
}
