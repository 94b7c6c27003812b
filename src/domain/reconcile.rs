//! Reconciling the record with Microsoft's count: what Partner Center showed left on a contract
//! on a day is kept as a dated observation, compared with the record as of that day, and, when
//! they differ, the record's likely causes are named (a balance assertion for support incidents).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::contract::Allowance;
use super::incident::{Incident, IncidentId};
use super::refusal::Refusal;
use super::state::State;
use super::values::{Email, Id};

/// What Partner Center showed left on a contract on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    /// The contract.
    pub contract: Id,
    /// The day Partner Center showed it.
    #[serde(with = "crate::domain::values::ymd")]
    pub on: NaiveDate,
    /// Incidents left, as shown.
    pub left: u32,
    /// Who recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Email>,
}

/// Why the record and Partner Center may differ, from what the record holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// Partner Center shows fewer left: cases opened with Microsoft and not in the record yet
    /// (Azure tickets not imported).
    NotImported(u32),
    /// Refunds recorded here that Microsoft may not have applied yet.
    RefundsRecorded(Vec<IncidentId>),
    /// Partner Center shows more left: incidents recorded with no case number, perhaps never
    /// opened with Microsoft (or typed twice).
    NoCaseNumber(Vec<IncidentId>),
    /// Billing, quota or subscription tickets Microsoft refunds on closure, not refunded here.
    AwaitingRefund(Vec<IncidentId>),
}

/// An observation compared with the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The observation.
    pub observation: Observation,
    /// What the record says was left at the end of that day.
    pub record_left: u32,
}

impl Comparison {
    /// Whether the two agree.
    pub fn agrees(&self) -> bool {
        self.record_left == self.observation.left
    }
}

impl State {
    /// Records that Partner Center showed `left` incidents on `contract` on `on` (R15: a day
    /// not after `today`, on which the contract was recorded), and compares it with the record
    /// as of that day. Refused for an unlimited contract (Partner Center shows no count).
    pub fn reconcile(
        &mut self,
        contract: &str,
        left: u32,
        on: NaiveDate,
        actor: Option<&Email>,
        today: NaiveDate,
    ) -> Result<Comparison, Refusal> {
        self.require_organization()?;
        let c = self.contract(contract)?;
        let Allowance::Incidents(allowance) = c.allowance else {
            return Err(Refusal::BadCombination(format!(
                "contract `{contract}` is unlimited: Partner Center shows no count to reconcile"
            )));
        };
        if on > today {
            return Err(Refusal::BadCombination(format!(
                "the day {on} is after today ({today}): a count is what Partner Center showed by then"
            )));
        }
        if left > allowance {
            return Err(Refusal::BadCombination(format!(
                "{left} left is more than contract `{contract}` grants ({allowance})"
            )));
        }
        if !c.exists_on(on) {
            return Err(Refusal::BadCombination(format!(
                "contract `{contract}` was recorded after {on}: nothing to compare that day"
            )));
        }
        let observation = Observation {
            contract: c.contract_id.clone(),
            on,
            left,
            by: actor.cloned(),
        };
        let key = |o: &Observation| (o.contract.clone(), o.on);
        match self
            .observations
            .binary_search_by_key(&key(&observation), key)
        {
            // A later look at the same day replaces the earlier one.
            Ok(at) => self.observations[at] = observation.clone(),
            Err(at) => self.observations.insert(at, observation.clone()),
        }
        self.compare(&observation)
    }

    /// `observation` compared with the record as of its day.
    pub fn compare(&self, observation: &Observation) -> Result<Comparison, Refusal> {
        let view = self.contract_view(observation.contract.as_str(), observation.on)?;
        Ok(Comparison {
            observation: observation.clone(),
            record_left: view.remaining.unwrap_or(u32::MAX),
        })
    }

    /// The latest observation of each contract (they are kept by contract, then day).
    pub fn latest_observations(&self) -> Vec<&Observation> {
        let mut latest: Vec<&Observation> = Vec::new();
        for o in &self.observations {
            match latest.last_mut() {
                Some(last) if last.contract == o.contract => *last = o,
                _ => latest.push(o),
            }
        }
        latest
    }

    /// The last count recorded of `contract`, compared with the record; refused when none is.
    pub fn last_comparison(&self, contract: &str) -> Result<Comparison, Refusal> {
        let id = &self.contract(contract)?.contract_id;
        let last = self
            .observations
            .iter()
            .rfind(|o| o.contract == *id)
            .ok_or_else(|| Refusal::NoObservation(id.to_string()))?;
        self.compare(last)
    }

    /// The observations of `contract`, oldest first, compared with the record.
    pub fn comparisons_of(&self, contract: &Id) -> Vec<Comparison> {
        self.observations
            .iter()
            .filter(|o| o.contract == *contract)
            .filter_map(|o| self.compare(o).ok())
            .collect()
    }
}

/// What may explain `comparison`, from the incidents of its contract (whole records): in the
/// direction it differs.
pub fn causes(comparison: &Comparison, incidents: &[Incident]) -> Vec<Cause> {
    let on = comparison.observation.on;
    let of_contract = |i: &&Incident| {
        i.contract_id.as_ref() == Some(&comparison.observation.contract)
            && i.void.is_none()
            && i.opened_on <= on
    };
    let ids = |pick: &dyn Fn(&Incident) -> bool| -> Vec<IncidentId> {
        incidents
            .iter()
            .filter(of_contract)
            .filter(|i| pick(i))
            .map(|i| i.id)
            .collect()
    };
    let mut causes = Vec::new();
    let (shown, record) = (comparison.observation.left, comparison.record_left);
    if shown < record {
        causes.push(Cause::NotImported(record - shown));
        let refunds = ids(&|i| i.refund.as_ref().is_some_and(|r| r.on <= on));
        if !refunds.is_empty() {
            causes.push(Cause::RefundsRecorded(refunds));
        }
    } else if shown > record {
        let bare = ids(&|i| i.case_number.is_none());
        if !bare.is_empty() {
            causes.push(Cause::NoCaseNumber(bare));
        }
        let awaiting = ids(&|i| {
            i.refund.is_none()
                && i.product
                    .as_ref()
                    .is_some_and(|p| super::tickets::refunded_on_closure(p.as_str()))
        });
        if !awaiting.is_empty() {
            causes.push(Cause::AwaitingRefund(awaiting));
        }
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::Coverage;
    use crate::domain::testing::{contract, d, incident, org_with};

    #[test]
    fn an_observation_is_compared_with_the_record_on_its_day_and_its_causes_named() {
        let mut s = org_with(&[]);
        s.contracts = vec![contract(
            "P5",
            Coverage::Cloud,
            Allowance::Incidents(5),
            "2026-01-01",
            "2026-12-31",
        )];
        let mut one = incident(1, Some("P5"));
        one.case_number = Some("2603010010001".parse().unwrap());
        let mut two = incident(2, Some("P5"));
        two.product = Some("Billing".parse().unwrap());
        for i in [one.clone(), two.clone()] {
            s.incidents.push(i);
        }
        let records = [one, two];
        // (portal shows, agrees, causes)
        type Want = fn(&[Cause]) -> bool;
        let cases: [(u32, bool, Want); 3] = [
            (3, true, |c| c.is_empty()),
            (2, false, |c| c == [Cause::NotImported(1)]),
            (4, false, |c| {
                c == [
                    Cause::NoCaseNumber(vec![IncidentId(2)]),
                    Cause::AwaitingRefund(vec![IncidentId(2)]),
                ]
            }),
        ];
        for (left, agrees, want) in cases {
            let compared = s
                .reconcile("P5", left, d("2026-03-05"), None, d("2026-03-06"))
                .unwrap();
            assert_eq!(compared.record_left, 3);
            assert_eq!(compared.agrees(), agrees, "{left}");
            let found = causes(&compared, &records);
            assert!(want(&found), "{left}: {found:?}");
        }
        // One look a day: the last replaces the others.
        assert_eq!(s.observations.len(), 1);
        // Before the incidents were opened, all five were left.
        let earlier = s
            .reconcile("P5", 5, d("2026-02-01"), None, d("2026-03-06"))
            .unwrap();
        assert!(earlier.agrees());
        assert_eq!(s.latest_observations()[0].on, d("2026-03-05"));
        for (left, on, want) in [
            (6, "2026-03-05", "more than contract `P5` grants"),
            (1, "2026-03-07", "after today"),
        ] {
            let err = s
                .reconcile("P5", left, d(on), None, d("2026-03-06"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{err}");
        }
    }
}
