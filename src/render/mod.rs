//! Output, one module per thing shown: its table, its JSON shape and its CSV row together,
//! written to any `io::Write`. Nothing here decides anything, and nothing here reads a file a
//! user brings (that is `crate::exchange`).

pub mod account;
pub mod benefit;
pub mod calendar;
pub mod catalog;
pub mod check;
pub mod contract;
pub mod csv;
pub mod doctor;
pub mod export;
pub mod history;
pub mod incident;
pub mod markup;
pub mod message;
pub mod offer;
pub mod products;
pub mod profile;
pub mod report;
pub mod status;
pub mod table;
pub mod ticket;

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use serde::Serialize;

use crate::domain::values::AccessId;

/// What human output is printed to: whether it carries colour, how many columns it has, and
/// whether the user asked for every column in full (`--wide`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    /// Tables and labels carry colour.
    pub color: bool,
    /// Columns to fit in.
    pub width: u16,
    /// Show everything, however wide.
    pub wide: bool,
    /// Whether tables shorten what they show (plan names, dates, bars); `None`: when the width
    /// is under [`Screen::ROOMY`]. Set by [`table::fitted`], which tries both.
    pub short: Option<bool>,
}

impl Screen {
    /// The width below which tables shorten what they show (plan names, dates, bars) before
    /// they give up columns.
    pub const ROOMY: u16 = 100;
    /// The width of a pipe or file when `COLUMNS` does not say.
    pub const PIPE: u16 = 100;

    /// A screen of `width` columns without colour (tests, files).
    pub fn plain(width: u16) -> Screen {
        Screen {
            color: false,
            width,
            wide: false,
            short: None,
        }
    }

    /// Whether tables shorten what they show to fit.
    pub fn compact(&self) -> bool {
        !self.wide && self.short.unwrap_or(self.width < Self::ROOMY)
    }

    /// `text` broken at spaces into lines that fit, every line after the first indented by
    /// `indent` spaces; one word longer than a line stays whole. With `--wide`, one line.
    pub fn wrap(&self, text: &str, indent: usize) -> String {
        if self.wide {
            return text.to_string();
        }
        let width = usize::from(self.width).max(indent + 20);
        let mut out = String::new();
        // The line's length, and whether it holds a word yet (leading spaces are kept).
        let (mut line_len, mut has_word) = (0, false);
        for (i, word) in text.split(' ').enumerate() {
            let len = word.chars().count();
            if has_word && line_len + 1 + len > width {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                line_len = indent;
            } else if i > 0 {
                out.push(' ');
                line_len += 1;
            }
            out.push_str(word);
            line_len += len;
            has_word |= !word.is_empty();
        }
        out
    }
}

/// The label of an error.
pub const RED: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
/// The label of a warning.
pub const YELLOW: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
/// The label of a hint.
pub const CYAN: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));

/// Writes `label message` lines, each label in its style (to a stream that strips the styles
/// when it must: stderr's).
pub fn print_labelled(w: &mut dyn Write, lines: &[(&str, Style, String)]) -> io::Result<()> {
    for (label, style, text) in lines {
        writeln!(w, "{style}{label}{style:#} {text}")?;
    }
    Ok(())
}

/// How serious a message on stderr is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Worth knowing; changes nothing.
    Note,
    /// Something the user should look at.
    Warning,
}

/// Writes one message on stderr: `note: …` or `warning: …` and its `hint: …`, or with `--json`
/// one JSON object on a line of its own (`{"warning": {"message", "hint"}}`), so that a script
/// reading stderr never parses English.
pub fn print_message(
    w: &mut dyn Write,
    json: bool,
    level: Level,
    message: &str,
    hint: Option<&str>,
) -> io::Result<()> {
    let (label, style) = match level {
        Level::Note => ("note", CYAN),
        Level::Warning => ("warning", YELLOW),
    };
    if json {
        let body = message::MessageJson { message, hint };
        let line = json_line(&match level {
            Level::Note => message::StderrJson::Note(body),
            Level::Warning => message::StderrJson::Warning(body),
        })?;
        return writeln!(w, "{line}");
    }
    let mut lines = vec![(label, style, message.to_string())];
    lines.extend(hint.map(|h| ("hint", CYAN, h.to_string())));
    for (label, style, text) in lines {
        writeln!(w, "{style}{label}:{style:#} {text}")?;
    }
    Ok(())
}

/// `text` in `style` when `color` says output carries colour, else as it is.
pub fn paint(text: impl std::fmt::Display, style: Style, color: bool) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_string()
    }
}

/// Writes one pretty-printed JSON document and a newline.
pub fn write_json<W: Write + ?Sized>(w: &mut W, value: &impl Serialize) -> io::Result<()> {
    // The pretty printer makes a small write for every key, indent and value: a buffer of a
    // known type takes them inline, where each would otherwise be a call through `w`.
    let mut buffered = io::BufWriter::with_capacity(1 << 16, w);
    let formatter = ShownJson(serde_json::ser::PrettyFormatter::new());
    let mut json = serde_json::Serializer::with_formatter(&mut buffered, formatter);
    value.serialize(&mut json).map_err(io::Error::from)?;
    writeln!(buffered)?;
    buffered.flush()
}

/// One JSON document on one line (an error on stderr), escaped as [`write_json`] escapes.
pub fn json_line(value: &impl Serialize) -> io::Result<String> {
    let mut bytes = Vec::new();
    let mut json = serde_json::Serializer::with_formatter(
        &mut bytes,
        ShownJson(serde_json::ser::CompactFormatter),
    );
    value.serialize(&mut json).map_err(io::Error::from)?;
    String::from_utf8(bytes).map_err(io::Error::other)
}

/// serde_json's formatter with the characters that reorder or hide text (bidirectional controls,
/// invisible characters) written as `\uXXXX`, as it writes control characters: the same JSON
/// value, but nothing on a screen that it does not show.
struct ShownJson<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for ShownJson<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut from = 0;
        for (at, c) in fragment.char_indices() {
            if crate::domain::values::unshowable_char(c).is_none() {
                continue;
            }
            w.write_all(&fragment.as_bytes()[from..at])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            from = at + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[from..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// An Access ID as shown: masked unless the user asked to reveal it.
pub fn access_id(id: &AccessId, reveal: bool) -> String {
    if reveal {
        id.expose().to_string()
    } else {
        id.masked()
    }
}

/// A ten-cell bar of what is left: `███████░░░`.
pub fn bar(remaining: u32, allowance: u32) -> String {
    const CELLS: u32 = 10;
    let full = if allowance == 0 {
        0
    } else {
        // Round down, but a contract with anything left never shows an empty bar.
        let cells = (u64::from(remaining) * u64::from(CELLS) / u64::from(allowance)) as u32;
        cells.clamp(u32::from(remaining > 0), CELLS)
    };
    let mut s = "█".repeat(full as usize);
    s.push_str(&"░".repeat((CELLS - full) as usize));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_text_fits_and_keeps_every_word() {
        let text = "WARNING contract RESELLER-26 (Distributor escalation pack) would run out on 2026-12-13 at 1.7 incidents per 30 days [runs-out-before-end]";
        for width in [40u16, 80, 120] {
            let wrapped = Screen::plain(width).wrap(text, 4);
            assert!(
                wrapped
                    .lines()
                    .all(|l| l.chars().count() <= usize::from(width)),
                "{width}: {wrapped}"
            );
            assert_eq!(
                wrapped.split_whitespace().collect::<Vec<_>>(),
                text.split_whitespace().collect::<Vec<_>>()
            );
        }
        assert_eq!(Screen::plain(120).wrap(text, 4).lines().count(), 2);
        assert_eq!(Screen::plain(80).wrap("  ! a b", 4), "  ! a b");
        let wide = Screen {
            wide: true,
            ..Screen::plain(40)
        };
        assert_eq!(wide.wrap(text, 4), text);
    }

    #[test]
    fn bars() {
        for (remaining, allowance, full) in [
            (20, 20, 10),
            (0, 20, 0),
            (1, 20, 1),
            (10, 20, 5),
            (19, 20, 9),
            (3, 5, 6),
        ] {
            let b = bar(remaining, allowance);
            assert_eq!(
                b.chars().filter(|c| *c == '█').count(),
                full,
                "{remaining}/{allowance}"
            );
            assert_eq!(b.chars().count(), 10);
        }
    }
}
