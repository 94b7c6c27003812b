//! Offers and their membership years: the table, the JSON shape.

use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;

use super::Screen;
use super::table::{fit, or_dash, table};
use crate::domain::catalog::Catalog;
use crate::domain::offer::{Offer, Year};
use crate::domain::state::State;

/// The offers table: each offer's year in force on `today` (the last one when none is), or with
/// `all` one row per membership year.
pub fn offers(
    w: &mut dyn Write,
    screen: &Screen,
    state: &State,
    today: NaiveDate,
    all: bool,
) -> io::Result<()> {
    let offers = &state.offers;
    if offers.is_empty() {
        return writeln!(
            w,
            "No membership offers. Add one with `partner-support offer add`."
        );
    }
    // Which program each offer is of, once the record spans more than one.
    let several = !state.other_catalogs.is_empty();
    let mut header = vec!["Offer", "Title", "Option", "Category", "Year", "State"];
    if several {
        header.insert(2, "Catalog");
    }
    let mut t = table(screen, header);
    for o in offers {
        let catalog = state.catalog_of(o);
        let years = o.all_years(today);
        let shown_years: Vec<_> = match (all, o.year_on(today)) {
            (true, _) => years.clone(),
            (false, Some(current)) => vec![current],
            (false, None) => years.last().copied().into_iter().collect(),
        };
        for y in shown_years {
            let standing = match (y.contains(today), y.end < today) {
                (true, _) => "in force",
                (false, true) => "ended",
                (false, false) => "to come",
            };
            let mut row = vec![
                o.name(),
                catalog
                    .offer(&o.kind)
                    .map_or_else(|| o.kind.clone(), |k| k.title.clone()),
                or_dash(o.option.as_ref().map(|c| &c.name)),
                or_dash(o.category()),
                y.to_string(),
                standing.to_string(),
            ];
            if several {
                row.insert(2, o.catalog.clone());
            }
            t.add_row(row);
        }
    }
    fit(
        &mut t,
        screen,
        // The option is also in the offer's name; the catalog is not.
        &["Title", "Category", "Option", "Catalog"],
        &["Title", "Option"],
    );
    writeln!(w, "{t}")
}

/// An offer.
#[derive(Debug, Serialize)]
pub struct OfferJson {
    pub name: String,
    pub catalog: String,
    pub offer: String,
    pub title: String,
    pub option: Option<String>,
    pub value: Option<String>,
    pub category: Option<String>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub active: bool,
    pub year: Option<YearJson>,
    pub years: Vec<YearJson>,
    pub benefits: Vec<String>,
}

/// A membership year.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct YearJson {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl From<Year> for YearJson {
    fn from(y: Year) -> Self {
        YearJson {
            start: y.start,
            end: y.end,
        }
    }
}

impl OfferJson {
    /// The offer as of `today`, named as `catalog` names it.
    pub fn new(o: &Offer, catalog: &Catalog, today: NaiveDate) -> Self {
        let kind = catalog.offer(&o.kind);
        OfferJson {
            name: o.name(),
            catalog: o.catalog.clone(),
            offer: o.kind.clone(),
            title: kind.map_or_else(|| o.kind.clone(), |k| k.title.clone()),
            option: kind.and_then(|k| k.option.clone()),
            value: o.option.as_ref().map(|c| c.name.to_string()),
            category: o.category().map(String::from),
            start: o.start(),
            end: o.end(),
            active: o.is_active(today),
            year: o.year_on(today).map(YearJson::from),
            years: o.all_years(today).into_iter().map(YearJson::from).collect(),
            benefits: o.benefits(catalog).into_iter().map(|(n, _)| n).collect(),
        }
    }
}

/// `offer list --json`.
#[derive(Serialize)]
pub struct OffersJson {
    pub offers: Vec<OfferJson>,
}
