//! One file per command group: open the state, call the domain, save, render.

mod account;
mod activate;
mod calendar;
mod catalog;
mod check;
mod contract;
mod docs;
mod doctor;
mod history;
mod incidents;
mod init;
mod offer;
mod products;
mod profile;
mod report;
mod status;
pub mod team;
mod transfer;
mod undo;

use std::io::{self, Write};

use chrono::{NaiveDate, Utc};
use serde::Serialize;

pub use profile::profiles;

use crate::cli::Command;
use crate::domain::state::{HistoryEntry, State};
use crate::domain::values::Email;
use crate::error::Error;
use crate::render;
use crate::store::operations::{self, Before};
use crate::store::{Loaded, Store, Stored};

/// The wall-clock time a change is stamped with in the history: now, or `SOURCE_DATE_EPOCH`
/// (seconds since 1970, the reproducible-builds convention) when it is set, so that a script
/// that rebuilds a file step by step (`examples/make-contoso.sh`) writes the same bytes each time.
pub fn now() -> chrono::DateTime<Utc> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or_else(Utc::now)
}

/// Everything a command needs besides its own arguments.
pub struct Ctx {
    /// The state file.
    pub store: Store,
    /// "Today" for every date rule.
    pub today: NaiveDate,
    /// Today's real date (`SOURCE_DATE_EPOCH`'s, when it is set).
    pub real_today: NaiveDate,
    /// `--future`: a change may be dated after `real_today`.
    pub future: bool,
    /// `--as`.
    pub as_account: Option<Email>,
    /// `--lifecycle`.
    pub lifecycle: Option<std::path::PathBuf>,
    /// `--json`.
    pub json: bool,
    /// `--reveal`.
    pub reveal: bool,
    /// `-q`.
    pub quiet: bool,
    /// `-n`: apply changes in memory only.
    pub dry_run: bool,
    /// Whether the command changed the state (or would have, with `-n`).
    pub changed: bool,
    /// The revision a change recorded: from then on the change is done, whatever fails.
    pub recorded: Option<u64>,
    /// Where data goes (stdout).
    pub out: Box<dyn Write>,
    /// What `out` is: its colour, its width, `--wide`.
    pub screen: render::Screen,
    /// Where messages go (stderr, coloured or not).
    pub err: Box<dyn Write>,
}

impl Ctx {
    /// Reads the state as it stood at the end of `today` (R15).
    pub fn load(&mut self) -> Result<Loaded, Error> {
        let mut loaded = self.store.load()?;
        loaded.state.as_recorded_on(self.today);
        if let Some(outside) = loaded.outside_notice() {
            self.warn(format_args!(
                "{outside}; if that change was yours, `partner-support doctor --accept` seals it"
            ))?;
        }
        Ok(loaded)
    }

    /// Applies `change` under the lock as the acting account and records it in the history;
    /// `change` gets the state, the records its incidents were read from (for a rule that needs a
    /// whole record) and the actor, and returns its value and a one-line summary (which must not
    /// hold an Access ID).
    pub fn mutate<T>(
        &mut self,
        action: &str,
        change: impl FnOnce(&mut State, &Stored, Option<&Email>) -> Result<(T, String), Error>,
    ) -> Result<(Loaded, T), Error> {
        self.mutate_if(action, |state, stored, actor| {
            change(state, stored, actor).map(|(value, summary)| (value, Some(summary)))
        })
    }

    /// Like [`Ctx::mutate`], but a `None` summary means nothing changed: the file is not
    /// written and no history is recorded.
    pub fn mutate_if<T>(
        &mut self,
        action: &str,
        change: impl FnOnce(&mut State, &Stored, Option<&Email>) -> Result<(T, Option<String>), Error>,
    ) -> Result<(Loaded, T), Error> {
        self.mutate_from(action, false, change)
    }

    /// [`Ctx::mutate_if`]; with `from_history`, the records the change set are worked out from
    /// what the history's operations replay to rather than from the file (`doctor --accept`:
    /// the file's records, as they are, become the history's).
    fn mutate_from<T>(
        &mut self,
        action: &str,
        from_history: bool,
        change: impl FnOnce(&mut State, &Stored, Option<&Email>) -> Result<(T, Option<String>), Error>,
    ) -> Result<(Loaded, T), Error> {
        let as_account = self.as_account.clone();
        let today = self.today;
        crate::domain::state::dated(today, self.real_today, self.future)?;
        let mut changed = false;
        let store = self.store.clone();
        let apply = |state: &mut State, stored: &Stored| -> Result<(T, bool), Error> {
            // Before `init` there are no accounts to act as: `--as` is ignored there.
            let actor = match state.organization {
                Some(_) => state.actor(as_account.as_ref())?.map(|a| a.email.clone()),
                None => None,
            };
            let balances = state.balances();
            let before = Before::of(state, stored, from_history, || store.history(state))?;
            // The clock this state has reached; a change (an undo) may put back a state that
            // had not, and the clock never goes back.
            let seen = state.last_change.as_ref().map_or(0, |e| e.clock);
            let (value, summary) = change(state, stored, actor.as_ref())?;
            let Some(mut summary) = summary else {
                return Ok((value, false));
            };
            // A correction that puts a merge's conflict right closes it (R23).
            for id in state.settle_conflicts() {
                summary.push_str(&format!("; the conflict of {id} is settled"));
            }
            // A change never writes what the loader would refuse.
            state.check_consistent()?;
            let balances = state.balance_changes(&balances);
            let account = actor.or_else(|| state.current_account.clone());
            // A merge's changes settle fields both copies set: they keep the clocks of the
            // operations that set them.
            let by_merge = state.merge_changes.is_some();
            let mut entry = HistoryEntry {
                revision: 0,
                at: now(),
                as_of: today,
                account,
                action: action.to_string(),
                summary,
                balances,
                op: None,
                // After every operation this state has seen: a merge, after both sides'.
                clock: state
                    .unlogged
                    .iter()
                    .chain(&state.last_change)
                    .map(|e| e.clock)
                    .max()
                    .unwrap_or(0)
                    .max(seen)
                    + 1,
                changes: match state.merge_changes.take() {
                    Some(changes) => changes,
                    None => before.changes(state, stored)?,
                },
                changes_left_out: false,
                renumbered: std::mem::take(&mut state.merge_renumbered),
            };
            if let Some(start) = before.start {
                // The first operation of a history that had none: its records before it are
                // the start it replays from (R23).
                let start = operations::start(start, &entry);
                entry.clock = start.clock + 1;
                state.record(start);
            }
            if !by_merge {
                let stamp = crate::domain::stamp::Stamp(entry.clock, entry.at.timestamp_millis());
                state.stamp(&entry.changes, stamp);
            }
            state.record(HistoryEntry {
                op: Some(operations::new_id(&HistoryEntry {
                    revision: state.revision + 1,
                    ..entry.clone()
                })),
                ..entry
            });
            changed = true;
            Ok((value, true))
        };
        if self.dry_run {
            // Checked against every rule on the state as it is, with no lock and no file
            // touched (not even the folder or the lock file).
            let mut loaded = self.store.load()?;
            let (value, _) = apply(&mut loaded.state, &loaded.stored)?;
            self.changed = changed;
            return Ok((loaded, value));
        }
        let done = self.store.mutate(apply)?;
        self.changed = changed;
        if changed {
            self.recorded = Some(done.loaded.state.revision);
        }
        for warning in &done.warnings {
            self.warn(warning)?;
        }
        Ok((done.loaded, done.value))
    }

    /// The product lifecycle table (R21): the built-in one, corrected by `--lifecycle FILE` or,
    /// without it, by `lifecycle.csv` beside the state file when there is one.
    pub fn lifecycle(&self) -> Result<crate::domain::lifecycle::Lifecycle, Error> {
        crate::store::lifecycle::read(self.lifecycle.as_deref(), self.store.path())
            .map_err(Error::BadLifecycle)
    }

    /// A note on stderr (something worth knowing that changes nothing); silent with `-q`.
    pub fn note(&mut self, message: impl std::fmt::Display) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        let message = message.to_string();
        render::print_message(
            &mut self.err,
            self.json,
            render::Level::Note,
            &message,
            None,
        )
    }

    /// A warning on stderr, even with `-q` or `--json`.
    pub fn warn(&mut self, message: impl std::fmt::Display) -> io::Result<()> {
        self.warn_with(message, None)
    }

    /// A warning and what to do about it on stderr, even with `-q` or `--json`.
    pub fn warn_with(
        &mut self,
        message: impl std::fmt::Display,
        hint: Option<&str>,
    ) -> io::Result<()> {
        let message = message.to_string();
        render::print_message(
            &mut self.err,
            self.json,
            render::Level::Warning,
            &message,
            hint,
        )
    }

    /// Tells a human what changed (stderr); silent with `-q` or `--json`.
    pub fn say(&mut self, message: impl std::fmt::Display) -> io::Result<()> {
        if self.quiet || self.json {
            return Ok(());
        }
        writeln!(self.err, "{message}")
    }

    /// Prints one JSON document on stdout.
    pub fn print_json(&mut self, value: &impl Serialize) -> io::Result<()> {
        render::write_json(&mut self.out, value)
    }
}

/// Writes a command's document to stdout, or with `-o` where `crate::store::output` says: a
/// file only its owner can read (it may hold names and e-mail addresses), or into a pipe or
/// device; saying so on stderr.
pub fn write_output(
    ctx: &mut Ctx,
    output: Option<&std::path::Path>,
    bytes: &[u8],
    what: &str,
) -> Result<(), Error> {
    use crate::store::output::{self, Written};
    let Some(path) = output else {
        return Ok(ctx.out.write_all(bytes)?);
    };
    let written = output::write(path, bytes).map_err(|e| {
        Error::BadOutput(format!(
            "cannot write the {what} to `{}`: {e}",
            path.display()
        ))
    })?;
    match written {
        Written::File => ctx.say(format_args!(
            "wrote the {what} to {} (readable by you only)",
            path.display()
        ))?,
        Written::Into => ctx.say(format_args!("wrote the {what} into {}", path.display()))?,
    }
    Ok(())
}

/// Runs one command.
pub fn dispatch(ctx: &mut Ctx, command: Command) -> Result<(), Error> {
    let result = match command {
        Command::Status => status::status(ctx),
        Command::Init(args) => init::init(ctx, args),
        Command::Offer(c) => offer::offer(ctx, c),
        Command::Catalog(c) => catalog::catalog(ctx, c),
        Command::Account(c) => account::account(ctx, c),
        Command::Benefits(args) => activate::benefits(ctx, args),
        Command::Activate(args) => activate::activate(ctx, args),
        Command::Decline(args) => activate::decline(ctx, args),
        Command::Contract(c) => contract::contract(ctx, c),
        Command::Incidents(c) => incidents::incidents(ctx, c),
        Command::Doctor(args) => doctor::doctor(ctx, args),
        Command::Check(args) => check::check(ctx, args),
        Command::Report(args) => report::report(ctx, args),
        Command::Team(c) => team::team(ctx, c),
        Command::Merge { file, history } => team::merge_file(ctx, &file, history.as_deref()),
        Command::MergeDriver(args) => team::merge_driver(ctx, &args),
        Command::Calendar {
            output,
            remind_days,
        } => calendar::calendar(ctx, output, remind_days),
        Command::History(args) => history::history(ctx, args),
        Command::Undo => undo::undo(ctx),
        Command::Products(c) => products::products(ctx, c),
        Command::Completions { shell } => docs::completions(ctx, shell),
        Command::Man { dir } => docs::man(ctx, dir.as_deref()),
        Command::Export(args) => transfer::export(ctx, args),
        Command::Import(args) => transfer::import(ctx, args),
        Command::Profile(_) => {
            unreachable!("`profile` needs no state and runs before it is opened")
        }
    }
    .and_then(|()| {
        if ctx.dry_run && ctx.changed {
            ctx.say("dry run: nothing was written")?;
        }
        Ok(ctx.out.flush()?)
    });
    if crate::interrupt::requested() {
        return match (result, ctx.recorded) {
            // Done before the interrupt could stop it: said, so that no one makes it twice.
            (_, Some(revision)) => {
                let _ = ctx.warn(format_args!(
                    "interrupted after the change was recorded as revision {revision}: it is done, do not run it again"
                ));
                Ok(())
            }
            (Err(e), None) => Err(e),
            (Ok(()), None) => Err(Error::Interrupted),
        };
    }
    match (result, ctx.recorded) {
        // The change is in the file: a script that retried it would make it twice.
        (Err(Error::Output(e)), Some(revision)) if e.kind() != io::ErrorKind::BrokenPipe => {
            let _ = ctx.warn(format_args!(
                "recorded as revision {revision}, but its output could not be written: {e}"
            ));
            Ok(())
        }
        (result, _) => result,
    }
}
