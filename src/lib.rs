//! partner-support: track a Microsoft partner organization's technical-support entitlements.
//!
//! `run` turns parsed arguments into a command; `report` prints a failure once, at the edge.

pub mod cli;
pub mod commands;
pub mod domain;
pub mod error;
pub mod render;
pub mod store;

use std::io::{self, Write};
use std::path::PathBuf;

use anstyle::{AnsiColor, Style};

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

/// The default state file: the platform's config folder for partner-support.
fn default_state_path() -> Result<PathBuf, Error> {
    directories::ProjectDirs::from("", "", "partner-support")
        .map(|d| d.config_dir().join("state.json"))
        .ok_or(Error::NoConfigDir)
}

/// Runs the command the arguments name.
pub fn run(cli: Cli) -> Result<(), Error> {
    let path = match cli.state {
        Some(p) => p,
        None => default_state_path()?,
    };
    let mut ctx = Ctx {
        store: Store::new(path, std::time::Duration::from_secs(cli.lock_wait)),
        today: cli
            .as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
        as_account: cli.as_account,
        json: cli.json,
        reveal: cli.reveal,
        quiet: cli.quiet,
        out: Box::new(io::stdout()),
        err: Box::new(anstream::AutoStream::new(
            io::stderr(),
            color_choice(cli.color),
        )),
    };
    commands::dispatch(&mut ctx, cli.command.unwrap_or(Command::Status))
}

/// Prints a failure on stderr: `error: …` and, when there is one, `hint: …`.
pub fn report(err: &Error, color: ColorWhen) {
    let mut stderr = anstream::AutoStream::new(io::stderr(), color_choice(color));
    let red = Style::new().bold().fg_color(Some(AnsiColor::Red.into()));
    let cyan = Style::new().bold().fg_color(Some(AnsiColor::Cyan.into()));
    // Nothing useful can be done if stderr itself is gone.
    let _ = writeln!(stderr, "{red}error:{red:#} {err}");
    if let Some(hint) = err.hint() {
        let _ = writeln!(stderr, "{cyan}hint:{cyan:#} {hint}");
    }
}
