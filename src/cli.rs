//! The command line, as clap definitions only; each doc comment is the help text.

use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::ArgValueCompleter;

use crate::complete;

use crate::domain::account::Role;
use crate::domain::contract::{Allowance, Coverage, PlanKind, Scope};
use crate::domain::incident::{IncidentId, RefundReason};
use crate::domain::usage::GroupBy;
use crate::domain::values::{self, AccessId, Email, Id, PartnerId, ProfileName, Text, ValueError};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  error: the state file could not be read or written, or a bug
  2  usage: a bad option or value; nothing was written
  3  refused by a rule (not authorized, not found, duplicate, plan expired/exhausted, ...); nothing was written
  4  check found a warning (and nothing critical)
  5  check found something critical
  130  interrupted before anything was recorded";

/// Track the technical-support benefits of a Microsoft partner membership: offers, activations,
/// contracts, incidents.
#[derive(Debug, Parser)]
#[command(name = "partner-support", version, after_help = EXIT_CODES, max_term_width = 100)]
#[command(args_override_self = true)]
pub struct Cli {
    /// State file to use [default: the config folder's partner-support/state.json]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "PARTNER_SUPPORT_STATE",
        value_name = "PATH"
    )]
    pub state: Option<PathBuf>,

    /// Use this organization's own state in the config folder (`--state` wins over it)
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "PARTNER_SUPPORT_PROFILE",
        value_name = "NAME",
        add = ArgValueCompleter::new(complete::profiles)
    )]
    pub profile: Option<ProfileName>,

    /// Whether `--state` came from PARTNER_SUPPORT_STATE rather than the command line (set by
    /// [`Cli::parse_line`]): a flag on the line beats any variable.
    #[arg(skip)]
    pub state_from_env: bool,

    /// Whether `--profile` came from PARTNER_SUPPORT_PROFILE rather than the command line.
    #[arg(skip)]
    pub profile_from_env: bool,

    /// Act as this account instead of the current one
    #[arg(
        long = "as",
        global = true,
        help_heading = "Global options",
        env = "PARTNER_SUPPORT_ACCOUNT",
        value_name = "EMAIL",
        add = ArgValueCompleter::new(complete::accounts)
    )]
    pub as_account: Option<Email>,

    /// Take this date as today for every date rule: a read shows the records as they stood at
    /// the end of it, a change is dated it (what-if questions, backfilling, reproducible runs)
    #[arg(long, global = true, help_heading = "Global options", env = "PARTNER_SUPPORT_AS_OF", value_name = "YYYY-MM-DD", value_parser = date)]
    pub as_of: Option<NaiveDate>,

    /// A product lifecycle file (CSV) that corrects or adds rows of the built-in table (R21)
    /// [default: lifecycle.csv beside the state file, if there is one]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "PARTNER_SUPPORT_LIFECYCLE",
        value_name = "FILE"
    )]
    pub lifecycle: Option<PathBuf>,

    /// Print one JSON document on stdout instead of tables and messages
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,

    /// Show every column of a table in full, however wide (tables fit the terminal, or
    /// COLUMNS, by default)
    #[arg(long, global = true, help_heading = "Global options")]
    pub wide: bool,

    /// Show Access IDs in full (they are credentials; masked by default)
    #[arg(long, global = true, help_heading = "Global options")]
    pub reveal: bool,

    // These two defaults are applied by `Cli::color` and `Cli::lock_wait`, not by clap: clap
    // copies a global option's default into every subcommand level it parses, on every run.
    /// When to colour messages [default: auto]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_enum,
        value_name = "WHEN"
    )]
    pub color: Option<ColorWhen>,

    /// How long a change waits for another partner-support process to finish, in seconds
    /// [default: 10]
    #[arg(long, global = true, help_heading = "Global options", env = "PARTNER_SUPPORT_LOCK_WAIT", value_name = "SECONDS", allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub lock_wait: Option<u64>,

    /// Print no confirmation messages (errors are still printed)
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,

    /// Show what a change would do, checked against every rule, without writing anything
    #[arg(short = 'n', long, global = true, help_heading = "Global options")]
    pub dry_run: bool,

    /// Allow a change dated after today's real date with `--as-of` (refused without it: a
    /// mistyped year would hide the change until that day)
    #[arg(long, global = true, help_heading = "Global options")]
    pub future: bool,

    /// What to do [default: status]
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// One or two examples for each command, by its path: the end of its `--help` and the EXAMPLES
/// of its manual page.
pub const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "status",
        &[
            "partner-support status",
            "partner-support --as-of 2026-12-31 status",
        ],
    ),
    (
        "init",
        &[
            "partner-support init --partner-id 4012345 --name \"Contoso Ltd\" --account admin@contoso.com",
        ],
    ),
    ("offer", &["partner-support offer list --all"]),
    (
        "offer add",
        &[
            "partner-support offer add solutions-partner --solution-area \"Infrastructure (Azure)\" --start 2026-02-01",
            "partner-support offer add partner-success-expanded",
            "partner-support offer add gold --competency \"Cloud Platform\" --start 2024-07-01 --end 2025-06-30",
        ],
    ),
    ("offer list", &["partner-support offer list --all"]),
    (
        "offer renew",
        &["partner-support offer renew partner-success-expanded"],
    ),
    (
        "offer remove",
        &["partner-support offer remove solutions-partner-security"],
    ),
    ("catalog", &["partner-support catalog show"]),
    ("catalog list", &["partner-support catalog list"]),
    (
        "catalog show",
        &[
            "partner-support catalog show mpn-2021",
            "partner-support catalog show my-program.toml --json",
        ],
    ),
    (
        "catalog check",
        &["partner-support catalog check my-program.toml"],
    ),
    (
        "catalog use",
        &[
            "partner-support catalog use ai-cloud-partner-program",
            "partner-support catalog use my-program-2027.toml",
        ],
    ),
    ("account", &["partner-support account list"]),
    (
        "account add",
        &["partner-support account add mpn@contoso.com --role mpn-partner-admin"],
    ),
    (
        "account edit",
        &["partner-support account edit tech@contoso.com --add-role admin-agent"],
    ),
    ("account list", &["partner-support account list"]),
    (
        "account use",
        &["partner-support account use mpn@contoso.com"],
    ),
    (
        "account remove",
        &["partner-support account remove old@contoso.com"],
    ),
    (
        "benefits",
        &[
            "partner-support benefits",
            "partner-support benefits --all --json",
        ],
    ),
    (
        "activate",
        &[
            "partner-support activate solutions-partner-security/cloud-support",
            "partner-support activate on-premises-support --access-id A1B2-C3D4 --contract-id 7000001",
        ],
    ),
    (
        "decline",
        &[
            "partner-support decline partner-success-core/cloud-support --reason \"Expanded covers us\"",
        ],
    ),
    ("contract", &["partner-support contract list --all"]),
    ("contract list", &["partner-support contract list --all"]),
    ("contract show", &["partner-support contract show 7000001"]),
    (
        "contract remove",
        &["partner-support contract remove 7000002"],
    ),
    (
        "contract reconcile",
        &[
            "partner-support contract reconcile 8000005 --left 3",
            "partner-support contract reconcile 8000005 --left 3 --on 2026-11-20 --json",
        ],
    ),
    (
        "contract link",
        &["partner-support contract link 7000001 --account tech@contoso.com"],
    ),
    (
        "contract add",
        &[
            "partner-support contract add --plan premier --contract-id P1 --access-id PA-1 \\\n      --incidents 9 --scope both --start 2027-01-01",
        ],
    ),
    (
        "contract edit",
        &["partner-support contract edit 7000001 --end 2027-02-28"],
    ),
    ("incidents", &["partner-support incidents remaining"]),
    (
        "incidents open",
        &[
            "partner-support incidents open --scope on-premises --title \"Mail flow stops after CU1\"",
            "partner-support incidents open --scope cloud --title \"VM will not start\" --case 2603020010001",
        ],
    ),
    (
        "incidents list",
        &["partner-support incidents list --all --contract 7000001"],
    ),
    (
        "incidents show",
        &["partner-support incidents show INC-0042"],
    ),
    (
        "incidents close",
        &["partner-support incidents close INC-0007"],
    ),
    (
        "incidents refund",
        &["partner-support incidents refund INC-0007 --reason duplicate"],
    ),
    (
        "incidents edit",
        &["partner-support incidents edit INC-0007 --case 2603020010001"],
    ),
    (
        "incidents void",
        &["partner-support incidents void INC-0007 --reason \"typed twice\""],
    ),
    (
        "incidents not-refunded",
        &["partner-support incidents not-refunded INC-0012"],
    ),
    (
        "incidents reopen",
        &["partner-support incidents reopen INC-0007"],
    ),
    (
        "incidents remaining",
        &[
            "partner-support incidents remaining",
            "partner-support incidents remaining --all --json",
        ],
    ),
    (
        "doctor",
        &["partner-support doctor", "partner-support doctor --fix"],
    ),
    (
        "check",
        &[
            "partner-support check --warn-remaining 3 --warn-days 30",
            "partner-support --json check --scope cloud --exit-zero",
        ],
    ),
    (
        "history",
        &["partner-support history --since 2026-01-01 --account admin@contoso.com"],
    ),
    (
        "products",
        &["partner-support products list --family sql-server"],
    ),
    (
        "products list",
        &["partner-support products list --family sql-server --all"],
    ),
    ("undo", &["partner-support undo"]),
    (
        "completions",
        &[
            "partner-support completions bash > ~/.local/share/bash-completion/completions/partner-support",
        ],
    ),
    (
        "man",
        &["partner-support man --dir ~/.local/share/man/man1"],
    ),
    ("profile", &["partner-support profile list"]),
    ("profile list", &["partner-support profile list"]),
    (
        "report",
        &[
            "partner-support report --year 2026 --by account --format markdown",
            "partner-support report --since 2026-07-01 --format html -o usage.html",
        ],
    ),
    (
        "calendar",
        &["partner-support calendar -o ~/partner-support.ics"],
    ),
    (
        "team",
        &["partner-support --state records/state.json team init"],
    ),
    (
        "merge",
        &[
            "partner-support -n merge state-LAPTOP-7.json",
            "partner-support merge ~/Downloads/state.json",
        ],
    ),
    (
        "team init",
        &["partner-support --state records/state.json team init"],
    ),
    (
        "team resolve",
        &["partner-support team resolve INC-0042 --reason \"Microsoft charged both cases\""],
    ),
    (
        "merge-driver",
        &["git config merge.partner-support.driver \"partner-support merge-driver %O %A %B %P\""],
    ),
    (
        "export",
        &[
            "partner-support export > backup.json",
            "partner-support export --format csv --what incidents > incidents.csv",
        ],
    ),
    (
        "import",
        &[
            "partner-support import backup.json",
            "partner-support -n import --from azure-tickets tickets.json",
        ],
    ),
];

/// The examples of the command at `path` (`incidents open`).
pub fn examples(path: &str) -> &'static [&'static str] {
    EXAMPLES
        .iter()
        .find(|(p, _)| *p == path)
        .map_or(&[], |(_, e)| e)
}

/// The global options as the top-level help lists them (once: a subcommand's help points here).
fn global_options(globals: &[&clap::Arg]) -> String {
    let mut text = String::from("Global options (they work at every level):");
    for a in globals {
        let mut name = match (a.get_short(), a.get_long()) {
            (Some(s), Some(l)) => format!("-{s}, --{l}"),
            (None, Some(l)) => format!("    --{l}"),
            (Some(s), None) => format!("-{s}"),
            (None, None) => continue,
        };
        if a.get_action().takes_values() {
            let value = a
                .get_value_names()
                .and_then(|v| v.first())
                .map_or_else(|| "VALUE".to_string(), |v| v.to_string());
            name.push_str(&format!(" <{value}>"));
        }
        if let Some(env) = a.get_env() {
            name.push_str(&format!("  [env: {}]", env.to_string_lossy()));
        }
        let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
        text.push_str(&format!("\n  {name}\n          {help}"));
    }
    text
}

/// The command line as it parses and helps: the global options are listed once, in the
/// top-level help; each subcommand's help lists its own options, a pointer to the global ones,
/// and its examples. Every option is still accepted at every level; completion uses
/// [`Cli::command`] itself, which offers the global options everywhere.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    let listing = global_options(&globals.iter().collect::<Vec<_>>());
    cmd = cmd.after_help(format!("{listing}\n\n{EXIT_CODES}"));
    for a in &globals {
        cmd = cmd.mut_arg(a.get_id().clone(), |a| a.hide(true));
    }
    fn shape(mut cmd: clap::Command, path: &str) -> clap::Command {
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        for name in names {
            let path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path} {name}")
            };
            cmd = cmd.mut_subcommand(&name, |sub| {
                let mut after = String::from(
                    "Global options (--state, --as, --as-of, --json, --wide, -n, …): `partner-support --help`",
                );
                let examples = examples(&path);
                if !examples.is_empty() {
                    after.push_str("\n\nExamples:");
                    for e in examples {
                        after.push_str(&format!("\n  {e}"));
                    }
                }
                shape(sub.after_help(after), &path)
            });
        }
        cmd
    }
    shape(cmd, "")
}

impl Cli {
    /// Parses the command line and the environment, noting where `--state` came from.
    pub fn parse_line() -> Result<Cli, clap::Error> {
        use clap::{CommandFactory, FromArgMatches, error::ErrorKind, parser::ValueSource};
        // Help is shaped only when it is shown: the shaping costs more than a whole read.
        let matches = match Cli::command().try_get_matches() {
            Ok(matches) => matches,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                ) =>
            {
                return Err(command().try_get_matches().err().unwrap_or(e));
            }
            Err(e) => return Err(e),
        };
        let mut cli = Cli::from_arg_matches(&matches)?;
        let from_env = |id| matches.value_source(id) == Some(ValueSource::EnvVariable);
        cli.state_from_env = from_env("state");
        cli.profile_from_env = from_env("profile");
        Ok(cli)
    }

    /// `--color`, or its default.
    pub fn color(&self) -> ColorWhen {
        self.color.unwrap_or(ColorWhen::Auto)
    }

    /// `--lock-wait`, or its default.
    pub fn lock_wait(&self) -> Duration {
        Duration::from_secs(self.lock_wait.unwrap_or(10))
    }
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set
    Auto,
    /// Always
    Always,
    /// Never
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Dashboard: organization, account, usable contracts with what is left, warnings
    Status,
    /// Create the state for an organization
    Init(InitArgs),
    /// Membership offers, as the catalog names them
    #[command(subcommand)]
    Offer(OfferCommand),
    /// The program catalog: which offers yield which benefits (`docs/catalog.md`)
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// User accounts and the current account (adding, editing or removing one needs
    /// global-admin or mpn-partner-admin; roles are advisory)
    #[command(subcommand)]
    Account(AccountCommand),
    /// The Technical benefits page: each offer's benefits and their activation state in the
    /// membership year in force
    Benefits(BenefitsArgs),
    /// Request activation of a benefit, or record the Access ID and Contract ID it was given
    Activate(ActivateArgs),
    /// Record that the organization will not use a benefit in its membership year in force:
    /// `check` stops asking for it until the next year (activating it withdraws the decline)
    Decline(DeclineArgs),
    /// Support contracts
    #[command(subcommand)]
    Contract(ContractCommand),
    /// Support incidents
    #[command(subcommand)]
    Incidents(IncidentsCommand),
    /// Check the state file end to end: parse, schema, consistency, checksum, permissions,
    /// backup, temp files, lock, history log
    Doctor(DoctorArgs),
    /// The CI gate: contracts running low or ending soon, benefits without a usable contract;
    /// exit 4 on warnings, 5 on anything critical
    Check(CheckArgs),
    /// The audit trail: who changed what, when, and what it did to balances
    History(HistoryArgs),
    /// The product lifecycle table and what the N-1 policy entitles on the day (R21)
    #[command(subcommand)]
    Products(ProductsCommand),
    /// Put back the state before the last change (from the backup, checked to be exactly the
    /// revision before), recorded as a change of its own; a second `undo` puts it back again
    Undo,
    /// Print a shell completion script (docs/guide.md says where to put it)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write every page, one per subcommand, into a folder
    Man {
        /// Write `partner-support.1` and one `partner-support-COMMAND.1` per subcommand here
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Profiles: one state per organization in the config folder
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// What was used in a period, by contract, account, product, scope or month: charged,
    /// refunded, net, lapsed unused, left and the forecast, with totals per scope
    Report(ReportArgs),
    /// Contract ends, membership anniversaries, activations pending past a week and forecast
    /// run-out days, as an iCalendar file (entries keep their UIDs, so importing it again updates)
    Calendar {
        /// Write to this file (readable by you only) instead of stdout: a calendar can
        /// subscribe to it
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Remind this many days before a contract ends and before a membership anniversary
        /// (an alarm on the entry; 0 for none)
        #[arg(long, value_name = "DAYS", allow_negative_numbers = true, default_value_t = 14, value_parser = clap::value_parser!(u32).range(0..=365))]
        remind_days: u32,
    },
    /// A team on one record in git: `team init` sets up the merge drivers, attributes and ignores
    #[command(subcommand)]
    Team(TeamCommand),
    /// Merge another copy of this state into it (a synced folder's conflict copy, a colleague's
    /// file), their common ancestor found from the two histories; `-n` shows what would change
    Merge {
        /// The other copy (its history log beside it, named as for any state file)
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The other copy's history log, when it is not beside it under the usual name (a synced
        /// folder may rename it as it renamed the copy)
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
    },
    /// The three-way merge git runs for the state file (and with --history, its history log);
    /// `team init` sets git up to call it
    MergeDriver(MergeDriverArgs),
    /// Write records to stdout: JSON (what `import` reads back) or CSV for a spreadsheet
    Export(ExportArgs),
    /// Merge a previous `export --format json` (or an incidents CSV) into this state: all or nothing
    Import(ImportArgs),
}

/// `team …`.
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Set up this git repository for the state file: `.gitattributes`, `.gitignore` entries and
    /// the local git config of the merge drivers; says what it did, and does nothing twice
    Init,
    /// Accept a merge's conflict: Microsoft did charge the incident, so it stands as recorded
    /// (`check` stops raising it); a correction (`incidents edit --contract`, `incidents void`)
    /// settles a conflict without this
    Resolve {
        /// Incident ID the conflict names (INC-0001)
        #[arg(add = ArgValueCompleter::new(complete::incidents))]
        id: IncidentId,
        /// Why it stands, in the team's words
        #[arg(long, value_name = "TEXT")]
        reason: Text,
    },
}

/// `merge-driver`.
#[derive(Debug, Args)]
pub struct MergeDriverArgs {
    /// The files are history logs, not state files
    #[arg(long)]
    pub history: bool,
    /// The common ancestor's copy (git's %O)
    pub base: PathBuf,
    /// This side's copy, which the merge is written over (git's %A)
    pub ours: PathBuf,
    /// The other side's copy (git's %B)
    pub theirs: PathBuf,
    /// The file's path in the repository (git's %P), for messages
    pub path: Option<String>,
}

/// `products …`.
#[derive(Debug, Subcommand)]
pub enum ProductsCommand {
    /// List product versions with their support dates and whether on-premises incidents may be
    /// opened for them on the day (default: those still in extended support)
    List {
        /// Only this family (`windows-server`, `sql-server`, …)
        #[arg(long, value_name = "FAMILY")]
        family: Option<String>,
        /// Every version, also those past extended support
        #[arg(long)]
        all: bool,
    },
}

/// `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A calendar year [default: this year, up to today]
    #[arg(long, value_name = "YYYY", conflicts_with_all = ["since", "until"], value_parser = clap::value_parser!(i32).range(1990..=2199))]
    pub year: Option<i32>,
    /// First day [default: the first of January]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    pub since: Option<NaiveDate>,
    /// Last day [default: today; a later day is today]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    pub until: Option<NaiveDate>,
    /// One row per what
    #[arg(long, value_enum, default_value_t = ByArg::Contract)]
    pub by: ByArg,
    /// Output format (`--json` is `--format json`)
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write to this file (readable by you only: it may hold names and e-mail addresses)
    /// instead of stdout
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What a report's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ByArg {
    /// One row per contract
    Contract,
    /// One row per account that opened incidents
    Account,
    /// One row per product
    Product,
    /// One row per scope
    Scope,
    /// One row per month
    Month,
}

/// `check`'s formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// A line per finding and a summary
    Text,
    /// One JSON document
    Json,
    /// GitHub Actions workflow commands: an annotation per finding
    Github,
    /// A JUnit XML report: a test case per contract and benefit, failing on a finding
    Junit,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Tables for the terminal
    Table,
    /// GitHub-flavoured Markdown (an issue, a Teams message)
    Markdown,
    /// Comma-separated values, one row per group
    Csv,
    /// One JSON document
    Json,
    /// One self-contained HTML page with a burn-down chart per limited contract
    Html,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = FormatArg::Json)]
    pub format: FormatArg,
    /// Which records (CSV holds one table: incidents or contracts)
    #[arg(long, value_enum, default_value_t = WhatArg::All)]
    pub what: WhatArg,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One JSON document
    Json,
    /// Comma-separated values with a header row
    Csv,
}

/// Which records to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WhatArg {
    /// Incidents
    Incidents,
    /// Contracts
    Contracts,
    /// Everything (JSON only)
    All,
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file: a JSON export or an incidents CSV, or with `--from azure-tickets` Azure's
    /// support tickets as JSON
    pub file: PathBuf,
    /// With `--from azure-tickets`: more pages of the same list (a list past one page comes
    /// as several files)
    #[arg(value_name = "MORE")]
    pub more: Vec<PathBuf>,
    /// What the file is
    #[arg(long, value_enum, default_value_t = ImportFrom::Export)]
    pub from: ImportFrom,
    /// With `--from azure-tickets`: charge the tickets whose plan names no contract to this one
    /// (tickets on other Microsoft plans too)
    #[arg(long, value_name = "ID", add = ArgValueCompleter::new(complete::contracts))]
    pub contract: Option<Id>,
}

/// What an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFrom {
    /// A previous `export --format json`, or an incidents CSV
    Export,
    /// The support API's list of tickets, or what `az support in-subscription tickets list` prints
    AzureTickets,
}

/// `profile …`.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List the profiles and the organization each holds
    List,
}

/// `history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only changes made by this account
    #[arg(long, value_name = "EMAIL", add = ArgValueCompleter::new(complete::accounts))]
    pub account: Option<Email>,
    /// Only changes made on or after this day (the day they were made under)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    pub since: Option<NaiveDate>,
    /// Only changes made on or before this day
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    pub until: Option<NaiveDate>,
    /// Only the last N of them
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub limit: Option<usize>,
}

/// `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Warn when a limited contract has this many incidents left or fewer
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        default_value_t = 3
    )]
    pub warn_remaining: u32,
    /// Critical when a limited contract has this many incidents left or fewer
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        default_value_t = 1
    )]
    pub critical_remaining: u32,
    /// Warn when a contract ends within this many days
    #[arg(
        long,
        value_name = "DAYS",
        allow_negative_numbers = true,
        default_value_t = 30
    )]
    pub warn_days: u32,
    /// Critical when a contract ends within this many days
    #[arg(
        long,
        value_name = "DAYS",
        allow_negative_numbers = true,
        default_value_t = 7
    )]
    pub critical_days: u32,
    /// Warn when an activation has been pending longer than this many days
    #[arg(
        long,
        value_name = "DAYS",
        allow_negative_numbers = true,
        default_value_t = 7
    )]
    pub pending_days: u32,
    /// Warn this many days before a membership year ends when no next year of its offer is
    /// recorded (`offer renew`)
    #[arg(
        long,
        value_name = "DAYS",
        allow_negative_numbers = true,
        default_value_t = 30
    )]
    pub renewal_days: u32,
    /// A benefit without a contract is a warning for this many days after its membership year
    /// starts, or after its activation was requested, and critical after (activation takes days)
    #[arg(
        long,
        value_name = "DAYS",
        allow_negative_numbers = true,
        default_value_t = 14
    )]
    pub activation_days: u32,
    /// Warn when a limited contract ends within this many days with incidents left, which
    /// would lapse unused (R19)
    #[arg(
        long,
        value_name = "DAYS",
        allow_negative_numbers = true,
        default_value_t = 60
    )]
    pub unused_days: u32,
    /// … and has at least this many incidents left
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        default_value_t = 1
    )]
    pub unused_min: u32,
    /// Only contracts and benefits covering this scope
    #[arg(long, value_enum)]
    pub scope: Option<ScopeArg>,
    /// Only this contract
    #[arg(long, value_name = "ID", add = ArgValueCompleter::new(complete::contracts))]
    pub contract: Option<Id>,
    /// Only this offer's benefits and their contracts (`gold-cloud-platform`)
    #[arg(long, value_name = "OFFER", add = ArgValueCompleter::new(complete::offers))]
    pub offer: Option<String>,
    /// Report the findings but exit 0
    #[arg(long)]
    pub exit_zero: bool,
    /// How to print the findings (`--json` is `--format json`); the exit code is the same in
    /// every format
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Leave out a finding on purpose: its code, or `CODE:TARGET` for one contract, benefit or
    /// offer (repeatable); the JSON lists what was left out
    #[arg(long, value_name = "CODE[:TARGET]", add = ArgValueCompleter::new(complete::finding_codes))]
    pub ignore: Vec<String>,
}

/// `doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Repair what is safe to repair (permissions, temp files left by interrupted changes);
    /// never changes the data
    #[arg(long)]
    pub fix: bool,
    /// Accept the changes made to the state file outside partner-support (a hand edit, a merge):
    /// check it as every command does, and seal it as it is, recorded in the history
    #[arg(long)]
    pub accept: bool,
}

/// `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The organization's partner-program (MPN) partner ID
    #[arg(long, value_name = "ID")]
    pub partner_id: PartnerId,
    /// The organization's name
    #[arg(long, value_name = "NAME")]
    pub name: Text,
    /// A first account, made current
    #[arg(long, value_name = "EMAIL", add = ArgValueCompleter::new(complete::accounts))]
    pub account: Option<Email>,
    /// A role of that account (repeat for several)
    #[arg(long, value_enum, value_name = "ROLE", requires = "account")]
    pub role: Vec<RoleArg>,
    /// The program catalog: a built-in one's name (`catalog list`) or a catalog file, which the
    /// state keeps a copy of [default: ai-cloud-partner-program; mpn-2021 for a state started
    /// on or before 2025-01-21, while Microsoft sold its offers]
    #[arg(long, value_name = "NAME|FILE")]
    pub catalog: Option<String>,
}

/// `catalog …`.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// The built-in catalogs, and which one the state uses
    List,
    /// A catalog's offers and the benefits each yields, with their sources [default: the
    /// state's catalog]
    Show {
        /// A built-in catalog's name or a catalog file
        #[arg(value_name = "NAME|FILE")]
        catalog: Option<String>,
    },
    /// Check a catalog file: exit 0, or one line per problem with its line number (exit 2)
    Check {
        /// The catalog file
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Put a catalog in use: another program (the one before stays for its offers) or a newer
    /// version of one the state holds (its offers must be in it); contracts keep their figures
    Use {
        /// A built-in catalog's name or a catalog file
        #[arg(value_name = "NAME|FILE")]
        catalog: String,
    },
}

/// `offer …`.
#[derive(Debug, Subcommand)]
pub enum OfferCommand {
    /// Add a membership offer
    Add(OfferAddArgs),
    /// List membership offers, each with its year in force today
    List {
        /// Every membership year, past and to come
        #[arg(long)]
        all: bool,
    },
    /// Add the next membership year of an offer (R17): earlier years and their contracts stay
    Renew {
        /// The offer's name, as `offer list` shows it
        #[arg(add = ArgValueCompleter::new(complete::offers))]
        name: String,
        /// First day of the new year [default: the day after the last year ends]
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
        start: Option<NaiveDate>,
        /// Last day of the new year [default: one year from its start, inclusive]
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
        end: Option<NaiveDate>,
    },
    /// Remove an offer (its contracts stay)
    Remove {
        /// The offer's name, as `offer list` shows it
        #[arg(add = ArgValueCompleter::new(complete::offers))]
        name: String,
    },
}

/// `offer add`.
#[derive(Debug, Args)]
pub struct OfferAddArgs {
    /// The catalog's offer (`partner-support catalog show` lists them)
    #[arg(value_name = "OFFER")]
    pub kind: String,
    /// The catalog it is of, by name [default: the first that has it: the one in use, the
    /// state's others, then the built-in ones]
    #[arg(long, value_name = "NAME")]
    pub catalog: Option<String>,
    /// The value of the offer's option: its competency ("Cloud Platform"), its solution area
    #[arg(
        long = "option",
        visible_alias = "competency",
        visible_alias = "solution-area",
        value_name = "NAME"
    )]
    pub option: Option<Text>,
    /// The value's category, to keep a value the catalog does not list
    #[arg(long, value_name = "NAME", conflicts_with_all = ["cloud", "other"])]
    pub category: Option<String>,
    /// Shorthand for `--category cloud` (a cloud competency)
    #[arg(long, conflicts_with = "other")]
    pub cloud: bool,
    /// Shorthand for `--category other` (any other competency)
    #[arg(long)]
    pub other: bool,
    /// First day of membership [default: today]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    pub start: Option<NaiveDate>,
    /// Last day of membership
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    pub end: Option<NaiveDate>,
}

/// `account …`.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add an account
    Add {
        /// Sign-in address
        email: Email,
        /// A role it holds (repeat for several)
        #[arg(long, value_enum, value_name = "ROLE")]
        role: Vec<RoleArg>,
        /// A personal Microsoft account (MSA) rather than a work account (AAD)
        #[arg(long)]
        msa: bool,
        /// Associated with CSP only, not with the partner-program membership
        #[arg(long)]
        csp_only: bool,
    },
    /// Correct an account: its roles, kind (AAD or MSA) or association (MPN or CSP only)
    Edit {
        /// Sign-in address
        #[arg(add = ArgValueCompleter::new(complete::accounts))]
        email: Email,
        /// Give it this role (repeat for several)
        #[arg(long, value_enum, value_name = "ROLE")]
        add_role: Vec<RoleArg>,
        /// Take this role away (repeat for several)
        #[arg(long, value_enum, value_name = "ROLE")]
        remove_role: Vec<RoleArg>,
        /// It is a personal Microsoft account (MSA)
        #[arg(long, conflicts_with = "aad")]
        msa: bool,
        /// It is a work account (AAD)
        #[arg(long)]
        aad: bool,
        /// It is associated with CSP only, not with the partner-program membership
        #[arg(long, conflicts_with = "mpn")]
        csp_only: bool,
        /// It is associated with the partner-program (MPN) membership
        #[arg(long)]
        mpn: bool,
    },
    /// List accounts
    List,
    /// Make an account current
    Use {
        /// Sign-in address
        #[arg(add = ArgValueCompleter::new(complete::accounts))]
        email: Email,
    },
    /// Remove an account
    Remove {
        /// Sign-in address
        #[arg(add = ArgValueCompleter::new(complete::accounts))]
        email: Email,
        /// Remove it even when it is the last account with an admin role (then no one can
        /// activate a benefit until one is added)
        #[arg(long)]
        force: bool,
    },
}

/// `benefits`.
#[derive(Debug, Args)]
pub struct BenefitsArgs {
    /// The membership year that includes this day instead
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date, conflicts_with = "all")]
    pub year: Option<NaiveDate>,
    /// Every membership year
    #[arg(long)]
    pub all: bool,
}

/// `activate`.
#[derive(Debug, Args)]
pub struct ActivateArgs {
    /// The benefit: OFFER/BENEFIT, or a unique end of it (`cloud-support`)
    #[arg(add = ArgValueCompleter::new(complete::benefits))]
    pub benefit: String,
    /// The Access ID Partner Center shows after activation
    #[arg(long, value_name = "ID", requires = "contract_id")]
    pub access_id: Option<AccessId>,
    /// The Contract ID Partner Center shows after activation
    #[arg(long, value_name = "ID", requires = "access_id")]
    pub contract_id: Option<Id>,
    /// First day of the contract [default: today]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date, requires = "access_id")]
    pub start: Option<NaiveDate>,
    /// Last day of the contract [default: one year from the start, inclusive]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date, requires = "access_id")]
    pub end: Option<NaiveDate>,
}

/// `decline`.
#[derive(Debug, Args)]
pub struct DeclineArgs {
    /// The benefit: OFFER/BENEFIT, or a unique end of it (`cloud-support`)
    #[arg(add = ArgValueCompleter::new(complete::benefits))]
    pub benefit: String,
    /// Why, in the team's words (shown by `benefits`)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<Text>,
}

/// `contract …`.
#[derive(Debug, Subcommand)]
pub enum ContractCommand {
    /// List usable contracts
    List {
        /// Also list expired and exhausted contracts, with the reason
        #[arg(long)]
        all: bool,
    },
    /// Show one contract
    Show {
        /// Contract ID
        #[arg(add = ArgValueCompleter::new(complete::contracts))]
        contract: Id,
    },
    /// Record that an account has associated the contract (Access ID + Contract ID)
    Link {
        /// Contract ID
        #[arg(add = ArgValueCompleter::new(complete::contracts))]
        contract: Id,
        /// The account [default: the current account]
        #[arg(long, value_name = "EMAIL", add = ArgValueCompleter::new(complete::accounts))]
        account: Option<Email>,
    },
    /// Add a paid support plan (Premier, Advanced, or another)
    Add(ContractAddArgs),
    /// Correct a contract's end date or display name (an end before an incident it charged is
    /// refused)
    Edit {
        /// Contract ID
        #[arg(add = ArgValueCompleter::new(complete::contracts))]
        contract: Id,
        /// The last day instead (inclusive)
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
        end: Option<NaiveDate>,
        /// The display name instead
        #[arg(long, value_name = "TEXT")]
        name: Option<Text>,
        /// The Access ID Microsoft re-issued for it (not a new allocation)
        #[arg(long, value_name = "ID")]
        access_id: Option<AccessId>,
    },
    /// Remove a contract recorded by mistake (one allocation recorded twice, a typo): refused
    /// while an incident or a Partner Center count names it
    Remove {
        /// Contract ID
        #[arg(add = ArgValueCompleter::new(complete::contracts))]
        contract: Id,
    },
    /// Record what Partner Center shows left on a contract and compare it with the record:
    /// exit 0 when they agree, 4 with the likely causes when not; without `--left`, compare
    /// the last count recorded again
    Reconcile {
        /// Contract ID
        #[arg(add = ArgValueCompleter::new(complete::contracts))]
        contract: Id,
        /// Incidents left, as Partner Center's Technical support page shows them
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        left: Option<u32>,
        /// The day Partner Center showed it [default: today]
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = date, requires = "left")]
        on: Option<NaiveDate>,
    },
}

/// `contract add`.
#[derive(Debug, Args)]
pub struct ContractAddArgs {
    /// The plan
    #[arg(long, value_enum)]
    pub plan: PlanArg,
    /// Contract ID
    #[arg(long, value_name = "ID")]
    pub contract_id: Id,
    /// Access ID
    #[arg(long, value_name = "ID")]
    pub access_id: AccessId,
    /// Incidents included: a number, or `unlimited`
    #[arg(long, value_name = "N|unlimited", allow_negative_numbers = true)]
    pub incidents: Allowance,
    /// Products covered
    #[arg(long, value_enum)]
    pub scope: CoverageArg,
    /// First day [default: today]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    pub start: Option<NaiveDate>,
    /// Last day [default: one year from the start, inclusive]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    pub end: Option<NaiveDate>,
    /// Display name [default: the plan's name]
    #[arg(long, value_name = "TEXT")]
    pub name: Option<Text>,
}

/// `incidents …`.
#[derive(Debug, Subcommand)]
pub enum IncidentsCommand {
    /// Open an incident, charging a contract (chosen for you unless --contract)
    Open(OpenArgs),
    /// List open incidents
    List {
        /// Only this contract's incidents
        #[arg(long, value_name = "ID", add = ArgValueCompleter::new(complete::contracts))]
        contract: Option<Id>,
        /// Also list closed and voided incidents
        #[arg(long)]
        all: bool,
    },
    /// Show one incident, and where a merge renumbered an incident that had its number
    Show {
        /// Incident ID (INC-0001)
        #[arg(add = ArgValueCompleter::new(complete::incidents))]
        id: IncidentId,
    },
    /// Close an incident (the balance does not change)
    Close {
        /// Incident ID (INC-0001)
        #[arg(add = ArgValueCompleter::new(complete::incidents))]
        id: IncidentId,
    },
    /// Record that Microsoft refunded an incident: it returns to its contract's balance
    Refund {
        /// Incident ID (INC-0001)
        #[arg(add = ArgValueCompleter::new(complete::incidents))]
        id: IncidentId,
        /// Why it was refunded
        #[arg(long, value_enum)]
        reason: ReasonArg,
    },
    /// Correct what was recorded of an incident: its title, product, Microsoft case number, or
    /// the contract it charged
    Edit(EditArgs),
    /// Take back a mistaken entry: it no longer counts on any contract, on any day, and stays
    /// visible with `list --all` and in the history
    Void {
        /// Incident ID (INC-0001)
        #[arg(add = ArgValueCompleter::new(complete::incidents))]
        id: IncidentId,
        /// Why it was a mistake ("typed twice")
        #[arg(long, value_name = "TEXT")]
        reason: Text,
    },
    /// Stop listing an imported billing, quota or subscription ticket as a refund candidate:
    /// Microsoft did not refund it
    NotRefunded {
        /// Incident ID (INC-0001)
        #[arg(add = ArgValueCompleter::new(complete::incidents))]
        id: IncidentId,
    },
    /// Open a closed incident again (the balance does not change)
    Reopen {
        /// Incident ID (INC-0001)
        #[arg(add = ArgValueCompleter::new(complete::incidents))]
        id: IncidentId,
    },
    /// Incidents left per usable contract (charged, refunded, left), with a total per scope
    Remaining {
        /// Only this contract
        #[arg(long, value_name = "ID", add = ArgValueCompleter::new(complete::contracts))]
        contract: Option<Id>,
        /// Only contracts covering this scope
        #[arg(long, value_enum)]
        scope: Option<ScopeArg>,
        /// Also expired and exhausted contracts, with what lapsed unused, totalled per year
        #[arg(long)]
        all: bool,
    },
}

/// `incidents open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// The products the incident is about
    #[arg(long, value_enum)]
    pub scope: ScopeArg,
    /// What is wrong
    #[arg(long, value_name = "TEXT")]
    pub title: Text,
    /// The product ("Exchange Server 2019")
    #[arg(long, value_name = "TEXT")]
    pub product: Option<Text>,
    /// Charge this contract instead of the one chosen for you
    #[arg(long, value_name = "ID", add = ArgValueCompleter::new(complete::contracts))]
    pub contract: Option<Id>,
    /// Microsoft's case number
    #[arg(long = "case", value_name = "NUMBER")]
    pub case_number: Option<Id>,
    /// Log a free request for this CSP customer tenant under the "Cloud Solution Provider" plan
    #[arg(long, value_name = "TENANT")]
    pub csp_customer: Option<Id>,
    /// A note of your own ("waiting on the customer's logs")
    #[arg(long, value_name = "TEXT")]
    pub note: Option<Text>,
    /// Record a case Microsoft accepted although the product lifecycle table says the N-1 policy
    /// does not entitle it (R21 is then not applied); needs `--reason`
    #[arg(long, requires = "reason")]
    pub outside_policy: bool,
    /// Why Microsoft accepted it ("approved by the support engineer on the call")
    #[arg(long, value_name = "TEXT", requires = "outside_policy")]
    pub reason: Option<Text>,
}

/// `incidents edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// Incident ID (INC-0001)
    #[arg(add = ArgValueCompleter::new(complete::incidents))]
    pub id: IncidentId,
    /// The title instead
    #[arg(long, value_name = "TEXT")]
    pub title: Option<Text>,
    /// The product instead
    #[arg(long, value_name = "TEXT")]
    pub product: Option<Text>,
    /// Microsoft's case number, added or corrected
    #[arg(long = "case", value_name = "NUMBER")]
    pub case_number: Option<Id>,
    /// Move it to this contract: it must have been able to take the incident on the day it was
    /// opened (R8)
    #[arg(long, value_name = "ID", add = ArgValueCompleter::new(complete::contracts))]
    pub contract: Option<Id>,
    /// A note of your own, added or replaced
    #[arg(long, value_name = "TEXT")]
    pub note: Option<Text>,
}

/// Roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Global administrator
    GlobalAdmin,
    /// Partner-program (MPN) partner administrator
    MpnPartnerAdmin,
    /// CSP admin agent
    AdminAgent,
}

/// Incident scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    /// On-premises products
    OnPremises,
    /// Cloud products
    Cloud,
}

/// Contract coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CoverageArg {
    /// On-premises products
    OnPremises,
    /// Cloud products
    Cloud,
    /// Both
    Both,
}

/// Paid plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanArg {
    /// Premier Support for Partners
    Premier,
    /// Advanced Support for Partners (cloud only)
    Advanced,
    /// Another plan
    Custom,
}

/// Refund reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReasonArg {
    /// Closed as a duplicate
    Duplicate,
    /// Caused by a product bug
    ProductBug,
    /// Another reason
    Other,
}

fn date(s: &str) -> Result<NaiveDate, ValueError> {
    values::parse_date(s)
}

macro_rules! into_domain {
    ($from:ident => $to:ident { $($v:ident => $w:ident),* $(,)? }) => {
        impl From<$from> for $to {
            fn from(v: $from) -> $to {
                match v { $($from::$v => $to::$w),* }
            }
        }
    };
}
into_domain!(RoleArg => Role { GlobalAdmin => GlobalAdmin, MpnPartnerAdmin => MpnPartnerAdmin, AdminAgent => AdminAgent });
into_domain!(ScopeArg => Scope { OnPremises => OnPremises, Cloud => Cloud });
into_domain!(CoverageArg => Coverage { OnPremises => OnPremises, Cloud => Cloud, Both => Both });
into_domain!(PlanArg => PlanKind { Premier => Premier, Advanced => Advanced, Custom => Custom });
into_domain!(ByArg => GroupBy { Contract => Contract, Account => Account, Product => Product, Scope => Scope, Month => Month });
into_domain!(ReasonArg => RefundReason { Duplicate => Duplicate, ProductBug => ProductBug, Other => Other });

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definitions_are_consistent() {
        Cli::command().debug_assert();
        command().debug_assert();
    }

    #[test]
    fn color_and_lock_wait_default_at_every_level_and_the_help_says_so() {
        let cases: [(&[&str], ColorWhen, u64); 5] = [
            (&[], ColorWhen::Auto, 10),
            (&["incidents", "remaining"], ColorWhen::Auto, 10),
            (&["--color", "never", "status"], ColorWhen::Never, 10),
            (
                &["incidents", "remaining", "--lock-wait", "0"],
                ColorWhen::Auto,
                0,
            ),
            (
                &["check", "--color=always", "--lock-wait=3"],
                ColorWhen::Always,
                3,
            ),
        ];
        for (args, color, wait) in cases {
            let cli =
                Cli::try_parse_from(std::iter::once("partner-support").chain(args.iter().copied()))
                    .unwrap();
            assert_eq!(
                (cli.color(), cli.lock_wait()),
                (color, Duration::from_secs(wait)),
                "{args:?}"
            );
        }
        let help = Cli::command().render_long_help().to_string();
        for default in ["When to colour messages [default: auto]", "[default: 10]"] {
            assert!(help.contains(default), "{default}\n{help}");
        }
    }
}
