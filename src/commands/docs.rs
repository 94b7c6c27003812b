//! `completions` and `man`: the command line describing itself, generated from its definition.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;

/// Prints the completion script for `shell`.
pub fn completions(ctx: &mut super::Ctx, shell: clap_complete::Shell) -> Result<(), Error> {
    // Generated into memory first: clap_complete panics if its writer fails (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "partner-support", &mut script);
    ctx.out.write_all(&script)?;
    Ok(())
}

/// Prints the manual page.
pub fn man(ctx: &mut super::Ctx) -> Result<(), Error> {
    clap_mangen::Man::new(Cli::command()).render(&mut ctx.out)?;
    Ok(())
}
