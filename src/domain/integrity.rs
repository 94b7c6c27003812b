//! Consistency rules a well-formed state file can still break (a hand edit, a bad merge): every
//! reference resolves, every key is unique, no count or date range is impossible.

use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap, HashSet};

use super::contract::Allowance;
use super::incident::IncidentId;
use super::state::State;
use super::values::Id;

/// One broken consistency rule. Messages name the records involved, never an Access ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// Two contracts share a Contract ID.
    #[error("contract `{0}` is recorded twice")]
    DuplicateContract(String),
    /// Two contracts share an Access ID.
    #[error("contracts `{0}` and `{1}` have the same Access ID")]
    DuplicateAccessId(String, String),
    /// Two incidents share an ID.
    #[error("incident {0} is recorded twice")]
    DuplicateIncident(IncidentId),
    /// Two accounts share an e-mail address.
    #[error("account `{0}` is recorded twice")]
    DuplicateAccount(String),
    /// Two offers have the same name.
    #[error("offer `{0}` is recorded twice")]
    DuplicateOffer(String),
    /// An incident is charged to a contract that is not recorded.
    #[error("incident {incident} is charged to contract `{contract}`, which is not recorded")]
    MissingContract {
        /// The incident.
        incident: IncidentId,
        /// The Contract ID it names.
        contract: String,
    },
    /// An incident that charged no contract is marked refunded: one more refund than charge.
    #[error("incident {0} is refunded but was charged to no contract (more refunds than charges)")]
    RefundWithoutCharge(IncidentId),
    /// A contract has more incidents charged (net of refunds) than it grants.
    #[error(
        "contract `{contract}` has more incidents charged ({used}) than it grants ({allowance})"
    )]
    OverCharged {
        /// The contract.
        contract: String,
        /// Charged minus refunded.
        used: u32,
        /// What it grants.
        allowance: u32,
    },
    /// A contract ends before it starts.
    #[error("contract `{contract}` ends on {end}, before it starts on {start}")]
    ContractEndsBeforeStart {
        /// The contract.
        contract: String,
        /// First day.
        start: NaiveDate,
        /// Last day.
        end: NaiveDate,
    },
    /// An offer ends before it starts.
    #[error("offer `{offer}` ends on {end}, before it starts on {start}")]
    OfferEndsBeforeStart {
        /// The offer.
        offer: String,
        /// First day.
        start: NaiveDate,
        /// Last day.
        end: NaiveDate,
    },
    /// A pending activation of a benefit no recorded offer yields under the catalog.
    #[error(
        "a pending activation names `{benefit}`, which no recorded offer yields under the catalog {catalog}"
    )]
    PendingNotABenefit {
        /// `OFFER/BENEFIT`.
        benefit: String,
        /// The catalog's name and version.
        catalog: String,
    },
    /// A merge conflict naming an incident that is not recorded.
    #[error("a conflict names {0}, which is not a recorded incident")]
    ConflictUnknown(IncidentId),
    /// A refund candidate that is not a recorded incident.
    #[error("the refund candidate {0} is not a recorded incident")]
    RefundCandidateUnknown(IncidentId),
    /// A count Partner Center showed on a contract that is not recorded.
    #[error("a Partner Center count names contract `{0}`, which is not recorded")]
    ObservationOfUnknownContract(String),
    /// A decline naming a benefit no recorded offer yields in a year starting that day.
    #[error(
        "a decline names `{benefit}` for a year starting {year}, and no recorded offer yields it in such a year"
    )]
    DeclinedNotABenefit {
        /// `OFFER/BENEFIT`.
        benefit: String,
        /// The first day of the year it names.
        year: NaiveDate,
    },
    /// An offer with no membership year.
    #[error("offer `{0}` has no membership year")]
    OfferWithoutYears(String),
    /// An offer the state's catalog does not have, or taken with an option it does not take.
    #[error("offer `{offer}` is not an offer of the catalog {catalog}: {why}")]
    OfferNotInCatalog {
        /// The offer.
        offer: String,
        /// The catalog's name and version.
        catalog: String,
        /// What does not match.
        why: String,
    },
    /// An offer year that starts before the one before it ends.
    #[error("offer `{offer}` has a year starting on {start}, before the year before it ends")]
    OfferYearsOverlap {
        /// The offer.
        offer: String,
        /// The year's start.
        start: NaiveDate,
    },
    /// Something happened to an incident before it was opened (R16).
    #[error("incident {incident} is {event} on {on}, before it was opened on {opened}")]
    BeforeOpened {
        /// The incident.
        incident: IncidentId,
        /// `closed`, `refunded`, `voided`.
        event: &'static str,
        /// When that happened.
        on: NaiveDate,
        /// Opened.
        opened: NaiveDate,
    },
    /// A contract is recorded before its activation was requested (R16).
    #[error(
        "contract `{contract}` is recorded on {recorded}, before it was requested on {requested}"
    )]
    RecordedBeforeRequested {
        /// The contract.
        contract: String,
        /// Its `recorded_on`.
        recorded: NaiveDate,
        /// Its `requested_on`.
        requested: NaiveDate,
    },
    /// The current account is not among the accounts.
    #[error("the current account `{0}` is not recorded")]
    UnknownCurrentAccount(String),
    /// A revision no sequence of changes can reach.
    #[error(
        "revision {0} is impossible (a state file counts its changes from 1 to {MAX_REVISION})"
    )]
    ImpossibleRevision(u64),
}

/// The highest revision a state file may have: far beyond any number of changes, and the
/// largest whole number every JSON reader holds exactly.
pub const MAX_REVISION: u64 = (1 << 53) - 1;

impl State {
    /// Refuses a state that breaks a consistency rule: what a change checks of the state it would
    /// write, so that it never writes one the loader would refuse.
    pub fn check_consistent(&self) -> Result<(), super::refusal::Refusal> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(super::refusal::Refusal::WouldBeInconsistent(
                problem.to_string(),
            )),
            None => Ok(()),
        }
    }

    /// Every broken consistency rule, in a stable order. Expects a normalized state (collections
    /// sorted), which is what loading produces.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.revision > MAX_REVISION {
            problems.push(Problem::ImpossibleRevision(self.revision));
        }
        for pair in self.contracts.windows(2) {
            if pair[0].contract_id == pair[1].contract_id {
                problems.push(Problem::DuplicateContract(pair[0].contract_id.to_string()));
            }
        }
        let mut by_access = HashMap::new();
        for c in &self.contracts {
            if let Some(first) = by_access.insert(&c.access_id, &c.contract_id)
                && !self.same_access_id_explained(first, &c.contract_id)
            {
                problems.push(Problem::DuplicateAccessId(
                    first.to_string(),
                    c.contract_id.to_string(),
                ));
            }
            if let (Some(recorded), Some(requested)) = (c.recorded_on, c.requested_on)
                && requested > recorded
            {
                problems.push(Problem::RecordedBeforeRequested {
                    contract: c.contract_id.to_string(),
                    recorded,
                    requested,
                });
            }
            if c.end < c.start {
                problems.push(Problem::ContractEndsBeforeStart {
                    contract: c.contract_id.to_string(),
                    start: c.start,
                    end: c.end,
                });
            }
        }
        let mut previous = None;
        for i in self.incidents.iter() {
            if previous == Some(i.id) {
                problems.push(Problem::DuplicateIncident(i.id));
            }
            previous = Some(i.id);
        }
        for pair in self.accounts.windows(2) {
            if pair[0].email == pair[1].email {
                problems.push(Problem::DuplicateAccount(pair[0].email.to_string()));
            }
        }
        let mut offer_names = HashSet::new();
        problems.extend(self.catalog_problems());
        for o in &self.offers {
            let name = o.name();
            if o.years.is_empty() {
                problems.push(Problem::OfferWithoutYears(name.clone()));
            }
            for t in &o.years {
                if let Some(end) = t.end.filter(|end| *end < t.start) {
                    problems.push(Problem::OfferEndsBeforeStart {
                        offer: name.clone(),
                        start: t.start,
                        end,
                    });
                }
            }
            // In order, each after the end of the one before (so only the last may be open).
            for pair in o.years.windows(2) {
                if pair[0].end.is_none_or(|end| pair[1].start <= end) {
                    problems.push(Problem::OfferYearsOverlap {
                        offer: name.clone(),
                        start: pair[1].start,
                    });
                }
            }
            if !offer_names.insert(name.clone()) {
                problems.push(Problem::DuplicateOffer(name));
            }
        }
        // Each contract once, rather than once per incident.
        let missing: BTreeSet<&Id> = self
            .incidents
            .charged_contracts()
            .filter(|id| self.contract_index(id.as_str()).is_none())
            .collect();
        for i in self.incidents.iter() {
            match &i.contract_id {
                Some(id) if !missing.is_empty() && missing.contains(id) => {
                    problems.push(Problem::MissingContract {
                        incident: i.id,
                        contract: id.to_string(),
                    });
                }
                None if i.is_refunded() => problems.push(Problem::RefundWithoutCharge(i.id)),
                _ => {}
            }
            for (event, on) in [
                ("closed", i.closed_on),
                ("refunded", i.refunded_on),
                ("voided", i.voided_on),
            ] {
                if let Some(on) = on.filter(|on| *on < i.opened_on) {
                    problems.push(Problem::BeforeOpened {
                        incident: i.id,
                        event,
                        on,
                        opened: i.opened_on,
                    });
                }
            }
        }
        for (c, usage) in self.contracts.iter().zip(self.usages()) {
            // A merge that took it over keeps both sides' incidents, and a conflict says so
            // until it is put right or accepted (R23).
            if let Allowance::Incidents(allowance) = c.allowance
                && c.overcharged(usage)
                && !self.overcharge_explained(c.contract_id.as_str())
            {
                problems.push(Problem::OverCharged {
                    contract: c.contract_id.to_string(),
                    used: usage.used(),
                    allowance,
                });
            }
        }
        if let Some(current) = &self.current_account
            && !self.accounts.iter().any(|a| &a.email == current)
        {
            problems.push(Problem::UnknownCurrentAccount(current.to_string()));
        }
        problems
    }
}

impl State {
    /// The rules that tie the state to its catalog: each offer is one of its offers, taken with
    /// the option it takes, and each pending activation names a benefit an offer yields.
    pub fn catalog_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        for p in &self.pending {
            let yielded = self.offers.iter().any(|o| {
                o.benefits(self.catalog_of(o))
                    .iter()
                    .any(|(name, _)| *name == p.benefit)
            });
            if !yielded {
                problems.push(Problem::PendingNotABenefit {
                    benefit: p.benefit.clone(),
                    catalog: self
                        .catalogs()
                        .map(|c| c.label())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        for id in self.conflicts.iter().filter_map(|c| c.incident) {
            if self.incidents.find(id).is_none() {
                problems.push(Problem::ConflictUnknown(id));
            }
        }
        for id in &self.refund_candidates {
            if self.incidents.find(*id).is_none() {
                problems.push(Problem::RefundCandidateUnknown(*id));
            }
        }
        for o in &self.observations {
            if self.contract_index(o.contract.as_str()).is_none() {
                problems.push(Problem::ObservationOfUnknownContract(
                    o.contract.to_string(),
                ));
            }
        }
        for x in &self.declined {
            let yielded = self.offers.iter().any(|o| {
                o.all_years(x.year).iter().any(|y| y.start == x.year)
                    && o.benefits(self.catalog_of(o))
                        .iter()
                        .any(|(name, _)| *name == x.benefit)
            });
            if !yielded {
                problems.push(Problem::DeclinedNotABenefit {
                    benefit: x.benefit.clone(),
                    year: x.year,
                });
            }
        }
        for o in &self.offers {
            let catalog = self.catalog_of(o);
            let why = if catalog.name != o.catalog {
                Some(format!(
                    "the state holds no catalog `{}` (it holds {})",
                    o.catalog,
                    self.catalogs()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            } else {
                not_in_catalog(catalog, o)
            };
            if let Some(why) = why {
                problems.push(Problem::OfferNotInCatalog {
                    offer: o.name(),
                    catalog: match catalog.name == o.catalog {
                        true => catalog.label(),
                        false => o.catalog.clone(),
                    },
                    why,
                });
            }
        }
        problems
    }
}

/// What about offer `o` its catalog does not have: the offer, its option, or the category of
/// its value.
fn not_in_catalog(catalog: &super::catalog::Catalog, o: &super::offer::Offer) -> Option<String> {
    let Some(kind) = catalog.offer(&o.kind) else {
        return Some(format!("it has no offer `{}`", o.kind));
    };
    let option = kind.option.as_deref().and_then(|id| catalog.option(id));
    match (option, &o.option) {
        (None, None) => None,
        (None, Some(c)) => Some(format!(
            "`{}` takes no option, but `{}` is recorded",
            o.kind, c.name
        )),
        (Some(k), None) => Some(format!(
            "`{}` takes a {}, and none is recorded",
            o.kind, k.id
        )),
        (Some(k), Some(c)) => match &c.category {
            Some(cat) if !k.categories.contains(cat) => Some(format!(
                "`{cat}` is not a category of {} ({})",
                k.id,
                k.categories.join(", ")
            )),
            None if !k.categories.is_empty() => Some(format!(
                "`{}` has no category ({})",
                c.name,
                k.categories.join(", ")
            )),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::Problem;
    use crate::domain::contract::{Allowance, Coverage};
    use crate::domain::incident::{Incident, IncidentId, Refund, RefundReason, Void};
    use crate::domain::state::State;
    use crate::domain::testing::{account, contract, d, incident, org_with};

    fn refunded(mut i: Incident) -> Incident {
        i.refund = Some(Refund {
            on: d("2026-03-02"),
            reason: RefundReason::ProductBug,
            by: None,
        });
        i
    }

    /// A consistent state: one offer, one account, contract A (2 incidents) with one of them used.
    fn healthy() -> State {
        let mut s = org_with(&[("action-pack", None)]);
        s.accounts = vec![account("admin@contoso.com", &[], false)];
        s.current_account = Some("admin@contoso.com".parse().unwrap());
        s.contracts = vec![contract(
            "A",
            Coverage::Both,
            Allowance::Incidents(2),
            "2026-01-01",
            "2026-12-31",
        )];
        s.incidents = [incident(1, Some("A"))].into_iter().collect();
        s
    }

    #[test]
    fn each_broken_rule_is_named() {
        type Break = fn(&mut State);
        let cases: &[(&str, Break, Problem)] = &[
            (
                "incident names a missing contract",
                |s| s.incidents.push(incident(2, Some("GONE"))),
                Problem::MissingContract {
                    incident: IncidentId(2),
                    contract: "GONE".into(),
                },
            ),
            (
                "duplicate Contract ID",
                |s| {
                    let mut c = s.contracts[0].clone();
                    c.access_id = "OTHER-ACCESS".parse().unwrap();
                    s.contracts.push(c);
                },
                Problem::DuplicateContract("A".into()),
            ),
            (
                "duplicate Access ID",
                |s| {
                    let mut c = s.contracts[0].clone();
                    c.contract_id = "B".parse().unwrap();
                    s.contracts.push(c);
                },
                Problem::DuplicateAccessId("A".into(), "B".into()),
            ),
            (
                "refund without a charge",
                |s| s.incidents.push(refunded(incident(2, None))),
                Problem::RefundWithoutCharge(IncidentId(2)),
            ),
            (
                "more charged than granted",
                |s| {
                    s.incidents.push(incident(2, Some("A")));
                    s.incidents.push(incident(3, Some("A")));
                },
                Problem::OverCharged {
                    contract: "A".into(),
                    used: 3,
                    allowance: 2,
                },
            ),
            (
                "contract ends before it starts",
                |s| s.contracts[0].end = d("2025-12-31"),
                Problem::ContractEndsBeforeStart {
                    contract: "A".into(),
                    start: d("2026-01-01"),
                    end: d("2025-12-31"),
                },
            ),
            (
                "offer ends before it starts",
                |s| s.offers[0].years[0].end = Some(d("2025-01-01")),
                Problem::OfferEndsBeforeStart {
                    offer: "action-pack".into(),
                    start: d("2026-01-01"),
                    end: d("2025-01-01"),
                },
            ),
            (
                "duplicate incident",
                |s| s.incidents.push(incident(1, None)),
                Problem::DuplicateIncident(IncidentId(1)),
            ),
            (
                "duplicate account",
                |s| s.accounts.push(account("admin@contoso.com", &[], true)),
                Problem::DuplicateAccount("admin@contoso.com".into()),
            ),
            (
                "duplicate offer",
                |s| s.offers.push(s.offers[0].clone()),
                Problem::DuplicateOffer("action-pack".into()),
            ),
            (
                "closed before opened",
                |s| {
                    let mut i = incident(1, Some("A"));
                    i.closed_on = Some(d("2026-02-01"));
                    s.incidents.replace(i);
                },
                Problem::BeforeOpened {
                    incident: IncidentId(1),
                    event: "closed",
                    on: d("2026-02-01"),
                    opened: d("2026-03-01"),
                },
            ),
            (
                "refunded before opened",
                |s| {
                    let mut i = incident(1, Some("A"));
                    i.refund = Some(Refund {
                        on: d("2026-01-15"),
                        reason: RefundReason::Duplicate,
                        by: None,
                    });
                    s.incidents.replace(i);
                },
                Problem::BeforeOpened {
                    incident: IncidentId(1),
                    event: "refunded",
                    on: d("2026-01-15"),
                    opened: d("2026-03-01"),
                },
            ),
            (
                "voided before opened",
                |s| {
                    let mut i = incident(1, Some("A"));
                    i.void = Some(Box::new(Void {
                        on: d("2026-02-27"),
                        reason: "typed twice".parse().unwrap(),
                        by: None,
                    }));
                    s.incidents.replace(i);
                },
                Problem::BeforeOpened {
                    incident: IncidentId(1),
                    event: "voided",
                    on: d("2026-02-27"),
                    opened: d("2026-03-01"),
                },
            ),
            (
                "recorded before requested",
                |s| {
                    s.contracts[0].recorded_on = Some(d("2026-01-01"));
                    s.contracts[0].requested_on = Some(d("2026-01-02"));
                },
                Problem::RecordedBeforeRequested {
                    contract: "A".into(),
                    recorded: d("2026-01-01"),
                    requested: d("2026-01-02"),
                },
            ),
            (
                "unknown current account",
                |s| s.current_account = Some("ghost@contoso.com".parse().unwrap()),
                Problem::UnknownCurrentAccount("ghost@contoso.com".into()),
            ),
            (
                "impossible revision",
                |s| s.revision = u64::MAX,
                Problem::ImpossibleRevision(u64::MAX),
            ),
        ];
        assert_eq!(healthy().problems(), []);
        for (what, break_it, want) in cases {
            let mut s = healthy();
            break_it(&mut s);
            s.normalize();
            assert_eq!(s.problems(), std::slice::from_ref(want), "{what}");
        }
    }

    #[test]
    fn a_state_that_breaks_a_rule_is_refused_as_a_change() {
        let mut s = healthy();
        assert_eq!(s.check_consistent(), Ok(()));
        s.incidents.push(incident(2, Some("A")));
        s.incidents.push(incident(3, Some("A")));
        assert_eq!(
            s.check_consistent().unwrap_err().to_string(),
            "the change would leave the state inconsistent: contract `A` has more incidents charged (3) than it grants (2)"
        );
    }

    #[test]
    fn refunds_give_back_what_was_charged() {
        let mut s = healthy();
        s.incidents.push(refunded(incident(2, Some("A"))));
        s.incidents.push(refunded(incident(3, Some("A"))));
        s.incidents.push(incident(4, Some("A")));
        assert_eq!(s.problems(), []);
    }

    #[test]
    fn messages_never_hold_an_access_id() {
        let mut s = healthy();
        let mut c = s.contracts[0].clone();
        c.contract_id = "B".parse().unwrap();
        s.contracts.push(c);
        let text = s.problems()[0].to_string();
        assert_eq!(text, "contracts `A` and `B` have the same Access ID");
        assert!(!text.contains(s.contracts[0].access_id.expose()));
    }
}
