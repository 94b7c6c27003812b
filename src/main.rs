//! The `partner-support` binary: parse, run, print any error once, exit with its code.

use std::process::ExitCode;

use clap::Parser;
use partner_support::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = cli.color;
    match partner_support::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            partner_support::report(&e, color);
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
