//! The `partner-support` binary: parse, run, print any error once, exit with its code.

use std::process::ExitCode;

use partner_support::cli::Cli;

fn main() -> ExitCode {
    // First of all, so that an interrupt at any moment of a change gets its word.
    partner_support::interrupt::arm();
    // Asked by the shell for completions (`completions SHELL` registers it): answer and exit.
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command)
        .var(partner_support::complete::VAR)
        .complete();
    let cli = match Cli::parse_line() {
        Ok(cli) => cli,
        // Help and version go to stdout as clap prints them.
        Err(e) if !e.use_stderr() => e.exit(),
        // A bad value is quoted back with its control and reordering characters escaped.
        Err(e) => {
            let json = partner_support::wants_json(std::env::args_os());
            partner_support::report_usage(&e.render().to_string(), e.exit_code(), json);
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    let (color, json) = (cli.color(), cli.json);
    match partner_support::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) if e.is_silent() => ExitCode::from(e.exit_code() as u8),
        Err(e) => {
            partner_support::report(&e, color, json);
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
