//! Notes, warnings and the failure on stderr under `--json`.

use serde::Serialize;

/// A note or warning on stderr under `--json`, as `{"warning": {...}}` or `{"note": {...}}`.
#[derive(Debug, Serialize)]
pub struct MessageJson<'a> {
    pub message: &'a str,
    pub hint: Option<&'a str>,
}

/// A line on stderr under `--json` other than the failure: `{"warning": {...}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StderrJson<'a> {
    Note(MessageJson<'a>),
    Warning(MessageJson<'a>),
}

/// A failure on stderr under `--json`: `{"error": {...}}`, the last line written.
#[derive(Debug, Serialize)]
pub struct ErrorJson<'a> {
    pub error: ErrorBodyJson<'a>,
}

/// What failed: the message and hint a person would read, the exit code, and a stable slug of
/// what kind of failure it is (`plan-exhausted`, `locked`, `usage`).
#[derive(Debug, Serialize)]
pub struct ErrorBodyJson<'a> {
    pub message: &'a str,
    pub hint: Option<&'a str>,
    pub exit_code: i32,
    pub kind: &'a str,
}
