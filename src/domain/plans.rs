//! Paid plans added by hand (R13) and linking accounts to contracts (R6).

use chrono::NaiveDate;

use super::contract::{Allowance, Contract, Coverage, PlanKind, default_end};
use super::offer::check_range;
use super::refusal::{Misuse, Refusal};
use super::state::State;
use super::values::{AccessId, Email, Id, Text};

/// What `contract add` was given.
#[derive(Debug, Clone)]
pub struct NewPlan {
    /// Premier, Advanced or custom.
    pub kind: PlanKind,
    /// Contract ID.
    pub contract_id: Id,
    /// Access ID.
    pub access_id: AccessId,
    /// Incidents granted.
    pub allowance: Allowance,
    /// Products covered.
    pub coverage: Coverage,
    /// First day (default: today).
    pub start: Option<NaiveDate>,
    /// Last day (default: one year, inclusive).
    pub end: Option<NaiveDate>,
    /// Display name (default: the plan's own).
    pub name: Option<Text>,
}

/// What `contract edit` corrects; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ContractEdit {
    /// A new last day.
    pub end: Option<NaiveDate>,
    /// A new display name.
    pub name: Option<Text>,
    /// The Access ID Microsoft re-issued for it.
    pub access_id: Option<AccessId>,
}

impl State {
    /// Adds a paid support plan as a contract (R13).
    pub fn add_plan(&mut self, plan: NewPlan, today: NaiveDate) -> Result<&Contract, Refusal> {
        self.require_organization()?;
        if plan.kind == PlanKind::Benefit {
            return Err(Refusal::Misuse(Misuse::BenefitByHand));
        }
        if plan.kind == PlanKind::Advanced && plan.coverage != Coverage::Cloud {
            return Err(Refusal::Misuse(Misuse::AdvancedNotCloud(plan.coverage)));
        }
        let start = plan.start.unwrap_or(today);
        let end = plan.end.unwrap_or_else(|| default_end(start));
        check_range(start, end)?;
        let name = plan.name.unwrap_or_else(|| {
            plan.kind
                .default_name()
                .parse()
                .expect("built-in plan names are valid text")
        });
        self.insert_contract(Contract {
            contract_id: plan.contract_id,
            access_id: plan.access_id,
            kind: plan.kind,
            plan: name,
            benefit: None,
            coverage: plan.coverage,
            allowance: plan.allowance,
            start,
            end,
            linked_accounts: Default::default(),
            recorded_on: Some(today),
            requested_on: None,
            set_at: Default::default(),
        })
    }

    /// `contract remove C`: takes out a contract recorded by mistake. Refused while an
    /// incident (voided ones too) or a Partner Center count names it: they would point nowhere.
    pub fn remove_contract(&mut self, id: &str) -> Result<Contract, Refusal> {
        self.require_organization()?;
        let contract_id = self.contract(id)?.contract_id.clone();
        let mut by: Vec<String> = self
            .incidents
            .iter()
            .filter(|h| h.contract_id.as_ref() == Some(&contract_id))
            .map(|h| h.id.to_string())
            .collect();
        if self.observations.iter().any(|o| o.contract == contract_id) {
            by.push("a Partner Center count".to_string());
        }
        if !by.is_empty() {
            return Err(Refusal::ContractInUse {
                contract: contract_id.to_string(),
                by: by.join(", "),
            });
        }
        let at = self
            .contracts
            .iter()
            .position(|c| c.contract_id == contract_id)
            .expect("found above");
        Ok(self.contracts.remove(at))
    }

    /// Corrects a contract's end date or display name; refused when it changes nothing, when the
    /// end comes before the start, or when it would leave an incident the contract charged
    /// opened after its end. Returns the contract and what changed.
    pub fn edit_contract(
        &mut self,
        contract_id: &str,
        edit: ContractEdit,
    ) -> Result<(&Contract, Vec<String>), Refusal> {
        self.require_organization()?;
        let at = self
            .contract_index(contract_id)
            .ok_or_else(|| Refusal::UnknownContract(contract_id.to_string()))?;
        let mut changed = Vec::new();
        if let Some(end) = edit.end.filter(|e| *e != self.contracts[at].end) {
            check_range(self.contracts[at].start, end)?;
            let stranded: Vec<_> = self
                .incidents
                .iter()
                .filter(|h| {
                    h.counts()
                        && h.contract_id
                            .as_ref()
                            .is_some_and(|c| c.as_str() == contract_id)
                })
                .filter(|h| h.opened_on > end)
                .collect();
            if let Some(first) = stranded.first() {
                return Err(Refusal::WouldStrand {
                    contract: contract_id.to_string(),
                    end,
                    incident: first.id.to_string(),
                    opened: first.opened_on,
                    more: stranded.len() - 1,
                });
            }
            changed.push(format!("end {} → {end}", self.contracts[at].end));
            self.contracts[at].end = end;
        }
        if let Some(name) = edit.name.filter(|n| *n != self.contracts[at].plan) {
            changed.push(format!("name \"{}\" → \"{name}\"", self.contracts[at].plan));
            self.contracts[at].plan = name;
        }
        if let Some(access_id) = edit
            .access_id
            .filter(|a| *a != self.contracts[at].access_id)
        {
            if let Some(other) = self.contracts.iter().find(|c| c.access_id == access_id) {
                return Err(Refusal::DuplicateAccessId(other.contract_id.to_string()));
            }
            // Never the ID itself: it is a credential, and the history is not.
            changed.push("a re-issued Access ID".to_string());
            self.contracts[at].access_id = access_id;
        }
        if changed.is_empty() {
            return Err(Refusal::Misuse(Misuse::ContractUnchanged(
                contract_id.to_string(),
            )));
        }
        Ok((&self.contracts[at], changed))
    }

    /// Records that `account` has associated the contract (R6). Returns `false` when it already
    /// had: a no-op, not an error.
    pub fn link(
        &mut self,
        contract_id: &str,
        account: &Email,
        today: NaiveDate,
    ) -> Result<bool, Refusal> {
        self.require_organization()?;
        let view = self.contract_view(contract_id, today)?;
        super::incident::recorded_by(view.contract, "link", today)?;
        if let (false, Some(reason)) = (view.is_listed(), view.reason()) {
            return Err(Refusal::LinkUnavailable {
                contract: contract_id.to_string(),
                reason,
            });
        }
        let c = self
            .contracts
            .iter_mut()
            .find(|c| c.contract_id.as_str() == contract_id)
            .expect("contract just found");
        Ok(c.linked_accounts.insert(account.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::{TODAY, d, org_with};

    fn plan(kind: PlanKind, coverage: Coverage) -> NewPlan {
        NewPlan {
            kind,
            contract_id: "P-1".parse().unwrap(),
            access_id: "PA-0001".parse().unwrap(),
            allowance: Allowance::Incidents(40),
            coverage,
            start: None,
            end: None,
            name: None,
        }
    }

    #[test]
    fn r13_paid_plans() {
        let mut s = org_with(&[]);
        let c = s
            .add_plan(plan(PlanKind::Premier, Coverage::Both), d(TODAY))
            .unwrap();
        assert_eq!(
            (c.plan.as_str(), c.end),
            ("Premier Support for Partners", d("2027-06-14"))
        );
        assert!(matches!(
            s.add_plan(plan(PlanKind::Advanced, Coverage::OnPremises), d(TODAY)),
            Err(Refusal::Misuse(_))
        ));
        let mut p = plan(PlanKind::Custom, Coverage::Cloud);
        p.contract_id = "P-2".parse().unwrap();
        p.access_id = "PA-0002".parse().unwrap();
        p.start = Some(d("2026-07-01"));
        p.end = Some(d("2026-06-30"));
        assert!(matches!(
            s.add_plan(p, d(TODAY)),
            Err(Refusal::EndBeforeStart { .. })
        ));
    }

    #[test]
    fn r6_linking_is_idempotent_and_refuses_unusable_contracts() {
        let mut s = org_with(&[]);
        s.add_plan(plan(PlanKind::Premier, Coverage::Both), d(TODAY))
            .unwrap();
        let who: Email = "someone@outlook.com".parse().unwrap();
        assert_eq!(s.link("P-1", &who, d(TODAY)), Ok(true));
        assert_eq!(s.link("P-1", &who, d(TODAY)), Ok(false));
        let err = s.link("P-1", &who, d("2027-06-15")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "contract `P-1` can't be linked: expired on 2027-06-14"
        );
        assert!(matches!(
            s.link("NOPE", &who, d(TODAY)),
            Err(Refusal::UnknownContract(_))
        ));
    }
}
