//! `import`: merging records from another copy of the state into this one. Everything is checked
//! before anything counts: a record already here is a duplicate (skipped) when identical and a
//! conflict (refused) when not, and the result must keep every consistency rule.

use serde::Serialize;

use super::account::Account;
use super::contract::Contract;
use super::incident::{Incident, IncidentId};
use super::lifecycle::Lifecycle;
use super::offer::Offer;
use super::refusal::Refusal;
use super::stamp::Stamped;
use super::state::{Organization, PendingActivation, State};

/// What an import brings.
#[derive(Debug, Clone, Default)]
pub struct Import {
    /// The organization it came from, when the export said.
    pub organization: Option<Organization>,
    /// The catalogs its offers are of, when the export said, the one in use first: a new
    /// state takes them; a state that holds none of an imported offer's name keeps its.
    pub catalogs: Vec<std::sync::Arc<super::catalog::Catalog>>,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// Offers.
    pub offers: Vec<Offer>,
    /// Activations requested and not completed.
    pub pending: Vec<PendingActivation>,
    /// Benefits declined for a year.
    pub declined: Vec<super::decline::Declined>,
    /// What Partner Center showed left on contracts.
    pub observations: Vec<super::reconcile::Observation>,
    /// Incidents Microsoft may refund on closure.
    pub refund_candidates: Vec<IncidentId>,
    /// Incidents a team's merge kept although they break a rule, open or accepted (R23).
    pub conflicts: Vec<super::conflict::Conflict>,
    /// Contracts (with their real Access IDs).
    pub contracts: Vec<Contract>,
    /// Incidents.
    pub incidents: Vec<Incident>,
    /// For an import from rows (a CSV), the row each incident came from, to name it by.
    pub rows: std::collections::BTreeMap<IncidentId, usize>,
}

/// What an import added and what it found already recorded, per kind of record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Merged {
    /// Records added.
    pub added: Counts,
    /// Identical records already recorded, skipped.
    pub duplicates: Counts,
}

/// Counts per kind of record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Accounts.
    pub accounts: usize,
    /// Offers.
    pub offers: usize,
    /// Pending activations.
    pub pending: usize,
    /// Benefits declined for a year.
    pub declined: usize,
    /// Counts Partner Center showed.
    pub observations: usize,
    /// Contracts.
    pub contracts: usize,
    /// Incidents.
    pub incidents: usize,
}

impl Import {
    /// The IDs of the incidents it brings, whose records [`State::merge`] compares.
    pub fn incident_ids(&self) -> impl Iterator<Item = IncidentId> + '_ {
        self.incidents.iter().map(|i| i.id)
    }
}

impl Counts {
    /// All records.
    pub fn total(&self) -> usize {
        self.accounts
            + self.offers
            + self.pending
            + self.declined
            + self.observations
            + self.contracts
            + self.incidents
    }
}

/// The record of `item`'s key recorded here (`recorded`), for [`merge_into`] to compare with
/// it: `item` itself when the two are the same record whenever their fields were set (R23), so
/// that it counts as a duplicate.
fn recorded_as<T: Stamped>(recorded: Option<&T>, item: &T) -> Option<T> {
    recorded.map(|r| {
        if r.same_as(item) {
            item.clone()
        } else {
            r.clone()
        }
    })
}

/// Adds each of `items` that `find` does not find; counts what was skipped as identical;
/// refuses one that differs.
fn merge_into<T: PartialEq>(
    items: Vec<T>,
    find: impl Fn(&T) -> Option<T>,
    mut add: impl FnMut(T),
    describe: impl Fn(&T) -> String,
    added: &mut usize,
    duplicates: &mut usize,
) -> Result<(), Refusal> {
    for item in items {
        match find(&item) {
            Some(existing) if existing == item => *duplicates += 1,
            Some(_) => {
                return Err(Refusal::ImportConflict(format!(
                    "{} differs from the one recorded",
                    describe(&item)
                )));
            }
            None => {
                add(item);
                *added += 1;
            }
        }
    }
    Ok(())
}

impl State {
    /// Merges `import`; `recorded` holds the whole records of this state's incidents that have
    /// the IDs of incidents in the import (see [`Import::incident_ids`]). On a refusal the state
    /// may be half changed: the caller discards it.
    pub fn merge(
        &mut self,
        import: Import,
        recorded: &[Incident],
        lifecycle: &Lifecycle,
    ) -> Result<Merged, Refusal> {
        if self.organization.is_none()
            && let Some(theirs) = &import.organization
        {
            // An export carries its organization and catalog: enough to start a new state with.
            self.organization = Some(theirs.clone());
            if let Some(catalog) = import.catalogs.first() {
                self.catalog = catalog.clone();
            }
        }
        let ours = self.require_organization()?;
        if let Some(theirs) = &import.organization
            && theirs.partner_id != ours.partner_id
        {
            return Err(Refusal::ImportConflict(format!(
                "the export is of {} (partner ID {}), this state of {} (partner ID {})",
                theirs.name, theirs.partner_id, ours.name, ours.partner_id
            )));
        }
        let mut m = Merged::default();
        let (added, dup) = (&mut m.added, &mut m.duplicates);
        let accounts = self.accounts.clone();
        merge_into(
            import.accounts,
            |a| recorded_as(accounts.iter().find(|x| x.email == a.email), a),
            |a| self.accounts.push(a),
            |a| format!("account `{}`", a.email),
            &mut added.accounts,
            &mut dup.accounts,
        )?;
        for o in &import.offers {
            if self.catalog_named(&o.catalog).is_none()
                && let Some(c) = import.catalogs.iter().find(|c| c.name == o.catalog)
            {
                self.keep_catalog(c.clone());
            }
        }
        let offers = self.offers.clone();
        merge_into(
            import.offers,
            |o| recorded_as(offers.iter().find(|x| x.name() == o.name()), o),
            |o| self.offers.push(o),
            |o| format!("offer `{}`", o.name()),
            &mut added.offers,
            &mut dup.offers,
        )?;
        let pending = self.pending.clone();
        merge_into(
            import.pending,
            |p| pending.iter().find(|x| x.benefit == p.benefit).cloned(),
            |p| self.pending.push(p),
            |p| format!("the pending activation of `{}`", p.benefit),
            &mut added.pending,
            &mut dup.pending,
        )?;
        let declined = self.declined.clone();
        merge_into(
            import.declined,
            |x| {
                declined
                    .iter()
                    .find(|y| y.benefit == x.benefit && y.year == x.year)
                    .cloned()
            },
            |x| self.declined.push(x),
            |x| {
                format!(
                    "the decline of `{}` for the year from {}",
                    x.benefit, x.year
                )
            },
            &mut added.declined,
            &mut dup.declined,
        )?;
        let contracts = self.contracts.clone();
        let observations = self.observations.clone();
        merge_into(
            import.observations,
            |x| {
                observations
                    .iter()
                    .find(|y| y.contract == x.contract && y.on == x.on)
                    .cloned()
            },
            |x| self.observations.push(x),
            |x| format!("what Partner Center showed on `{}` on {}", x.contract, x.on),
            &mut added.observations,
            &mut dup.observations,
        )?;
        merge_into(
            import.contracts,
            |c| recorded_as(contracts.iter().find(|x| x.contract_id == c.contract_id), c),
            |c| self.contracts.push(c),
            |c| format!("contract `{}`", c.contract_id),
            &mut added.contracts,
            &mut dup.contracts,
        )?;
        let mut new_incidents = Vec::new();
        for i in import.incidents {
            if i.contract_id.is_none() && i.csp_customer.is_none() {
                return Err(Refusal::ImportConflict(format!(
                    "incident {} charges no contract and names no CSP customer",
                    i.id
                )));
            }
            let existing = self.incidents.find(i.id).map(|head| {
                recorded
                    .iter()
                    .find(|r| r.id == head.id)
                    .expect("the caller passes each recorded incident the import names")
            });
            match existing {
                Some(existing) if existing.same_as(&i) => dup.incidents += 1,
                Some(_) => {
                    return Err(Refusal::ImportConflict(format!(
                        "incident {} differs from the one recorded",
                        i.id
                    )));
                }
                None if new_incidents.iter().any(|n: &Incident| n.id == i.id) => {
                    return Err(Refusal::ImportConflict(format!(
                        "incident {} appears twice in the import",
                        i.id
                    )));
                }
                None => new_incidents.push(i),
            }
        }
        added.incidents = new_incidents.len();
        for id in import.refund_candidates {
            if !self.refund_candidates.contains(&id) {
                self.refund_candidates.push(id);
            }
        }
        for c in import.conflicts {
            if !self.conflicts.iter().any(|k| k.key() == c.key()) {
                self.conflicts.push(c);
            }
        }
        new_incidents.sort_by_key(|i| i.id);
        for i in &new_incidents {
            self.incidents.push(i.clone());
        }
        self.normalize();
        if self.current_account.is_none() {
            self.current_account = self
                .accounts
                .iter()
                .find(|a| a.can_activate() && !a.csp_only)
                .or(self.accounts.first())
                .map(|a| a.email.clone());
        }
        if let Some(problem) = self.problems().into_iter().next() {
            return Err(Refusal::ImportConflict(format!(
                "the result would be inconsistent: {problem}"
            )));
        }
        // R8 for each new incident, as of the day it was opened.
        // An incident a conflict names breaks a rule knowingly: said by `check`, not refused.
        if let Some(b) = self
            .breaches(&new_incidents, lifecycle)
            .into_iter()
            .find(|b| {
                !self
                    .conflicts
                    .iter()
                    .any(|c| c.incident == Some(b.incident))
            })
        {
            let at = match import.rows.get(&b.incident) {
                Some(row) => format!("row {row}, column `{}`", b.field),
                None => format!("incident {}, field `{}`", b.incident, b.field),
            };
            return Err(Refusal::ImportConflict(format!("{at}: {}", b.message)));
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::{Allowance, Coverage};
    use crate::domain::lifecycle::Lifecycle;
    use crate::domain::testing::{self, contract, org};

    fn incident(n: u32, contract: &str) -> Incident {
        testing::incident(n, Some(contract))
    }

    /// The records of the incidents the test added to `s`.
    fn recorded(s: &State) -> Vec<Incident> {
        s.incidents
            .iter()
            .filter_map(|h| s.incidents.record(h.id).cloned())
            .collect()
    }

    fn two_incident_contract() -> Contract {
        contract(
            "A",
            Coverage::Both,
            Allowance::Incidents(2),
            "2026-01-01",
            "2026-12-31",
        )
    }

    #[test]
    fn new_records_are_added_identical_ones_skipped_and_different_ones_refused() {
        let mut s = org();
        s.contracts = vec![two_incident_contract()];
        s.incidents.push(incident(1, "A"));
        // The copy in the import noted when a field was set; the record is the same.
        let mut stamped = incident(1, "A");
        stamped
            .set_at
            .insert("title".into(), crate::domain::stamp::Stamp(3, 0));
        let import = Import {
            incidents: vec![stamped, incident(2, "A")],
            contracts: vec![two_incident_contract()],
            ..Import::default()
        };
        let m = s
            .clone()
            .merge(import.clone(), &recorded(&s), &Lifecycle::default())
            .unwrap();
        assert_eq!(
            (
                m.added.incidents,
                m.duplicates.incidents,
                m.duplicates.contracts
            ),
            (1, 1, 1)
        );

        let mut changed = incident(1, "A");
        changed.title = "Something else".parse().unwrap();
        let refused = s.clone().merge(
            Import {
                incidents: vec![changed],
                ..Import::default()
            },
            &recorded(&s),
            &Lifecycle::default(),
        );
        assert_eq!(
            refused.unwrap_err().to_string(),
            "cannot import: incident INC-0001 differs from the one recorded"
        );
    }

    #[test]
    fn an_export_of_another_organization_is_refused() {
        let other = Organization {
            partner_id: "999".parse().unwrap(),
            name: "Fabrikam".parse().unwrap(),
            set_at: Default::default(),
        };
        let refused = org().merge(
            Import {
                organization: Some(other),
                ..Import::default()
            },
            &[],
            &Lifecycle::default(),
        );
        assert_eq!(
            refused.unwrap_err().to_string(),
            "cannot import: the export is of Fabrikam (partner ID 999), this state of Contoso Ltd (partner ID 4012345)"
        );
    }

    #[test]
    fn an_import_that_would_break_a_rule_is_refused() {
        let mut s = org();
        s.contracts = vec![two_incident_contract()];
        s.incidents.push(incident(1, "A"));
        let too_many = Import {
            incidents: vec![incident(2, "A"), incident(3, "A")],
            ..Import::default()
        };
        assert!(
            s.clone()
                .merge(too_many, &recorded(&s), &Lifecycle::default())
                .unwrap_err()
                .to_string()
                .contains("more incidents charged (3) than it grants (2)")
        );
        let mut nowhere = incident(2, "A");
        nowhere.contract_id = None;
        let refused = s.clone().merge(
            Import {
                incidents: vec![nowhere],
                ..Import::default()
            },
            &recorded(&s),
            &Lifecycle::default(),
        );
        assert!(
            refused
                .unwrap_err()
                .to_string()
                .contains("charges no contract and names no CSP customer")
        );
        let orphan = Import {
            incidents: vec![incident(2, "B")],
            ..Import::default()
        };
        assert!(
            s.clone()
                .merge(orphan, &recorded(&s), &Lifecycle::default())
                .unwrap_err()
                .to_string()
                .contains("which is not recorded")
        );
    }
}
