//! The JSON export: the stored records as one document, Access IDs masked unless revealed
//! (`import` reads it back: `crate::exchange::export`).

use std::io;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use crate::domain::account::Account;
use crate::domain::incident::Incident;
use crate::domain::offer::Offer;
use crate::domain::state::{ContractView, Organization, PendingActivation};
use crate::store::catalog::CatalogRecord;
use crate::store::file::SCHEMA_VERSION;

/// What a JSON export says it is, so `import` can tell it from any other JSON.
pub const EXPORT_FORMAT: &str = "partner-support export";

/// The JSON export: the stored records, Access IDs masked unless revealed.
#[derive(Debug, Serialize)]
pub struct Export<'a> {
    /// Always [`EXPORT_FORMAT`].
    pub format: &'static str,
    /// The state schema the records follow.
    pub schema_version: u32,
    /// The day it was exported under.
    pub as_of: NaiveDate,
    /// The organization (with `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<&'a Organization>,
    /// The catalog the offers are of (with `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog: Option<CatalogRecord>,
    /// The other catalogs offers are of (with `all`, when there are any).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_catalogs: Vec<CatalogRecord>,
    /// Accounts (with `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<&'a [Account]>,
    /// Offers (with `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offers: Option<&'a [Offer]>,
    /// Pending activations (with `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<&'a [PendingActivation]>,
    /// Benefits declined for a year (with `all`, when there are any).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declined: Option<&'a [crate::domain::decline::Declined]>,
    /// What Partner Center showed left on contracts (with `all`, when there are any).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observations: Option<&'a [crate::domain::reconcile::Observation]>,
    /// Incidents Microsoft may refund on closure (with `all`, when there are any).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_candidates: Option<&'a [crate::domain::incident::IncidentId]>,
    /// Incidents a team's merge kept although they break a rule (with `all`, when there are
    /// any).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<&'a [crate::domain::conflict::Conflict]>,
    /// Contracts as stored (with `all` or `contracts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contracts: Option<Vec<Value>>,
    /// Incidents as stored (with `all` or `incidents`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<&'a [Incident]>,
}

impl<'a> Export<'a> {
    /// An export of nothing yet, as of `today`.
    pub fn new(as_of: NaiveDate) -> Self {
        Export {
            format: EXPORT_FORMAT,
            schema_version: SCHEMA_VERSION,
            as_of,
            organization: None,
            catalog: None,
            other_catalogs: Vec::new(),
            accounts: None,
            offers: None,
            pending: None,
            declined: None,
            observations: None,
            refund_candidates: None,
            conflicts: None,
            contracts: None,
            incidents: None,
        }
    }
}

/// Contracts as stored, their Access IDs masked unless `reveal`.
pub fn stored_contracts(views: &[ContractView<'_>], reveal: bool) -> io::Result<Vec<Value>> {
    views
        .iter()
        .map(|v| {
            let mut c = serde_json::to_value(v.contract)?;
            c["access_id"] = super::access_id(&v.contract.access_id, reveal).into();
            Ok(c)
        })
        .collect()
}
