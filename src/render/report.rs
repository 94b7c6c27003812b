//! `report` in each format: tables, Markdown, CSV, JSON, and one self-contained HTML page with
//! an SVG burn-down chart per limited contract.

use std::fmt::Write as _;
use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;

use super::Screen;
use super::table::or_dash;
use crate::domain::usage::{BurnDown, GroupBy, Left, ScopeUsage, UsageReport, UsageRow};

/// The columns of the groups table: a row by contract also says what lapsed, is left and when
/// it runs out; other groupings have those in the totals only.
fn group_header(r: &UsageReport) -> Vec<&'static str> {
    let group = match r.by {
        GroupBy::Contract => "Contract",
        GroupBy::Account => "Account",
        GroupBy::Product => "Product",
        GroupBy::Scope => "Scope",
        GroupBy::Month => "Month",
    };
    let mut h = vec![group];
    if r.by == GroupBy::Contract {
        h.push("Plan");
    }
    h.extend(["Charged", "Refunded", "Net used"]);
    if r.by == GroupBy::Contract {
        h.extend(["Lapsed unused", "Left", "Runs out"]);
    }
    h
}

fn left(l: Option<Left>) -> String {
    match l {
        Some(Left::Incidents(n)) => n.to_string(),
        Some(Left::Unlimited) => "unlimited".into(),
        None => "-".into(),
    }
}

fn group_cells(r: &UsageReport, row: &UsageRow) -> Vec<String> {
    let mut cells = vec![crate::domain::values::printable(&row.key)];
    if r.by == GroupBy::Contract {
        cells.push(or_dash(row.plan.as_deref()));
    }
    cells.extend([
        row.charged.to_string(),
        row.refunded.to_string(),
        row.net.to_string(),
    ]);
    if r.by == GroupBy::Contract {
        cells.extend([
            or_dash(row.lapsed),
            left(row.left),
            or_dash(row.runs_out_on),
        ]);
    }
    cells
}

const TOTAL_HEADER: [&str; 6] = [
    "Scope",
    "Charged",
    "Refunded",
    "Net used",
    "Lapsed unused",
    "Left",
];

fn total_cells(t: &ScopeUsage) -> Vec<String> {
    vec![
        t.scope.slug().to_string(),
        t.charged.to_string(),
        t.refunded.to_string(),
        t.net.to_string(),
        t.lapsed.to_string(),
        left(Some(t.left)),
    ]
}

fn title(r: &UsageReport) -> String {
    format!(
        "Support used from {} to {}, by {}",
        r.period.since,
        r.period.until,
        r.by.slug()
    )
}

/// Tables for the terminal.
pub fn table(w: &mut dyn Write, screen: &Screen, r: &UsageReport) -> io::Result<()> {
    writeln!(w, "{}", screen.wrap(&title(r), 2))?;
    let header = group_header(r);
    let rows: Vec<Vec<String>> = r.rows.iter().map(|row| group_cells(r, row)).collect();
    if rows.is_empty() {
        writeln!(w, "Nothing was charged or refunded in the period.")?;
    } else {
        super::table::plain(
            w,
            screen,
            &header,
            &rows,
            &["Plan", "Refunded"],
            &["Plan", "Product", "Account"],
        )?;
    }
    writeln!(w, "Totals per scope (never added together):")?;
    let totals: Vec<Vec<String>> = r.totals.iter().map(total_cells).collect();
    super::table::plain(w, screen, &TOTAL_HEADER, &totals, &[], &[])?;
    if !r.observations.is_empty() {
        writeln!(w, "Partner Center's counts in the period:")?;
        super::table::plain(
            w,
            screen,
            &OBSERVATION_HEADER,
            &observation_rows(r),
            &[],
            &[],
        )?;
    }
    Ok(())
}

/// The columns of Partner Center's counts.
const OBSERVATION_HEADER: [&str; 5] = ["Contract", "Day", "Partner Center", "Record", "Agrees"];

/// Partner Center's counts in the period, a row each.
fn observation_rows(r: &UsageReport) -> Vec<Vec<String>> {
    r.observations
        .iter()
        .map(|c| {
            vec![
                c.observation.contract.to_string(),
                c.observation.on.to_string(),
                c.observation.left.to_string(),
                c.record_left.to_string(),
                if c.agrees() { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect()
}

/// A GitHub-flavoured Markdown table's cell, on one line, as text: no HTML (`<`, `>`, `&` as
/// entities), no link or image (`[`, `]` escaped), no column break (`|` escaped).
fn md(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    for c in cell.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn md_table(w: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    writeln!(w, "| {} |", header.join(" | "))?;
    let rule: Vec<&str> = header
        .iter()
        .enumerate()
        .map(|(i, _)| if i == 0 { "---" } else { "---:" })
        .collect();
    writeln!(w, "| {} |", rule.join(" | "))?;
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| md(c)).collect();
        writeln!(w, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

/// Markdown: a heading, the groups and the totals, to paste into an issue or a chat.
pub fn markdown(w: &mut dyn Write, r: &UsageReport) -> io::Result<()> {
    writeln!(w, "### {}\n", md(&title(r)))?;
    let rows: Vec<Vec<String>> = r.rows.iter().map(|row| group_cells(r, row)).collect();
    if rows.is_empty() {
        writeln!(w, "Nothing was charged or refunded in the period.")?;
    } else {
        md_table(w, &group_header(r), &rows)?;
    }
    writeln!(w, "\n**Totals per scope** (never added together)\n")?;
    let totals: Vec<Vec<String>> = r.totals.iter().map(total_cells).collect();
    md_table(w, &TOTAL_HEADER, &totals)?;
    if !r.observations.is_empty() {
        writeln!(w, "\n**Partner Center's counts**\n")?;
        md_table(w, &OBSERVATION_HEADER, &observation_rows(r))?;
    }
    Ok(())
}

/// CSV: one row per group, with a header row; the totals are in the other formats.
pub fn csv(w: &mut dyn Write, r: &UsageReport) -> io::Result<()> {
    let header: Vec<String> = group_header(r)
        .iter()
        .map(|h| h.to_lowercase().replace(' ', "_"))
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    // A spreadsheet reads "-" as text: an empty cell is nothing.
    let rows = r.rows.iter().map(|row| {
        let mut cells = group_cells(r, row);
        for c in &mut cells {
            if c == "-" {
                c.clear();
            }
        }
        cells
    });
    super::csv::write_text(w, &header, rows)
}

/// `report --json`.
#[derive(Debug, Serialize)]
pub struct UsageReportJson<'a> {
    pub since: NaiveDate,
    pub until: NaiveDate,
    pub by: &'static str,
    pub rows: Vec<UsageRowJson<'a>>,
    pub totals: Vec<ScopeUsageJson>,
    pub burn_downs: Vec<BurnDownJson<'a>>,
    pub observations: Vec<ObservationReportJson>,
}

/// A count Partner Center showed in the period, beside the record's that day.
#[derive(Debug, Serialize)]
pub struct ObservationReportJson {
    pub contract: String,
    #[serde(flatten)]
    pub count: super::contract::ObservationJson,
}

/// A group: `left` is null and `unlimited` true for an unlimited plan.
#[derive(Debug, Serialize)]
pub struct UsageRowJson<'a> {
    pub key: &'a str,
    pub plan: Option<&'a str>,
    pub charged: u32,
    pub refunded: u32,
    pub net: i64,
    pub lapsed: Option<u32>,
    pub left: Option<u32>,
    pub unlimited: bool,
    pub runs_out_on: Option<NaiveDate>,
}

/// A scope's totals.
#[derive(Debug, Serialize)]
pub struct ScopeUsageJson {
    pub scope: &'static str,
    pub charged: u32,
    pub refunded: u32,
    pub net: i64,
    pub lapsed: u32,
    pub left: Option<u32>,
    pub unlimited: bool,
}

/// A limited contract's incidents left over time.
#[derive(Debug, Serialize)]
pub struct BurnDownJson<'a> {
    pub contract_id: &'a str,
    pub plan: &'a str,
    pub allowance: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub steps: Vec<StepJson>,
    pub runs_out_on: Option<NaiveDate>,
    pub lapsed: Option<u32>,
}

/// Incidents left after a day.
#[derive(Debug, Serialize)]
pub struct StepJson {
    pub on: NaiveDate,
    pub left: u32,
}

fn left_json(l: Option<Left>) -> (Option<u32>, bool) {
    match l {
        Some(Left::Incidents(n)) => (Some(n), false),
        Some(Left::Unlimited) => (None, true),
        None => (None, false),
    }
}

/// The JSON document of a report.
pub fn json(r: &UsageReport) -> UsageReportJson<'_> {
    UsageReportJson {
        since: r.period.since,
        until: r.period.until,
        by: r.by.slug(),
        rows: r
            .rows
            .iter()
            .map(|row| {
                let (left, unlimited) = left_json(row.left);
                UsageRowJson {
                    key: &row.key,
                    plan: row.plan.as_deref(),
                    charged: row.charged,
                    refunded: row.refunded,
                    net: row.net,
                    lapsed: row.lapsed,
                    left,
                    unlimited,
                    runs_out_on: row.runs_out_on,
                }
            })
            .collect(),
        totals: r
            .totals
            .iter()
            .map(|t| {
                let (left, unlimited) = left_json(Some(t.left));
                ScopeUsageJson {
                    scope: t.scope.slug(),
                    charged: t.charged,
                    refunded: t.refunded,
                    net: t.net,
                    lapsed: t.lapsed,
                    left,
                    unlimited,
                }
            })
            .collect(),
        burn_downs: r
            .burn_downs
            .iter()
            .map(|b| BurnDownJson {
                contract_id: &b.contract_id,
                plan: &b.plan,
                allowance: b.allowance,
                start: b.start,
                end: b.end,
                steps: b
                    .steps
                    .iter()
                    .map(|(on, left)| StepJson {
                        on: *on,
                        left: *left,
                    })
                    .collect(),
                runs_out_on: b.runs_out_on,
                lapsed: b.lapsed,
            })
            .collect(),
        observations: r
            .observations
            .iter()
            .map(|c| ObservationReportJson {
                contract: c.observation.contract.to_string(),
                count: super::contract::ObservationJson::new(c),
            })
            .collect(),
    }
}

/// The columns of free text, left-aligned where numbers are right-aligned.
const TEXT: [&str; 6] = ["Contract", "Plan", "Account", "Product", "Scope", "Month"];

fn html_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table>\n<thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", super::markup::escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (cell, h) in row.iter().zip(header) {
            let class = if TEXT.contains(h) { "" } else { " class=\"n\"" };
            let _ = write!(out, "<td{class}>{}</td>", super::markup::escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

const STYLE: &str = "
body { font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1b1b1b; margin: 2em auto; max-width: 60em; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th { background: #f0f0f0; }
td:first-child { white-space: nowrap; }
figure { margin: 1em 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 0.9em; color: #333; }
svg.burn-down { width: 100%; max-width: 40em; height: auto; border: 1px solid #ddd; background: #fff; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
.used { fill: none; stroke: #1f5fbf; stroke-width: 2; }
.forecast { fill: none; stroke: #c0392b; stroke-width: 1.5; stroke-dasharray: 6 4; }
.axis { stroke: #888; stroke-width: 1; }
.lapsed { fill: #c0392b; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
";

/// A burn-down chart: incidents left (y) over the contract's life (x), as steps; the forecast
/// dashed from the last day to the day it runs out; what lapsed marked at the end.
fn chart(out: &mut String, b: &BurnDown, until: NaiveDate) {
    const W: f64 = 640.0;
    const H: f64 = 240.0;
    const LEFT: f64 = 44.0;
    const RIGHT: f64 = 16.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 34.0;
    let days = ((b.end - b.start).num_days().max(1)) as f64;
    let x = |d: NaiveDate| {
        LEFT + (W - LEFT - RIGHT) * ((d - b.start).num_days() as f64 / days).clamp(0.0, 1.0)
    };
    let top = f64::from(b.allowance.max(1));
    let y = |n: u32| TOP + (H - TOP - BOTTOM) * (1.0 - f64::from(n) / top);
    let label = format!(
        "Incidents left on contract {} ({}) from {} to {}",
        b.contract_id, b.plan, b.start, b.end
    );
    let _ = writeln!(
        out,
        "<svg class=\"burn-down\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        super::markup::escape(&label)
    );
    let (x0, x1, y0, y1) = (LEFT, W - RIGHT, y(0), y(b.allowance));
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{x0}\" y1=\"{y0:.1}\" x2=\"{x1}\" y2=\"{y0:.1}\"/><line class=\"axis\" x1=\"{x0}\" y1=\"{y1:.1}\" x2=\"{x0}\" y2=\"{y0:.1}\"/>"
    );
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{y0:.1}\" text-anchor=\"end\">0</text>",
        LEFT - 6.0,
        y1 + 4.0,
        b.allowance,
        LEFT - 6.0
    );
    let _ = writeln!(
        out,
        "<text x=\"{x0}\" y=\"{:.1}\">{}</text><text x=\"{x1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
        H - 12.0,
        b.start,
        H - 12.0,
        b.end
    );
    // Steps: level until the day of a change, then the new level.
    let mut points = Vec::new();
    let mut level = b.allowance;
    for (on, left) in &b.steps {
        points.push(format!("{:.1},{:.1}", x(*on), y(level)));
        points.push(format!("{:.1},{:.1}", x(*on), y(*left)));
        level = *left;
    }
    let last = until.min(b.end);
    points.push(format!("{:.1},{:.1}", x(last), y(level)));
    let _ = writeln!(
        out,
        "<polyline class=\"used\" points=\"{}\"/>",
        points.join(" ")
    );
    if let Some(runs_out) = b.runs_out_on {
        // The label reads leftwards from the day, which is near the end.
        let _ = writeln!(
            out,
            "<line class=\"forecast\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">runs out {runs_out}</text>",
            x(last),
            y(level),
            x(runs_out),
            y(0),
            x(runs_out),
            y(0) - 20.0
        );
    }
    if let Some(n) = b.lapsed.filter(|n| *n > 0) {
        let _ = writeln!(
            out,
            "<circle class=\"lapsed\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{n} lapsed unused</text>",
            x(b.end),
            y(n),
            x(b.end) - 8.0,
            y(n) - 8.0
        );
    }
    out.push_str("</svg>\n");
}

/// One self-contained HTML page: no script and nothing fetched, so it opens anywhere, prints
/// well and can be mailed as it is.
pub fn html(
    w: &mut dyn Write,
    r: &UsageReport,
    organization: &str,
    today: NaiveDate,
) -> io::Result<()> {
    let mut out = String::new();
    let heading = format!("Support usage: {organization}");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p class=\"meta\">{} · made with partner-support as of {today}</p>\n",
        super::markup::escape(&format!(
            "{heading}, {} to {}",
            r.period.since, r.period.until
        )),
        super::markup::escape(&heading),
        super::markup::escape(&title(r)),
    );
    let _ = writeln!(out, "<h2>By {}</h2>", r.by.slug());
    let rows: Vec<Vec<String>> = r.rows.iter().map(|row| group_cells(r, row)).collect();
    if rows.is_empty() {
        out.push_str("<p>Nothing was charged or refunded in the period.</p>\n");
    } else {
        html_table(&mut out, &group_header(r), &rows);
    }
    out.push_str("<h2>Totals per scope</h2>\n<p>On-premises and cloud incidents never substitute for each other, so they are never added together.</p>\n");
    let totals: Vec<Vec<String>> = r.totals.iter().map(total_cells).collect();
    html_table(&mut out, &TOTAL_HEADER, &totals);
    if !r.observations.is_empty() {
        out.push_str("<h2>Partner Center's counts</h2>\n<p>What its Technical support page showed left, beside the record that day.</p>\n");
        html_table(&mut out, &OBSERVATION_HEADER, &observation_rows(r));
    }
    out.push_str("<h2>Burn-down per limited contract</h2>\n");
    if r.burn_downs.is_empty() {
        out.push_str("<p>No limited contract ran in the period.</p>\n");
    }
    for b in &r.burn_downs {
        out.push_str("<figure>\n");
        chart(&mut out, b, r.period.until);
        let mut caption = format!(
            "Contract {} ({}): {} incidents, {} to {}.",
            b.contract_id, b.plan, b.allowance, b.start, b.end
        );
        if let Some(on) = b.runs_out_on {
            let _ = write!(caption, " At its recent rate it runs out on {on} (dashed).");
        }
        if let Some(n) = b.lapsed.filter(|n| *n > 0) {
            let _ = write!(caption, " {n} lapsed unused at its end.");
        }
        let _ = writeln!(
            out,
            "<figcaption>{}</figcaption>\n</figure>",
            super::markup::escape(&caption)
        );
    }
    out.push_str("</body>\n</html>\n");
    w.write_all(out.as_bytes())
}
