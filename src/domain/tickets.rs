//! Azure support tickets in: each ticket becomes a cloud incident, checked by the same rules as
//! `incidents open` on the day it was opened, charged to the contract whose plan it names; a
//! ticket already recorded (by its case number) is a duplicate, and a ticket on a plan that is
//! not a partner benefit is skipped unless the user says where it goes. All or nothing.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::contract::Scope;
use super::incident::{IncidentId, NewIncident};
use super::lifecycle::Lifecycle;
use super::refusal::Refusal;
use super::state::State;
use super::values::{Email, Id, Text};

/// One ticket, as read from Azure's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// `supportTicketId`: the case number.
    pub case: Id,
    /// Its title, made fit to keep.
    pub title: Text,
    /// The day it was created (UTC).
    pub opened_on: NaiveDate,
    /// The day it was closed: a closed ticket's last change.
    pub closed_on: Option<NaiveDate>,
    /// `supportPlanDisplayName`.
    pub plan: Option<String>,
    /// `supportPlanType`.
    pub plan_type: Option<String>,
    /// `serviceDisplayName`.
    pub service: Option<String>,
    /// `problemClassificationDisplayName`.
    pub problem: Option<String>,
    /// `contactDetails.primaryEmailAddress`: who opened it at Microsoft.
    pub contact: Option<String>,
    /// Filed under no subscription (its `id` names none): a billing ticket.
    pub no_subscription: bool,
}

/// Support plans Microsoft sells outside the partner benefits: tickets on them are not charged
/// to a partner contract unless the user names one.
const OTHER_PLANS: &[&str] = &[
    "premier",
    "unified",
    "professional direct",
    "prodirect",
    "pro direct",
    "standard",
    "developer",
    "basic",
    "enterprise",
];

/// What services Microsoft refunds an incident for on closure: billing, quota and subscription
/// management are not technical support.
const REFUNDED_SERVICES: &[&str] = &["billing", "quota", "subscription management"];

/// Whether `service` (a ticket's service or problem, an incident's product) names one Microsoft
/// refunds on closure.
pub fn refunded_on_closure(service: &str) -> bool {
    let service = service.to_lowercase();
    REFUNDED_SERVICES.iter().any(|r| service.contains(r))
}

impl Ticket {
    /// Whether its plan is one of [`OTHER_PLANS`].
    fn is_other_plan(&self) -> bool {
        [&self.plan, &self.plan_type]
            .into_iter()
            .flatten()
            .any(|p| {
                let p = normalized(p);
                OTHER_PLANS
                    .iter()
                    .any(|o| p == *o || p.starts_with(&format!("{o} ")))
            })
    }

    /// Whether Microsoft may refund it on closure: a billing, quota or subscription ticket, or
    /// one filed under no subscription (billing, by definition).
    pub fn may_be_refunded(&self) -> bool {
        self.no_subscription
            || [&self.service, &self.problem]
                .into_iter()
                .flatten()
                .any(|s| refunded_on_closure(s))
    }
}

/// A plan name compared loosely: case and runs of spaces do not matter.
fn normalized(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What became of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Recorded as this incident, charged to this contract.
    Charged {
        /// The new incident.
        incident: IncidentId,
        /// Its contract.
        contract: Id,
    },
    /// Already recorded as this incident: not charged twice.
    Duplicate {
        /// The incident with its case number.
        incident: IncidentId,
    },
    /// On a plan that is not a partner benefit: not recorded.
    Skipped,
    /// Already recorded as this incident, brought up to date with Azure.
    Synced {
        /// The incident with its case number.
        incident: IncidentId,
        /// What changed.
        change: Sync,
    },
    /// Already recorded as this incident, which differs from Azure in a way the import could
    /// not apply.
    Differs {
        /// The incident with its case number.
        incident: IncidentId,
        /// The difference, and why it was not applied.
        why: String,
    },
}

/// How a recorded incident followed its ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// Closed in Azure: closed on this day (the ticket's last change).
    Closed(NaiveDate),
    /// Open again in Azure: reopened.
    Reopened,
}

/// A ticket and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketOutcome {
    /// The ticket.
    pub ticket: Ticket,
    /// What became of it.
    pub fate: Fate,
}

impl State {
    /// Whether `id` is listed as a refund candidate, refunded since or not.
    pub fn is_refund_candidate(&self, id: IncidentId) -> bool {
        self.refund_candidates.binary_search(&id).is_ok()
    }

    /// Whether incident `i` still waits for the refund Microsoft gives on closure: a refund
    /// candidate neither refunded nor voided.
    pub fn awaits_refund(&self, i: &super::incident::Incident) -> bool {
        i.refund.is_none() && i.void.is_none() && self.is_refund_candidate(i.id)
    }

    /// Stops listing incident `id` as a refund candidate (Microsoft did not refund it).
    pub fn dismiss_refund(&mut self, id: IncidentId) -> Result<(), Refusal> {
        self.incident(id)?;
        match self.refund_candidates.binary_search(&id) {
            Ok(at) => {
                self.refund_candidates.remove(at);
                Ok(())
            }
            Err(_) => Err(Refusal::BadCombination(format!(
                "{id} is not listed as a refund candidate"
            ))),
        }
    }

    /// Brings `recorded`, the incident of `ticket`'s case number, up to date with it: closed
    /// when Azure closed it, reopened when Azure has it open again; what cannot be applied (a
    /// voided entry, a refusal of the rules) is said, not applied.
    fn sync(
        &mut self,
        recorded: &super::incident::Incident,
        ticket: &Ticket,
        today: NaiveDate,
    ) -> Fate {
        let incident = recorded.id;
        let change = match (ticket.closed_on, recorded.closed_on) {
            (Some(on), None) => Sync::Closed(on.max(recorded.opened_on)),
            (None, Some(_)) => Sync::Reopened,
            _ => return Fate::Duplicate { incident },
        };
        if recorded.void.is_some() {
            return Fate::Differs {
                incident,
                why: format!(
                    "{} in Azure, but {incident} was voided: not applied",
                    match change {
                        Sync::Closed(_) => "closed",
                        Sync::Reopened => "open",
                    }
                ),
            };
        }
        let applied = match change {
            Sync::Closed(on) => self.close_incident(recorded.clone(), on).map(|_| ()),
            Sync::Reopened => self.reopen_incident(recorded.clone(), today).map(|_| ()),
        };
        match applied {
            Ok(()) => Fate::Synced { incident, change },
            Err(refusal) => Fate::Differs {
                incident,
                why: format!("not applied: {refusal}"),
            },
        }
    }
}

/// The contracts of each plan name, compared loosely: a contract goes by its recorded plan
/// name and, for an activated benefit, by its catalog's name for the plan and the names it had
/// before (a ticket names whichever the portal showed that day).
struct Plans(HashMap<String, Vec<usize>>);

impl State {
    /// Every contract's plan names, found once for a whole import.
    fn plans(&self) -> Plans {
        let mut of_benefit: HashMap<String, Vec<String>> = HashMap::new();
        for o in &self.offers {
            for (name, e) in o.benefits(self.catalog_of(o)) {
                let names = of_benefit.entry(name).or_default();
                names.push(normalized(e.plan));
                names.extend(e.former_plans.iter().map(|p| normalized(p)));
            }
        }
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (at, c) in self.contracts.iter().enumerate() {
            let mut names = vec![normalized(c.plan.as_str())];
            if let Some(more) = c.benefit.as_ref().and_then(|b| of_benefit.get(b)) {
                names.extend(more.iter().cloned());
            }
            names.sort();
            names.dedup();
            for name in names {
                by_name.entry(name).or_default().push(at);
            }
        }
        Plans(by_name)
    }

    /// The contracts whose plan is named `plan` that ran on `day` (recorded by then, started,
    /// not ended): last year's pack and this year's share a name, never a day.
    fn contracts_of_plan_on(&self, plans: &Plans, plan: &str, day: NaiveDate) -> Vec<&Id> {
        plans
            .0
            .get(&normalized(plan))
            .into_iter()
            .flatten()
            .map(|at| &self.contracts[*at])
            .filter(|c| c.exists_on(day) && c.start <= day && day <= c.end)
            .map(|c| &c.contract_id)
            .collect()
    }

    /// Records `tickets` (oldest first) as cloud incidents on the days they were opened, each
    /// by the rules of `incidents open` then (R8–R10, R16, R21), closed on the day a closed
    /// one last changed. `known` holds the incidents already recorded, by case number: each is
    /// brought up to date with its ticket (closed when Azure closed it, reopened when Azure
    /// reopened it), so that importing the same or a newer list again is a sync. A ticket no
    /// rule lets in refuses the whole import, naming the ticket.
    pub fn import_tickets(
        &mut self,
        mut tickets: Vec<Ticket>,
        known: &BTreeMap<Id, super::incident::Incident>,
        contract: Option<&Id>,
        actor: Option<&Email>,
        today: NaiveDate,
        lifecycle: &Lifecycle,
    ) -> Result<Vec<TicketOutcome>, Refusal> {
        self.require_organization()?;
        tickets.sort_by(|a, b| (a.opened_on, &a.case).cmp(&(b.opened_on, &b.case)));
        let plans = self.plans();
        let mut seen: BTreeMap<Id, IncidentId> =
            known.iter().map(|(case, i)| (case.clone(), i.id)).collect();
        let mut synced = std::collections::HashSet::new();
        let mut outcomes = Vec::with_capacity(tickets.len());
        for mut ticket in tickets {
            // Azure stamps a ticket in UTC: in an evening in the Americas, a ticket opened
            // minutes ago is UTC tomorrow. A day of grace makes it today's.
            let beyond = ticket.opened_on > today.succ_opt().unwrap_or(today);
            if !beyond {
                ticket.opened_on = ticket.opened_on.min(today);
                ticket.closed_on = ticket.closed_on.map(|d| d.min(today));
            }
            let refused = |refusal: Refusal| Refusal::TicketRefused {
                case: ticket.case.to_string(),
                opened_on: ticket.opened_on,
                refusal: Box::new(refusal),
            };
            if let Some(incident) = seen.get(&ticket.case) {
                let fate = match known.get(&ticket.case) {
                    Some(recorded) if synced.insert(ticket.case.clone()) => {
                        self.sync(recorded, &ticket, today)
                    }
                    // Twice in this import: the first one counts.
                    _ => Fate::Duplicate {
                        incident: *incident,
                    },
                };
                outcomes.push(TicketOutcome { fate, ticket });
                continue;
            }
            if beyond {
                return Err(refused(Refusal::OpenedAfterToday {
                    opened_on: ticket.opened_on,
                    today,
                }));
            }
            let named: Vec<Id> = ticket
                .plan
                .as_deref()
                .map(|p| self.contracts_of_plan_on(&plans, p, ticket.opened_on))
                .unwrap_or_default()
                .into_iter()
                .cloned()
                .collect();
            let charge = match (named.as_slice(), contract) {
                ([one], _) => Some(one.clone()),
                ([], Some(c)) => Some(c.clone()),
                ([], None) if ticket.is_other_plan() => {
                    outcomes.push(TicketOutcome {
                        ticket,
                        fate: Fate::Skipped,
                    });
                    continue;
                }
                ([], None) => None,
                (_, Some(c)) => Some(c.clone()),
                (many, None) => {
                    return Err(refused(Refusal::AmbiguousPlan {
                        plan: ticket.plan.clone().unwrap_or_default(),
                        contracts: many.iter().map(ToString::to_string).collect(),
                    }));
                }
            };
            // Who opened it: the ticket's contact when that is a recorded account, else the one
            // importing, with the contact's address kept in the note.
            let contact: Option<Email> = ticket.contact.as_deref().and_then(|c| c.parse().ok());
            let known_contact = contact.as_ref().filter(|c| self.account(c).is_some());
            let opener = known_contact.or(actor);
            let note: Option<Text> = match (known_contact, ticket.contact.as_deref()) {
                (None, Some(raw)) => format!("Azure ticket contact: {raw}").parse().ok(),
                _ => None,
            };
            let new = |contract: Option<Id>| NewIncident {
                contract,
                case_number: Some(ticket.case.clone()),
                // The Azure service the ticket is about is its product.
                product: ticket.service.as_deref().and_then(|s| s.parse().ok()),
                note: note.clone(),
                ..NewIncident::new(Scope::Cloud, ticket.title.clone())
            };
            // A contract the plan names that cannot take the ticket (used up that day): the
            // one the user named, when there is one, takes it.
            let opened = match self.open_incident(
                new(charge.clone()),
                opener,
                ticket.opened_on,
                lifecycle,
            ) {
                Ok(opened) => opened,
                Err(_) if contract.is_some() && charge.as_ref() != contract => self
                    .open_incident(new(contract.cloned()), opener, ticket.opened_on, lifecycle)
                    .map_err(refused)?,
                Err(refusal) => return Err(refused(refusal)),
            };
            if let Some(closed_on) = ticket.closed_on {
                let record = self
                    .incidents
                    .record(opened.id)
                    .expect("an incident just opened is held whole")
                    .clone();
                self.close_incident(record, closed_on.max(ticket.opened_on))
                    .map_err(refused)?;
            }
            let charged = self
                .incidents
                .record(opened.id)
                .and_then(|i| i.contract_id.clone())
                .expect("a ticket is charged to a contract");
            seen.insert(ticket.case.clone(), opened.id);
            // Microsoft charges it now and refunds it on closure: listed until then.
            if ticket.may_be_refunded() {
                self.refund_candidates.push(opened.id);
            }
            outcomes.push(TicketOutcome {
                ticket,
                fate: Fate::Charged {
                    incident: opened.id,
                    contract: charged,
                },
            });
        }
        Ok(outcomes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::{Allowance, Coverage};
    use crate::domain::testing::{contract, d, org_with};

    fn ticket(case: &str, on: &str, plan: &str, service: &str) -> Ticket {
        Ticket {
            case: case.parse().unwrap(),
            title: "VM will not start".parse().unwrap(),
            opened_on: d(on),
            closed_on: None,
            plan: Some(plan.to_string()),
            plan_type: None,
            service: Some(service.to_string()),
            problem: None,
            contact: None,
            no_subscription: false,
        }
    }

    #[test]
    fn plans_name_the_contract_other_plans_are_skipped_and_billing_may_be_refunded() {
        let cases = [
            ("Partner Signature 5pack", false, false),
            ("Premier", true, false),
            ("Unified Enterprise", true, false),
            ("Professional Direct", true, false),
            ("Partner Cloud Support 5", false, false),
        ];
        for (plan, other, _) in cases {
            assert_eq!(
                ticket("1", "2026-03-01", plan, "Virtual Machine").is_other_plan(),
                other,
                "{plan}"
            );
        }
        for (service, refunded) in [
            ("Billing", true),
            ("Service and subscription limits (quotas)", true),
            ("Subscription management", true),
            ("Virtual Machine running Windows", false),
        ] {
            assert_eq!(
                ticket("1", "2026-03-01", "x", service).may_be_refunded(),
                refunded,
                "{service}"
            );
        }
    }

    #[test]
    fn tickets_are_charged_in_date_order_duplicates_are_not_and_a_full_pack_refuses_all() {
        let mut s = org_with(&[]);
        let mut pack = contract(
            "P5",
            Coverage::Cloud,
            Allowance::Incidents(2),
            "2026-01-01",
            "2026-12-31",
        );
        pack.plan = "Partner Signature 5pack".parse().unwrap();
        s.contracts = vec![pack];
        let mut seven = crate::domain::testing::incident(7, Some("P5"));
        seven.case_number = Some("900".parse().unwrap());
        let known: BTreeMap<Id, crate::domain::incident::Incident> =
            [("900".parse().unwrap(), seven)].into();
        let tickets = vec![
            ticket("102", "2026-03-05", "Partner  signature 5PACK", "VM"),
            ticket("101", "2026-03-01", "Partner Signature 5pack", "VM"),
            ticket("900", "2026-02-01", "Partner Signature 5pack", "VM"),
            ticket("300", "2026-03-02", "Premier", "VM"),
        ];
        let lifecycle = Lifecycle::default();
        let mut after = s.clone();
        let outcomes = after
            .import_tickets(
                tickets.clone(),
                &known,
                None,
                None,
                d("2026-06-01"),
                &lifecycle,
            )
            .unwrap();
        let fates: Vec<(&str, &Fate)> = outcomes
            .iter()
            .map(|o| (o.ticket.case.as_str(), &o.fate))
            .collect();
        let p5: Id = "P5".parse().unwrap();
        assert_eq!(
            fates,
            [
                (
                    "900",
                    &Fate::Duplicate {
                        incident: IncidentId(7)
                    }
                ),
                (
                    "101",
                    &Fate::Charged {
                        incident: IncidentId(1),
                        contract: p5.clone()
                    }
                ),
                ("300", &Fate::Skipped),
                (
                    "102",
                    &Fate::Charged {
                        incident: IncidentId(2),
                        contract: p5
                    }
                ),
            ]
        );
        // A third charge on the 2-pack: the whole import is refused, naming the ticket.
        let mut more = tickets;
        more.push(ticket("103", "2026-04-01", "Partner Signature 5pack", "VM"));
        let mut refused = s.clone();
        let err = refused
            .import_tickets(more, &known, None, None, d("2026-06-01"), &lifecycle)
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("ticket 103 (opened 2026-04-01): "),
            "{err}"
        );
    }
}
