//! Shell completion: clap_complete's dynamic engine, which the shell calls back into
//! (`PARTNER_SUPPORT_COMPLETE=bash partner-support -- WORDS…`), so that every subcommand and
//! option completes at every level, and the values people mistype come from the state file the
//! line being completed would use: benefits, contract and incident IDs, offers, accounts and
//! profiles.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::time::Duration;

use clap_complete::engine::CompletionCandidate;

use crate::domain::state::State;
use crate::store::{Store, config_dir, profile_path};

/// The variable that asks the binary for completions instead of running a command.
pub const VAR: &str = "PARTNER_SUPPORT_COMPLETE";

/// The words of the line being completed: what the shell passed after `--`.
fn line() -> Vec<OsString> {
    let args: Vec<OsString> = std::env::args_os().collect();
    match args.iter().position(|a| a == "--") {
        Some(i) => args[i + 1..].to_vec(),
        None => Vec::new(),
    }
}

/// The value of `--NAME V` or `--NAME=V` on the line, the last one winning.
fn option(words: &[OsString], name: &str) -> Option<OsString> {
    let flag = format!("--{name}");
    let mut found = None;
    for (i, w) in words.iter().enumerate() {
        let w = w.to_string_lossy();
        if w == flag {
            found = words.get(i + 1).cloned();
        } else if let Some(v) = w.strip_prefix(&format!("{flag}=")) {
            found = Some(v.into());
        }
    }
    found
}

/// The state the line would use: `--state`, else `--profile`, else their variables, else the
/// default one. Read as every read is, with no lock taken and nothing written.
fn state() -> Option<State> {
    let words = line();
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let profile = |name: OsString| Some(profile_path(&config_dir()?, &name.to_string_lossy()));
    let path = match (option(&words, "state"), option(&words, "profile")) {
        (Some(path), _) => PathBuf::from(path),
        (None, Some(name)) => profile(name)?,
        (None, None) => match (env("PARTNER_SUPPORT_STATE"), env("PARTNER_SUPPORT_PROFILE")) {
            (Some(path), _) => PathBuf::from(path),
            (None, Some(name)) => profile(name)?,
            (None, None) => config_dir()?.join("state.json"),
        },
    };
    Store::new(path, Duration::ZERO)
        .load()
        .ok()
        .map(|l| l.state)
}

/// The candidates among `values` (with their help) that start with what was typed.
fn starting(
    current: &OsStr,
    values: impl IntoIterator<Item = (String, Option<String>)>,
) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    values
        .into_iter()
        .filter(|(v, _)| v.starts_with(typed.as_ref()))
        .map(|(v, help)| CompletionCandidate::new(v).help(help.map(Into::into)))
        .collect()
}

/// Contract IDs, with their plans.
pub fn contracts(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(state) = state() else {
        return Vec::new();
    };
    starting(
        current,
        state
            .contracts
            .iter()
            .map(|c| (c.contract_id.to_string(), Some(c.plan.to_string()))),
    )
}

/// Incident IDs, newest first.
pub fn incidents(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(state) = state() else {
        return Vec::new();
    };
    let heads = state.incidents.heads();
    starting(
        current,
        heads.iter().rev().map(|h| {
            let what = match (h.closed_on, h.voided_on) {
                (_, Some(_)) => "voided",
                (Some(_), None) => "closed",
                (None, None) => "open",
            };
            (
                h.id.to_string(),
                Some(format!("{what}, opened {}", h.opened_on)),
            )
        }),
    )
}

/// `check --ignore`'s finding codes (the state is not needed: they are the tool's own).
pub fn finding_codes(current: &OsStr) -> Vec<CompletionCandidate> {
    starting(
        current,
        crate::domain::check::FindingCode::ALL
            .iter()
            .map(|c| (c.slug().to_string(), None)),
    )
}

/// Account e-mail addresses.
pub fn accounts(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(state) = state() else {
        return Vec::new();
    };
    starting(
        current,
        state.accounts.iter().map(|a| {
            let roles: Vec<&str> = a.roles.iter().map(|r| r.slug()).collect();
            (a.email.to_string(), Some(roles.join(", ")))
        }),
    )
}

/// Offer names.
pub fn offers(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(state) = state() else {
        return Vec::new();
    };
    starting(current, state.offers.iter().map(|o| (o.name(), None)))
}

/// Benefit names (`OFFER/BENEFIT`) of the offers in force today, with their support.
pub fn benefits(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(state) = state() else {
        return Vec::new();
    };
    // The day the line is as of, else today.
    let today = option(&line(), "as-of")
        .or_else(|| std::env::var_os("PARTNER_SUPPORT_AS_OF"))
        .and_then(|d| crate::domain::values::parse_date(&d.to_string_lossy()).ok())
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    starting(
        current,
        state
            .benefits(today)
            .iter()
            .map(|b| (b.name.clone(), Some(b.entitlement.kind.title.clone()))),
    )
}

/// Profile names in the config folder.
pub fn profiles(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(dir) = config_dir() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir.join("profiles")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.parse::<crate::domain::values::ProfileName>().is_ok())
        .collect();
    names.sort();
    starting(current, names.into_iter().map(|n| (n, None)))
}

/// The registration script for `shell`: what `PARTNER_SUPPORT_COMPLETE=SHELL partner-support`
/// prints, calling back into `partner-support` on the PATH.
pub fn registration(
    shell: clap_complete::Shell,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
    let completer: &dyn EnvCompleter = match shell {
        clap_complete::Shell::Bash => &Bash,
        clap_complete::Shell::Elvish => &Elvish,
        clap_complete::Shell::Fish => &Fish,
        clap_complete::Shell::PowerShell => &Powershell,
        clap_complete::Shell::Zsh => &Zsh,
        _ => &Bash,
    };
    let name = "partner-support";
    completer.write_registration(VAR, name, name, name, out)
}
