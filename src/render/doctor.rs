//! `doctor`'s report: one line per finding with its fix, or the same as JSON.

use std::io::{self, Write};

use serde::Serialize;

use crate::store::health::{Diagnosis, Urgency};

/// What `doctor` found and did.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The file examined.
    pub state_file: String,
    /// No warning or error left.
    pub healthy: bool,
    /// Repairs made by `--fix`.
    pub fixed: Vec<String>,
    /// Everything found, worst first.
    pub findings: Vec<Diagnosis>,
}

/// `fixed: …` lines, then `error|warning|info: message — fix` lines, then the verdict.
pub fn write(w: &mut dyn Write, screen: &super::Screen, report: &Report) -> io::Result<()> {
    for done in &report.fixed {
        writeln!(w, "{}", screen.wrap(&format!("fixed: {done}"), 2))?;
    }
    for f in &report.findings {
        let label = match f.severity {
            Urgency::Error => "error",
            Urgency::Warning => "warning",
            Urgency::Info => "info",
        };
        let line = format!("{label}: {} — {}", f.message, f.fix);
        writeln!(w, "{}", screen.wrap(&line, 2))?;
    }
    if report.healthy {
        writeln!(w, "ok: `{}` is healthy", report.state_file)?;
    }
    Ok(())
}
