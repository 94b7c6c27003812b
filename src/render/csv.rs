//! CSV for a spreadsheet (RFC 4180, through the csv crate): a cell that would start a formula is
//! written as text and read back as it was, so a row struct is the same both ways.

use std::io::{self, Write};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What makes a spreadsheet read a cell as a formula (OWASP's rule for CSV injection).
const FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as a spreadsheet can take it safely: one that starts as a formula would gets a `'` in
/// front, which spreadsheets show as text and [`uncell`] takes off again. A number (a report's
/// negative net, `-1`) is data, and stays a number.
pub fn cell(text: &str) -> String {
    match text.starts_with(FORMULA) && text.parse::<f64>().is_err() {
        true => format!("'{text}"),
        false => text.to_string(),
    }
}

/// A cell read back: the `'` that [`cell`] put in front of a formula-like text taken off.
pub fn uncell(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA) => rest,
        _ => text,
    }
}

/// `#[serde(with = "cells")]` on a row's field: written through [`cell`], read through
/// [`uncell`]; an empty cell is `None`.
pub mod cells {
    use super::*;

    /// Writes a cell.
    pub fn serialize<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        v.as_deref().map(cell).unwrap_or_default().serialize(s)
    }

    /// Reads a cell.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        Ok((!text.is_empty()).then(|| uncell(&text).to_string()))
    }
}

/// Writes `columns` as the header, then one record per row (the header even with no rows).
pub fn write<R: Serialize>(
    w: &mut dyn Write,
    columns: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> io::Result<()> {
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    out.write_record(columns).map_err(io_error)?;
    for row in rows {
        out.serialize(row).map_err(io_error)?;
    }
    out.flush()
}

/// Writes `columns` as the header, then rows of text cells, each through [`cell`].
pub fn write_text(
    w: &mut dyn Write,
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> io::Result<()> {
    write(
        w,
        columns,
        rows.into_iter()
            .map(|row| row.iter().map(|c| cell(c)).collect::<Vec<_>>()),
    )
}

/// The csv crate's error as the I/O error it carries, when it carries one, so that a closed
/// pipe stays a closed pipe (quiet, as every command is on one).
pub fn io_error(e: csv::Error) -> io::Error {
    if !e.is_io_error() {
        return io::Error::other(e);
    }
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The header serde writes for `row`: what a row struct's [`write`] columns must equal.
#[cfg(test)]
pub fn header_of<R: Serialize>(row: R) -> Vec<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.serialize(row).expect("a row");
    let bytes = out.into_inner().expect("flushed");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let header = text.lines().next().unwrap_or_default();
    header.split(',').map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_round_trip() {
        for text in [
            "=HYPERLINK(\"x\")",
            "+1+cmd",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "plain",
            "'quoted",
        ] {
            assert_eq!(uncell(&cell(text)), text, "{text:?}");
            assert!(!cell(text).starts_with(FORMULA), "{text:?}");
        }
        for number in ["-1", "+2", "-0.5"] {
            assert_eq!(cell(number), number, "a number stays a number");
            assert_eq!(uncell(number), number);
        }
    }
}
