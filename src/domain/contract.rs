//! Support contracts (R5, R13): what they cover, their allowance and dates, and their derived
//! status (R5) and balance (R14).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::values::{AccessId, Email, Id, Text, ValueError};

/// The products a single incident is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Recent on-premises products.
    OnPremises,
    /// Cloud products.
    Cloud,
}

impl Scope {
    /// The scope as written on the command line.
    pub fn slug(self) -> &'static str {
        match self {
            Scope::OnPremises => "on-premises",
            Scope::Cloud => "cloud",
        }
    }
}

/// The products a contract covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coverage {
    /// On-premises products only.
    OnPremises,
    /// Cloud products only.
    Cloud,
    /// Both (Premier Support, custom plans).
    Both,
}

impl Coverage {
    /// Whether an incident of `scope` may be charged to a contract with this coverage.
    pub fn covers(self, scope: Scope) -> bool {
        matches!(
            (self, scope),
            (Coverage::Both, _)
                | (Coverage::OnPremises, Scope::OnPremises)
                | (Coverage::Cloud, Scope::Cloud)
        )
    }

    /// The coverage as written on the command line.
    pub fn slug(self) -> &'static str {
        match self {
            Coverage::OnPremises => "on-premises",
            Coverage::Cloud => "cloud",
            Coverage::Both => "both",
        }
    }
}

/// How many incidents a contract grants. Stored as a number or `"unlimited"`, as it is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "AllowanceRepr")]
pub enum Allowance {
    /// A counted pack of incidents.
    Incidents(u32),
    /// No limit.
    Unlimited,
}

/// The largest allowance accepted for a hand-added plan.
pub const MAX_INCIDENTS: u32 = 10_000;

impl FromStr for Allowance {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        if s.eq_ignore_ascii_case("unlimited") {
            return Ok(Allowance::Unlimited);
        }
        match s.parse::<u64>() {
            Ok(n) if (1..=u64::from(MAX_INCIDENTS)).contains(&n) => {
                Ok(Allowance::Incidents(n as u32))
            }
            _ => Err(ValueError(format!(
                "expected a number of incidents from 1 to {MAX_INCIDENTS}, or `unlimited`"
            ))),
        }
    }
}

/// The stored form of an [`Allowance`].
#[derive(Serialize)]
#[serde(untagged)]
enum AllowanceRepr {
    Count(u32),
    Word(String),
}

/// Read by hand: serde's untagged enums buffer the value and build an error for each variant
/// that does not fit, on every contract of every load.
impl<'de> Deserialize<'de> for Allowance {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Repr;
        impl Visitor<'_> for Repr {
            type Value = Allowance;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of incidents or \"unlimited\"")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Allowance, E> {
                // A stored count is not bounded like a typed one: the catalog is the judge of it.
                u32::try_from(n)
                    .map(Allowance::Incidents)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(n), &self))
            }
            fn visit_str<E: de::Error>(self, w: &str) -> Result<Allowance, E> {
                match w {
                    "unlimited" => Ok(Allowance::Unlimited),
                    _ => Err(E::invalid_value(de::Unexpected::Str(w), &self)),
                }
            }
        }
        d.deserialize_any(Repr)
    }
}

impl From<Allowance> for AllowanceRepr {
    fn from(a: Allowance) -> Self {
        match a {
            Allowance::Incidents(n) => AllowanceRepr::Count(n),
            Allowance::Unlimited => AllowanceRepr::Word("unlimited".into()),
        }
    }
}

impl fmt::Display for Allowance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Allowance::Incidents(n) => write!(f, "{n}"),
            Allowance::Unlimited => f.write_str("unlimited"),
        }
    }
}

/// Where a contract came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanKind {
    /// Activated from a membership benefit.
    Benefit,
    /// Premier Support for Partners (paid).
    Premier,
    /// Advanced Support for Partners (paid, cloud only).
    Advanced,
    /// Any other plan the partner holds.
    Custom,
}

impl PlanKind {
    /// The kind as written in JSON.
    pub fn slug(self) -> &'static str {
        match self {
            PlanKind::Benefit => "benefit",
            PlanKind::Premier => "premier",
            PlanKind::Advanced => "advanced",
            PlanKind::Custom => "custom",
        }
    }

    /// The plan's display name when the user gives none.
    pub fn default_name(self) -> &'static str {
        match self {
            PlanKind::Benefit => "Partner support",
            PlanKind::Premier => "Premier Support for Partners",
            PlanKind::Advanced => "Advanced Support for Partners",
            PlanKind::Custom => "Custom support plan",
        }
    }
}

/// A support contract as stored. Its status and balance are derived, never stored (R5, R14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// Contract ID from Partner Center or the paid plan; the contract's name everywhere.
    pub contract_id: Id,
    /// Access ID: a credential, masked in all output unless `--reveal`.
    pub access_id: AccessId,
    /// Where the contract came from.
    pub kind: PlanKind,
    /// Display name of the plan.
    pub plan: Text,
    /// For benefit contracts, the benefit (`OFFER/BENEFIT`) it activated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benefit: Option<String>,
    /// Products covered.
    pub coverage: Coverage,
    /// Incidents granted.
    pub allowance: Allowance,
    /// First day of use.
    #[serde(with = "crate::domain::values::ymd")]
    pub start: NaiveDate,
    /// Last day of use (inclusive).
    #[serde(with = "crate::domain::values::ymd")]
    pub end: NaiveDate,
    /// Accounts that have associated the contract (R6).
    #[serde(default)]
    pub linked_accounts: BTreeSet<Email>,
    /// The day it was recorded (the day of the change that added it): before it, it does not
    /// exist yet (R15). `None` in a file written before schema 3: it always existed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::values::ymd::option"
    )]
    pub recorded_on: Option<NaiveDate>,
    /// For a benefit's contract, the day its activation was requested, when that came before it
    /// was recorded: between the two the benefit was pending (R4, R15).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::values::ymd::option"
    )]
    pub requested_on: Option<NaiveDate>,
    /// For each field a change set after the contract was recorded, when that operation was
    /// made (R23): of one field two copies set differently, a merge keeps the later
    /// operation's value. Not a record's content: operations and comparisons leave it out.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub set_at: super::stamp::Stamps,
}

impl Contract {
    /// Whether it had been recorded by the end of `day` (R15).
    pub fn exists_on(&self, day: NaiveDate) -> bool {
        self.recorded_on.is_none_or(|on| on <= day)
    }
}

/// A contract's derived status (R5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Starts after today.
    Waiting,
    /// Usable today.
    Active,
    /// No incidents left.
    Exhausted,
    /// Past its end date.
    Expired,
}

impl Status {
    /// The status as shown and as written in JSON.
    pub fn slug(self) -> &'static str {
        match self {
            Status::Waiting => "waiting",
            Status::Active => "active",
            Status::Exhausted => "exhausted",
            Status::Expired => "expired",
        }
    }
}

/// A contract's balance from its incidents (R14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Incidents charged to the contract.
    pub charged: u32,
    /// Of those, incidents Microsoft refunded.
    pub refunded: u32,
}

impl Usage {
    /// Counts one more incident charged to the contract, refunded or not.
    pub fn count(&mut self, refunded: bool) {
        self.charged += 1;
        self.refunded += u32::from(refunded);
    }

    /// Incidents that count against the allowance.
    pub fn used(self) -> u32 {
        self.charged.saturating_sub(self.refunded)
    }
}

impl Contract {
    /// Incidents left, or `None` for an unlimited contract (R14).
    pub fn remaining(&self, usage: Usage) -> Option<u32> {
        match self.allowance {
            Allowance::Incidents(n) => Some(n.saturating_sub(usage.used())),
            Allowance::Unlimited => None,
        }
    }

    /// Whether more incidents count against it than it grants: never so for an unlimited one.
    pub fn overcharged(&self, usage: Usage) -> bool {
        match self.allowance {
            Allowance::Incidents(n) => usage.used() > n,
            Allowance::Unlimited => false,
        }
    }

    /// The contract's status on `today` (R5). Expiry wins over exhaustion: it is the reason a
    /// new plan is needed even if incidents were left.
    pub fn status(&self, usage: Usage, today: NaiveDate) -> Status {
        if today < self.start {
            Status::Waiting
        } else if today > self.end {
            Status::Expired
        } else if self.remaining(usage) == Some(0) {
            Status::Exhausted
        } else {
            Status::Active
        }
    }

    /// Days from `today` to the end date, counting the end date as usable (0 on the last day).
    pub fn days_left(&self, today: NaiveDate) -> i64 {
        (self.end - today).num_days()
    }
}

/// The default end of a term that starts on `start`: one year, the end date inclusive.
pub fn default_end(start: NaiveDate) -> NaiveDate {
    // A term from 29 February runs to 28 February: "one year later" is 1 March there.
    let anniversary = if (start.month(), start.day()) == (2, 29) {
        start.checked_add_days(Days::new(366))
    } else {
        start.checked_add_months(Months::new(12))
    };
    anniversary
        .and_then(|d| d.checked_sub_days(Days::new(1)))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn contract(allowance: Allowance) -> Contract {
        Contract {
            contract_id: "C1".parse().unwrap(),
            access_id: "ACCESS01".parse().unwrap(),
            kind: PlanKind::Benefit,
            plan: "Partner support Gold 20pack".parse().unwrap(),
            benefit: None,
            coverage: Coverage::OnPremises,
            allowance,
            start: d("2026-01-15"),
            end: d("2027-01-14"),
            linked_accounts: BTreeSet::new(),
            recorded_on: None,
            requested_on: None,
            set_at: Default::default(),
        }
    }

    #[test]
    fn status_by_date_and_balance() {
        let five = contract(Allowance::Incidents(5));
        let u = |charged, refunded| Usage { charged, refunded };
        let cases = [
            ("2026-01-14", u(0, 0), Status::Waiting),
            ("2026-01-15", u(0, 0), Status::Active),
            ("2027-01-14", u(4, 0), Status::Active),
            ("2027-01-15", u(0, 0), Status::Expired),
            ("2026-06-01", u(5, 0), Status::Exhausted),
            ("2026-06-01", u(5, 1), Status::Active),
            ("2027-02-01", u(5, 0), Status::Expired),
        ];
        for (today, usage, want) in cases {
            assert_eq!(five.status(usage, d(today)), want, "{today} {usage:?}");
        }
        let unlimited = contract(Allowance::Unlimited);
        assert_eq!(unlimited.status(u(500, 0), d("2026-06-01")), Status::Active);
        assert_eq!(unlimited.remaining(u(500, 0)), None);
    }

    #[test]
    fn remaining_is_allowance_minus_charged_plus_refunded() {
        let c = contract(Allowance::Incidents(20));
        assert_eq!(
            c.remaining(Usage {
                charged: 3,
                refunded: 1
            }),
            Some(18)
        );
        assert_eq!(
            c.remaining(Usage {
                charged: 0,
                refunded: 0
            }),
            Some(20)
        );
    }

    #[test]
    fn one_year_inclusive() {
        for (start, end) in [
            ("2026-01-15", "2027-01-14"),
            ("2026-01-01", "2026-12-31"),
            ("2028-02-29", "2029-02-28"),
            ("2027-03-01", "2028-02-29"),
        ] {
            assert_eq!(default_end(d(start)), d(end), "{start}");
        }
    }

    #[test]
    fn coverage() {
        assert!(Coverage::Both.covers(Scope::Cloud));
        assert!(Coverage::OnPremises.covers(Scope::OnPremises));
        assert!(!Coverage::OnPremises.covers(Scope::Cloud));
        assert!(!Coverage::Cloud.covers(Scope::OnPremises));
    }

    #[test]
    fn allowance_parsing() {
        for (input, want) in [
            ("20", Some(Allowance::Incidents(20))),
            ("unlimited", Some(Allowance::Unlimited)),
            ("0", None),
            ("-1", None),
            ("18446744073709551616", None),
            ("10001", None),
            ("", None),
        ] {
            assert_eq!(input.parse::<Allowance>().ok(), want, "{input:?}");
        }
    }
}
