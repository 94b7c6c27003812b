//! The product lifecycle table with its N-1 verdicts: the table, the JSON shape.

use std::io::{self, Write};

use chrono::NaiveDate;
use comfy_table::{Cell, Color};
use serde::Serialize;

use super::Screen;
use super::table::{fit, shown, table};
use crate::domain::lifecycle::{LifecycleDate, ProductVersion, Verdict};

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
            Cell::new(shown(&v.family)),
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

/// `products list --json`.
#[derive(Debug, Serialize)]
pub struct ProductsJson<'a> {
    pub as_of: NaiveDate,
    pub products: Vec<ProductJson<'a>>,
}

/// One product version of the lifecycle table, with its verdict on the day.
#[derive(Debug, Serialize)]
pub struct ProductJson<'a> {
    pub product_id: &'a str,
    pub family: &'a str,
    pub product: &'a str,
    pub policy: &'a str,
    pub start: Option<NaiveDate>,
    pub mainstream_end: Option<NaiveDate>,
    pub extended_end: Option<NaiveDate>,
    pub status: &'a str,
    pub verified: bool,
    pub source: &'a str,
    pub entitled: bool,
    pub reason: Option<String>,
}

impl<'a> ProductJson<'a> {
    /// `v`, judged `verdict`.
    pub fn new(v: &'a ProductVersion, verdict: &Verdict) -> Self {
        let day = |d: LifecycleDate| match d {
            LifecycleDate::Day(d) => Some(d),
            _ => None,
        };
        ProductJson {
            product_id: &v.product_id,
            family: &v.family,
            product: &v.product,
            policy: &v.policy,
            start: day(v.start),
            mainstream_end: day(v.mainstream_end),
            extended_end: day(v.extended_end),
            status: &v.status,
            verified: v.is_verified(),
            source: &v.source,
            entitled: verdict.is_entitled(),
            reason: verdict.reason(),
        }
    }
}
