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
    writeln!(w, "{}", screen.wrap(&summary(report, today), 2))
}

/// The last line: how bad the worst finding is, how many of each, and what was looked at.
fn summary(report: &Report, today: NaiveDate) -> String {
    let count = |s| report.findings.iter().filter(|f| f.severity == s).count();
    let checked = format!(
        "{} usable contract{} and {} benefit{} checked as of {today}",
        report.contracts.len(),
        if report.contracts.len() == 1 { "" } else { "s" },
        report.benefits.len(),
        if report.benefits.len() == 1 { "" } else { "s" },
    );
    let checked = match report.ignored.len() {
        0 => checked,
        n => format!("{checked}; {n} left out with --ignore"),
    };
    match report.worst().filter(|s| *s > Severity::Info) {
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
    }
}

/// `check --format github`: a GitHub Actions workflow command per finding (`::error` for
/// critical, `::warning`, `::notice` for information), which the run's summary and the job's
/// log show as annotations; then the summary line (left out with `-q`).
pub fn github(w: &mut dyn Write, report: &Report, today: NaiveDate, quiet: bool) -> io::Result<()> {
    for f in &report.findings {
        let command = match f.severity {
            Severity::Critical => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let title = match target(report, f) {
            Some((_, name)) => format!("partner-support {}: {name}", f.code),
            None => format!("partner-support {}", f.code),
        };
        writeln!(
            w,
            "::{command} title={}::{}",
            github_property(&title),
            github_data(&crate::hint::finding(f))
        )?;
    }
    if !quiet {
        writeln!(w, "{}", github_data(&summary(report, today)))?;
    }
    Ok(())
}

/// A workflow command's message: `%`, CR and LF escaped as GitHub reads them back.
fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as its message, and `:` and `,` too.
fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// What a finding is about, as a JUnit test case (`classname`, `name`): a contract that was
/// checked (the contract of a benefit finding, like a used-up one, was not), else its benefit,
/// else its contract; `None` for the organization as a whole (its membership, a scope).
fn target<'a>(report: &Report, f: &'a Finding) -> Option<(&'static str, &'a str)> {
    match (&f.contract, &f.benefit) {
        (Some(contract), _) if report.contracts.contains(contract) => Some(("contract", contract)),
        (_, Some(benefit)) => Some(("benefit", benefit)),
        (Some(contract), None) => Some(("contract", contract)),
        (None, None) => None,
    }
}

/// `check --format junit`: a JUnit XML report for CI systems that show test results (GitLab,
/// Jenkins, Azure Pipelines). One test case per contract and benefit checked, and one for the
/// organization (membership, scopes) unless the check was narrowed; a case with a critical or
/// warning finding fails, with every finding of it in the failure's text.
pub fn junit(report: &Report, today: NaiveDate) -> String {
    use super::markup::escape;
    use std::fmt::Write as _;
    const ORGANIZATION: (&str, &str) = ("organization", "membership and scopes");

    let mut cases: Vec<(&str, &str)> = Vec::new();
    cases.extend(report.contracts.iter().map(|c| ("contract", c.as_str())));
    cases.extend(report.benefits.iter().map(|b| ("benefit", b.as_str())));
    if report.organization {
        cases.push(ORGANIZATION);
    }
    // A finding about a benefit or contract that was not among those checked (a lapsed benefit's
    // contract) still gets a case of its own: none is left out.
    let case_of = |f| target(report, f).unwrap_or(ORGANIZATION);
    for f in report.findings.iter().chain(&report.ignored) {
        let case = case_of(f);
        if !cases.contains(&case) {
            cases.push(case);
        }
    }
    let line = |f: &Finding| {
        format!(
            "{} {} [{}]",
            f.severity.label(),
            crate::hint::finding(f),
            f.code
        )
    };
    // Each case's critical and warning findings, worst first.
    let failing: Vec<Vec<&Finding>> = cases
        .iter()
        .map(|case| {
            report
                .findings
                .iter()
                .filter(|f| f.severity > Severity::Info && case_of(f) == *case)
                .collect()
        })
        .collect();
    let failures = failing.iter().filter(|f| !f.is_empty()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\"",
        cases.len()
    );
    let _ = writeln!(out, "<testsuites name=\"partner-support check\" {counts}>");
    let _ = writeln!(
        out,
        "  <testsuite name=\"partner-support check as of {today}\" {counts}>"
    );
    let _ = writeln!(out, "    <properties>");
    let _ = writeln!(out, "      <property name=\"as_of\" value=\"{today}\"/>");
    let _ = writeln!(out, "    </properties>");
    for (case, failed) in cases.iter().zip(&failing) {
        let (class, name) = case;
        let _ = write!(
            out,
            "    <testcase classname=\"{class}\" name=\"{}\"",
            escape(name)
        );
        let others: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Info && case_of(f) == *case)
            .map(line)
            .chain(
                report
                    .ignored
                    .iter()
                    .filter(|f| case_of(f) == *case)
                    .map(|f| format!("left out with --ignore: {}", line(f))),
            )
            .collect();
        if failed.is_empty() && others.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        if let Some(worst) = failed.first() {
            let text: Vec<String> = failed.iter().map(|f| line(f)).collect();
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                worst.code,
                escape(&crate::hint::finding(worst)),
                escape(&text.join("\n"))
            );
        }
        if !others.is_empty() {
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                escape(&others.join("\n"))
            );
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
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
            contracts: report.contracts.len(),
            benefits: report.benefits.len(),
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
