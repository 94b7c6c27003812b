//! Fitting tables to the screen: the one table builder every noun's table uses, its widths,
//! the columns that give way, and the cells that shorten on a narrow screen (day headers, plan
//! names, scopes).

use std::io::{self, Write};

use chrono::NaiveDate;
use comfy_table::{
    Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, presets,
};

use super::Screen;
use crate::domain::contract::{Allowance, Status};
use crate::domain::values::printable;

/// A table for `screen`: as wide as its content with `--wide`, else at most the screen's width,
/// cells wrapping at spaces where they must.
pub(crate) fn table<H: Into<Cell>>(screen: &Screen, header: impl IntoIterator<Item = H>) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_header(header.into_iter().map(Into::into).collect::<Vec<Cell>>());
    if screen.wide {
        t.set_content_arrangement(ContentArrangement::Disabled);
    } else {
        t.set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(screen.width);
    }
    if screen.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t
}

/// Fits a table to the screen. Columns of free text (`wrap`, by header) may wrap at spaces;
/// every other column keeps its content whole. While even that does not fit, the columns that
/// give way (by header) are hidden in the order given. Nothing is hidden with `--wide`.
pub(crate) fn fit(t: &mut Table, screen: &Screen, give_way: &[&str], wrap: &[&str]) {
    if screen.wide {
        return;
    }
    // A header is its name, or its name and the year its days share ("End 2027").
    let headers: Vec<String> = t
        .header()
        .map(|h| h.cell_iter().map(|c| c.content()).collect())
        .unwrap_or_default();
    let index = |name: &str| {
        headers
            .iter()
            .position(|h| h == name || h.strip_prefix(name).is_some_and(|y| y.starts_with(' ')))
    };
    let give_way: Vec<usize> = give_way.iter().filter_map(|n| index(n)).collect();
    let wrap: Vec<usize> = wrap.iter().filter_map(|n| index(n)).collect();
    let widths: Vec<usize> = t
        .column_max_content_widths()
        .into_iter()
        .map(usize::from)
        .collect();
    let n = widths.len();
    let words_of = |text: String| -> usize {
        text.split([' ', '\n'])
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0)
    };
    let longest_word: Vec<usize> = (0..n)
        .map(|c| {
            let cells = t.column_cells_with_header_iter(c).flatten();
            cells
                .map(|cell| words_of(cell.content()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let cells_width: Vec<usize> = (0..n)
        .map(|c| {
            let cells = t.column_cells_iter(c).flatten();
            let lines = cells.flat_map(|cell| {
                let text = cell.content();
                text.lines().map(|l| l.chars().count()).collect::<Vec<_>>()
            });
            lines.max().unwrap_or(0)
        })
        .collect();
    let header_word: Vec<usize> = headers.iter().map(|h| words_of(h.clone())).collect();
    // How wide a column must be: free text its longest word, or `room` when it has that much;
    // any other column its content, and its header whole unless `whole` is false (then the
    // header wraps at its spaces).
    let need = |c: usize, room: usize, whole: bool| match (wrap.contains(&c), whole) {
        (true, _) => widths[c].min(longest_word[c].max(room)),
        (false, true) => widths[c],
        (false, false) => cells_width[c].max(header_word.get(c).copied().unwrap_or(0)),
    };
    // Each column is its width, a space either side and one border; the table one more border.
    let total = |shown: &[bool], room: usize, whole: bool| {
        (0..n)
            .filter(|c| shown[*c])
            .map(|c| need(c, room, whole) + 3)
            .sum::<usize>()
            + 1
    };
    let width = usize::from(screen.width);
    // The columns shown with `k` hidden: the first `k` of those that give way.
    let shown_with = |k: usize| {
        let mut shown = vec![true; n];
        for c in give_way.iter().take(k) {
            shown[*c] = false;
        }
        shown
    };
    // The fewest columns hidden for everything to fit in `width` with free text given `room`
    // and headers `whole`; `None` when even hiding all that give way does not do.
    let fewest = |width: usize, room: usize, whole: bool| {
        (0..=give_way.len()).find(|k| total(&shown_with(*k), room, whole) <= width)
    };
    // How many columns a table `width` wide would hide on its own: free text reads best with
    // room for a few words a line and headers whole, and one more column given up is better
    // than free text wrapped; with less room, every word still stays whole, then headers wrap
    // at their spaces.
    let would_hide = |width: usize| {
        let with_room = fewest(width, 24, true);
        fewest(width, usize::MAX, true)
            .filter(|k| with_room.is_none_or(|r| *k <= r + 1))
            .or(with_room)
            .or_else(|| fewest(width, 0, true))
            .or_else(|| fewest(width, 0, false))
            .unwrap_or(give_way.len())
    };
    // A wider screen never shows fewer columns: as many are hidden as the most any wider
    // screen would hide, up to the width where everything fits whole (and nothing is hidden).
    let everything = total(&vec![true; n], usize::MAX, true);
    let k = (width..everything.max(width) + 1)
        .map(would_hide)
        .max()
        .unwrap_or(0);
    let shown = shown_with(k);
    // With those columns, the best way that fits.
    let chosen = [(usize::MAX, true), (24, true), (0, true), (0, false)]
        .into_iter()
        .find(|(room, whole)| total(&shown, *room, *whole) <= width);
    let Some((room, whole)) = chosen else {
        // Even the least does not fit: every column that can give way does, and the rest
        // wraps where comfy-table chooses.
        for c in &give_way {
            if let Some(col) = t.column_mut(*c) {
                col.set_constraint(ColumnConstraint::Hidden);
            }
        }
        return;
    };
    // Free text shares what is left: each column its least, then the rest a column at a
    // time to the ones still short of their content.
    let mut given: Vec<usize> = (0..n).map(|c| need(c, room, whole)).collect();
    let mut spare = width.saturating_sub(
        (0..n)
            .filter(|c| shown[*c])
            .map(|c| given[c] + 3)
            .sum::<usize>()
            + 1,
    );
    while spare > 0 {
        let short: Vec<usize> = (0..n)
            .filter(|c| shown[*c] && wrap.contains(c) && given[*c] < widths[*c])
            .collect();
        if short.is_empty() {
            break;
        }
        for c in short {
            if spare == 0 {
                break;
            }
            given[c] += 1;
            spare -= 1;
        }
    }
    for (c, given) in given.into_iter().enumerate() {
        let Some(col) = t.column_mut(c) else { continue };
        if !shown[c] {
            col.set_constraint(ColumnConstraint::Hidden);
        } else {
            // The width with its padding.
            let fixed = u16::try_from(given + 2).unwrap_or(u16::MAX);
            col.set_constraint(ColumnConstraint::Absolute(comfy_table::Width::Fixed(fixed)));
        }
    }
}

/// The table `build` makes for `screen` (fitted by it), made twice on a screen that is not
/// `--wide`: with cells shortened (plan names, dates, bars) and in full. The one that hides
/// fewer columns is shown; when both hide as many, the shortened one under
/// [`Screen::ROOMY`] columns and the full one from there on. So the columns shown never
/// shrink as the screen grows: shortening never stops at a width where it saved a column.
pub(crate) fn fitted(screen: &Screen, build: impl Fn(&Screen) -> Table) -> Table {
    if screen.wide {
        return build(screen);
    }
    let short = build(&Screen {
        short: Some(true),
        ..*screen
    });
    let full = build(&Screen {
        short: Some(false),
        ..*screen
    });
    match hidden_columns(&short).cmp(&hidden_columns(&full)) {
        std::cmp::Ordering::Less => short,
        std::cmp::Ordering::Greater => full,
        std::cmp::Ordering::Equal if screen.width < Screen::ROOMY => short,
        std::cmp::Ordering::Equal => full,
    }
}

/// `text` with a break allowed after the `/` of each word longer than `longest` (a benefit's
/// `OFFER/BENEFIT`): cells wrap at spaces only, and a name wider than its column would be cut
/// anywhere.
pub(crate) fn break_names(text: &str, longest: usize) -> String {
    text.split(' ')
        .map(|word| match word.rsplit_once('/') {
            Some((head, tail)) if word.chars().count() > longest => format!("{head}/ {tail}"),
            _ => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many of a fitted table's columns are hidden.
pub(crate) fn hidden_columns(t: &Table) -> usize {
    t.column_iter().filter(|c| c.is_hidden()).count()
}

/// The year every one of `days` falls in, when they share one and the screen is narrow: the
/// column then shows them as `MM-DD` with the year in its header.
pub(crate) fn one_year(screen: &Screen, days: impl IntoIterator<Item = NaiveDate>) -> Option<i32> {
    use chrono::Datelike;
    if !screen.compact() {
        return None;
    }
    let mut years = days.into_iter().map(|d| d.year());
    let first = years.next()?;
    years.all(|y| y == first).then_some(first)
}

/// A day as a column of [`one_year`] shows it.
pub(crate) fn day(d: NaiveDate, year: Option<i32>) -> String {
    match year {
        Some(_) => d.format("%m-%d").to_string(),
        None => d.to_string(),
    }
}

/// A date column's header, with the year its days share.
pub(crate) fn day_header(name: &str, year: Option<i32>) -> String {
    match year {
        Some(y) => format!("{name} {y}"),
        None => name.to_string(),
    }
}

/// A scope or coverage as a column shows it: `on-prem` on a narrow screen.
pub(crate) fn scope(slug: &str, screen: &Screen) -> String {
    match slug {
        "on-premises" if screen.compact() => "on-prem".to_string(),
        _ => slug.to_string(),
    }
}

/// A plan's name on a narrow screen: without the words every partner plan has ("Partner",
/// "Support", "for"), when something is left ("Partner support Gold 20pack" is "Gold 20pack").
pub(crate) fn plan_name(plan: &str, screen: &Screen) -> String {
    if !screen.compact() {
        return shown(plan);
    }
    let kept: Vec<&str> = plan
        .split(' ')
        .filter(|w| !["partner", "partners", "support", "for"].contains(&w.to_lowercase().as_str()))
        .collect();
    if kept.is_empty() {
        shown(plan)
    } else {
        shown(kept.join(" "))
    }
}

/// A contract's status, green when usable, red when not, cyan when it has not started.
pub(crate) fn status_cell(status: Status) -> Cell {
    let cell = Cell::new(status.slug());
    match status {
        Status::Active => cell.fg(Color::Green),
        Status::Waiting => cell.fg(Color::Cyan),
        Status::Exhausted | Status::Expired => cell.fg(Color::Red),
    }
}

pub(crate) fn right(t: &mut Table, columns: &[usize]) {
    for &c in columns {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

pub(crate) fn allowance(a: Allowance) -> String {
    match a {
        Allowance::Incidents(n) => format!("{n} incidents"),
        Allowance::Unlimited => "unlimited".to_string(),
    }
}

/// Text read from the state file or its log, with anything that could drive the terminal or
/// hide in it (control, reordering and invisible characters) shown as escapes.
pub(crate) fn shown(v: impl std::fmt::Display) -> String {
    printable(&v.to_string())
}

/// A value as shown (see [`shown`]), or `-` for none.
pub(crate) fn or_dash(v: Option<impl std::fmt::Display>) -> String {
    v.map_or_else(|| "-".to_string(), shown)
}

/// An allowance as JSON spells it: `(unlimited, allowance)`.
pub(crate) fn counts(a: Allowance) -> (bool, Option<u32>) {
    match a {
        Allowance::Incidents(n) => (false, Some(n)),
        Allowance::Unlimited => (true, None),
    }
}

/// One thing in detail: a `Field | Value` row per field, the values wrapping at spaces.
pub(crate) fn fields(
    w: &mut dyn Write,
    screen: &Screen,
    rows: impl IntoIterator<Item = (&'static str, String)>,
) -> io::Result<()> {
    let mut t = table(screen, ["Field", "Value"]);
    for (field, value) in rows {
        t.add_row(vec![field.to_string(), value]);
    }
    fit(&mut t, screen, &[], &["Value"]);
    writeln!(w, "{t}")
}

/// A table of text cells (a report's): every column but the first and the free text (`wrap`)
/// right-aligned, fitted to the screen like every table.
pub fn plain(
    w: &mut dyn Write,
    screen: &Screen,
    header: &[&str],
    rows: &[Vec<String>],
    give_way: &[&str],
    wrap: &[&str],
) -> io::Result<()> {
    let mut t = table(screen, header.iter().copied());
    for row in rows {
        t.add_row(row.clone());
    }
    let numbers: Vec<usize> = (1..header.len())
        .filter(|c| !wrap.contains(&header[*c]))
        .collect();
    right(&mut t, &numbers);
    fit(&mut t, screen, give_way, wrap);
    writeln!(w, "{t}")
}
