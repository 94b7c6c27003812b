//! Human output: comfy-table tables and short text blocks.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::NaiveDate;
use comfy_table::{
    Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, presets,
};

use crate::domain::account::{Account, AccountKind};
use crate::domain::activation::{BenefitState, BenefitView, PENDING_HINT_DAYS};
use crate::domain::catalog::Catalog;
use crate::domain::check::Finding;
use crate::domain::contract::{Allowance, Scope, Status};
use crate::domain::forecast::Forecast;
use crate::domain::incident::{CSP_PLAN, Incident};
use crate::domain::lifecycle::{ProductVersion, Verdict};
use crate::domain::offer::{Offer, Year};
use crate::domain::state::{ContractView, HistoryEntry, Lapsed, Organization, ScopeTotal};
use crate::domain::values::Id;

use super::{Screen, access_id, bar};
use crate::domain::values::printable;

/// The R1 message, in Partner Center's words.
pub const NO_BENEFITS: &str = "Looks like you don't have any benefits yet";

/// A table for `screen`: as wide as its content with `--wide`, else at most the screen's width,
/// cells wrapping at spaces where they must.
fn table<H: Into<Cell>>(screen: &Screen, header: impl IntoIterator<Item = H>) -> Table {
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
fn fit(t: &mut Table, screen: &Screen, give_way: &[&str], wrap: &[&str]) {
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
    // Free text reads best with room for a few words a line, headers whole; with less, every
    // word still stays whole. The fewest columns hidden with the most room.
    let hide = |room: usize, whole: bool| {
        let mut shown = vec![true; n];
        let mut order = give_way.iter();
        while total(&shown, room, whole) > width {
            shown[*order.next()?] = false;
        }
        Some(shown)
    };
    let hidden = |shown: &[bool]| shown.iter().filter(|s| !**s).count();
    // One more column given up is better than free text wrapped: everything whole first, when
    // that hides at most one column more than room for a few words a line does.
    let with_room = hide(24, true);
    let whole_text = hide(usize::MAX, true)
        .filter(|s| {
            with_room
                .as_ref()
                .is_none_or(|r| hidden(s) <= hidden(r) + 1)
        })
        .map(|s| (s, usize::MAX, true));
    let chosen = whole_text.or_else(|| {
        [(24, true), (0, true), (0, false)]
            .into_iter()
            .find_map(|(room, whole)| hide(room, whole).map(|s| (s, room, whole)))
    });
    let Some((shown, room, whole)) = chosen else {
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

/// The year every one of `days` falls in, when they share one and the screen is narrow: the
/// column then shows them as `MM-DD` with the year in its header.
fn one_year(screen: &Screen, days: impl IntoIterator<Item = NaiveDate>) -> Option<i32> {
    use chrono::Datelike;
    if !screen.compact() {
        return None;
    }
    let mut years = days.into_iter().map(|d| d.year());
    let first = years.next()?;
    years.all(|y| y == first).then_some(first)
}

/// A day as a column of [`one_year`] shows it.
fn day(d: NaiveDate, year: Option<i32>) -> String {
    match year {
        Some(_) => d.format("%m-%d").to_string(),
        None => d.to_string(),
    }
}

/// A date column's header, with the year its days share.
fn day_header(name: &str, year: Option<i32>) -> String {
    match year {
        Some(y) => format!("{name} {y}"),
        None => name.to_string(),
    }
}

/// A scope or coverage as a column shows it: `on-prem` on a narrow screen.
fn scope(slug: &str, screen: &Screen) -> String {
    match slug {
        "on-premises" if screen.compact() => "on-prem".to_string(),
        _ => slug.to_string(),
    }
}

/// A plan's name on a narrow screen: without the words every partner plan has ("Partner",
/// "Support", "for"), when something is left ("Partner support Gold 20pack" is "Gold 20pack").
fn plan_name(plan: &str, screen: &Screen) -> String {
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
fn status_cell(status: Status) -> Cell {
    let cell = Cell::new(status.slug());
    match status {
        Status::Active => cell.fg(Color::Green),
        Status::Waiting => cell.fg(Color::Cyan),
        Status::Exhausted | Status::Expired => cell.fg(Color::Red),
    }
}

fn right(t: &mut Table, columns: &[usize]) {
    for &c in columns {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn allowance(a: Allowance) -> String {
    match a {
        Allowance::Incidents(n) => format!("{n} incidents"),
        Allowance::Unlimited => "unlimited".to_string(),
    }
}

/// Text read from the state file or its log, with anything that could drive the terminal or
/// hide in it (control, reordering and invisible characters) shown as escapes.
fn shown(v: impl std::fmt::Display) -> String {
    printable(&v.to_string())
}

/// A value as shown (see [`shown`]), or `-` for none.
pub(super) fn or_dash(v: Option<impl std::fmt::Display>) -> String {
    v.map_or_else(|| "-".to_string(), shown)
}

/// The offers table: each offer's year in force on `today` (the last one when none is), or with
/// `all` one row per membership year.
pub fn offers(
    w: &mut dyn Write,
    screen: &Screen,
    offers: &[Offer],
    catalog: &Catalog,
    today: NaiveDate,
    all: bool,
) -> io::Result<()> {
    if offers.is_empty() {
        return writeln!(
            w,
            "No membership offers. Add one with `partner-support offer add`."
        );
    }
    let mut t = table(
        screen,
        ["Offer", "Title", "Option", "Category", "Year", "State"],
    );
    for o in offers {
        let years = o.all_years(today);
        let shown_years: Vec<_> = match (all, o.year_on(today)) {
            (true, _) => years.clone(),
            (false, Some(current)) => vec![current],
            (false, None) => years.last().copied().into_iter().collect(),
        };
        for y in shown_years {
            let state = match (y.contains(today), y.end < today) {
                (true, _) => "in force",
                (false, true) => "ended",
                (false, false) => "to come",
            };
            t.add_row(vec![
                o.name(),
                catalog
                    .offer(&o.kind)
                    .map_or_else(|| o.kind.clone(), |k| k.title.clone()),
                or_dash(o.option.as_ref().map(|c| &c.name)),
                or_dash(o.category()),
                y.to_string(),
                state.to_string(),
            ]);
        }
    }
    fit(&mut t, screen, &["Title", "Category"], &["Title", "Option"]);
    writeln!(w, "{t}")
}

/// The accounts table.
pub fn accounts(
    w: &mut dyn Write,
    screen: &Screen,
    accounts: &[Account],
    current: Option<&str>,
) -> io::Result<()> {
    if accounts.is_empty() {
        return writeln!(
            w,
            "No accounts. Add one with `partner-support account add EMAIL --role ROLE`."
        );
    }
    let mut t = table(screen, ["", "Account", "Kind", "Roles", "Association"]);
    for a in accounts {
        let roles: Vec<_> = a.roles.iter().map(|r| r.slug()).collect();
        t.add_row(vec![
            if current == Some(a.email.as_str()) {
                "*"
            } else {
                ""
            }
            .to_string(),
            a.email.to_string(),
            match a.kind {
                AccountKind::Aad => "work (AAD)",
                AccountKind::Msa => "personal (MSA)",
            }
            .to_string(),
            if roles.is_empty() {
                "-".to_string()
            } else {
                roles.join(", ")
            },
            if a.csp_only { "CSP only" } else { "MPN" }.to_string(),
        ]);
    }
    fit(&mut t, screen, &[], &["Roles", "Association"]);
    writeln!(w, "{t}")
}

/// The Technical benefits page (R1 when empty).
pub fn benefits(
    w: &mut dyn Write,
    screen: &Screen,
    views: &[BenefitView<'_>],
    catalog: &Catalog,
    today: NaiveDate,
    ended: Option<NaiveDate>,
) -> io::Result<()> {
    if views.is_empty() {
        if let Some(on) = ended {
            return writeln!(w, "{}", membership_ended(on));
        }
        writeln!(w, "{NO_BENEFITS}.")?;
        return writeln!(w, "{}", add_an_offer(catalog));
    }
    let mut t = table(
        screen,
        ["Benefit", "Year", "Support", "Scope", "Allowance", "State"],
    );
    for b in views {
        let state = match &b.state {
            BenefitState::NotActivated => "not activated".to_string(),
            BenefitState::Pending { since, .. } => {
                let days = (today - *since).num_days();
                let mut s = format!("pending since {since}");
                if days > PENDING_HINT_DAYS {
                    s.push_str(&format!(" ({days} days: check Partner Center)"));
                }
                s
            }
            BenefitState::Active { contract } => format!("active: contract {contract}"),
            BenefitState::Lapsed { contract, status } if screen.compact() => {
                format!("{}: contract {contract}", status.slug())
            }
            BenefitState::Lapsed { contract, status } => format!(
                "{}: contract {contract}; the next allocation comes with the next year",
                status.slug()
            ),
        };
        t.add_row(vec![
            b.name.clone(),
            b.year.to_string(),
            b.entitlement.kind.title.clone(),
            scope(b.entitlement.coverage.slug(), screen),
            allowance(b.entitlement.allowance),
            state,
        ]);
    }
    fit(
        &mut t,
        screen,
        &["Year", "Support", "Allowance"],
        &["Support", "State"],
    );
    writeln!(w, "{t}")
}

/// R1's hint: how to add an offer of `catalog`, one without an option and one with, when it
/// has them.
fn add_an_offer(catalog: &Catalog) -> String {
    let plain = catalog.offers.iter().find(|o| o.option.is_none());
    let with = catalog.offers.iter().rev().find(|o| o.option.is_some());
    let with = with.map(|o| {
        let option = o.option.as_deref().unwrap_or_default();
        format!(
            "`offer add {} {} NAME`",
            o.id,
            crate::domain::catalog::option_flag(option)
        )
    });
    match (plain, with) {
        (Some(p), Some(w)) => format!(
            "Add a membership offer first: `partner-support offer add {}`, or {w}.",
            p.id
        ),
        (Some(p), None) => format!(
            "Add a membership offer first: `partner-support offer add {}`.",
            p.id
        ),
        (None, Some(w)) => format!("Add a membership offer first: `partner-support {}.", &w[1..]),
        (None, None) => "Add a membership offer first: `partner-support catalog show` lists the catalog's offers.".into(),
    }
}

/// What `benefits` and `status` say once every offer has ended (R17).
pub fn membership_ended(on: NaiveDate) -> String {
    format!(
        "The membership ended on {on}. `partner-support offer renew NAME` adds the next year (`offer list --all` shows the years)."
    )
}

/// What a contract has left with a bar (on a roomy screen), for one that can still be used;
/// else in words.
fn left(v: &ContractView<'_>, screen: &Screen) -> String {
    match (v.status, v.remaining, v.contract.allowance) {
        (Status::Active | Status::Exhausted, Some(r), Allowance::Incidents(n)) => {
            if screen.compact() {
                format!("{r}/{n}")
            } else {
                format!("{} {r}/{n}", bar(r, n))
            }
        }
        _ => left_text(v),
    }
}

/// The contracts table; `with_reason` adds why a contract is unavailable (R7).
pub fn contracts(
    w: &mut dyn Write,
    screen: &Screen,
    views: &[ContractView<'_>],
    reveal: bool,
    with_reason: bool,
    forecasts: Option<&BTreeMap<Id, Forecast>>,
) -> io::Result<()> {
    if views.is_empty() {
        return writeln!(
            w,
            "No usable contracts. `--all` also lists expired and exhausted ones."
        );
    }
    let starts = one_year(screen, views.iter().map(|v| v.contract.start));
    let ends = one_year(screen, views.iter().map(|v| v.contract.end));
    let mut header = vec![
        "Contract".to_string(),
        "Access ID".into(),
        "Plan".into(),
        "Scope".into(),
        "Charged".into(),
        "Refunded".into(),
        "Left".into(),
        day_header("Start", starts),
        day_header("End", ends),
        "Days left".into(),
        "Status".into(),
    ];
    if forecasts.is_some() {
        header.push("Runs out".into());
    }
    if with_reason {
        header.push("Reason".into());
    }
    let mut t = table(screen, header);
    for v in views {
        let c = v.contract;
        let mut row: Vec<Cell> = [
            c.contract_id.to_string(),
            access_id(&c.access_id, reveal),
            plan_name(c.plan.as_str(), screen),
            scope(c.coverage.slug(), screen),
            v.usage.charged.to_string(),
            v.usage.refunded.to_string(),
            left(v, screen),
            day(c.start, starts),
            day(c.end, ends),
            v.days_left.max(0).to_string(),
        ]
        .into_iter()
        .map(Cell::new)
        .collect();
        row.push(status_cell(v.status));
        if let Some(forecasts) = forecasts {
            row.push(Cell::new(runs_out(forecasts, v)));
        }
        if with_reason {
            row.push(Cell::new(v.reason().unwrap_or_default()));
        }
        t.add_row(row);
    }
    right(&mut t, &[4, 5, 9]);
    // Runs out gives way last of those that can: it is what a manager reads first. With the
    // reason, which says why a contract is not usable, the status can go too.
    let give_way: &[&str] = match with_reason {
        true => &[
            "Start",
            "Refunded",
            "Charged",
            "Access ID",
            "Days left",
            "Status",
            "Runs out",
        ],
        false => &[
            "Start",
            "Refunded",
            "Charged",
            "Access ID",
            "Days left",
            "Runs out",
        ],
    };
    fit(&mut t, screen, give_way, &["Plan", "Left", "Reason"]);
    writeln!(w, "{t}")
}

/// One contract in detail, with its incidents.
pub fn contract_detail(
    w: &mut dyn Write,
    screen: &Screen,
    v: &ContractView<'_>,
    year: Option<Year>,
    incidents: &[Incident],
    reveal: bool,
) -> io::Result<()> {
    let c = v.contract;
    let mut t = table(screen, ["Field", "Value"]);
    let linked: Vec<_> = c.linked_accounts.iter().map(|e| e.as_str()).collect();
    let rows = [
        ("Contract ID", c.contract_id.to_string()),
        ("Access ID", access_id(&c.access_id, reveal)),
        ("Plan", shown(&c.plan)),
        ("Benefit", or_dash(c.benefit.as_ref())),
        ("Membership year", or_dash(year)),
        ("Scope", c.coverage.slug().to_string()),
        ("Allowance", allowance(c.allowance)),
        ("Charged", v.usage.charged.to_string()),
        ("Refunded", v.usage.refunded.to_string()),
        ("Left", left(v, screen)),
        ("Start", c.start.to_string()),
        (
            "End",
            format!("{} ({} days left)", c.end, v.days_left.max(0)),
        ),
        (
            "Status",
            match v.reason() {
                Some(r) => format!("{} ({r})", v.status.slug()),
                None => v.status.slug().to_string(),
            },
        ),
        (
            "Linked accounts",
            if linked.is_empty() {
                "-".into()
            } else {
                linked.join(", ")
            },
        ),
    ];
    for (k, val) in rows {
        t.add_row(vec![k.to_string(), val]);
    }
    fit(&mut t, screen, &[], &["Value"]);
    writeln!(w, "{t}")?;
    if !incidents.is_empty() {
        writeln!(w)?;
        self::incidents(w, screen, incidents, |_| Some(c.plan.to_string()))?;
    }
    Ok(())
}

/// The incidents table; `plan` names an incident's contract plan.
pub fn incidents(
    w: &mut dyn Write,
    screen: &Screen,
    incidents: &[Incident],
    plan: impl Fn(&Incident) -> Option<String>,
) -> io::Result<()> {
    if incidents.is_empty() {
        return writeln!(
            w,
            "No incidents. `--all` also lists closed and voided ones."
        );
    }
    let opened = one_year(screen, incidents.iter().map(|i| i.opened_on));
    let mut t = table(
        screen,
        [
            "ID".to_string(),
            day_header("Opened", opened),
            "Scope".into(),
            "Title".into(),
            "Product".into(),
            "Contract".into(),
            "Case".into(),
            "By".into(),
            "State".into(),
        ],
    );
    for i in incidents {
        let contract = match (&i.contract_id, &i.csp_customer) {
            // On a narrow screen the contract's ID says enough.
            (Some(c), _) if screen.compact() => c.to_string(),
            (Some(c), _) => match plan(i) {
                Some(plan) => format!("{c} ({})", shown(plan)),
                // Its contract is not there on the day read (R15): a hand edit doctor names.
                None => c.to_string(),
            },
            (None, Some(tenant)) => format!("{CSP_PLAN}: {tenant}"),
            (None, None) => "-".to_string(),
        };
        let mut state = match i.closed_on {
            Some(on) => format!("closed {on}"),
            None => "open".to_string(),
        };
        if let Some(r) = &i.refund {
            state.push_str(&format!(", refunded {} ({})", r.on, r.reason.slug()));
        }
        if let Some(v) = &i.void {
            state = format!("voided {}: {}", v.on, shown(&v.reason));
        }
        t.add_row(vec![
            i.id.to_string(),
            day(i.opened_on, opened),
            scope(i.scope.slug(), screen),
            shown(&i.title),
            or_dash(i.product.as_ref()),
            contract,
            or_dash(i.case_number.as_ref()),
            or_dash(i.opened_by.as_ref()),
            state,
        ]);
    }
    fit(
        &mut t,
        screen,
        &["By", "Case", "Product", "Scope", "Opened"],
        &["Title", "Product", "Contract", "State"],
    );
    writeln!(w, "{t}")
}

/// The products table: each version's dates, how sure they are, and its N-1 verdict.
pub fn products(
    w: &mut dyn Write,
    screen: &Screen,
    rows: &[(&ProductVersion, Verdict)],
) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(
            w,
            "No product versions. `--all` also lists those past extended support."
        );
    }
    let mut t = table(
        screen,
        [
            "Product",
            "Family",
            "Released",
            "Mainstream end",
            "Extended end",
            "Dates",
            "N-1",
        ],
    );
    for (v, verdict) in rows {
        let n1 = match verdict {
            Verdict::Newest => Cell::new("entitled (N)").fg(Color::Green),
            Verdict::Previous => Cell::new("entitled (N-1)").fg(Color::Green),
            Verdict::Undetermined => Cell::new("not checked: no release date").fg(Color::Yellow),
            other => Cell::new(other.reason().unwrap_or_default()).fg(Color::Red),
        };
        let dates = Cell::new(&v.status);
        let dates = match v.is_verified() {
            true => dates,
            false => dates.fg(Color::Yellow),
        };
        t.add_row(vec![
            Cell::new(shown(&v.product)),
            Cell::new(&v.family),
            Cell::new(v.start.to_string()),
            Cell::new(v.mainstream_end.to_string()),
            Cell::new(v.extended_end.to_string()),
            dates,
            n1,
        ]);
    }
    fit(
        &mut t,
        screen,
        &["Family", "Released", "Mainstream end", "Dates"],
        &["Product", "N-1"],
    );
    writeln!(w, "{t}")
}

/// The profiles table.
pub fn profiles(
    w: &mut dyn Write,
    screen: &Screen,
    profiles: &[super::json::ProfileJson],
) -> io::Result<()> {
    if profiles.is_empty() {
        return writeln!(
            w,
            "No profiles yet: `partner-support --profile NAME init …` makes one."
        );
    }
    let mut t = table(screen, ["", "Profile", "Organization", "State file"]);
    for p in profiles {
        t.add_row(vec![
            if p.current { "*" } else { "" }.to_string(),
            p.name.clone(),
            or_dash(p.organization.as_ref()),
            p.path.clone(),
        ]);
    }
    fit(&mut t, screen, &[], &["Organization", "State file"]);
    writeln!(w, "{t}")
}

/// The history table: one row per change, with the balances it moved.
pub fn history(w: &mut dyn Write, screen: &Screen, entries: &[HistoryEntry]) -> io::Result<()> {
    if entries.is_empty() {
        return writeln!(w, "No changes recorded.");
    }
    let mut t = table(
        screen,
        ["#", "Day", "At (UTC)", "Account", "Action", "What"],
    );
    for e in entries {
        let mut what = shown(&e.summary);
        for b in &e.balances {
            let count = |used: u32, left: Option<u32>| match left {
                Some(left) => format!("{left} left"),
                None => format!("{used} used"),
            };
            what.push_str(&format!(
                "; {}: {} → {}",
                b.contract,
                count(b.used_before, b.remaining_before),
                count(b.used_after, b.remaining_after)
            ));
        }
        t.add_row(vec![
            e.revision.to_string(),
            e.as_of.to_string(),
            e.at.format("%Y-%m-%d %H:%M").to_string(),
            or_dash(e.account.as_ref()),
            shown(&e.action),
            what,
        ]);
    }
    right(&mut t, &[0]);
    fit(
        &mut t,
        screen,
        &["At (UTC)", "Account"],
        &["Action", "What"],
    );
    writeln!(w, "{t}")
}

/// `incidents remaining`: one row per contract, then the totals.
pub fn remaining(
    w: &mut dyn Write,
    screen: &Screen,
    views: &[ContractView<'_>],
    forecasts: &BTreeMap<Id, Forecast>,
    by_scope: &[ScopeTotal],
) -> io::Result<()> {
    if views.is_empty() {
        return writeln!(w, "No usable contracts: no incidents remaining.");
    }
    let ends = one_year(screen, views.iter().map(|v| v.contract.end));
    let mut t = table(
        screen,
        [
            "Contract".to_string(),
            "Plan".into(),
            "Scope".into(),
            "Allowance".into(),
            "Charged".into(),
            "Refunded".into(),
            "Left".into(),
            day_header("End", ends),
            "Days left".into(),
            "Runs out".into(),
        ],
    );
    for v in views {
        let c = v.contract;
        t.add_row(vec![
            c.contract_id.to_string(),
            plan_name(c.plan.as_str(), screen),
            scope(c.coverage.slug(), screen),
            c.allowance.to_string(),
            v.usage.charged.to_string(),
            v.usage.refunded.to_string(),
            left_text(v),
            day(c.end, ends),
            v.days_left.max(0).to_string(),
            runs_out(forecasts, v),
        ]);
    }
    right(&mut t, &[3, 4, 5, 6, 8]);
    fit(
        &mut t,
        screen,
        // What this table is for, charged, refunded and left, goes last.
        &["Allowance", "Days left", "Runs out", "Refunded", "Charged"],
        &["Plan", "Left"],
    );
    writeln!(w, "{t}")?;
    for total in by_scope {
        writeln!(w, "{}", scope_total(total))?;
    }
    Ok(())
}

/// When a contract runs out at its recent rate (R20): a day before its end, or "—".
fn runs_out(forecasts: &BTreeMap<Id, Forecast>, v: &ContractView<'_>) -> String {
    forecasts
        .get(&v.contract.contract_id)
        .and_then(|f| f.runs_out_on)
        .map_or_else(|| "—".to_string(), |d| d.to_string())
}

/// One year's lapsed incidents as a line: "Lapsed unused in 2026: 8 (6000010: 8)".
pub fn lapsed(l: &Lapsed) -> String {
    let each: Vec<String> = l
        .contracts
        .iter()
        .map(|(id, n)| format!("{id}: {n}"))
        .collect();
    format!(
        "Lapsed unused in {}: {} ({})",
        l.year,
        l.incidents,
        each.join(", ")
    )
}

/// One scope's total as a line: "On-premises: 58 left in 4 contracts, next end 2027-01-18".
pub fn scope_total(t: &ScopeTotal) -> String {
    let name = match t.scope {
        Scope::OnPremises => "On-premises",
        Scope::Cloud => "Cloud",
    };
    let limited = match (t.contracts, t.next_end) {
        (0, _) | (_, None) => None,
        (n, Some(end)) => Some(format!(
            "{} left in {n} contract{}, next end {end}",
            t.left,
            if n == 1 { "" } else { "s" }
        )),
    };
    match (t.unlimited_until, limited) {
        (Some(until), None) => format!("{name}: unlimited until {until}"),
        (Some(until), Some(l)) => format!("{name}: unlimited until {until} (and {l})"),
        (None, Some(l)) => format!("{name}: {l}"),
        (None, None) => format!("{name}: nothing usable today"),
    }
}

/// What a contract has left, in words: a waiting one says when it starts, an expired one what
/// lapsed unused (R19).
fn left_text(v: &ContractView<'_>) -> String {
    match (v.status, v.remaining) {
        (Status::Waiting, _) => {
            let days = v.starts_in_days().unwrap_or_default();
            format!("starts in {days} day{}", if days == 1 { "" } else { "s" })
        }
        (Status::Expired, Some(0)) => "none lapsed".to_string(),
        (Status::Expired, Some(n)) => format!("{n} lapsed unused"),
        (_, Some(r)) => r.to_string(),
        (_, None) => "unlimited".to_string(),
    }
}

/// What the dashboard shows.
pub struct Dashboard<'a> {
    /// The organization.
    pub org: &'a Organization,
    /// The account acting, if any.
    pub account: Option<&'a Account>,
    /// The usable contracts.
    pub views: &'a [ContractView<'a>],
    /// Their forecasts (R20).
    pub forecasts: &'a BTreeMap<Id, Forecast>,
    /// What needs attention.
    pub warnings: &'a [Finding],
    /// The day the membership ended, when every offer has.
    pub ended: Option<NaiveDate>,
    /// The day it is as of.
    pub today: NaiveDate,
    /// The program catalog.
    pub catalog: &'a Catalog,
}

/// The dashboard.
pub fn status(
    w: &mut dyn Write,
    screen: &Screen,
    d: &Dashboard<'_>,
    reveal: bool,
) -> io::Result<()> {
    let Dashboard {
        org,
        account,
        views,
        forecasts,
        warnings,
        ended,
        today,
        catalog,
    } = *d;
    writeln!(w, "{} (partner ID {})", shown(&org.name), org.partner_id)?;
    let program = format!("Program: {} ({})", catalog.title, catalog.label());
    writeln!(w, "{}", screen.wrap(&program, 9))?;
    match account {
        Some(a) => {
            let roles: Vec<_> = a.roles.iter().map(|r| r.slug()).collect();
            let roles = if roles.is_empty() {
                "no roles".to_string()
            } else {
                roles.join(", ")
            };
            writeln!(w, "Account: {} ({roles})", a.email)?;
        }
        None => writeln!(
            w,
            "Account: none selected (`partner-support account use EMAIL`)"
        )?,
    }
    writeln!(w, "As of:   {today}")?;
    if let Some(on) = ended {
        writeln!(w, "{}", screen.wrap(&membership_ended(on), 0))?;
    }
    writeln!(w)?;
    contracts(w, screen, views, reveal, false, Some(forecasts))?;
    if !views.is_empty() {
        for total in ScopeTotal::of(views) {
            writeln!(w, "{}", scope_total(&total))?;
        }
    }
    if !warnings.is_empty() {
        writeln!(w)?;
        writeln!(w, "Warnings:")?;
        for f in warnings {
            writeln!(w, "{}", super::check::line(f, screen, "  ! ", 4))?;
        }
    }
    Ok(())
}

/// `catalog show`: the program, its offers with the benefits each yields, the values of its
/// options, and where every figure comes from.
pub fn catalog(w: &mut dyn Write, screen: &Screen, c: &Catalog) -> io::Result<()> {
    let origin = if c.copy.is_some() {
        "a file's copy"
    } else {
        "built in"
    };
    let say = |w: &mut dyn Write, text: String, indent: usize| {
        writeln!(w, "{}", screen.wrap(&text, indent))
    };
    say(
        w,
        format!("{} — catalog {} ({origin})", c.title, c.label()),
        2,
    )?;
    if let Some(note) = &c.note {
        say(w, format!("Note: {note}"), 2)?;
    }
    let mut t = table(
        screen,
        [
            "Offer",
            "Option",
            "Benefit",
            "Scope",
            "Allowance",
            "Plan",
            "Valid",
            "N-1",
        ],
    );
    let offer_cell = |o: &crate::domain::catalog::OfferKind| match screen.compact() {
        true => o.id.clone(),
        false => format!("{} ({})", o.id, o.title),
    };
    let mut sources = Vec::new();
    for o in &c.offers {
        if o.grants.is_empty() {
            t.add_row(vec![
                offer_cell(o),
                or_dash(o.option.as_ref()),
                "no support benefit".to_string(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
            ]);
        }
        for g in &o.grants {
            let kind = c.benefit(&g.benefit);
            let option = match (&o.option, &g.category) {
                (Some(opt), Some(cat)) => format!("{opt}: {cat}"),
                (Some(opt), None) => opt.clone(),
                (None, _) => "-".into(),
            };
            t.add_row(vec![
                offer_cell(o),
                option,
                match kind {
                    Some(k) if !screen.compact() => format!("{} ({})", k.id, k.title),
                    _ => g.benefit.clone(),
                },
                kind.map_or("-", |k| k.coverage.slug()).to_string(),
                allowance(g.allowance),
                g.plan.clone(),
                g.validity.to_string(),
                if kind.is_none_or(|k| k.n_minus_one) {
                    "yes"
                } else {
                    "no"
                }
                .to_string(),
            ]);
            let which = match &g.category {
                Some(cat) => format!("{}/{} ({cat})", o.id, g.benefit),
                None => format!("{}/{}", o.id, g.benefit),
            };
            sources.push(format!("{which}: {}", g.source));
        }
    }
    fit(
        &mut t,
        screen,
        &["Valid", "Plan", "N-1"],
        &["Offer", "Option", "Benefit", "Plan"],
    );
    writeln!(w, "{t}")?;
    for option in &c.options {
        let values = |category: Option<&String>| {
            option
                .values
                .iter()
                .filter(|(_, c)| c.as_ref() == category)
                .map(|(v, _)| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let open = if option.open {
            " (others are kept when their category is said)"
        } else {
            ""
        };
        if option.categories.is_empty() {
            say(
                w,
                format!("{} values{open}: {}", option.id, values(None)),
                2,
            )?;
        } else {
            say(w, format!("{} values{open}:", option.id), 2)?;
            for category in &option.categories {
                say(w, format!("  {category}: {}", values(Some(category))), 4)?;
            }
        }
    }
    for b in &c.benefits {
        if !b.aliases.is_empty() {
            let aliases = b.aliases.join(", ");
            say(w, format!("{} is also called: {aliases}", b.id), 2)?;
        }
    }
    writeln!(w, "Sources:")?;
    if let Some(source) = &c.source {
        say(w, format!("  {}: {source}", c.name), 4)?;
    }
    for s in sources {
        say(w, format!("  {s}"), 4)?;
    }
    Ok(())
}

/// `catalog list`: the built-in catalogs (and a file's the state uses), marking the one in use.
pub fn catalogs(
    w: &mut dyn Write,
    screen: &Screen,
    catalogs: &[Catalog],
    in_use: &Catalog,
) -> io::Result<()> {
    let mut t = table(
        screen,
        ["", "Catalog", "Version", "Program", "Offers", "From"],
    );
    for c in catalogs {
        t.add_row(vec![
            if c == in_use { "*" } else { "" }.to_string(),
            c.name.clone(),
            c.version.clone(),
            c.title.clone(),
            c.offers
                .iter()
                .map(|o| o.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if c.copy.is_some() {
                "the state's copy of a file"
            } else {
                "built in"
            }
            .to_string(),
        ]);
    }
    fit(&mut t, screen, &["From"], &["Program", "Offers"]);
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

/// What an import of Azure tickets did (or, with `-n`, would do) with each ticket.
pub fn tickets(
    w: &mut dyn Write,
    screen: &Screen,
    outcomes: &[crate::domain::tickets::TicketOutcome],
) -> io::Result<()> {
    use crate::domain::tickets::Fate;
    if outcomes.is_empty() {
        return writeln!(w, "No tickets in the file.");
    }
    let mut t = table(
        screen,
        [
            "Case", "Opened", "Title", "Plan", "Outcome", "Closed", "Note",
        ],
    );
    for o in outcomes {
        let tk = &o.ticket;
        let outcome = match &o.fate {
            Fate::Charged { incident, contract } => format!("{incident} on {contract}"),
            Fate::Duplicate { incident } => format!("already {incident}"),
            Fate::Skipped => "skipped: not a partner plan".to_string(),
        };
        let note = match (&o.fate, tk.may_be_refunded()) {
            (Fate::Charged { .. }, true) => "may be refunded on closure",
            _ => "",
        };
        t.add_row(vec![
            tk.case.to_string(),
            tk.opened_on.to_string(),
            shown(&tk.title),
            or_dash(tk.plan.as_ref()),
            outcome,
            or_dash(tk.closed_on),
            note.to_string(),
        ]);
    }
    fit(
        &mut t,
        screen,
        &["Closed", "Plan", "Opened"],
        &["Title", "Plan", "Outcome", "Note"],
    );
    writeln!(w, "{t}")
}
