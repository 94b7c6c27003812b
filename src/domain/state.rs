//! The whole record: organization, accounts, offers, pending activations, contracts and
//! incidents, with the queries every command shares; and the entry each change adds to the history.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::account::Account;
use super::catalog::Catalog;
use super::contract::{Contract, Scope, Status, Usage};
use super::incident::IncidentId;
use super::incidents::Incidents;
use super::offer::Offer;
use super::operation::{Change, OpId};
use super::refusal::Refusal;
use super::values::{Email, PartnerId, Text};

/// The partner organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Partner-program (MPN) partner ID.
    pub partner_id: PartnerId,
    /// Company name.
    pub name: Text,
    /// For each field a change set after it was made, when that operation was made (R23).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub set_at: super::stamp::Stamps,
}

/// A benefit whose activation was requested and whose IDs are not known yet (R4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingActivation {
    /// `OFFER/BENEFIT`.
    pub benefit: String,
    /// The day of the request.
    #[serde(with = "crate::domain::values::ymd")]
    pub requested_on: NaiveDate,
    /// Who asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<Email>,
}

/// R16: a change is dated its as-of `day`, which may not come after `real_today` unless the
/// user says so (`future`): a mistyped year would hide the change from every list and balance
/// until that day.
pub fn dated(day: NaiveDate, real_today: NaiveDate, future: bool) -> Result<(), Refusal> {
    if day > real_today && !future {
        return Err(Refusal::Misuse(super::refusal::Misuse::FutureChange {
            day,
            today: real_today,
        }));
    }
    Ok(())
}

/// One line of the audit trail. Its changes are [`Change`]s; the replay that checks a long
/// history reads them in a form of its own (`store/operations.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry<C = Change> {
    /// The state's revision this change produced (1 for the first change).
    #[serde(default)]
    pub revision: u64,
    /// Wall-clock time of the change.
    #[serde(with = "crate::domain::values::instant")]
    pub at: DateTime<Utc>,
    /// The "today" the change was made under (differs from `at` with `--as-of`).
    #[serde(with = "crate::domain::values::ymd")]
    pub as_of: NaiveDate,
    /// Who made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Email>,
    /// The command (`incidents open`).
    pub action: String,
    /// What changed, in words; never holds an Access ID.
    pub summary: String,
    /// The contracts whose balance the change moved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub balances: Vec<BalanceChange>,
    /// The operation's ID (R23); none on a change recorded before changes were operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<OpId>,
    /// Its logical clock: one more than the operation it was made after (a merge: after both
    /// sides' last), so that replaying by clock puts every operation after what it saw.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub clock: u64,
    /// The records it set, enough to replay it. Kept in the history log; the state file's copy
    /// of its last change leaves them out (one change may set every record, and a record
    /// written twice in the file would be edited by hand in one place only) unless it is a
    /// merge, which git's driver writes into the file alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<C>,
    /// Set on the state file's copy of a change whose records it left out (they are in the
    /// log): a log line restored from it after a crash says so, rather than looking like a
    /// change that set nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub changes_left_out: bool,
    /// Of a merge, each incident it renumbered (two copies numbered alike), as data: a rebase
    /// follows them, and `incidents show` says where an incident went (R23).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renumbered: Vec<Renumbering>,
}

/// An incident a merge moved to another number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Renumbering {
    /// The number both copies gave.
    pub from: IncidentId,
    /// The one it has now.
    pub to: IncidentId,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl<C> HistoryEntry<C> {
    /// The same entry, each of its changes made by `each`.
    pub fn map_changes<D>(self, each: impl FnMut(C) -> D) -> HistoryEntry<D> {
        HistoryEntry {
            revision: self.revision,
            at: self.at,
            as_of: self.as_of,
            account: self.account,
            action: self.action,
            summary: self.summary,
            balances: self.balances,
            op: self.op,
            clock: self.clock,
            changes: self.changes.into_iter().map(each).collect(),
            changes_left_out: self.changes_left_out,
            renumbered: self.renumbered,
        }
    }
}

impl HistoryEntry {
    /// The entry as the state file keeps it: without the records it set, which the log holds,
    /// unless it is a merge. Git's driver writes a merge into the state file and no log, and
    /// the next change logs it from there.
    pub fn as_kept_in_file(&self) -> HistoryEntry {
        if self.action == "merge" {
            return self.clone();
        }
        HistoryEntry {
            changes: Vec::new(),
            changes_left_out: self.changes_left_out || !self.changes.is_empty(),
            ..self.clone()
        }
    }
}

/// A contract's balance before and after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceChange {
    /// The contract.
    pub contract: String,
    /// Incidents charged less refunded, before.
    pub used_before: u32,
    /// … and after.
    pub used_after: u32,
    /// Incidents left before (`null` when unlimited).
    pub remaining_before: Option<u32>,
    /// … and after.
    pub remaining_after: Option<u32>,
}

/// Every contract's ID, incidents used and incidents left, to compare before and after a change.
pub type Balances = Vec<(String, u32, Option<u32>)>;

/// The whole record. Every collection is kept sorted, so that the file is deterministic and the
/// rules can rely on the order (new items are inserted in place, incident IDs grow from the last).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// How many changes made this state; the history log numbers its entries by it.
    pub revision: u64,
    /// The program catalog in use: new offers are of it, hints name its offers (R1–R4, R17,
    /// R18, R21).
    pub catalog: Arc<Catalog>,
    /// The other catalogs its offers are of (a legacy year before today's program), by name;
    /// one is kept while an offer names it.
    pub other_catalogs: Vec<Arc<Catalog>>,
    /// The organization, once `init` ran.
    pub organization: Option<Organization>,
    /// The account commands act as unless `--as` says otherwise.
    pub current_account: Option<Email>,
    /// Known accounts, by e-mail.
    pub accounts: Vec<Account>,
    /// Membership offers, by name.
    pub offers: Vec<Offer>,
    /// Activations requested and not completed, by benefit.
    pub pending: Vec<PendingActivation>,
    /// Benefits declined for a membership year, by benefit and year.
    pub declined: Vec<super::decline::Declined>,
    /// What Partner Center showed left on contracts, by contract and day.
    pub observations: Vec<super::reconcile::Observation>,
    /// Incidents Microsoft refunds on closure (imported billing, quota and subscription
    /// tickets), listed until refunded or dismissed, by ID.
    pub refund_candidates: Vec<IncidentId>,
    /// Contracts, by Contract ID.
    pub contracts: Vec<Contract>,
    /// Incidents a merge kept although they break a rule, by incident (R23).
    pub conflicts: Vec<super::conflict::Conflict>,
    /// The history entry of the change that made this revision. The history itself is an
    /// append-only log beside the file; this copy lets the next change restore the log's last
    /// line if a crash came between writing the file and appending to the log.
    pub last_change: Option<HistoryEntry>,
    /// Incidents, by ID.
    pub incidents: Incidents,
    /// Entries recorded and not yet appended to the log, oldest first.
    pub unlogged: Vec<HistoryEntry>,
    /// The highest incident number seen elsewhere (another branch of a team's repository): a
    /// new incident is numbered after it too, so that a merge rarely renumbers. Not stored.
    pub incidents_seen: u32,
    /// The records a merge set, worked out by the merge, which knows both copies; any other
    /// change's are worked out from the state before and after it (R23). Not stored.
    pub merge_changes: Option<Vec<Change>>,
    /// What a merge renumbered, for its entry. Not stored.
    pub merge_renumbered: Vec<Renumbering>,
}

impl State {
    /// Refuses when `init` has not run.
    pub fn require_organization(&self) -> Result<&Organization, Refusal> {
        self.organization.as_ref().ok_or(Refusal::NotInitialized)
    }

    /// Creates the organization (and, optionally, its first account, made current).
    pub fn init(
        &mut self,
        organization: Organization,
        account: Option<Account>,
    ) -> Result<(), Refusal> {
        if let Some(o) = &self.organization {
            return Err(Refusal::AlreadyInitialized {
                name: o.name.to_string(),
                partner_id: o.partner_id.to_string(),
            });
        }
        self.organization = Some(organization);
        if let Some(a) = account {
            self.add_account(a)?;
        }
        Ok(())
    }

    /// The contract with this ID.
    pub fn contract(&self, id: &str) -> Result<&Contract, Refusal> {
        self.contract_index(id)
            .map(|at| &self.contracts[at])
            .ok_or_else(|| Refusal::UnknownContract(id.to_string()))
    }

    /// Where the contract with this ID is in `contracts` (kept sorted by ID, so a bisection).
    pub fn contract_index(&self, id: &str) -> Option<usize> {
        self.contracts
            .binary_search_by(|c| c.contract_id.as_str().cmp(id))
            .ok()
    }

    /// The contract with this ID, with its balance and status at the end of `today` (R15).
    pub fn contract_view(&self, id: &str, today: NaiveDate) -> Result<ContractView<'_>, Refusal> {
        let c = self.contract(id)?;
        let usage = self.incidents.usages_on(today);
        let usage = usage.get(&c.contract_id).copied().unwrap_or_default();
        Ok(ContractView::new(c, usage, today))
    }

    /// A contract's charged and refunded incidents (R14).
    pub fn usage(&self, contract: &Contract) -> Usage {
        self.incidents.usage_of(&contract.contract_id)
    }

    /// Every contract's usage, in the order of `contracts`.
    pub fn usages(&self) -> Vec<Usage> {
        self.contracts.iter().map(|c| self.usage(c)).collect()
    }

    /// Every contract's balance, in Contract ID order.
    pub fn balances(&self) -> Balances {
        self.contracts
            .iter()
            .zip(self.usages())
            .map(|(c, u)| (c.contract_id.to_string(), u.used(), c.remaining(u)))
            .collect()
    }

    /// The balances that differ from `before` (a contract added with nothing used is no change).
    pub fn balance_changes(&self, before: &Balances) -> Vec<BalanceChange> {
        self.balances()
            .into_iter()
            .filter_map(|(contract, used_after, remaining_after)| {
                let (used_before, remaining_before) = before
                    .iter()
                    .find(|(id, ..)| *id == contract)
                    .map_or((0, None), |(_, u, r)| (*u, *r));
                (used_before != used_after).then_some(BalanceChange {
                    contract,
                    used_before,
                    used_after,
                    remaining_before,
                    remaining_after,
                })
            })
            .collect()
    }

    /// Every contract with its balance and status at the end of `today` (R15), in Contract ID
    /// order.
    pub fn contract_views(&self, today: NaiveDate) -> Vec<ContractView<'_>> {
        let usage = self.incidents.usages_on(today);
        self.contracts
            .iter()
            .map(|c| {
                let u = usage.get(&c.contract_id).copied().unwrap_or_default();
                ContractView::new(c, u, today)
            })
            .collect()
    }

    /// Leaves what had been recorded by the end of `day` (R15), for a read: a contract recorded
    /// later is not there (its benefit is pending again when it was requested by then) and a
    /// request made later was not made. The incidents stay: every view of them takes the day.
    pub fn as_recorded_on(&mut self, day: NaiveDate) {
        self.pending.retain(|p| p.requested_on <= day);
        self.declined.retain(|d| d.on <= day);
        self.observations.retain(|o| o.on <= day);
        let (later, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.contracts)
            .into_iter()
            .partition(|c| !c.exists_on(day));
        self.contracts = kept;
        for c in later {
            if let (Some(benefit), Some(requested_on)) = (c.benefit, c.requested_on)
                && requested_on <= day
            {
                let at = self.pending.partition_point(|p| p.benefit < benefit);
                self.pending.insert(
                    at,
                    PendingActivation {
                        benefit,
                        requested_on,
                        requested_by: None,
                    },
                );
            }
        }
    }

    /// Sorts every collection into the order the file keeps, in case it was edited by hand
    /// (the incidents keep theirs themselves).
    pub fn normalize(&mut self) {
        self.accounts.sort_by(|a, b| a.email.cmp(&b.email));
        self.offers.sort_by_cached_key(|o| o.name());
        self.pending.sort_by(|a, b| a.benefit.cmp(&b.benefit));
        self.declined
            .sort_by(|a, b| (&a.benefit, a.year).cmp(&(&b.benefit, b.year)));
        self.observations
            .sort_by(|a, b| (&a.contract, a.on).cmp(&(&b.contract, b.on)));
        self.refund_candidates.sort();
        self.refund_candidates.dedup();
        self.contracts
            .sort_by(|a, b| a.contract_id.cmp(&b.contract_id));
        self.conflicts.sort_by_key(super::conflict::Conflict::key);
    }

    /// `undo`: puts back `previous`, the state before the last change, as a change of its own
    /// (the next revision). Refused unless `previous` is the revision just before this one, or,
    /// when the last change was a merge (numbered after the other side's changes it took), the
    /// revision it says it started from. Returns the change undone.
    pub fn restore(&mut self, previous: State) -> Result<HistoryEntry, Refusal> {
        let Some(last) = self.last_change.clone() else {
            return Err(Refusal::CannotUndo(
                "no change has been recorded".to_string(),
            ));
        };
        let merged = super::three_way::merged_onto(&last) == Some(previous.revision);
        // The first operation of a history that had none came after its start (R23): two
        // revisions, one change.
        let started = last.op.is_some()
            && previous.last_change.as_ref().is_none_or(|e| e.op.is_none())
            && previous.revision + 2 == self.revision;
        if previous.revision + 1 != self.revision && !merged && !started {
            return Err(Refusal::CannotUndo(format!(
                "the backup is revision {}, not revision {} (the one before the last change)",
                previous.revision,
                self.revision - 1
            )));
        }
        let revision = self.revision;
        *self = previous;
        self.revision = revision;
        self.unlogged.clear();
        Ok(last)
    }

    /// Counts a change: the next revision, with its audit entry.
    pub fn record(&mut self, mut entry: HistoryEntry) {
        self.revision += 1;
        entry.revision = self.revision;
        self.last_change = Some(entry.clone());
        self.unlogged.push(entry);
    }
}

/// What a set of contracts has left to spend today (R14).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Incidents left on active limited contracts.
    pub remaining: u32,
    /// Whether an active unlimited contract is among them.
    pub unlimited: bool,
}

impl Totals {
    /// Adds up the active contracts among `views`: one that has not started or has lapsed has
    /// nothing to spend today.
    pub fn of(views: &[ContractView<'_>]) -> Totals {
        views
            .iter()
            .filter(|v| v.status == Status::Active)
            .fold(Totals::default(), |mut t, v| {
                match v.remaining {
                    Some(r) => t.remaining += r,
                    None => t.unlimited = true,
                }
                t
            })
    }
}

/// What one scope has to spend today, over the active contracts that cover it: on-premises and
/// cloud incidents never substitute for each other, so they are never added up together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeTotal {
    /// The scope.
    pub scope: Scope,
    /// Incidents left on its active limited contracts.
    pub left: u32,
    /// How many active limited contracts cover it.
    pub contracts: usize,
    /// The first of their ends.
    pub next_end: Option<NaiveDate>,
    /// The last end of an active unlimited contract covering it, if there is one.
    pub unlimited_until: Option<NaiveDate>,
}

impl ScopeTotal {
    /// Each scope's total over `views`, on-premises first.
    pub fn of(views: &[ContractView<'_>]) -> [ScopeTotal; 2] {
        [Scope::OnPremises, Scope::Cloud].map(|scope| {
            let active = views
                .iter()
                .filter(|v| v.status == Status::Active && v.contract.coverage.covers(scope));
            let mut total = ScopeTotal {
                scope,
                left: 0,
                contracts: 0,
                next_end: None,
                unlimited_until: None,
            };
            for v in active {
                match v.remaining {
                    Some(r) => {
                        total.left += r;
                        total.contracts += 1;
                        total.next_end = Some(
                            total
                                .next_end
                                .map_or(v.contract.end, |e| e.min(v.contract.end)),
                        );
                    }
                    None => total.unlimited_until = total.unlimited_until.max(Some(v.contract.end)),
                }
            }
            total
        })
    }
}

/// What lapsed unused in one year (R19): the incidents expired limited contracts had left at
/// their end, by the year of that end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lapsed {
    /// The year the contracts ended in.
    pub year: i32,
    /// Incidents they had left.
    pub incidents: u32,
    /// The contracts, with what each had left.
    pub contracts: Vec<(String, u32)>,
}

impl Lapsed {
    /// The expired limited contracts among `views` that had incidents left, totalled per year of
    /// their end, oldest first.
    pub fn by_year(views: &[ContractView<'_>]) -> Vec<Lapsed> {
        let mut years: Vec<Lapsed> = Vec::new();
        for v in views {
            let Some(left) = v.lapsed().filter(|n| *n > 0) else {
                continue;
            };
            let year = chrono::Datelike::year(&v.contract.end);
            let entry = match years.iter_mut().position(|l| l.year == year) {
                Some(at) => &mut years[at],
                None => {
                    years.push(Lapsed {
                        year,
                        incidents: 0,
                        contracts: Vec::new(),
                    });
                    years.last_mut().expect("just pushed")
                }
            };
            entry.incidents += left;
            entry
                .contracts
                .push((v.contract.contract_id.to_string(), left));
        }
        years.sort_by_key(|l| l.year);
        years
    }
}

/// A contract with what is derived from it on a given day.
#[derive(Debug, Clone, Copy)]
pub struct ContractView<'a> {
    /// The stored contract.
    pub contract: &'a Contract,
    /// Its charged and refunded incidents.
    pub usage: Usage,
    /// Incidents left, `None` when unlimited.
    pub remaining: Option<u32>,
    /// Status on the day.
    pub status: Status,
    /// Days until the end date.
    pub days_left: i64,
}

impl<'a> ContractView<'a> {
    /// Derives the view of `contract` on `today`.
    pub fn new(contract: &'a Contract, usage: Usage, today: NaiveDate) -> Self {
        ContractView {
            contract,
            usage,
            remaining: contract.remaining(usage),
            status: contract.status(usage, today),
            days_left: contract.days_left(today),
        }
    }

    /// For an expired limited contract, the incidents it had left at its end: lapsed unused.
    pub fn lapsed(&self) -> Option<u32> {
        (self.status == Status::Expired)
            .then_some(self.remaining)
            .flatten()
    }

    /// For a waiting contract, the days until it starts.
    pub fn starts_in_days(&self) -> Option<i64> {
        let term = (self.contract.end - self.contract.start).num_days();
        (self.status == Status::Waiting).then(|| self.days_left - term)
    }

    /// Whether default lists show it (R7): not expired and not exhausted.
    pub fn is_listed(&self) -> bool {
        matches!(self.status, Status::Active | Status::Waiting)
    }

    /// Why the contract is unavailable, for `--all` lists (R7).
    pub fn reason(&self) -> Option<String> {
        match self.status {
            Status::Expired => Some(format!("expired on {}", self.contract.end)),
            Status::Exhausted => Some("no incidents remaining".to_string()),
            Status::Waiting => Some(format!("starts on {}", self.contract.start)),
            Status::Active => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Totals, dated};
    use crate::domain::contract::{Allowance, Coverage};
    use crate::domain::testing::{contract, d, org_with};

    #[test]
    fn r16_a_change_is_dated_up_to_the_real_date_unless_the_future_is_meant() {
        let today = d("2026-12-06");
        for (day, future, allowed) in [
            ("2026-12-05", false, true),
            ("2026-12-06", false, true),
            ("2026-12-07", false, false),
            ("2027-12-06", false, false),
            ("2027-12-06", true, true),
        ] {
            assert_eq!(
                dated(d(day), today, future).is_ok(),
                allowed,
                "{day} {future}"
            );
        }
    }

    #[test]
    fn totals_count_what_can_be_spent_today() {
        let mut s = org_with(&[]);
        s.contracts = vec![
            contract(
                "A",
                Coverage::Cloud,
                Allowance::Incidents(3),
                "2026-01-01",
                "2026-12-31",
            ),
            contract(
                "B",
                Coverage::OnPremises,
                Allowance::Incidents(4),
                "2026-01-01",
                "2026-12-31",
            ),
            contract(
                "LATER",
                Coverage::Both,
                Allowance::Incidents(40),
                "2027-01-01",
                "2027-12-31",
            ),
            contract(
                "OLD",
                Coverage::Both,
                Allowance::Unlimited,
                "2025-01-01",
                "2025-12-31",
            ),
        ];
        let views = s.contract_views(d("2026-06-15"));
        assert_eq!(
            Totals::of(&views),
            Totals {
                remaining: 7,
                unlimited: false
            }
        );
        let views = s.contract_views(d("2025-06-15"));
        assert_eq!(
            Totals::of(&views),
            Totals {
                remaining: 0,
                unlimited: true
            }
        );
    }

    #[test]
    fn r7_lists_hide_expired_and_exhausted_contracts_with_a_reason() {
        let mut s = org_with(&[]);
        s.contracts = vec![
            contract(
                "ACTIVE",
                Coverage::Cloud,
                Allowance::Incidents(1),
                "2026-01-01",
                "2026-12-31",
            ),
            contract(
                "LATER",
                Coverage::Cloud,
                Allowance::Incidents(1),
                "2027-01-01",
                "2027-12-31",
            ),
            contract(
                "OLD",
                Coverage::Cloud,
                Allowance::Incidents(1),
                "2025-01-01",
                "2025-12-31",
            ),
            contract(
                "EMPTY",
                Coverage::Cloud,
                Allowance::Incidents(0),
                "2026-01-01",
                "2026-12-31",
            ),
        ];
        let rows: Vec<_> = s
            .contract_views(d("2026-06-15"))
            .iter()
            .map(|v| {
                (
                    v.contract.contract_id.to_string(),
                    v.is_listed(),
                    v.reason(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("ACTIVE".to_string(), true, None),
                (
                    "LATER".to_string(),
                    true,
                    Some("starts on 2027-01-01".to_string())
                ),
                (
                    "OLD".to_string(),
                    false,
                    Some("expired on 2025-12-31".to_string())
                ),
                (
                    "EMPTY".to_string(),
                    false,
                    Some("no incidents remaining".to_string())
                ),
            ]
        );
    }
}
