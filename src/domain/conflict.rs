//! Conflicts a team's merge leaves as data, never as markers (R23): an incident either side
//! added or changed that breaks a rule in the merged record (both spent the last incident of a
//! pack) is kept, and a conflict names it until a correction puts it right (moved to another
//! contract, voided, the contract back within its allowance) or the team accepts it because
//! Microsoft did charge it; one benefit activated on both sides keeps both contracts, and a
//! conflict names them until one is removed (R18).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::incident::{Incident, IncidentId};
use super::refusal::Refusal;
use super::state::State;
use super::values::{Email, Id, Text};

/// What a conflict is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictKind {
    /// The incident took a contract over its allowance: a refund, or another incident moved
    /// off it, settles it too.
    Exhausted,
    /// Another rule of R8 as of its opening day (the contract ended, N-1, …).
    Rule,
    /// One benefit activated on both sides for one year: two contracts for one allocation
    /// (R18), until one is removed.
    ActivatedTwice,
    /// Two contracts recorded on two sides with one Access ID, which names one contract at
    /// Microsoft: until one is removed or its Access ID corrected.
    SameAccessId,
}

/// A record a merge kept although it breaks a rule in the merged record: an incident, or the
/// two contracts of one allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conflict {
    /// The incident (one conflict each), for an incident's conflict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<IncidentId>,
    /// The contract it was charged to when the merge found it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<Id>,
    /// The contracts of one allocation, for a benefit activated twice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contracts: Vec<Id>,
    /// The day of the merge that found it.
    #[serde(with = "crate::domain::values::ymd")]
    pub on: NaiveDate,
    /// What it is about.
    pub kind: ConflictKind,
    /// The rule it breaks, in words.
    pub rule: String,
    /// Accepted by the team (Microsoft did charge it): no longer open, kept so that the
    /// record it explains stays loadable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<Accepted>,
}

/// The team's acceptance of a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    /// The day it was accepted.
    #[serde(with = "crate::domain::values::ymd")]
    pub on: NaiveDate,
    /// Who accepted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Email>,
    /// Why, in the team's words.
    pub reason: Text,
}

impl Conflict {
    /// Open: neither settled by a correction nor accepted.
    pub fn is_open(&self) -> bool {
        self.accepted.is_none()
    }

    /// What it names, as people say it: `INC-0007`, or `contracts 7000001 and 7000002`.
    pub fn names(&self) -> String {
        match self.incident {
            Some(id) => id.to_string(),
            None => format!(
                "contracts {}",
                self.contracts
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        }
    }

    /// The key two copies' conflicts are merged by.
    pub fn key(&self) -> (Option<IncidentId>, Vec<Id>) {
        (self.incident, self.contracts.clone())
    }
}

impl State {
    /// The conflicts still open, incidents' in incident order, then contracts'.
    pub fn open_conflicts(&self) -> impl Iterator<Item = &Conflict> {
        self.conflicts.iter().filter(|c| c.is_open())
    }

    /// The conflict a merge recorded on incident `id`, open or accepted.
    pub fn conflict_of(&self, id: IncidentId) -> Option<&Conflict> {
        self.conflicts.iter().find(|c| c.incident == Some(id))
    }

    /// Whether `contract`'s incidents may exceed its allowance: a conflict, open or accepted,
    /// names one of them still charged to it.
    pub fn overcharge_explained(&self, contract: &str) -> bool {
        self.conflicts.iter().any(|c| {
            c.contract
                .as_ref()
                .is_some_and(|id| id.as_str() == contract)
                && c.incident.is_some_and(|id| {
                    self.incidents
                        .find(id)
                        .is_some_and(|h| h.voided_on.is_none() && h.contract_id == c.contract)
                })
        })
    }

    /// Drops the open conflicts a change put right: the incident voided or moved off its
    /// contract, or (for one that exhausted it) the contract back within its allowance; of two
    /// contracts of one allocation, one removed. Returns what each settled one named.
    pub fn settle_conflicts(&mut self) -> Vec<String> {
        let mut settled = Vec::new();
        let incidents = &self.incidents;
        let contracts = &self.contracts;
        self.conflicts.retain(|c| {
            if !c.is_open() {
                return true;
            }
            let stands = match c.incident {
                Some(id) => {
                    let still = incidents
                        .find(id)
                        .is_some_and(|h| h.voided_on.is_none() && h.contract_id == c.contract);
                    let within = c.kind == ConflictKind::Exhausted
                        && c.contract.as_ref().is_some_and(|id| {
                            contracts
                                .iter()
                                .find(|k| k.contract_id == *id)
                                .is_some_and(|k| !k.overcharged(incidents.usage_of(id)))
                        });
                    still && !within
                }
                None => {
                    let named: Vec<_> = c
                        .contracts
                        .iter()
                        .map(|id| contracts.iter().find(|k| k.contract_id == *id))
                        .collect();
                    named.iter().all(Option::is_some)
                        && (c.kind != ConflictKind::SameAccessId
                            || named
                                .windows(2)
                                .all(|w| w[0].map(|k| &k.access_id) == w[1].map(|k| &k.access_id)))
                }
            };
            if !stands {
                settled.push(c.names());
            }
            stands
        });
        settled
    }

    /// `team resolve ID --reason TEXT`: accepts the open conflict of incident `id` (Microsoft did
    /// charge it). Refused when it has none.
    pub fn accept_conflict(
        &mut self,
        id: IncidentId,
        reason: Text,
        by: Option<&Email>,
        today: NaiveDate,
    ) -> Result<Conflict, Refusal> {
        self.incident(id)?;
        let Some(conflict) = self
            .conflicts
            .iter_mut()
            .find(|c| c.incident == Some(id) && c.is_open())
        else {
            return Err(Refusal::BadCombination(format!(
                "{id} has no open conflict"
            )));
        };
        // R16: accepted on or after the merge that found it.
        if today < conflict.on {
            return Err(Refusal::DatedBefore {
                action: "accept the conflict of",
                id: id.to_string(),
                on: today,
                event: "found by a merge",
                then: conflict.on,
            });
        }
        conflict.accepted = Some(Accepted {
            on: today,
            by: by.cloned(),
            reason,
        });
        Ok(conflict.clone())
    }

    /// Records a conflict for each of `breaches` (incident, its record, exhausted or not, the
    /// rule in words) found by a merge on `today`, unless one is recorded already.
    pub fn record_conflicts(
        &mut self,
        breaches: Vec<(&Incident, ConflictKind, String)>,
        today: NaiveDate,
    ) {
        let mut known: std::collections::BTreeSet<IncidentId> =
            self.conflicts.iter().filter_map(|c| c.incident).collect();
        for (incident, kind, rule) in breaches {
            if !known.insert(incident.id) {
                continue;
            }
            self.conflicts.push(Conflict {
                incident: Some(incident.id),
                contract: incident.contract_id.clone(),
                contracts: Vec::new(),
                on: today,
                kind,
                rule,
                accepted: None,
            });
        }
        self.conflicts.sort_by_key(Conflict::key);
    }

    /// Whether the contracts `a` and `b` may share an Access ID: an open conflict a merge
    /// recorded names both, until one is removed or corrected.
    pub fn same_access_id_explained(&self, a: &Id, b: &Id) -> bool {
        self.open_conflicts().any(|c| {
            c.kind == ConflictKind::SameAccessId
                && c.contracts.contains(a)
                && c.contracts.contains(b)
        })
    }

    /// Records that a merge on `today` kept `contracts`, which break a rule together (`kind`
    /// says which: two of one allocation, one Access ID; `rule` says it in words), unless it is
    /// recorded already.
    pub fn record_contracts_conflict(
        &mut self,
        kind: ConflictKind,
        contracts: Vec<Id>,
        rule: String,
        today: NaiveDate,
    ) {
        if self
            .conflicts
            .iter()
            .any(|c| c.incident.is_none() && c.contracts == contracts)
        {
            return;
        }
        self.conflicts.push(Conflict {
            incident: None,
            contract: None,
            contracts,
            on: today,
            kind,
            rule,
            accepted: None,
        });
        self.conflicts.sort_by_key(Conflict::key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::{Allowance, Coverage};
    use crate::domain::testing::{contract, d, incident, org};

    /// A 2-pack with three incidents charged, the third an open conflict of the merge.
    fn over() -> State {
        let mut s = org();
        s.contracts = vec![contract(
            "P2",
            Coverage::Cloud,
            Allowance::Incidents(2),
            "2026-01-01",
            "2026-12-31",
        )];
        s.contracts.push(contract(
            "U",
            Coverage::Cloud,
            Allowance::Unlimited,
            "2026-01-01",
            "2026-12-31",
        ));
        for n in 1..=3 {
            s.incidents.push(incident(n, Some("P2")));
        }
        let third = s.incidents.record(IncidentId(3)).unwrap().clone();
        s.record_conflicts(
            vec![(&third, ConflictKind::Exhausted, "over".into())],
            d("2026-07-01"),
        );
        s
    }

    fn void(s: &mut State, n: u32) {
        let mut i = s.incidents.record(IncidentId(n)).unwrap().clone();
        i.void = Some(Box::new(crate::domain::incident::Void {
            on: d("2026-07-02"),
            reason: "typed twice".parse().unwrap(),
            by: None,
        }));
        s.incidents.replace(i);
    }

    fn moved(s: &mut State, n: u32) {
        let mut i = s.incidents.record(IncidentId(n)).unwrap().clone();
        i.contract_id = Some("U".parse().unwrap());
        s.incidents.replace(i);
    }

    /// R23: a conflict explains the overcharge while it stands; a correction settles it.
    #[test]
    fn a_conflict_stands_until_a_correction_settles_it() {
        // (what the correction does, the conflicts it settles)
        type Correction = fn(&mut State);
        let cases: [(&str, Correction, Vec<&str>); 4] = [
            ("nothing", |_| {}, vec![]),
            ("its incident voided", |s| void(s, 3), vec!["INC-0003"]),
            ("its incident moved", |s| moved(s, 3), vec!["INC-0003"]),
            (
                "another incident voided: the pack within its allowance",
                |s| void(s, 1),
                vec!["INC-0003"],
            ),
        ];
        for (what, correct, settled) in cases {
            let mut s = over();
            assert!(s.overcharge_explained("P2"), "{what}");
            assert_eq!(s.problems(), [], "{what}");
            correct(&mut s);
            assert_eq!(s.settle_conflicts(), settled, "{what}");
            assert_eq!(s.problems(), [], "{what}");
        }
    }

    #[test]
    fn an_accepted_conflict_is_no_longer_open_and_still_explains_the_record() {
        let mut s = over();
        let accepted = s
            .accept_conflict(
                IncidentId(3),
                "Microsoft charged it".parse().unwrap(),
                None,
                d("2026-07-03"),
            )
            .unwrap();
        assert_eq!(accepted.accepted.unwrap().on, d("2026-07-03"));
        assert_eq!(s.open_conflicts().count(), 0);
        assert!(s.settle_conflicts().is_empty());
        assert_eq!(s.problems(), []);
        // Not before the merge that found it (R16).
        let mut early = over();
        assert!(matches!(
            early.accept_conflict(IncidentId(3), "x".parse().unwrap(), None, d("2026-06-30")),
            Err(Refusal::DatedBefore { .. })
        ));
        // Once accepted, there is nothing left to accept.
        let again = s.accept_conflict(
            IncidentId(3),
            "again".parse().unwrap(),
            None,
            d("2026-07-04"),
        );
        assert!(again.is_err());
        // Without the conflict, the same record is inconsistent.
        s.conflicts.clear();
        assert_eq!(s.problems().len(), 1);
    }
}
