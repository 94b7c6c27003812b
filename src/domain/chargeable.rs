//! R8 for records that did not come through `incidents open` (an import, a hand edit): each
//! incident that counts must have been chargeable on its own opening day — its contract recorded
//! by then (R16), covering its scope, active then, with an incident left then — and opened by a
//! known account; and an on-premises product the N-1 policy entitled then (R21).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use super::contract::{Allowance, Scope};
use super::incident::{Incident, IncidentId};
use super::lifecycle::{Lifecycle, ProductVersion};
use super::refusal::Refusal;
use super::state::State;
use super::values::Id;

/// One incident that could not have been charged as it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    /// The incident.
    pub incident: IncidentId,
    /// The field at fault, as the export names it (`contract_id`, `opened_on`, `opened_by`).
    pub field: &'static str,
    /// What is wrong, in R8's words.
    pub message: String,
    /// It took its contract over its allowance (the others were charged first).
    pub exhausted: bool,
}

/// A contract's incidents as (opened, ID), and its refund days.
type Charges = (Vec<(NaiveDate, IncidentId)>, Vec<NaiveDate>);

impl State {
    /// The breaches of R8 among `records` (whole records of this state's incidents, in ID
    /// order), one per incident at most, in ID order. The allowance is counted over every
    /// incident of the state, as it stood on each opening day.
    pub fn breaches(&self, records: &[Incident], lifecycle: &Lifecycle) -> Vec<Breach> {
        // Many incidents name the same few products: each is looked up in the table once.
        let mut versions: HashMap<&str, Option<&ProductVersion>> = HashMap::new();
        let mut found: Vec<Breach> = records
            .iter()
            .filter(|i| i.void.is_none())
            .filter_map(|i| {
                let version = match (i.scope, &i.product) {
                    // Accepted by Microsoft outside the policy, and recorded so.
                    _ if i.outside_policy.is_some() => None,
                    (Scope::OnPremises, Some(p))
                        if self.n_minus_one_applies(i.contract_id.as_ref()) =>
                    {
                        *versions
                            .entry(p.as_str())
                            .or_insert_with(|| lifecycle.known(p.as_str()))
                    }
                    _ => None,
                };
                let n_minus_1 = version.and_then(|v| lifecycle.refusal(v, i.opened_on));
                self.breach(i, n_minus_1)
            })
            .collect();
        // The allowance is counted as the incidents were opened, one by one, leaving out those
        // that could not have been charged at all.
        let excluded: BTreeSet<IncidentId> = found.iter().map(|b| b.incident).collect();
        let over = self.over_allowance(&excluded);
        for i in records.iter().filter(|i| over.contains(&i.id)) {
            let cid = i
                .contract_id
                .as_ref()
                .expect("only a charged incident is over");
            let allowance = self.contract(cid.as_str()).map(|c| c.allowance.to_string());
            found.push(Breach {
                incident: i.id,
                field: "contract_id",
                message: format!(
                    "{} could not have been charged to contract `{cid}` on {}: support plan exhausted (all {} incidents were used then)",
                    i.id,
                    i.opened_on,
                    allowance.unwrap_or_default()
                ),
                exhausted: true,
            });
        }
        found.sort_by_key(|b| b.incident);
        found
    }

    /// Why `i` could not have been opened as recorded, leaving the allowance aside.
    fn breach(&self, i: &Incident, n_minus_1: Option<Refusal>) -> Option<Breach> {
        let breach = |field, message| {
            Some(Breach {
                incident: i.id,
                field,
                message,
                exhausted: false,
            })
        };
        if let Some(by) = i.opened_by.as_ref().filter(|e| self.account(e).is_none()) {
            return breach(
                "opened_by",
                format!(
                    "{} was opened by `{by}`, which is not a recorded account",
                    i.id
                ),
            );
        }
        // R21: an on-premises product the N-1 policy did not entitle on the day.
        if let Some(refusal) = n_minus_1 {
            return breach(
                "product",
                format!(
                    "{} could not have been opened on {}: {refusal}",
                    i.id, i.opened_on
                ),
            );
        }
        let cid = i.contract_id.as_ref()?;
        // A missing contract is a consistency problem, named there.
        let c = self.contract(cid.as_str()).ok()?;
        let on = i.opened_on;
        let (field, why) = if !c.coverage.covers(i.scope) {
            (
                "contract_id",
                format!(
                    "the support plan can't be used for support of the specified products (it covers {}, the incident is {})",
                    c.coverage.slug(),
                    i.scope.slug()
                ),
            )
        } else if let Some(recorded) = c.recorded_on.filter(|r| on < *r) {
            (
                "opened_on",
                format!("the contract was recorded on {recorded}, after that day"),
            )
        } else if on < c.start {
            (
                "opened_on",
                format!("support plan not started yet (it starts on {})", c.start),
            )
        } else if on > c.end {
            ("opened_on", format!("support plan expired on {}", c.end))
        } else {
            return None;
        };
        breach(
            field,
            format!(
                "{} could not have been charged to contract `{cid}` on {on}: {why}",
                i.id
            ),
        )
    }

    /// R8 over time, for a change that charges `contract` (an incident opened or moved on a
    /// past day): every incident it charged must still have found an incident left on the day it
    /// was opened.
    pub fn allowance_kept(&self, contract: &Id) -> Result<(), Refusal> {
        let over = self.over_allowance_of(&BTreeSet::new(), Some(contract));
        match over.first().and_then(|id| self.incidents.find(*id)) {
            Some(h) => Err(Refusal::WouldBeInconsistent(format!(
                "contract `{contract}` would have had no incident left for {} when it was opened on {}",
                h.id, h.opened_on
            ))),
            None => Ok(()),
        }
    }

    /// The incidents that, opened one by one in date order, found their limited contract with no
    /// incident left that day (charged by then, less refunded by then). Those in `excluded`, and
    /// those opened outside their contract's dates, are not counted.
    fn over_allowance(&self, excluded: &BTreeSet<IncidentId>) -> BTreeSet<IncidentId> {
        self.over_allowance_of(excluded, None)
    }

    /// [`State::over_allowance`] of one contract's incidents, or of all.
    fn over_allowance_of(
        &self,
        excluded: &BTreeSet<IncidentId>,
        only: Option<&Id>,
    ) -> BTreeSet<IncidentId> {
        let mut by_contract: BTreeMap<&Id, Charges> = BTreeMap::new();
        for h in self.incidents.iter().filter(|h| {
            h.counts()
                && !excluded.contains(&h.id)
                && only.is_none_or(|c| h.contract_id.as_ref() == Some(c))
        }) {
            let Some(cid) = &h.contract_id else { continue };
            let entry = by_contract.entry(cid).or_default();
            entry.0.push((h.opened_on, h.id));
            entry.1.extend(h.refunded_on);
        }
        let mut over = BTreeSet::new();
        for (cid, (mut opened, mut refunds)) in by_contract {
            let Ok(c) = self.contract(cid.as_str()) else {
                continue;
            };
            let Allowance::Incidents(allowance) = c.allowance else {
                continue;
            };
            opened.sort();
            refunds.sort();
            let mut charged = 0u32;
            for (on, id) in opened
                .into_iter()
                .filter(|(on, _)| (c.start..=c.end).contains(on))
            {
                let refunded = refunds.partition_point(|r| *r <= on) as u32;
                if (charged + 1).saturating_sub(refunded) > allowance {
                    over.insert(id);
                } else {
                    charged += 1;
                }
            }
        }
        over
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::contract::{Allowance, Coverage, Scope};
    use crate::domain::incident::{Incident, Refund, RefundReason};
    use crate::domain::lifecycle::Lifecycle;
    use crate::domain::testing::{account, contract, d, incident, org_with};

    fn on(n: u32, day: &str, scope: Scope) -> Incident {
        let mut i = incident(n, Some("A"));
        i.opened_on = d(day);
        i.scope = scope;
        i
    }

    #[test]
    fn r8_each_incident_is_checked_as_of_its_own_opening_day() {
        let mut s = org_with(&[]);
        s.accounts = vec![account("admin@contoso.com", &[], false)];
        s.contracts = vec![contract(
            "A",
            Coverage::Cloud,
            Allowance::Incidents(1),
            "2026-01-01",
            "2026-06-30",
        )];
        let mut refunded = on(2, "2026-02-01", Scope::Cloud);
        refunded.refund = Some(Refund {
            on: d("2026-02-10"),
            reason: RefundReason::Duplicate,
            by: None,
        });
        let mut stranger = on(6, "2026-05-01", Scope::Cloud);
        stranger.opened_by = Some("ghost@contoso.com".parse().unwrap());
        let records = vec![
            on(1, "2025-12-31", Scope::Cloud),
            refunded,
            // Over: INC-0002 holds the one incident until its refund on 2026-02-10.
            on(3, "2026-02-05", Scope::Cloud),
            // Fine: INC-0002 was refunded by then, and INC-0003 was never charged.
            on(4, "2026-03-01", Scope::Cloud),
            on(5, "2026-04-01", Scope::OnPremises),
            stranger,
            on(7, "2026-07-01", Scope::Cloud),
        ];
        s.incidents = records.iter().cloned().collect();
        let found: Vec<_> = s
            .breaches(&records, &Lifecycle::default())
            .into_iter()
            .map(|b| (b.incident.0, b.field))
            .collect();
        assert_eq!(
            found,
            [
                (1, "opened_on"),
                (3, "contract_id"),
                (5, "contract_id"),
                (6, "opened_by"),
                (7, "opened_on"),
            ]
        );
    }

    #[test]
    fn r16_an_incident_opened_before_its_contract_was_recorded_is_named() {
        let mut s = org_with(&[]);
        let mut c = contract(
            "A",
            Coverage::Cloud,
            Allowance::Unlimited,
            "2026-01-01",
            "2026-12-31",
        );
        c.recorded_on = Some(d("2026-03-02"));
        s.contracts = vec![c];
        let records = vec![
            on(1, "2026-03-01", Scope::Cloud),
            on(2, "2026-03-02", Scope::Cloud),
        ];
        s.incidents = records.iter().cloned().collect();
        let found: Vec<_> = s
            .breaches(&records, &Lifecycle::default())
            .into_iter()
            .map(|b| b.message)
            .collect();
        assert_eq!(
            found,
            [
                "INC-0001 could not have been charged to contract `A` on 2026-03-01: the contract was recorded on 2026-03-02, after that day"
            ]
        );
    }
}
