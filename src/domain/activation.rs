//! The Technical benefits page: each benefit's activation state, benefit names, and activation
//! (R1–R4).

use chrono::NaiveDate;

use super::catalog::Entitlement;
use super::contract::{Contract, PlanKind, Status};
use super::offer::{Offer, Year, check_range, slug};
use super::refusal::Refusal;
use super::state::{PendingActivation, State};
use super::values::{AccessId, Email, Id, Text, printable};

/// Days after which a pending activation deserves a look in Partner Center (R4).
pub const PENDING_HINT_DAYS: i64 = 7;

/// A benefit's activation state on a given day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BenefitState {
    /// Never requested.
    NotActivated,
    /// Requested, IDs not yet known (R4).
    Pending {
        /// Day of the request.
        since: NaiveDate,
        /// Who asked.
        by: Option<Email>,
    },
    /// Has a contract that is active or starts later.
    Active {
        /// The contract.
        contract: String,
    },
    /// This year's contract expired or is exhausted: the next allocation comes with the next
    /// membership year (R18).
    Lapsed {
        /// The contract.
        contract: String,
        /// Expired or exhausted.
        status: Status,
    },
    /// The organization decided not to use it this year.
    Declined {
        /// The day it was declined.
        on: NaiveDate,
        /// Why, when said.
        reason: Option<String>,
    },
}

impl BenefitState {
    /// The state as shown and as written in JSON.
    pub fn slug(&self) -> &'static str {
        match self {
            BenefitState::NotActivated => "not-activated",
            BenefitState::Pending { .. } => "pending",
            BenefitState::Active { .. } => "active",
            BenefitState::Lapsed { status, .. } => status.slug(),
            BenefitState::Declined { .. } => "declined",
        }
    }
}

/// One row of the benefits page: a benefit in one membership year of its offer.
#[derive(Debug, Clone)]
pub struct BenefitView<'a> {
    /// `OFFER/BENEFIT`.
    pub name: String,
    /// The offer that yields it.
    pub offer: &'a Offer,
    /// The membership year (R18: one allocation a year).
    pub year: Year,
    /// What it grants.
    pub entitlement: Entitlement<'a>,
    /// Its activation state.
    pub state: BenefitState,
}

impl BenefitView<'_> {
    /// The refusal of a change to a benefit already allocated in its year: its contract is
    /// current, or lapsed (R18: one allocation a year; a re-issue of its IDs is a contract
    /// edit, not a new allocation).
    pub fn allocated(&self) -> Option<Refusal> {
        match &self.state {
            BenefitState::Active { contract } => Some(Refusal::AlreadyActive {
                benefit: self.name.clone(),
                contract: contract.clone(),
            }),
            BenefitState::Lapsed { contract, status } => Some(Refusal::AllocatedThisYear {
                benefit: self.name.clone(),
                contract: contract.clone(),
                status: *status,
                year: self.year,
            }),
            _ => None,
        }
    }
}

/// What `activate` was given.
#[derive(Debug, Clone, Default)]
pub struct Activation {
    /// Access ID and Contract ID, when Partner Center already shows them.
    pub ids: Option<(AccessId, Id)>,
    /// Contract start (default: today).
    pub start: Option<NaiveDate>,
    /// Contract end (default: one year, inclusive).
    pub end: Option<NaiveDate>,
}

impl State {
    /// The benefits of every active offer in its year in force on `today`, in offer order (R1:
    /// empty means "no benefits yet").
    pub fn benefits(&self, today: NaiveDate) -> Vec<BenefitView<'_>> {
        self.benefits_in(today, |offer| offer.year_on(today).into_iter().collect())
    }

    /// The benefits of each offer in the years `years` picks for it, as they stood at the end of
    /// `today`: a benefit's state in a year is its pending request or its contract of that year
    /// (R18).
    pub fn benefits_in(
        &self,
        today: NaiveDate,
        years: impl Fn(&Offer) -> Vec<Year>,
    ) -> Vec<BenefitView<'_>> {
        let views = self.contract_views(today);
        self.offers
            .iter()
            .flat_map(|offer| years(offer).into_iter().map(move |year| (offer, year)))
            // A package that comes once per organization is listed with the offer that holds it.
            .filter(|(offer, year)| self.package_holder(offer, *year).is_none())
            .flat_map(|(offer, year)| {
                offer
                    .benefits(self.catalog_of(offer))
                    .into_iter()
                    .map(move |(name, e)| (offer, year, name, e))
            })
            .map(|(offer, year, name, entitlement)| {
                let latest = views
                    .iter()
                    .filter(|v| v.contract.benefit.as_deref() == Some(name.as_str()))
                    .filter(|v| year.contains(v.contract.start))
                    .max_by_key(|v| (v.is_listed(), v.contract.end));
                let pending = self
                    .pending
                    .iter()
                    .find(|p| p.benefit == name && year.contains(p.requested_on));
                let state = match (pending, latest) {
                    (Some(p), _) => BenefitState::Pending {
                        since: p.requested_on,
                        by: p.requested_by.clone(),
                    },
                    (None, Some(v)) if v.is_listed() => BenefitState::Active {
                        contract: v.contract.contract_id.to_string(),
                    },
                    (None, Some(v)) => BenefitState::Lapsed {
                        contract: v.contract.contract_id.to_string(),
                        status: v.status,
                    },
                    (None, None) => match self.declined_for(&name, year.start) {
                        Some(d) => BenefitState::Declined {
                            on: d.on,
                            reason: d.reason.as_ref().map(ToString::to_string),
                        },
                        None => BenefitState::NotActivated,
                    },
                };
                BenefitView {
                    name,
                    offer,
                    year,
                    entitlement,
                    state,
                }
            })
            .collect()
    }

    /// Requests activation (pending), or records the IDs Partner Center shows and creates the
    /// contract (active) — both at once when the IDs are given with the first request (R2–R4).
    pub fn activate(
        &mut self,
        benefit: &str,
        activation: Activation,
        actor: Option<&Email>,
        today: NaiveDate,
    ) -> Result<(String, Option<Id>), Refusal> {
        self.require_organization()?;
        let account = actor.and_then(|e| self.account(e));
        self.require_activator(account, "activating a benefit")?;
        let views = self.benefits(today);
        let view = resolve_benefit(benefit, &views)?;
        let name = view.name.clone();
        let (plan, coverage, allowance, validity) = (
            view.entitlement.plan_on(today).to_string(),
            view.entitlement.coverage,
            view.entitlement.allowance,
            view.entitlement.validity,
        );
        let year = view.year;
        if let Some(refusal) = view.allocated() {
            return Err(refusal);
        }
        match &view.state {
            BenefitState::Pending { since, .. } if activation.ids.is_none() => {
                return Err(Refusal::AlreadyPending {
                    benefit: name,
                    since: *since,
                });
            }
            _ => {}
        }
        // A request left from an earlier year is over: this year's takes its place. A decline
        // for this year is withdrawn: the organization changed its mind.
        self.pending
            .retain(|p| p.benefit != name || year.contains(p.requested_on));
        self.declined
            .retain(|d| d.benefit != name || d.year != year.start);
        let Some((access_id, contract_id)) = activation.ids else {
            let at = self.pending.partition_point(|p| p.benefit < name);
            self.pending.insert(
                at,
                PendingActivation {
                    benefit: name.clone(),
                    requested_on: today,
                    requested_by: actor.cloned(),
                },
            );
            return Ok((name, None));
        };
        let requested_on = self
            .pending
            .iter()
            .find(|p| p.benefit == name)
            .map(|p| p.requested_on);
        if let Some(then) = requested_on.filter(|then| *then > today) {
            return Err(Refusal::DatedBefore {
                action: "activate",
                id: name,
                on: today,
                event: "requested",
                then,
            });
        }
        let start = activation.start.unwrap_or(today);
        let end = activation.end.unwrap_or_else(|| validity.end(start, year));
        check_range(start, end)?;
        // R18: an allocation belongs to its membership year, and is never usable before it.
        if !year.contains(start) {
            return Err(Refusal::OutsideYear {
                benefit: name,
                start,
                year,
            });
        }
        let contract = Contract {
            contract_id,
            access_id,
            kind: PlanKind::Benefit,
            plan: plan
                .parse::<Text>()
                .expect("a catalog's plan names are checked when it is read"),
            benefit: Some(name.clone()),
            coverage,
            allowance,
            start,
            end,
            linked_accounts: Default::default(),
            recorded_on: Some(today),
            requested_on: requested_on.filter(|then| *then < today),
            set_at: Default::default(),
        };
        let id = self.insert_contract(contract)?.contract_id.clone();
        self.pending.retain(|p| p.benefit != name);
        Ok((name, Some(id)))
    }

    /// The membership year a benefit's contract was allocated for (R18): its offer's year that
    /// holds the contract's start; `None` for a paid plan, or an offer no longer recorded.
    pub fn allocation_year(&self, contract: &Contract) -> Option<Year> {
        let (offer, _) = contract.benefit.as_deref()?.split_once('/')?;
        self.offers
            .iter()
            .find(|o| o.name() == offer)?
            .year_on(contract.start)
    }

    /// Adds a contract, refusing a Contract ID or Access ID that is already recorded.
    pub fn insert_contract(&mut self, contract: Contract) -> Result<&Contract, Refusal> {
        if self
            .contracts
            .iter()
            .any(|c| c.contract_id == contract.contract_id)
        {
            return Err(Refusal::DuplicateContract(contract.contract_id.to_string()));
        }
        if let Some(c) = self
            .contracts
            .iter()
            .find(|c| c.access_id == contract.access_id)
        {
            return Err(Refusal::DuplicateAccessId(c.contract_id.to_string()));
        }
        let at = self
            .contracts
            .partition_point(|c| c.contract_id < contract.contract_id);
        self.contracts.insert(at, contract);
        Ok(&self.contracts[at])
    }
}

/// Resolves a benefit name: full `OFFER/BENEFIT`, or a unique suffix on a `/` or `-`
/// boundary; Microsoft's other names for a benefit (its catalog's aliases) are accepted in the
/// benefit part.
pub fn resolve_benefit<'a>(
    input: &str,
    views: &'a [BenefitView<'a>],
) -> Result<&'a BenefitView<'a>, Refusal> {
    let (offer, benefit) = match input.rsplit_once('/') {
        Some((o, b)) => (Some(slug(o)), slug(b)),
        None => (None, slug(input)),
    };
    let matches: Vec<&BenefitView> = views
        .iter()
        .filter(|v| {
            // Each view's own catalog says which names its benefit also goes by.
            let kind = v.entitlement.kind;
            let benefit = if kind.aliases.contains(&benefit) {
                kind.id.as_str()
            } else {
                benefit.as_str()
            };
            let wanted = match &offer {
                Some(o) => format!("{o}/{benefit}"),
                None => benefit.to_string(),
            };
            v.name == wanted
                || v.name
                    .strip_suffix(wanted.as_str())
                    .is_some_and(|head| head.ends_with('/') || head.ends_with('-'))
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Refusal::UnknownBenefit {
            name: printable(input),
            known: views.iter().map(|v| v.name.clone()).collect(),
        }),
        many => Err(Refusal::AmbiguousBenefit {
            name: printable(input),
            candidates: many.iter().map(|v| v.name.clone()).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::Role;
    use crate::domain::contract::Allowance;
    use crate::domain::testing::{TODAY, account, d, org_with};

    fn contoso() -> State {
        let mut s = org_with(&[
            ("gold", Some(("Cloud Platform", "cloud"))),
            ("silver", Some(("Data Analytics", "other"))),
        ]);
        s.add_account(account("admin@contoso.com", &[Role::GlobalAdmin], false))
            .unwrap();
        s
    }

    fn ids(a: &str, c: &str) -> Activation {
        Activation {
            ids: Some((a.parse().unwrap(), c.parse().unwrap())),
            ..Default::default()
        }
    }

    #[test]
    fn benefits_page_lists_each_offer_benefit() {
        let s = contoso();
        let rows: Vec<_> = s
            .benefits(d(TODAY))
            .into_iter()
            .map(|b| (b.name, b.entitlement.allowance, b.state.slug()))
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "gold-cloud-platform/product-support".to_string(),
                    Allowance::Incidents(20),
                    "not-activated"
                ),
                (
                    "gold-cloud-platform/cloud-support".to_string(),
                    Allowance::Unlimited,
                    "not-activated"
                ),
                (
                    "silver-data-analytics/product-support".to_string(),
                    Allowance::Incidents(15),
                    "not-activated"
                ),
                (
                    "silver-data-analytics/cloud-support".to_string(),
                    Allowance::Incidents(5),
                    "not-activated"
                ),
            ]
        );
        assert!(
            org_with(&[]).benefits(d(TODAY)).is_empty(),
            "R1: no offers, no benefits"
        );
    }

    #[test]
    fn names_resolve_by_unique_suffix_and_alias() {
        let s = contoso();
        let views = s.benefits(d(TODAY));
        let resolve = |n: &str| resolve_benefit(n, &views).map(|v| v.name.clone());
        assert_eq!(
            resolve("gold-cloud-platform/product-support").unwrap(),
            "gold-cloud-platform/product-support"
        );
        assert_eq!(
            resolve("platform/cloud-support").unwrap(),
            "gold-cloud-platform/cloud-support"
        );
        assert_eq!(
            resolve("Gold Cloud Platform/Partner On-premises Support").unwrap(),
            "gold-cloud-platform/product-support"
        );
        match resolve("product-support") {
            Err(Refusal::AmbiguousBenefit { candidates, .. }) => assert_eq!(candidates.len(), 2),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            resolve("oduct-support"),
            Err(Refusal::UnknownBenefit { .. })
        ));
        assert!(matches!(
            resolve("action-pack/product-support"),
            Err(Refusal::UnknownBenefit { .. })
        ));
    }

    #[test]
    fn r4_pending_then_active_with_a_one_year_contract() {
        let mut s = contoso();
        let admin: Email = "admin@contoso.com".parse().unwrap();
        let name = "gold-cloud-platform/product-support";
        assert_eq!(
            s.activate(name, Activation::default(), Some(&admin), d(TODAY))
                .unwrap(),
            (name.to_string(), None)
        );
        assert!(matches!(
            s.benefits(d(TODAY))[0].state,
            BenefitState::Pending { .. }
        ));
        assert!(matches!(
            s.activate(name, Activation::default(), Some(&admin), d(TODAY)),
            Err(Refusal::AlreadyPending { .. })
        ));
        s.activate(name, ids("ACCESS-0001", "7000001"), Some(&admin), d(TODAY))
            .unwrap();
        let c = s.contract("7000001").unwrap();
        assert_eq!(
            (c.plan.as_str(), c.allowance, c.start, c.end),
            (
                "Partner On-premises Support 20",
                Allowance::Incidents(20),
                d(TODAY),
                d("2027-06-14")
            )
        );
        assert!(s.pending.is_empty());
        assert!(matches!(
            s.activate(name, ids("ACCESS-0002", "7000002"), Some(&admin), d(TODAY)),
            Err(Refusal::AlreadyActive { .. })
        ));
        let dup_contract = s.activate(
            "platform/cloud-support",
            ids("ACCESS-0003", "7000001"),
            Some(&admin),
            d(TODAY),
        );
        assert!(matches!(dup_contract, Err(Refusal::DuplicateContract(_))));
        let dup_access = s.activate(
            "platform/cloud-support",
            ids("ACCESS-0001", "7000003"),
            Some(&admin),
            d(TODAY),
        );
        assert_eq!(
            dup_access,
            Err(Refusal::DuplicateAccessId("7000001".into()))
        );
        // The next membership year (from 2027-01-01) has an allocation of its own.
        assert_eq!(
            s.benefits(d("2027-06-15"))[0].state,
            BenefitState::NotActivated
        );
        s.activate(
            name,
            ids("ACCESS-0004", "7000004"),
            Some(&admin),
            d("2027-06-15"),
        )
        .unwrap();
    }

    #[test]
    fn r18_one_allocation_a_year_within_the_year() {
        let mut s = contoso();
        let admin: Email = "admin@contoso.com".parse().unwrap();
        let name = "gold-cloud-platform/product-support";
        let short = Activation {
            end: Some(d("2026-09-30")),
            ..ids("ACCESS-0001", "7000001")
        };
        s.activate(name, short, Some(&admin), d(TODAY)).unwrap();
        // Its contract expired in the year it was allocated for: no second one that year.
        assert!(matches!(
            s.benefits(d("2026-10-01"))[0].state,
            BenefitState::Lapsed {
                status: Status::Expired,
                ..
            }
        ));
        let again = s.activate(
            name,
            ids("ACCESS-0002", "7000002"),
            Some(&admin),
            d("2026-10-01"),
        );
        assert_eq!(
            again.unwrap_err().to_string(),
            "benefit `gold-cloud-platform/product-support` was already allocated for the membership year 2026-01-01 to 2026-12-31: contract `7000001` is expired; one allocation a year"
        );
        // An activation starts within its year.
        let early = Activation {
            start: Some(d("2026-12-20")),
            ..ids("ACCESS-0003", "7000003")
        };
        let next_year = s.activate(name, early, Some(&admin), d("2027-01-05"));
        assert!(matches!(next_year, Err(Refusal::OutsideYear { .. })));
        s.activate(
            name,
            ids("ACCESS-0003", "7000003"),
            Some(&admin),
            d("2027-01-05"),
        )
        .unwrap();
        assert_eq!(
            s.benefits(d("2027-01-05"))[0].state,
            BenefitState::Active {
                contract: "7000003".into()
            }
        );
        // Each year keeps its own state.
        let years = s.benefits_in(d("2027-01-05"), |o| o.years_until(d("2027-01-05")));
        let states: Vec<_> = years
            .iter()
            .filter(|b| b.name == name)
            .map(|b| (b.year.start, b.state.slug()))
            .collect();
        assert_eq!(
            states,
            [(d("2026-01-01"), "expired"), (d("2027-01-01"), "active")]
        );
    }

    #[test]
    fn r2_activation_needs_a_role() {
        let mut s = contoso();
        s.add_account(account("tech@contoso.com", &[Role::AdminAgent], false))
            .unwrap();
        let before = s.clone();
        let tech: Email = "tech@contoso.com".parse().unwrap();
        let err = s
            .activate(
                "gold-cloud-platform/product-support",
                Activation::default(),
                Some(&tech),
                d(TODAY),
            )
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("You are not authorized for this action")
        );
        assert_eq!(s, before);
    }
}
