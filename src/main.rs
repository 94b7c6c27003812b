//! The `partner-support` binary: parse, run, print any error once, exit with its code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use partner_support::cli::Cli;
use partner_support::domain::values::escape_bidi;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to stdout as clap prints them.
        Err(e) if !e.use_stderr() => e.exit(),
        // A bad value is quoted back: anstream strips control characters on the way out, and
        // invisible reordering characters are shown as escapes.
        Err(e) => {
            let _ = write!(
                anstream::stderr(),
                "{}",
                escape_bidi(&e.render().ansi().to_string())
            );
            return ExitCode::from(e.exit_code() as u8);
        }
    };
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
