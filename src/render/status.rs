//! The dashboard: the organization, the account, the usable contracts and their warnings.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;

use super::Screen;
use super::account::AccountJson;
use super::benefit::membership_ended;
use super::catalog::CatalogNameJson;
use super::check::WarningJson;
use super::contract::{ContractJson, contracts, scope_total};
use super::table::shown;
use crate::domain::account::Account;
use crate::domain::catalog::Catalog;
use crate::domain::check::Finding;
use crate::domain::forecast::Forecast;
use crate::domain::state::{ContractView, Organization, ScopeTotal};
use crate::domain::values::Id;

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
    /// The program catalog in use.
    pub catalog: &'a Catalog,
    /// The other catalogs the offers are of.
    pub other_catalogs: &'a [std::sync::Arc<Catalog>],
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
        other_catalogs,
    } = *d;
    writeln!(w, "{} (partner ID {})", shown(&org.name), org.partner_id)?;
    let mut program = format!("Program: {} ({})", catalog.title, catalog.label());
    for other in other_catalogs {
        program.push_str(&format!("; also offers of {}", other.name));
    }
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

/// An organization.
#[derive(Debug, Serialize)]
pub struct OrganizationJson {
    pub partner_id: String,
    pub name: String,
}

impl From<&Organization> for OrganizationJson {
    fn from(o: &Organization) -> Self {
        OrganizationJson {
            partner_id: o.partner_id.to_string(),
            name: o.name.to_string(),
        }
    }
}

/// `status --json`: the dashboard.
#[derive(Serialize)]
pub struct StatusJson {
    pub as_of: NaiveDate,
    pub organization: Option<OrganizationJson>,
    pub catalog: CatalogNameJson,
    pub account: Option<AccountJson>,
    pub contracts: Vec<ContractJson>,
    pub warnings: Vec<WarningJson>,
}
