//! Support incidents: opening one charges a contract (R8–R11), closing and refunding (R12).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::activation::BenefitState;
use super::contract::{Allowance, Contract, Coverage, Scope, Status};
use super::lifecycle::Lifecycle;
use super::refusal::{Misuse, Refusal};
use super::state::{ContractView, State};
use super::values::{Email, Id, Text, ValueError};

/// The plan a CSP request is logged under (R11).
pub const CSP_PLAN: &str = "Cloud Solution Provider";

/// An incident's short, stable ID (`INC-0007`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct IncidentId(pub u32);

impl IncidentId {
    /// The last number an incident can have (`INC-99999999`): far past any partner's use, and
    /// short of `u32`'s end, so that the next number is never computed past it. A number beyond
    /// it is refused wherever it enters (a file, an import, the command line).
    pub const MAX: u32 = 99_999_999;

    /// The number after this one, while there is one.
    pub fn next(self) -> Option<IncidentId> {
        (self.0 < Self::MAX).then(|| IncidentId(self.0 + 1))
    }
}

/// Read from its text as [`str::parse`] reads it, without a copy of the text.
impl<'de> Deserialize<'de> for IncidentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = IncidentId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an incident ID like \"INC-0001\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<IncidentId, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Text)
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "INC-{:04}", self.0)
    }
}

impl FromStr for IncidentId {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let digits = match s.as_bytes() {
            [b'I' | b'i', b'N' | b'n', b'C' | b'c', b'-', digits @ ..] => digits,
            digits => digits,
        };
        let bad = || {
            ValueError(format!(
                "expected an incident ID like `INC-0001` (at most INC-{})",
                IncidentId::MAX
            ))
        };
        let mut n = 0u32;
        for &b in digits {
            if !b.is_ascii_digit() {
                return Err(bad());
            }
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u32::from(b - b'0')))
                .ok_or_else(bad)?;
        }
        match n {
            0 => Err(bad()),
            n if n > IncidentId::MAX => Err(bad()),
            n => Ok(IncidentId(n)),
        }
    }
}

impl From<IncidentId> for String {
    fn from(id: IncidentId) -> String {
        id.to_string()
    }
}

/// Why Microsoft refunded an incident (R12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefundReason {
    /// Closed as a duplicate.
    Duplicate,
    /// Caused by a product bug.
    ProductBug,
    /// Anything else Microsoft agreed to refund.
    Other,
}

impl RefundReason {
    /// The reason as written on the command line.
    pub fn slug(self) -> &'static str {
        match self {
            RefundReason::Duplicate => "duplicate",
            RefundReason::ProductBug => "product-bug",
            RefundReason::Other => "other",
        }
    }
}

/// A recorded refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refund {
    /// Day of the refund.
    #[serde(with = "crate::domain::values::ymd")]
    pub on: NaiveDate,
    /// Why.
    pub reason: RefundReason,
    /// Who recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Email>,
}

/// A mistaken entry taken back: the incident counts on no contract, on any day, and stays in
/// the records (`--all`) and the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Void {
    /// Day it was voided.
    #[serde(with = "crate::domain::values::ymd")]
    pub on: NaiveDate,
    /// Why.
    pub reason: Text,
    /// Who voided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Email>,
}

/// A support incident (or a free CSP request).
///
/// The fields of its [`IncidentHead`] come first and are always written (`null` when empty): the
/// state file's head reader relies on that order (`store/file/head.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// Short stable ID.
    pub id: IncidentId,
    /// The contract charged; `None` for a CSP request.
    #[serde(default)]
    pub contract_id: Option<Id>,
    /// Day opened (and charged).
    #[serde(with = "crate::domain::values::ymd")]
    pub opened_on: NaiveDate,
    /// Day closed.
    #[serde(default, with = "crate::domain::values::ymd::option")]
    pub closed_on: Option<NaiveDate>,
    /// The void, if the entry was a mistake (boxed: few incidents have one, and a state read in
    /// full holds every record).
    #[serde(default)]
    pub void: Option<Box<Void>>,
    /// The refund, if Microsoft gave one (R12).
    #[serde(default)]
    pub refund: Option<Refund>,
    /// On-premises or cloud.
    pub scope: Scope,
    /// What it is about.
    pub title: Text,
    /// The product, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<Text>,
    /// Microsoft's case number, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<Id>,
    /// The CSP customer tenant, for a CSP request (R11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csp_customer: Option<Id>,
    /// Who opened it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_by: Option<Email>,
    /// A note of the team's own (the free column every spreadsheet has).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
    /// Why Microsoft accepted it although the lifecycle table says R21 does not entitle it:
    /// recorded with the incident, and R21 is not applied to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_policy: Option<Text>,
    /// For each field a change set after the incident was opened, when that operation was
    /// made (R23): of one field two copies set differently, a merge keeps the value of the
    /// later operation. Not a record's content: operations and comparisons leave it out.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub set_at: super::stamp::Stamps,
}

impl Incident {
    /// The fields the rules read.
    pub fn head(&self) -> IncidentHead {
        IncidentHead {
            id: self.id,
            contract_id: self.contract_id.clone(),
            opened_on: self.opened_on,
            closed_on: self.closed_on,
            refunded_on: self.refund.as_ref().map(|r| r.on),
            voided_on: self.void.as_ref().map(|v| v.on),
        }
    }
}

/// What the rules read of an incident (balances, lists, consistency): its ID, the contract it
/// charged and its dates. A state holds one head per incident and the whole record only of those
/// a command shows or changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentHead {
    /// Short stable ID.
    pub id: IncidentId,
    /// The contract charged; `None` for a CSP request.
    pub contract_id: Option<Id>,
    /// Day opened (and charged).
    pub opened_on: NaiveDate,
    /// Day closed.
    pub closed_on: Option<NaiveDate>,
    /// Day of the refund, if Microsoft gave one (R12).
    pub refunded_on: Option<NaiveDate>,
    /// Day it was voided: a voided incident counts on no contract, on any day.
    pub voided_on: Option<NaiveDate>,
}

impl IncidentHead {
    /// Whether Microsoft refunded it (R12).
    pub fn is_refunded(&self) -> bool {
        self.refunded_on.is_some()
    }

    /// Whether it counts against its contract: charged, and not voided.
    pub fn counts(&self) -> bool {
        self.contract_id.is_some() && self.voided_on.is_none()
    }

    /// Whether it had been opened by the end of `day` (R15).
    pub fn exists_on(&self, day: NaiveDate) -> bool {
        self.opened_on <= day
    }

    /// Whether it was open at the end of `day`: opened, not closed yet (R15), and not voided.
    pub fn is_open_on(&self, day: NaiveDate) -> bool {
        self.exists_on(day)
            && self.closed_on.is_none_or(|closed| closed > day)
            && self.voided_on.is_none()
    }
}

impl Incident {
    /// The incident as it stood at the end of `day` (R15): a closure or refund dated later has
    /// not happened yet. (One opened later did not exist: see [`IncidentHead::exists_on`].)
    pub fn as_on(mut self, day: NaiveDate) -> Incident {
        self.closed_on = self.closed_on.filter(|closed| *closed <= day);
        self.refund = self.refund.filter(|r| r.on <= day);
        self
    }
}

/// What `incidents open` was given.
#[derive(Debug, Clone)]
pub struct NewIncident {
    /// On-premises or cloud.
    pub scope: Scope,
    /// Title.
    pub title: Text,
    /// Product.
    pub product: Option<Text>,
    /// Contract to charge; chosen by R9 when absent.
    pub contract: Option<Id>,
    /// Case number.
    pub case_number: Option<Id>,
    /// CSP customer tenant (R11).
    pub csp_customer: Option<Id>,
    /// A note.
    pub note: Option<Text>,
    /// Why Microsoft accepted it outside the N-1 policy (R21 is then not applied).
    pub outside_policy: Option<Text>,
}

impl NewIncident {
    /// An incident of `scope` about `title`, with nothing else given.
    pub fn new(scope: Scope, title: Text) -> NewIncident {
        NewIncident {
            scope,
            title,
            product: None,
            contract: None,
            case_number: None,
            csp_customer: None,
            note: None,
            outside_policy: None,
        }
    }
}

/// What opening an incident did.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The new incident's ID.
    pub id: IncidentId,
    /// How many usable contracts R9 chose among; 0 when the contract was named (or none
    /// was charged).
    pub chosen_from: usize,
    /// Whether the acting account was linked to the contract by this first use (R6).
    pub linked: bool,
    /// Why R21 could not be checked for its product (not in the lifecycle table), if so.
    pub unchecked: Option<crate::domain::lifecycle::Unchecked>,
}

/// Why a contract can't take an incident of `scope` on its status (R8).
fn unusable(view: &ContractView<'_>, scope: Scope) -> Option<Refusal> {
    let c = view.contract;
    let contract = c.contract_id.to_string();
    if !c.coverage.covers(scope) {
        return Some(Refusal::WrongScope {
            contract,
            coverage: c.coverage,
            scope,
        });
    }
    match view.status {
        Status::Active => None,
        Status::Waiting => Some(Refusal::NotStarted {
            contract,
            start: c.start,
        }),
        Status::Expired => Some(Refusal::PlanExpired {
            contract,
            end: c.end,
        }),
        Status::Exhausted => Some(Refusal::PlanExhausted {
            contract,
            allowance: match c.allowance {
                Allowance::Incidents(n) => n,
                Allowance::Unlimited => 0,
            },
        }),
    }
}

/// What `incidents edit` corrects; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct IncidentEdit {
    /// A new title.
    pub title: Option<Text>,
    /// A new product.
    pub product: Option<Text>,
    /// A case number, added or corrected.
    pub case_number: Option<Id>,
    /// The contract it should have charged: R8 is checked again as of the day it was opened.
    pub contract: Option<Id>,
    /// A note, added or replaced.
    pub note: Option<Text>,
}

impl State {
    /// What every correction of `incident` (the whole record of one of this state's incidents)
    /// stands on: an organization, the incident recorded, and not voided. Returns its ID.
    fn changeable(&self, incident: &Incident) -> Result<IncidentId, Refusal> {
        self.require_organization()?;
        let id = self.incident(incident.id)?.id;
        not_voided(incident)?;
        Ok(id)
    }
}

/// A change to a voided incident is refused: the entry is kept as it was voided.
fn not_voided(incident: &Incident) -> Result<(), Refusal> {
    match &incident.void {
        Some(v) => Err(Refusal::Voided {
            id: incident.id.to_string(),
            on: v.on,
        }),
        None => Ok(()),
    }
}

/// R16: a change to `incident` dated `today` must not come before the day it was opened.
fn not_before_opened(
    action: &'static str,
    incident: &Incident,
    today: NaiveDate,
) -> Result<(), Refusal> {
    not_before(action, incident, today, "opened", incident.opened_on)
}

/// R16: a change to `incident` dated `today` must not come before `then`, when it was `event`.
fn not_before(
    action: &'static str,
    incident: &Incident,
    today: NaiveDate,
    event: &'static str,
    then: NaiveDate,
) -> Result<(), Refusal> {
    match today < then {
        true => Err(Refusal::DatedBefore {
            action,
            id: incident.id.to_string(),
            on: today,
            event,
            then,
        }),
        false => Ok(()),
    }
}
/// R16: a change dated `today` that uses `contract` (`action`: charge, link) must not come before
/// the day it was recorded.
pub fn recorded_by(
    contract: &Contract,
    action: &'static str,
    today: NaiveDate,
) -> Result<(), Refusal> {
    match contract.recorded_on.filter(|on| *on > today) {
        Some(then) => Err(Refusal::DatedBefore {
            action,
            id: format!("contract `{}`", contract.contract_id),
            on: today,
            event: "recorded",
            then,
        }),
        None => Ok(()),
    }
}

/// R9: an unlimited contract first, else the one that ends first; Contract ID breaks ties.
fn preference<'a>(view: &ContractView<'a>) -> (bool, NaiveDate, &'a str) {
    (
        view.remaining.is_some(),
        view.contract.end,
        view.contract.contract_id.as_str(),
    )
}

impl State {
    /// R10: the refusal of a cloud incident when the offers in force yield benefits and none
    /// covers cloud products (Action Pack, in the legacy program).
    fn no_cloud_benefit(&self, today: NaiveDate) -> Option<Refusal> {
        // The remedy names offers of the program in use: that is where a new offer comes from.
        let catalog = &self.catalog;
        let offers: Vec<&super::offer::Offer> = self.active_offers(today).collect();
        let yields: Vec<_> = offers
            .iter()
            .flat_map(|o| o.benefits(self.catalog_of(o)))
            .map(|(_, e)| e)
            .collect();
        if yields.is_empty() || yields.iter().any(|e| e.coverage.covers(Scope::Cloud)) {
            return None;
        }
        let title = |o: &super::offer::Offer| {
            self.catalog_of(o)
                .offer(&o.kind)
                .map_or(o.kind.clone(), |k| k.title.clone())
        };
        let mut titles: Vec<String> = offers.iter().map(|o| title(o)).collect();
        titles.dedup();
        let mut has: Vec<String> = yields
            .iter()
            .map(|e| format!("{} ({})", e.kind.title, e.coverage.slug()))
            .collect();
        has.dedup();
        // What they lack is named as their own program names it.
        let lacks = self
            .catalog_of(offers[0])
            .benefits
            .iter()
            .find(|b| b.coverage == Coverage::Cloud)
            .map_or("cloud support".to_string(), |b| b.title.clone());
        let covering = catalog.offers_covering(Coverage::Cloud);
        let names = covering
            .iter()
            .map(|o| o.title.as_str())
            .collect::<Vec<_>>()
            .join(" or ");
        let remedy = match covering.first() {
            None => "a plan that covers cloud products".to_string(),
            Some(first) if covering.iter().all(|o| o.kind == first.kind) => {
                format!("a {names} {}", first.kind)
            }
            Some(_) => names,
        };
        Some(Refusal::NoCloudBenefit {
            several: titles.len() > 1,
            offers: titles.join(" and "),
            has: has.join(" and "),
            lacks,
            remedy,
        })
    }

    /// Whether an on-premises incident charged to contract `id` is subject to the N-1 product
    /// policy (R21): unless the catalog says its benefit is not, it is.
    pub fn n_minus_one_applies(&self, id: Option<&Id>) -> bool {
        let benefit = id
            .and_then(|id| self.contract(id.as_str()).ok())
            .and_then(|c| c.benefit.as_deref())
            .and_then(|b| b.rsplit_once('/'))
            .and_then(|(offer, b)| {
                let offer = self.offers.iter().find(|o| o.name() == offer);
                offer
                    .map_or(&self.catalog, |o| self.catalog_of(o))
                    .benefit(b)
            });
        benefit.is_none_or(|b| b.n_minus_one)
    }

    /// The contract an incident of `scope` would be charged to on `today` (R8, R9, R10), and
    /// how many usable contracts it was chosen among.
    pub fn choose_contract(
        &self,
        scope: Scope,
        today: NaiveDate,
    ) -> Result<(&Contract, usize), Refusal> {
        // A contract recorded later does not exist yet (R15).
        let views: Vec<_> = self
            .contract_views(today)
            .into_iter()
            .filter(|v| v.contract.exists_on(today))
            .collect();
        let in_scope: Vec<_> = views
            .iter()
            .filter(|v| v.contract.coverage.covers(scope))
            .collect();
        let usable: Vec<_> = in_scope
            .iter()
            .filter(|v| v.status == Status::Active)
            .collect();
        if let Some(best) = usable
            .iter()
            .min_by(|a, b| preference(a).cmp(&preference(b)))
        {
            return Ok((best.contract, usable.len()));
        }
        // Nothing usable: explain with the most actionable reason.
        if let Some(p) = self.pending.iter().find(|p| {
            self.active_offers(today)
                .flat_map(|o| o.benefits(self.catalog_of(o)))
                .any(|(name, e)| name == p.benefit && e.coverage.covers(scope))
        }) {
            return Err(Refusal::ActivationPending {
                benefit: p.benefit.clone(),
                since: p.requested_on,
            });
        }
        let latest = |status| {
            in_scope
                .iter()
                .filter(|v| v.status == status)
                .max_by_key(|v| v.contract.end)
        };
        if let Some(v) = latest(Status::Waiting) {
            return Err(unusable(v, scope).expect("a waiting contract is unusable"));
        }
        if let Some(v) = [Status::Exhausted, Status::Expired]
            .into_iter()
            .filter_map(latest)
            .max_by_key(|v| v.contract.end)
        {
            return Err(unusable(v, scope).expect("a lapsed contract is unusable"));
        }
        if scope == Scope::Cloud
            && let Some(refusal) = self.no_cloud_benefit(today)
        {
            return Err(refusal);
        }
        let not_activated: Vec<String> = self
            .benefits(today)
            .into_iter()
            .filter(|b| {
                b.entitlement.coverage.covers(scope) && b.state == BenefitState::NotActivated
            })
            .map(|b| b.name)
            .collect();
        // A benefit waiting to be activated is better advice than "wrong plan".
        if let (true, Some(other)) = (not_activated.is_empty(), views.first()) {
            return Err(unusable(other, scope).expect("a contract of another scope is unusable"));
        }
        Err(Refusal::NoPlan {
            scope,
            not_activated,
        })
    }

    /// Opens an incident: charges a contract (R8, R9), or logs a free CSP request (R11); an
    /// on-premises product must be entitled under the N-1 policy of `lifecycle` (R21).
    pub fn open_incident(
        &mut self,
        new: NewIncident,
        actor: Option<&Email>,
        today: NaiveDate,
        lifecycle: &Lifecycle,
    ) -> Result<Opened, Refusal> {
        self.require_organization()?;
        let mut unchecked = None;
        // After the last here, and after any seen on another branch of the team's record.
        let last = self.incidents.last().map_or(0, |i| i.id.0);
        let last = IncidentId(last.max(self.incidents_seen));
        let id = last
            .next()
            .ok_or(Refusal::NoIncidentIdLeft(last.to_string()))?;
        let account = actor.and_then(|e| self.account(e));
        let (contract_id, chosen_from, linked) = if let Some(tenant) = &new.csp_customer {
            if new.scope != Scope::Cloud {
                return Err(Refusal::Misuse(Misuse::CspNotCloud(tenant.to_string())));
            }
            if new.contract.is_some() {
                return Err(Refusal::Misuse(Misuse::CspWithContract(tenant.to_string())));
            }
            self.require_admin_agent(account)?;
            (None, 0, false)
        } else {
            let (contract, chosen_from) = match &new.contract {
                Some(cid) => {
                    let view = self.contract_view(cid.as_str(), today)?;
                    recorded_by(view.contract, "charge", today)?;
                    if let Some(refusal) = unusable(&view, new.scope) {
                        return Err(match self.choose_contract(new.scope, today) {
                            Ok((other, _)) if other.contract_id != *cid => Refusal::UsableInstead {
                                refusal: Box::new(refusal),
                                contract: other.contract_id.to_string(),
                            },
                            _ => refusal,
                        });
                    }
                    (view.contract, 0)
                }
                None => self.choose_contract(new.scope, today)?,
            };
            let cid = contract.contract_id.clone();
            // A case Microsoft accepted outside the policy is recorded as such, unchecked.
            if let (Scope::OnPremises, Some(product), None) =
                (new.scope, &new.product, &new.outside_policy)
                && self.n_minus_one_applies(Some(&cid))
            {
                unchecked = lifecycle.check(product.as_str(), today)?;
            }
            // The first use associates the contract with the account (R6); it is usable, so
            // linking cannot be refused here.
            let linked = match actor {
                Some(e) => self.link(cid.as_str(), e, today)?,
                None => false,
            };
            (Some(cid), chosen_from, linked)
        };
        self.incidents.push(Incident {
            id,
            scope: new.scope,
            title: new.title,
            product: new.product,
            case_number: new.case_number,
            contract_id,
            csp_customer: new.csp_customer,
            note: new.note,
            outside_policy: new.outside_policy.clone(),
            opened_on: today,
            opened_by: actor.cloned(),
            closed_on: None,
            refund: None,
            void: None,
            set_at: Default::default(),
        });
        // Opened on a past day, it must not leave a later incident of its contract charged
        // when none was left. With nothing dated later (an import in date order, an incident
        // opened today), there is no later one to check: each of many imported tickets is then
        // not a walk over every incident.
        if let Some(cid) = self
            .incidents
            .record(id)
            .and_then(|i| i.contract_id.clone())
            && !self.incidents.nothing_after(today)
        {
            self.allowance_kept(&cid)?;
        }
        Ok(Opened {
            id,
            chosen_from,
            linked,
            unchecked,
        })
    }

    /// The head of the incident with this ID.
    pub fn incident(&self, id: IncidentId) -> Result<&IncidentHead, Refusal> {
        self.incidents
            .find(id)
            .ok_or_else(|| Refusal::UnknownIncident(id.to_string()))
    }

    /// Closes `incident` (the whole record of one of this state's incidents); the balance does
    /// not change.
    pub fn close_incident(
        &mut self,
        mut incident: Incident,
        today: NaiveDate,
    ) -> Result<&Incident, Refusal> {
        let id = self.changeable(&incident)?;
        if let Some(on) = incident.closed_on {
            return Err(Refusal::AlreadyClosed {
                id: id.to_string(),
                on,
            });
        }
        not_before_opened("close", &incident, today)?;
        incident.closed_on = Some(today);
        Ok(self.incidents.replace(incident))
    }

    /// Corrects what was recorded of `incident` (the whole record of one of this state's
    /// incidents); refused when the edit changes nothing. Returns the fields changed.
    pub fn edit_incident(
        &mut self,
        mut incident: Incident,
        edit: IncidentEdit,
        lifecycle: &Lifecycle,
    ) -> Result<(&Incident, Vec<&'static str>), Refusal> {
        self.changeable(&incident)?;
        // R21 for a corrected on-premises product, as of the day the incident was opened.
        if let (Some(product), Scope::OnPremises, None) =
            (&edit.product, incident.scope, &incident.outside_policy)
            && self.n_minus_one_applies(incident.contract_id.as_ref())
        {
            lifecycle.allows(product.as_str(), incident.opened_on)?;
        }
        let mut changed = Vec::new();
        if let Some(to) = edit
            .contract
            .filter(|c| incident.contract_id.as_ref() != Some(c))
        {
            self.move_check(&incident, &to)?;
            incident.contract_id = Some(to.clone());
            changed.push("contract");
            let moved = self.incidents.replace(incident).clone();
            self.allowance_kept(&to)?;
            incident = moved;
        }
        if let Some(title) = edit.title.filter(|t| *t != incident.title) {
            incident.title = title;
            changed.push("title");
        }
        if let Some(product) = edit
            .product
            .filter(|p| incident.product.as_ref() != Some(p))
        {
            incident.product = Some(product);
            changed.push("product");
        }
        if let Some(case) = edit
            .case_number
            .filter(|c| incident.case_number.as_ref() != Some(c))
        {
            incident.case_number = Some(case);
            changed.push("case number");
        }
        if let Some(note) = edit.note.filter(|n| incident.note.as_ref() != Some(n)) {
            incident.note = Some(note);
            changed.push("note");
        }
        if changed.is_empty() {
            return Err(Refusal::Misuse(Misuse::IncidentUnchanged(
                incident.id.to_string(),
            )));
        }
        Ok((self.incidents.replace(incident), changed))
    }

    /// R8 as of the day `incident` was opened, for moving it to contract `to`: the contract had
    /// been recorded, covered its scope, was active and had an incident left then (not counting
    /// this one).
    fn move_check(&self, incident: &Incident, to: &Id) -> Result<(), Refusal> {
        if incident.contract_id.is_none() {
            return Err(Refusal::BadCombination(format!(
                "{} is a CSP request, which charges no contract: it can't be moved to `{to}`",
                incident.id
            )));
        }
        let opened = incident.opened_on;
        let contract = self.contract(to.as_str())?;
        recorded_by(contract, "charge", opened)?;
        let usage = self.incidents.usages_on(opened);
        let usage = usage.get(to).copied().unwrap_or_default();
        let view = ContractView::new(contract, usage, opened);
        match unusable(&view, incident.scope) {
            Some(refusal) => Err(Refusal::NotChargeableThen {
                id: incident.id.to_string(),
                opened,
                reason: refusal.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// Takes back a mistaken entry (the whole record of one of this state's incidents): it no
    /// longer counts on any contract, on any day, and stays in the records and the history.
    pub fn void_incident(
        &mut self,
        mut incident: Incident,
        reason: Text,
        actor: Option<&Email>,
        today: NaiveDate,
    ) -> Result<&Incident, Refusal> {
        self.changeable(&incident)?;
        not_before_opened("void", &incident, today)?;
        incident.void = Some(Box::new(Void {
            on: today,
            reason,
            by: actor.cloned(),
        }));
        Ok(self.incidents.replace(incident))
    }

    /// Opens `incident` (the whole record of one of this state's incidents) again; the balance
    /// does not change.
    pub fn reopen_incident(
        &mut self,
        mut incident: Incident,
        today: NaiveDate,
    ) -> Result<&Incident, Refusal> {
        let id = self.changeable(&incident)?;
        let Some(closed) = incident.closed_on else {
            return Err(Refusal::NotClosed(id.to_string()));
        };
        not_before("reopen", &incident, today, "closed", closed)?;
        incident.closed_on = None;
        Ok(self.incidents.replace(incident))
    }

    /// Returns `incident` (the whole record of one of this state's incidents) to its contract's
    /// balance, once (R12).
    pub fn refund_incident(
        &mut self,
        mut incident: Incident,
        reason: RefundReason,
        actor: Option<&Email>,
        today: NaiveDate,
    ) -> Result<&Incident, Refusal> {
        let id = self.changeable(&incident)?;
        if incident.contract_id.is_none() {
            return Err(Refusal::NotCharged(id.to_string()));
        }
        if let Some(r) = &incident.refund {
            return Err(Refusal::AlreadyRefunded {
                id: id.to_string(),
                on: r.on,
            });
        }
        not_before_opened("refund", &incident, today)?;
        incident.refund = Some(Refund {
            on: today,
            reason,
            by: actor.cloned(),
        });
        Ok(self.incidents.replace(incident))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::Coverage;
    use crate::domain::testing::{TODAY, contract, d, org_with};

    fn new(scope: Scope) -> NewIncident {
        NewIncident::new(scope, "Mail flow stops".parse().unwrap())
    }

    /// An organization with one on-premises contract `C` of 2 incidents for 2026.
    fn two_on_premises_incidents() -> State {
        let mut s = org_with(&[]);
        s.contracts = vec![contract(
            "C",
            Coverage::OnPremises,
            Allowance::Incidents(2),
            "2026-01-01",
            "2026-12-31",
        )];
        s
    }

    /// The whole record of an incident this test added.
    fn record(s: &State, n: u32) -> Incident {
        s.incidents.record(IncidentId(n)).expect("added").clone()
    }

    fn open(s: &mut State, scope: Scope, contract: Option<&str>) -> Result<String, Refusal> {
        let mut n = new(scope);
        n.contract = contract.map(|c| c.parse().unwrap());
        let opened = s.open_incident(n, None, d(TODAY), &Lifecycle::default())?;
        Ok(s.incident(opened.id)?
            .contract_id
            .as_ref()
            .unwrap()
            .to_string())
    }

    #[test]
    fn r9_prefers_unlimited_then_earliest_end() {
        let mut s = org_with(&[]);
        s.contracts = vec![
            contract(
                "LATE",
                Coverage::Both,
                Allowance::Incidents(5),
                "2026-01-01",
                "2027-06-30",
            ),
            contract(
                "SOON",
                Coverage::OnPremises,
                Allowance::Incidents(5),
                "2026-01-01",
                "2026-12-31",
            ),
            contract(
                "UNL",
                Coverage::Cloud,
                Allowance::Unlimited,
                "2026-01-01",
                "2026-12-31",
            ),
        ];
        assert_eq!(open(&mut s, Scope::OnPremises, None).unwrap(), "SOON");
        assert_eq!(open(&mut s, Scope::Cloud, None).unwrap(), "UNL");
    }

    #[test]
    fn r8_refusals_with_microsoft_wording() {
        let mut s = org_with(&[]);
        s.contracts = vec![
            contract(
                "EXP",
                Coverage::OnPremises,
                Allowance::Incidents(5),
                "2025-01-01",
                "2025-12-31",
            ),
            contract(
                "LATER",
                Coverage::Cloud,
                Allowance::Incidents(1),
                "2027-01-01",
                "2027-12-31",
            ),
            contract(
                "ONE",
                Coverage::Cloud,
                Allowance::Incidents(1),
                "2026-01-01",
                "2026-12-31",
            ),
        ];
        let msg = |r: Result<String, Refusal>| r.unwrap_err().to_string();
        assert!(msg(open(&mut s, Scope::OnPremises, None)).starts_with("support plan expired"));
        assert!(
            msg(open(&mut s, Scope::OnPremises, Some("ONE"))).starts_with(
                "the support plan can't be used for support of the specified products"
            )
        );
        assert!(
            msg(open(&mut s, Scope::Cloud, Some("LATER")))
                .starts_with("support plan not started yet")
        );
        assert!(msg(open(&mut s, Scope::Cloud, Some("NOPE"))).contains("not found"));
        assert_eq!(open(&mut s, Scope::Cloud, None).unwrap(), "ONE");
        // ONE is now exhausted and LATER has not started: the waiting plan is the better news.
        assert!(msg(open(&mut s, Scope::Cloud, None)).starts_with("support plan not started yet"));
        assert!(msg(open(&mut s, Scope::Cloud, Some("ONE"))).starts_with("support plan exhausted"));
    }

    #[test]
    fn r10_action_pack_has_no_cloud_support() {
        let mut s = org_with(&[("action-pack", None)]);
        let refusal = open(&mut s, Scope::Cloud, None).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "Action Pack includes Microsoft Product Support (on-premises) only, not Signature Cloud Support"
        );
        assert!(
            matches!(&refusal, Refusal::NoCloudBenefit { remedy, .. } if remedy == "a Silver or Gold competency"),
            "{refusal:?}"
        );
        let mut s = org_with(&[]);
        assert!(matches!(
            open(&mut s, Scope::Cloud, None),
            Err(Refusal::NoPlan {
                scope: Scope::Cloud,
                ..
            })
        ));
        // Silver includes cloud support: the refusal names the benefit to activate, even when
        // an on-premises contract exists.
        let mut s = org_with(&[("silver", Some(("Data Analytics", "other")))]);
        s.contracts = vec![contract(
            "ONPREM",
            Coverage::OnPremises,
            Allowance::Incidents(15),
            "2026-01-01",
            "2026-12-31",
        )];
        match open(&mut s, Scope::Cloud, None) {
            Err(Refusal::NoPlan { not_activated, .. }) => {
                assert_eq!(not_activated, ["silver-data-analytics/cloud-support"])
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn r11_csp_requests_charge_nothing_and_need_admin_agent() {
        use crate::domain::account::Role;
        use crate::domain::testing::account;
        let mut s = org_with(&[]);
        s.add_account(account("agent@contoso.com", &[Role::AdminAgent], true))
            .unwrap();
        s.add_account(account("admin@contoso.com", &[Role::GlobalAdmin], false))
            .unwrap();
        let mut n = new(Scope::Cloud);
        n.csp_customer = Some("fabrikam.onmicrosoft.com".parse().unwrap());
        let admin: Email = "admin@contoso.com".parse().unwrap();
        assert!(matches!(
            s.open_incident(n.clone(), Some(&admin), d(TODAY), &Lifecycle::default()),
            Err(Refusal::NotAdminAgent { .. })
        ));
        let agent: Email = "agent@contoso.com".parse().unwrap();
        let opened = s
            .open_incident(n, Some(&agent), d(TODAY), &Lifecycle::default())
            .unwrap();
        assert_eq!(s.incident(opened.id).unwrap().contract_id, None);
        assert!(matches!(
            s.refund_incident(
                record(&s, opened.id.0),
                RefundReason::Duplicate,
                None,
                d(TODAY)
            ),
            Err(Refusal::NotCharged(_))
        ));
    }

    #[test]
    fn r12_refund_once_r14_balance() {
        let mut s = two_on_premises_incidents();
        open(&mut s, Scope::OnPremises, None).unwrap();
        open(&mut s, Scope::OnPremises, None).unwrap();
        let remaining = |s: &State| s.contract_views(d(TODAY))[0].remaining;
        assert_eq!(remaining(&s), Some(0));
        s.close_incident(record(&s, 1), d(TODAY)).unwrap();
        assert_eq!(remaining(&s), Some(0));
        assert!(matches!(
            s.close_incident(record(&s, 1), d(TODAY)),
            Err(Refusal::AlreadyClosed { .. })
        ));
        s.refund_incident(record(&s, 1), RefundReason::Duplicate, None, d(TODAY))
            .unwrap();
        assert_eq!(remaining(&s), Some(1));
        assert!(matches!(
            s.refund_incident(record(&s, 1), RefundReason::Duplicate, None, d(TODAY)),
            Err(Refusal::AlreadyRefunded { .. })
        ));
        assert_eq!(remaining(&s), Some(1));
    }

    #[test]
    fn r16_no_close_or_refund_before_the_incident_was_opened() {
        let mut s = two_on_premises_incidents();
        open(&mut s, Scope::OnPremises, None).unwrap();
        let cases: &[(&str, bool)] = &[("2026-06-14", false), (TODAY, true), ("2026-06-16", true)];
        for &(day, allowed) in cases {
            let mut closed = s.clone();
            let close = closed.close_incident(record(&s, 1), d(day)).map(|_| ());
            let mut refunded = s.clone();
            let refund = refunded
                .refund_incident(record(&s, 1), RefundReason::Duplicate, None, d(day))
                .map(|_| ());
            for result in [close, refund] {
                match (allowed, result) {
                    (true, Ok(())) => {}
                    (false, Err(Refusal::DatedBefore { then, .. })) => {
                        assert_eq!(then, d(TODAY))
                    }
                    (_, other) => panic!("{day}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn corrections_change_what_they_name_and_refuse_what_changes_nothing() {
        let mut s = two_on_premises_incidents();
        open(&mut s, Scope::OnPremises, None).unwrap();
        let edit = IncidentEdit {
            title: Some("Mail flow stops".parse().unwrap()),
            case_number: Some("2606150010001".parse().unwrap()),
            ..IncidentEdit::default()
        };
        let (edited, changed) = s
            .edit_incident(record(&s, 1), edit.clone(), &Lifecycle::default())
            .unwrap();
        assert_eq!(changed, ["case number"], "the title was already that");
        assert_eq!(
            edited.case_number.as_ref().unwrap().as_str(),
            "2606150010001"
        );
        assert!(matches!(
            s.edit_incident(record(&s, 1), edit, &Lifecycle::default()),
            Err(Refusal::Misuse(_))
        ));
        assert!(matches!(
            s.reopen_incident(record(&s, 1), d(TODAY)),
            Err(Refusal::NotClosed(_))
        ));
        s.close_incident(record(&s, 1), d(TODAY)).unwrap();
        assert_eq!(
            s.reopen_incident(record(&s, 1), d(TODAY))
                .unwrap()
                .closed_on,
            None
        );
        let remaining = |s: &State| s.contract_views(d(TODAY))[0].remaining;
        assert_eq!(remaining(&s), Some(1), "neither changes the balance");
    }

    #[test]
    fn incident_ids() {
        for (input, want) in [
            ("INC-0007", Some(7)),
            ("inc-7", Some(7)),
            ("7", Some(7)),
            ("0", None),
            ("INC-", None),
            ("INC-+7", None),
            ("x", None),
        ] {
            assert_eq!(
                input.parse::<IncidentId>().ok().map(|i| i.0),
                want,
                "{input}"
            );
        }
        assert_eq!(IncidentId(12).to_string(), "INC-0012");
        assert_eq!(IncidentId(12345).to_string(), "INC-12345");
        for (text, number) in [
            ("INC-99999999", Some(99_999_999)),
            ("INC-100000000", None),
            ("4294967295", None),
            ("INC-4294967296", None),
        ] {
            assert_eq!(
                text.parse::<IncidentId>().ok().map(|i| i.0),
                number,
                "{text}"
            );
        }
        assert_eq!(IncidentId(IncidentId::MAX).next(), None);
        assert_eq!(IncidentId(7).next(), Some(IncidentId(8)));
    }
}
