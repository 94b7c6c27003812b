//! When each field of a shared record was set (R23): what a merge weighs when two copies set
//! one field differently, so that the later operation's value stands whichever order copies
//! meet in. Not a record's content: operations and comparisons leave it out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::account::Account;
use super::contract::Contract;
use super::incident::Incident;
use super::offer::Offer;
use super::operation::Change;
use super::state::{Organization, State};

/// When an operation was made, as a merge orders two that set one field: its logical clock
/// first (an operation made after another was seen is later, whatever the machines' clocks
/// say), then its wall time in milliseconds since 1970 (of two made apart, at one clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(expecting = "when a field was set, as [clock, milliseconds since 1970]")]
pub struct Stamp(pub u64, pub i64);

/// For each field a change set after a record was made, when that operation was made.
pub type Stamps = BTreeMap<String, Stamp>;

/// A shared record that notes when each of its fields was set.
pub trait Stamped: Clone + PartialEq {
    /// Its stamps.
    fn stamps_mut(&mut self) -> &mut Stamps;

    /// The same record as `other`, whenever its fields were set.
    fn same_as(&self, other: &Self) -> bool {
        let plain = |r: &Self| {
            let mut r = r.clone();
            r.stamps_mut().clear();
            r
        };
        self == other || plain(self) == plain(other)
    }
}

macro_rules! stamped {
    ($($record:ty),*) => {
        $(impl Stamped for $record {
            fn stamps_mut(&mut self) -> &mut Stamps {
                &mut self.set_at
            }
        })*
    };
}

stamped!(Incident, Contract, Account, Offer, Organization);

impl State {
    /// Notes on each record an operation made at `stamp` changed which fields it set, so that
    /// a merge of copies that set one of them differently keeps the later operation's value. A
    /// record the operation added has none: what it was made with is no change.
    pub fn stamp(&mut self, changes: &[Change], stamp: Stamp) {
        for change in changes {
            let (Some(_), Some(set)) = (&change.was, &change.set) else {
                continue;
            };
            let fields = set.keys().map(|field| (field.clone(), stamp));
            let key = change.key.as_str();
            match change.collection.as_str() {
                "incidents" => {
                    let Some(mut incident) = key
                        .parse()
                        .ok()
                        .and_then(|id| self.incidents.record(id).cloned())
                    else {
                        continue;
                    };
                    incident.set_at.extend(fields);
                    self.incidents.replace(incident);
                }
                "contracts" => {
                    if let Some(c) = self
                        .contracts
                        .iter_mut()
                        .find(|c| c.contract_id.as_str() == key)
                    {
                        c.set_at.extend(fields);
                    }
                }
                "accounts" => {
                    if let Some(a) = self.accounts.iter_mut().find(|a| a.email.as_str() == key) {
                        a.set_at.extend(fields);
                    }
                }
                "offers" => {
                    if let Some(o) = self.offers.iter_mut().find(|o| o.name() == key) {
                        o.set_at.extend(fields);
                    }
                }
                "organization" => {
                    if let Some(o) = &mut self.organization {
                        o.set_at.extend(fields);
                    }
                }
                _ => {}
            }
        }
    }
}
