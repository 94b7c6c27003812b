//! The incidents of a state: one [`IncidentHead`] per incident, in ID order, with what each
//! contract has charged and had refunded (R14) kept up to date by the mutators below; and the
//! whole records of the incidents this command added or changed. Any other record is the store's
//! to read when a command shows or changes it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Not;

use chrono::NaiveDate;

use super::contract::Usage;
use super::incident::{Incident, IncidentHead, IncidentId};
use super::values::Id;

/// Every incident's head, in ID order, and the records added or changed since the state was read.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    heads: Vec<IncidentHead>,
    records: BTreeMap<IncidentId, Incident>,
    usage: BTreeMap<Id, Usage>,
    /// No head is dated later (opened or refunded): on and after it, the usage as of a day is
    /// `usage`. A bound, never lowered.
    latest: Option<NaiveDate>,
}

impl Incidents {
    /// The incidents of a state as read: their heads, sorted by ID here (stable, so that a
    /// duplicate stays for the consistency rules to name).
    pub fn from_heads(mut heads: Vec<IncidentHead>) -> Incidents {
        if !heads.is_sorted_by_key(|h| h.id) {
            heads.sort_by_key(|h| h.id);
        }
        let mut usage: BTreeMap<Id, Usage> = BTreeMap::new();
        // In ID order, incidents come in long runs on one contract (a year's): each run is
        // counted at once.
        for run in heads.chunk_by(|a, b| a.contract_id == b.contract_id) {
            let Some(contract) = &run[0].contract_id else {
                continue;
            };
            let (charged, refunded) = run
                .iter()
                .filter(|h| h.voided_on.is_none())
                .fold((0, 0), |(c, r), h| (c + 1, r + u32::from(h.is_refunded())));
            if charged > 0 {
                let u = match usage.get_mut(contract) {
                    Some(u) => u,
                    None => usage.entry(contract.clone()).or_default(),
                };
                u.charged += charged;
                u.refunded += refunded;
            }
        }
        let latest = heads.iter().map(latest_of).max();
        Incidents {
            heads,
            records: BTreeMap::new(),
            usage,
            latest,
        }
    }

    /// The heads, in ID order.
    pub fn iter(&self) -> std::slice::Iter<'_, IncidentHead> {
        self.heads.iter()
    }

    /// The heads, in ID order, as a slice.
    pub fn heads(&self) -> &[IncidentHead] {
        &self.heads
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.heads.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.heads.is_empty()
    }

    /// The one with the highest ID.
    pub fn last(&self) -> Option<&IncidentHead> {
        self.heads.last()
    }

    /// The one with this ID.
    pub fn find(&self, id: IncidentId) -> Option<&IncidentHead> {
        self.position(id).map(|at| &self.heads[at])
    }

    fn position(&self, id: IncidentId) -> Option<usize> {
        self.heads.binary_search_by_key(&id, |h| h.id).ok()
    }

    /// What the incidents charged to `contract` add up to (R14).
    pub fn usage_of(&self, contract: &Id) -> Usage {
        self.usage.get(contract).copied().unwrap_or_default()
    }

    /// Whether nothing is dated after `day`: no incident opened or refunded later (from a
    /// bound, so it may say `false` when that is so, never `true` when it is not).
    pub fn nothing_after(&self, day: NaiveDate) -> bool {
        self.latest.is_none_or(|latest| latest <= day)
    }

    /// Each contract's usage at the end of `day` (R14, R15): incidents opened later are not
    /// charged yet, refunds given later are not given yet; a voided incident counts on no day.
    pub fn usages_on(&self, day: NaiveDate) -> Cow<'_, BTreeMap<Id, Usage>> {
        if self.latest.is_none_or(|latest| latest <= day) {
            return Cow::Borrowed(&self.usage);
        }
        let mut usage: BTreeMap<Id, Usage> = BTreeMap::new();
        for head in self
            .heads
            .iter()
            .filter(|h| h.opened_on <= day && h.counts())
        {
            if let Some(contract) = &head.contract_id {
                let u = match usage.get_mut(contract) {
                    Some(u) => u,
                    None => usage.entry(contract.clone()).or_default(),
                };
                u.charged += 1;
                u.refunded += u32::from(head.refunded_on.is_some_and(|on| on <= day));
            }
        }
        Cow::Owned(usage)
    }

    /// The contracts the incidents charged, each once, in Contract ID order.
    pub fn charged_contracts(&self) -> impl Iterator<Item = &Id> {
        self.usage.keys()
    }

    /// The whole record of an incident this command added or changed.
    pub fn record(&self, id: IncidentId) -> Option<&Incident> {
        self.records.get(&id)
    }

    /// The whole records this command added or changed, in ID order.
    pub fn changed(&self) -> impl Iterator<Item = &Incident> {
        self.records.values()
    }

    /// Forgets the records that are as `read` (in ID order) holds them: a state made whole
    /// again (a merge's) keeps as changed only what differs from the file it was read from,
    /// whose lines are copied rather than written again.
    pub fn unchanged_from(&mut self, read: &[Incident]) {
        self.records.retain(|id, record| {
            read.binary_search_by_key(id, |r| r.id)
                .is_ok_and(|at| read[at] == *record)
                .not()
        });
    }

    /// Adds an incident, in ID order (after any with the same ID).
    pub fn push(&mut self, incident: Incident) {
        let head = incident.head();
        tally(&mut self.usage, &head, Count::Add);
        self.latest = self.latest.max(Some(latest_of(&head)));
        let at = self.heads.partition_point(|h| h.id <= head.id);
        self.heads.insert(at, head);
        self.records.insert(incident.id, incident);
    }

    /// Puts `incident` in the place of the one with its ID, which must be there.
    pub fn replace(&mut self, incident: Incident) -> &Incident {
        let at = self
            .position(incident.id)
            .expect("an incident is replaced only after it was found");
        let head = incident.head();
        tally(&mut self.usage, &self.heads[at], Count::Remove);
        tally(&mut self.usage, &head, Count::Add);
        self.latest = self.latest.max(Some(latest_of(&head)));
        self.heads[at] = head;
        let id = incident.id;
        self.records.insert(id, incident);
        &self.records[&id]
    }
}

/// The last day a head is dated: opened, or refunded.
fn latest_of(head: &IncidentHead) -> NaiveDate {
    head.opened_on
        .max(head.refunded_on.unwrap_or(head.opened_on))
}

enum Count {
    Add,
    Remove,
}

/// Counts `head` into (or out of) its contract's usage; a contract nothing is charged to any
/// more has no entry.
fn tally(usage: &mut BTreeMap<Id, Usage>, head: &IncidentHead, count: Count) {
    let Some(contract) = head.contract_id.as_ref().filter(|_| head.counts()) else {
        return;
    };
    let refunded = u32::from(head.is_refunded());
    match count {
        Count::Add => {
            // Looked up before it is cloned: most incidents name a contract already counted.
            let u = match usage.get_mut(contract) {
                Some(u) => u,
                None => usage.entry(contract.clone()).or_default(),
            };
            u.charged += 1;
            u.refunded += refunded;
        }
        Count::Remove => {
            if let Some(u) = usage.get_mut(contract) {
                u.charged -= 1;
                u.refunded -= refunded;
                if u.charged == 0 {
                    usage.remove(contract);
                }
            }
        }
    }
}

/// The same incidents, held the same way (`latest` is only a bound).
impl PartialEq for Incidents {
    fn eq(&self, other: &Self) -> bool {
        (&self.heads, &self.records, &self.usage) == (&other.heads, &other.records, &other.usage)
    }
}

impl Eq for Incidents {}

impl FromIterator<Incident> for Incidents {
    /// Every incident added, counted a run at a time as read ones are ([`Incidents::from_heads`]).
    fn from_iter<I: IntoIterator<Item = Incident>>(iter: I) -> Self {
        let added: Vec<Incident> = iter.into_iter().collect();
        // A duplicate ID keeps its head for the consistency rules to name, and its last record.
        let mut all = Incidents::from_heads(added.iter().map(Incident::head).collect());
        all.records = added.into_iter().map(|i| (i.id, i)).collect();
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::{Refund, RefundReason};
    use crate::domain::testing::{d, incident};

    fn usage(all: &Incidents, contract: &str) -> (u32, u32) {
        let u = all.usage_of(&contract.parse().unwrap());
        (u.charged, u.refunded)
    }

    fn refunded(mut i: Incident) -> Incident {
        i.refund = Some(Refund {
            on: d("2026-03-02"),
            reason: RefundReason::Duplicate,
            by: None,
        });
        i
    }

    #[test]
    fn r14_usage_follows_every_change() {
        let heads = vec![
            incident(3, Some("A")).head(),
            refunded(incident(1, Some("A"))).head(),
            incident(2, Some("B")).head(),
        ];
        let mut all = Incidents::from_heads(heads);
        let ids: Vec<u32> = all.iter().map(|h| h.id.0).collect();
        assert_eq!(ids, [1, 2, 3]);
        // What a change does, and then (charged, refunded) of contracts A and B.
        type Case = (&'static str, fn(&mut Incidents), (u32, u32), (u32, u32));
        let cases: &[Case] = &[
            ("as read", |_| {}, (2, 1), (1, 0)),
            ("added", |a| a.push(incident(4, Some("A"))), (3, 1), (1, 0)),
            (
                "refunded",
                |a| {
                    a.replace(refunded(incident(2, Some("B"))));
                },
                (3, 1),
                (1, 1),
            ),
            (
                "moved to another contract",
                |a| {
                    a.replace(incident(3, Some("B")));
                },
                (2, 1),
                (2, 1),
            ),
            (
                "refund taken back, charged nowhere",
                |a| {
                    a.replace(incident(1, None));
                },
                (1, 0),
                (2, 1),
            ),
        ];
        for (what, change, a, b) in cases {
            change(&mut all);
            assert_eq!((usage(&all, "A"), usage(&all, "B")), (*a, *b), "{what}");
        }
        let charged: Vec<&str> = all.charged_contracts().map(|c| c.as_str()).collect();
        assert_eq!(charged, ["A", "B"]);
        assert_eq!(usage(&all, "C"), (0, 0));
        // Only what was added or changed is held whole.
        assert!(all.record(IncidentId(4)).is_some() && all.record(IncidentId(2)).is_some());
        let held: Vec<u32> = all.records.keys().map(|id| id.0).collect();
        assert_eq!(held, [1, 2, 3, 4]);
        let fresh = Incidents::from_heads(vec![incident(9, None).head()]);
        assert!(fresh.record(IncidentId(9)).is_none());
    }

    #[test]
    fn r15_usage_on_a_day_counts_what_had_happened_by_its_end() {
        let mut late = refunded(incident(2, Some("A")));
        late.opened_on = d("2026-10-01");
        late.refund.as_mut().unwrap().on = d("2026-10-05");
        let mut refunded_later = incident(1, Some("A"));
        refunded_later.refund = Some(Refund {
            on: d("2026-09-01"),
            reason: RefundReason::Duplicate,
            by: None,
        });
        let all = Incidents::from_heads(vec![refunded_later.head(), late.head()]);
        let on = |day: &str| {
            let u = all.usages_on(d(day)).get(&"A".parse().unwrap()).copied();
            u.map(|u| (u.charged, u.refunded))
        };
        for (day, want) in [
            ("2026-02-28", None),
            ("2026-03-01", Some((1, 0))),
            ("2026-09-01", Some((1, 1))),
            ("2026-10-01", Some((2, 1))),
            ("2026-10-05", Some((2, 2))),
            ("2027-01-01", Some((2, 2))),
        ] {
            assert_eq!(on(day), want, "{day}");
        }
    }

    /// Incidents collected at once are the incidents pushed one by one: heads, counts, records.
    #[test]
    fn collected_incidents_are_the_incidents_pushed_one_by_one() {
        let refunded = |id, contract| {
            let mut i = incident(id, contract);
            i.refund = Some(Refund {
                on: i.opened_on,
                reason: RefundReason::Duplicate,
                by: None,
            });
            i
        };
        for list in [
            vec![],
            vec![
                incident(3, Some("A")),
                incident(1, Some("A")),
                incident(2, None),
            ],
            vec![
                incident(5, Some("A")),
                incident(5, Some("B")),
                refunded(4, Some("B")),
            ],
            vec![
                refunded(9, Some("A")),
                incident(8, Some("A")),
                incident(8, None),
            ],
        ] {
            let mut pushed = Incidents::default();
            for i in list.clone() {
                pushed.push(i);
            }
            let collected: Incidents = list.into_iter().collect();
            assert_eq!(format!("{collected:?}"), format!("{pushed:?}"));
        }
    }

    #[test]
    fn added_incidents_keep_id_order_and_duplicates_stay_to_be_named() {
        let mut all = Incidents::from_heads(vec![incident(5, None).head()]);
        all.push(incident(2, None));
        all.push(incident(7, None));
        all.push(incident(5, Some("A")));
        let ids: Vec<u32> = all.iter().map(|h| h.id.0).collect();
        assert_eq!(ids, [2, 5, 5, 7]);
        assert_eq!(all.last().map(|h| h.id.0), Some(7));
        assert_eq!(all.find(IncidentId(7)).map(|h| h.id.0), Some(7));
        assert!(all.find(IncidentId(3)).is_none());
    }
}
