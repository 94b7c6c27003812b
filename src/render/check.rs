//! `check`'s report: a line per finding and a summary, or one JSON document.

use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;

use super::Screen;
use crate::domain::check::{Finding, FindingCode, Report, Severity, Thresholds};

/// `CRITICAL message [code]` lines, worst first, then a one-line summary (left out with `-q`).
pub fn write(
    w: &mut dyn Write,
    screen: &Screen,
    report: &Report,
    today: NaiveDate,
    quiet: bool,
) -> io::Result<()> {
    for f in &report.findings {
        writeln!(w, "{}", line(f, screen, "", 2))?;
    }
    if quiet {
        return Ok(());
    }
    let count = |s| report.findings.iter().filter(|f| f.severity == s).count();
    let checked = format!(
        "{} usable contract{} and {} benefit{} checked as of {today}",
        report.contracts,
        if report.contracts == 1 { "" } else { "s" },
        report.benefits,
        if report.benefits == 1 { "" } else { "s" },
    );
    let checked = match report.ignored.len() {
        0 => checked,
        n => format!("{checked}; {n} left out with --ignore"),
    };
    let summary = match report.worst().filter(|s| *s > Severity::Info) {
        None if report.findings.is_empty() => format!("ok: {checked}; nothing to report"),
        None => format!(
            "ok: {checked}; nothing that fails ({} for information)",
            report.findings.len()
        ),
        Some(worst) => format!(
            "{}: {} critical, {} warning{}; {checked}",
            worst.label().to_lowercase(),
            count(Severity::Critical),
            count(Severity::Warning),
            if count(Severity::Warning) == 1 {
                ""
            } else {
                "s"
            },
        ),
    };
    writeln!(w, "{}", screen.wrap(&summary, 2))
}

/// A finding as `CRITICAL message [code]` after `lead` (the dashboard's "  ! "), how `check`
/// and the dashboard show it: broken at spaces to fit the screen, the lines after the first
/// indented by `indent`.
pub fn line(f: &Finding, screen: &Screen, lead: &str, indent: usize) -> String {
    let style = match f.severity {
        Severity::Critical => anstyle::AnsiColor::Red.on_default().bold(),
        Severity::Warning => anstyle::AnsiColor::Yellow.on_default().bold(),
        Severity::Info => anstyle::AnsiColor::Cyan.on_default().bold(),
    };
    let label = f.severity.label();
    let message = crate::hint::finding(f);
    let text = screen.wrap(&format!("{lead}{label} {message} [{}]", f.code), indent);
    // The label is painted after wrapping, so that its escapes take no room.
    let rest = &text[lead.len() + label.len()..];
    format!("{lead}{}{rest}", super::paint(label, style, screen.color))
}

/// `check --json`.
#[derive(Debug, Serialize)]
pub struct CheckJson<'a> {
    /// `ok`, `warning` or `critical`.
    pub status: &'static str,
    /// The day checked.
    pub as_of: NaiveDate,
    /// The thresholds used.
    pub thresholds: &'a Thresholds,
    /// How many usable contracts and benefits were looked at.
    pub checked: Checked,
    /// Worst first.
    pub findings: Vec<FindingJson<'a>>,
    /// Left out on purpose (`--ignore`).
    pub ignored: Vec<FindingJson<'a>>,
}

/// A finding: its fields, and its message as the command line says it.
#[derive(Debug, Serialize)]
pub struct FindingJson<'a> {
    #[serde(flatten)]
    pub finding: &'a Finding,
    /// In words, with the command that acts on it.
    pub message: String,
}

impl<'a> FindingJson<'a> {
    /// The finding `f`.
    pub fn new(f: &'a Finding) -> Self {
        FindingJson {
            finding: f,
            message: crate::hint::finding(f),
        }
    }
}

/// Counts of what was looked at.
#[derive(Debug, Serialize)]
pub struct Checked {
    /// Usable contracts.
    pub contracts: usize,
    /// Benefits of active offers.
    pub benefits: usize,
}

/// The JSON document for `report`.
pub fn json<'a>(report: &'a Report, thresholds: &'a Thresholds, today: NaiveDate) -> CheckJson<'a> {
    CheckJson {
        status: match report.worst() {
            None | Some(Severity::Info) => "ok",
            Some(Severity::Warning) => "warning",
            Some(Severity::Critical) => "critical",
        },
        as_of: today,
        thresholds,
        checked: Checked {
            contracts: report.contracts,
            benefits: report.benefits,
        },
        findings: report.findings.iter().map(FindingJson::new).collect(),
        ignored: report.ignored.iter().map(FindingJson::new).collect(),
    }
}

/// A dashboard warning.
#[derive(Debug, Serialize)]
pub struct WarningJson {
    pub severity: Severity,
    pub code: FindingCode,
    pub message: String,
    pub contract_id: Option<String>,
    pub benefit: Option<String>,
}

impl From<&Finding> for WarningJson {
    fn from(f: &Finding) -> Self {
        WarningJson {
            severity: f.severity,
            code: f.code,
            message: crate::hint::finding(f),
            contract_id: f.contract.clone(),
            benefit: f.benefit.clone(),
        }
    }
}
