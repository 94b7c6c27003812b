//! Every way a command can fail, its exit code, and its hint.

use std::io;

use crate::domain::check::Severity;
use crate::domain::refusal::Refusal;
use crate::store::StoreError;

/// Exit code of a refusal by a rule (nothing changed).
pub const EXIT_REFUSED: i32 = 3;
/// Exit code of a bad value (clap uses the same).
pub const EXIT_USAGE: i32 = 2;
/// Exit code of an interrupt before anything was recorded (128 + SIGINT, as a shell reports it).
pub const EXIT_INTERRUPTED: i32 = 130;
/// Exit code of any other failure.
pub const EXIT_ERROR: i32 = 1;
/// Exit code of `check` when the worst finding is a warning.
pub const EXIT_WARNING: i32 = 4;
/// Exit code of `check` when a finding is critical.
pub const EXIT_CRITICAL: i32 = 5;

/// A command's failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rule refused the action (in the command line's words: `crate::hint`).
    #[error("{}", crate::hint::message(.0))]
    Refused(#[from] Refusal),
    /// The state file could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing output failed.
    #[error("cannot write output: {0}")]
    Output(#[from] io::Error),
    /// `check` found something (it listed the findings): exit 4 for warnings, 5 for critical.
    #[error("check found {0:?} findings")]
    Findings(Severity),
    /// `contract reconcile`: Partner Center's count differs from the record (it said how):
    /// exit 4.
    #[error("the record differs from Partner Center")]
    Disagrees,
    /// `doctor` found problems (it listed them).
    #[error("doctor found {0} problem{s} with the state file", s = if *.0 == 1 { "" } else { "s" })]
    Unhealthy(usize),
    /// `check` has nothing to check: it does not pass (R22).
    #[error("nothing to check: {0}")]
    NothingToCheck(String),
    /// `--profile` names no profile there is.
    #[error("profile `{name}` does not exist (no state file at `{}`)", .path.display())]
    UnknownProfile {
        /// The name given.
        name: String,
        /// Where its state file would be.
        path: std::path::PathBuf,
    },
    /// A lifecycle file that cannot be read or has a bad row (a usage error).
    #[error("{0}")]
    BadLifecycle(String),
    /// A catalog that cannot be had or has problems (a usage error); one line per problem.
    #[error("{0}")]
    BadCatalog(String),
    /// A report or calendar that cannot be written where `-o` says.
    #[error("{0}")]
    BadOutput(String),
    /// `team init` or the merge driver cannot do its work: the message says why and what to do.
    #[error("{0}")]
    Team(String),
    /// A merge that needs a person: the records changed differently on both sides, or the
    /// result would break a rule.
    #[error("cannot merge `{path}`: {}", conflicts.join("; "))]
    MergeConflicts {
        /// The file's path in the repository.
        path: String,
        /// Each conflict, naming its records.
        conflicts: Vec<String>,
    },
    /// An interrupt came, and nothing was recorded (a read, a change refused or not begun).
    #[error("interrupted: nothing was recorded")]
    Interrupted,
    /// No `--state` and no config folder to default to.
    #[error("cannot find a config folder for the state file")]
    NoConfigDir,
}

impl Error {
    /// The documented exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Refused(r) if r.is_usage() => EXIT_USAGE,
            Error::BadLifecycle(_) | Error::BadCatalog(_) => EXIT_USAGE,
            Error::BadOutput(_) | Error::MergeConflicts { .. } | Error::Team(_) => EXIT_ERROR,
            Error::Refused(_) => EXIT_REFUSED,
            Error::Interrupted | Error::Store(StoreError::Interrupted) => EXIT_INTERRUPTED,
            Error::Store(_)
            | Error::Output(_)
            | Error::NoConfigDir
            | Error::Unhealthy(_)
            | Error::NothingToCheck(_)
            | Error::UnknownProfile { .. } => EXIT_ERROR,
            Error::Findings(Severity::Info) => 0,
            Error::Disagrees => EXIT_WARNING,
            Error::Findings(Severity::Warning) => EXIT_WARNING,
            Error::Findings(Severity::Critical) => EXIT_CRITICAL,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Refused(r) => crate::hint::refusal(r),
            Error::Store(e) => e.hint(),
            Error::NoConfigDir => Some("pass `--state PATH` or set PARTNER_SUPPORT_STATE".into()),
            Error::UnknownProfile { name, .. } => Some(format!(
                "`partner-support profile list` shows the profiles; `partner-support --profile {name} init …` creates this one"
            )),
            Error::NothingToCheck(_) => Some(
                "check `--state`, `--profile` and PARTNER_SUPPORT_STATE; `partner-support init` creates a state"
                    .into(),
            ),
            Error::Unhealthy(_) => Some(
                "`doctor --fix` repairs permissions and temp files; data problems need a hand edit or the backup"
                    .into(),
            ),
            Error::BadLifecycle(_) => Some(
                "a lifecycle file is a CSV with the columns product_id, family (optional), product, policy, start, mainstream_end, extended_end, status, source".into(),
            ),
            Error::BadCatalog(_) => Some(
                "docs/catalog.md describes the format; `partner-support catalog check FILE` lists every problem with its line".into(),
            ),
            Error::BadOutput(_) => Some("`-o FILE` and `man --dir DIR` write into a folder that exists and that you can write to".into()),
            Error::MergeConflicts { .. } => Some(
                "nothing was merged: `merge FILE` wrote nothing, and under git `git merge --abort` (or `git rebase --abort`) puts the clone back as it was; `partner-support doctor` on each copy names what to mend, then merge again".into(),
            ),
            Error::Output(_)
            | Error::Findings(_)
            | Error::Disagrees
            | Error::Team(_)
            | Error::Interrupted => None,
        }
    }

    /// A stable slug of what kind of failure this is, for scripts (`--json`): the refusal's or
    /// store error's own name (`plan-exhausted`, `locked`), else this error's (`bad-catalog`).
    pub fn kind(&self) -> String {
        match self {
            // Values given together that cannot be were one kind before they were data.
            Error::Refused(Refusal::Misuse(_)) => "bad-combination".into(),
            Error::Refused(r) => variant_slug(&format!("{r:?}")),
            Error::Store(e) => variant_slug(&format!("{e:?}")),
            other => variant_slug(&format!("{other:?}")),
        }
    }

    /// Whether the command already said everything (`check`'s findings): nothing more to print.
    pub fn is_silent(&self) -> bool {
        matches!(self, Error::Findings(_) | Error::Disagrees)
    }

    /// Whether the failure is only a reader that went away (`| head`): not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// The kebab-case name of the enum variant a `Debug` text starts with: `PlanExhausted { .. }`
/// is `plan-exhausted`. Every variant's name is its meaning, so the slug is as stable as it.
fn variant_slug(debug: &str) -> String {
    let mut slug = String::new();
    for c in debug.chars().take_while(char::is_ascii_alphanumeric) {
        if c.is_ascii_uppercase() && !slug.is_empty() {
            slug.push('-');
        }
        slug.push(c.to_ascii_lowercase());
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_the_variant_names_in_kebab_case() {
        let cases: [(Error, &str); 4] = [
            (Error::Refused(Refusal::NotInitialized), "not-initialized"),
            (
                Error::Refused(Refusal::DuplicateOffer("gold".into())),
                "duplicate-offer",
            ),
            (Error::NoConfigDir, "no-config-dir"),
            (Error::BadCatalog("x".into()), "bad-catalog"),
        ];
        for (error, kind) in cases {
            assert_eq!(error.kind(), kind, "{error:?}");
        }
    }
}
