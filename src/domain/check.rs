//! `check`, the CI gate: every usable contract and every benefit of an active offer measured
//! against thresholds, each finding a warning or critical with a stable code ([`FindingCode`]).
//! One function per subject: a contract, a benefit, the membership, a scope (R22).

use chrono::NaiveDate;
use serde::Serialize;

use super::activation::{BenefitState, BenefitView};
use super::contract::{Contract, Scope, Status};
use super::forecast::Forecast;
use super::refusal::{Misuse, Refusal};
use super::state::{ContractView, State};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing fails on it.
    Info,
    /// Act soon.
    Warning,
    /// Act now: support is or is about to be unavailable.
    Critical,
}

impl Severity {
    /// `INFO`, `WARNING` or `CRITICAL`, as printed.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Critical => "CRITICAL",
        }
    }
}

/// What a finding is about, as scripts, `--ignore`, completion and the reference name it: stable,
/// kebab-case, printed in brackets after the finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingCode {
    /// A limited contract has few incidents left.
    IncidentsLow,
    /// At its recent rate a contract runs out before it ends (R20).
    RunsOutBeforeEnd,
    /// Incidents left on a contract about to end lapse unused (R19).
    IncidentsExpiringUnused,
    /// A contract ends soon.
    ContractExpiring,
    /// An activation has been pending longer than it should (R4).
    ActivationPending,
    /// A benefit of an offer in force has no contract.
    BenefitNotActivated,
    /// A benefit's contract is expired or exhausted.
    BenefitLapsed,
    /// The last offer in force ends soon.
    MembershipEnding,
    /// Every offer has ended (R22).
    MembershipEnded,
    /// No offer is in force today (R22).
    NoMembership,
    /// A scope the offers entitle that no usable contract covers (R22).
    ScopeUncovered,
    /// What Partner Center last showed left on a contract differs from the record.
    BalanceDiffers,
    /// An incident Microsoft refunds on closure is not refunded here yet.
    RefundCandidate,
    /// A team's merge kept an incident that breaks a rule (R23).
    MergeConflict,
}

impl FindingCode {
    /// Every code, in the order the reference lists them.
    pub const ALL: [FindingCode; 14] = [
        FindingCode::IncidentsLow,
        FindingCode::RunsOutBeforeEnd,
        FindingCode::IncidentsExpiringUnused,
        FindingCode::ContractExpiring,
        FindingCode::ActivationPending,
        FindingCode::BenefitNotActivated,
        FindingCode::BenefitLapsed,
        FindingCode::MembershipEnding,
        FindingCode::MembershipEnded,
        FindingCode::NoMembership,
        FindingCode::ScopeUncovered,
        FindingCode::BalanceDiffers,
        FindingCode::RefundCandidate,
        FindingCode::MergeConflict,
    ];

    /// The code as printed (`incidents-low`).
    pub fn slug(self) -> &'static str {
        match self {
            FindingCode::IncidentsLow => "incidents-low",
            FindingCode::RunsOutBeforeEnd => "runs-out-before-end",
            FindingCode::IncidentsExpiringUnused => "incidents-expiring-unused",
            FindingCode::ContractExpiring => "contract-expiring",
            FindingCode::ActivationPending => "activation-pending",
            FindingCode::BenefitNotActivated => "benefit-not-activated",
            FindingCode::BenefitLapsed => "benefit-lapsed",
            FindingCode::MembershipEnding => "membership-ending",
            FindingCode::MembershipEnded => "membership-ended",
            FindingCode::NoMembership => "no-membership",
            FindingCode::ScopeUncovered => "scope-uncovered",
            FindingCode::BalanceDiffers => "balance-differs",
            FindingCode::RefundCandidate => "refund-candidate",
            FindingCode::MergeConflict => "merge-conflict",
        }
    }

    /// The code a slug names.
    pub fn from_slug(slug: &str) -> Option<FindingCode> {
        FindingCode::ALL.into_iter().find(|c| c.slug() == slug)
    }
}

impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

/// When a figure becomes a warning, and when critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Thresholds {
    /// Incidents left at or below which a limited contract is a warning.
    pub warn_remaining: u32,
    /// … and critical.
    pub critical_remaining: u32,
    /// Days to a contract's end at or below which it is a warning.
    pub warn_days: u32,
    /// … and critical.
    pub critical_days: u32,
    /// Days an activation may stay pending before it is a warning.
    pub pending_days: u32,
    /// Days before a membership year ends that its anniversary is a warning, when no next year
    /// of the offer is recorded (`offer renew`); critical from `critical_days`.
    pub renewal_days: u32,
    /// Days after its membership year starts (or after its activation was requested) that a
    /// benefit without a contract is a warning, not critical: activation takes days.
    pub activation_days: u32,
    /// Days to a limited contract's end within which incidents left are about to lapse (R19).
    pub unused_days: u32,
    /// … when at least this many are left.
    pub unused_min: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            warn_remaining: 3,
            critical_remaining: 1,
            warn_days: 30,
            critical_days: 7,
            pending_days: 7,
            activation_days: 14,
            renewal_days: 30,
            unused_days: 60,
            unused_min: 1,
        }
    }
}

impl Thresholds {
    /// Refuses a critical threshold looser than its warning one.
    pub fn validate(&self) -> Result<(), Refusal> {
        let pairs = [
            ("remaining", self.critical_remaining, self.warn_remaining),
            ("days", self.critical_days, self.warn_days),
        ];
        for (what, critical, warn) in pairs {
            if critical > warn {
                return Err(Refusal::Misuse(Misuse::ThresholdsReversed {
                    what,
                    critical,
                    warn,
                }));
            }
        }
        Ok(())
    }
}

/// Which contracts and benefits to look at.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only what covers this scope.
    pub scope: Option<Scope>,
    /// Only this contract (no benefits).
    pub contract: Option<String>,
    /// Only this offer's benefits and their contracts.
    pub offer: Option<String>,
    /// Findings left out on purpose.
    pub ignore: Vec<Ignore>,
}

/// The `no-membership` finding's message when no offer is recorded at all.
pub const NO_OFFER_RECORDED: &str = "no membership offer is recorded";

/// One thing `check` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Warning or critical.
    pub severity: Severity,
    /// What it is about.
    pub code: FindingCode,
    /// The contract concerned.
    pub contract: Option<String>,
    /// The offer concerned.
    pub offer: Option<String>,
    /// The benefit concerned (`OFFER/BENEFIT`).
    pub benefit: Option<String>,
    /// Incidents left, for `incidents-low`.
    pub remaining: Option<u32>,
    /// Days to the end, for `contract-expiring`.
    pub days_left: Option<i64>,
    /// Days pending, for `activation-pending`.
    pub pending_days: Option<i64>,
    /// The incident concerned, for `refund-candidate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// What a `merge-conflict` is about (an incident past a rule, one benefit activated twice,
    /// one Access ID on two contracts): what puts it right depends on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<super::conflict::ConflictKind>,
    /// In words (what to run about it is the edge's to add, and the edge's to write out).
    #[serde(skip)]
    pub message: String,
}

impl Finding {
    /// A finding about the organization as a whole: no contract, offer or benefit named.
    fn of_organization(severity: Severity, code: FindingCode, message: String) -> Finding {
        Finding {
            severity,
            code,
            contract: None,
            offer: None,
            benefit: None,
            remaining: None,
            days_left: None,
            pending_days: None,
            incident: None,
            conflict: None,
            message,
        }
    }
}

/// What `check` looked at and found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The usable contracts examined (their Contract IDs).
    pub contracts: Vec<String>,
    /// The benefits examined (`OFFER/BENEFIT`).
    pub benefits: Vec<String>,
    /// Whether the organization as a whole (its membership, its scopes) was examined: not when
    /// the check was narrowed to one contract or offer.
    pub organization: bool,
    /// Worst first, then in the order found.
    pub findings: Vec<Finding>,
    /// Findings left out on purpose (`--ignore`).
    pub ignored: Vec<Finding>,
}

/// A finding left out on purpose: its code, and optionally the contract, benefit or offer it is
/// about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignore {
    /// The finding's code.
    pub code: FindingCode,
    /// Only the finding about this contract, benefit or offer.
    pub target: Option<String>,
}

impl std::str::FromStr for Ignore {
    type Err = Refusal;
    fn from_str(s: &str) -> Result<Ignore, Refusal> {
        let (code, target) = match s.split_once(':') {
            Some((code, target)) => (code, Some(target.to_string())),
            None => (s, None),
        };
        let Some(code) = FindingCode::from_slug(code) else {
            return Err(Refusal::Misuse(Misuse::UnknownFindingCode {
                given: s.to_string(),
                code: code.to_string(),
            }));
        };
        Ok(Ignore { code, target })
    }
}

impl Ignore {
    fn covers(&self, f: &Finding) -> bool {
        f.code == self.code
            && self.target.as_ref().is_none_or(|t| {
                [&f.contract, &f.benefit, &f.offer]
                    .into_iter()
                    .any(|x| x.as_deref() == Some(t.as_str()))
            })
    }
}

impl Report {
    /// The worst severity found, `None` when all is well (information is not a failing).
    pub fn worst(&self) -> Option<Severity> {
        self.findings
            .iter()
            .map(|f| f.severity)
            .filter(|s| *s > Severity::Info)
            .max()
    }
}

fn grade(value: i64, warn: u32, critical: u32) -> Option<Severity> {
    if value <= i64::from(critical) {
        Some(Severity::Critical)
    } else if value <= i64::from(warn) {
        Some(Severity::Warning)
    } else {
        None
    }
}

fn plural(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The offer a benefit's name (`OFFER/BENEFIT`) is of.
fn offer_of(benefit: Option<&str>) -> Option<String> {
    benefit
        .and_then(|b| b.split_once('/'))
        .map(|(offer, _)| offer.to_string())
}

impl State {
    /// Checks the usable contracts and the benefits of active offers on `today`; refuses
    /// thresholds in the wrong order and a filter naming a contract or offer that is not here.
    pub fn check(
        &self,
        today: NaiveDate,
        t: &Thresholds,
        filter: &Filter,
    ) -> Result<Report, Refusal> {
        t.validate()?;
        if let Some(id) = &filter.contract {
            self.contract(id)?;
        }
        if let Some(name) = &filter.offer
            && !self.offers.iter().any(|o| o.name() == *name)
        {
            return Err(Refusal::UnknownOffer {
                name: name.clone(),
                known: self.offers.iter().map(|o| o.name()).collect(),
            });
        }
        let mut findings = Vec::new();
        let views = self.contract_views(today);
        let forecasts = self.forecasts(&views, today);
        let wanted: Vec<&ContractView<'_>> = views
            .iter()
            .filter(|v| {
                let c = v.contract;
                v.status == Status::Active
                    && filter
                        .contract
                        .as_ref()
                        .is_none_or(|id| id == c.contract_id.as_str())
                    && filter.scope.is_none_or(|s| c.coverage.covers(s))
                    && filter
                        .offer
                        .as_ref()
                        .is_none_or(|o| offer_of(c.benefit.as_deref()).as_ref() == Some(o))
            })
            .collect();
        for v in &wanted {
            let cover = covering(&views, v.contract);
            let forecast = forecasts.get(&v.contract.contract_id);
            findings.extend(contract_findings(v, forecast, cover, today, t));
        }
        findings.extend(self.refund_findings(today, filter));
        findings.extend(self.conflict_findings(filter));
        findings.extend(self.balance_findings(&wanted));
        // Every benefit of the offers in force, worked out once: the findings and both scope
        // rules below read them.
        let all_benefits = self.benefits(today);
        let mut benefits = Vec::new();
        if filter.contract.is_none() {
            for b in &all_benefits {
                let wanted = filter.offer.as_ref().is_none_or(|o| *o == b.offer.name())
                    && filter
                        .scope
                        .is_none_or(|s| b.entitlement.coverage.covers(s));
                if wanted {
                    benefits.push(b.name.clone());
                    findings.extend(benefit_finding(b, today, t));
                }
            }
        }
        let organization = filter.contract.is_none() && filter.offer.is_none();
        if organization {
            findings.extend(self.membership_finding(today));
            findings.extend(self.anniversary_findings(today, t));
            // A scope a benefit's own critical finding already explains is not said twice.
            let explained: Vec<Scope> = [Scope::OnPremises, Scope::Cloud]
                .into_iter()
                .filter(|scope| {
                    all_benefits.iter().any(|b| {
                        b.entitlement.coverage.covers(*scope)
                            && findings.iter().any(|f| {
                                f.severity == Severity::Critical
                                    && f.benefit.as_deref() == Some(b.name.as_str())
                            })
                    })
                })
                .collect();
            // A scope whose benefit is still being activated is worth a warning, not a page.
            let activating_scopes: Vec<Scope> = [Scope::OnPremises, Scope::Cloud]
                .into_iter()
                .filter(|scope| {
                    all_benefits
                        .iter()
                        .any(|b| b.entitlement.coverage.covers(*scope) && activating(b, today, t))
                })
                .collect();
            findings.extend(self.scope_findings(today, filter, &explained, &activating_scopes));
        }
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let (ignored, findings) = findings
            .into_iter()
            .partition(|f| filter.ignore.iter().any(|i| i.covers(f)));
        Ok(Report {
            contracts: wanted
                .iter()
                .map(|v| v.contract.contract_id.to_string())
                .collect(),
            benefits,
            organization,
            findings,
            ignored,
        })
    }
}

/// A usable unlimited contract other than `c` that covers every scope of `c` until `c` ends, or
/// later: then `c` running low or ending is worth knowing, not a failing.
fn covering<'a>(views: &'a [ContractView<'a>], c: &Contract) -> Option<&'a Contract> {
    views
        .iter()
        .find(|u| {
            u.status == Status::Active
                && u.remaining.is_none()
                && u.contract.contract_id != c.contract_id
                && u.contract.end >= c.end
                && [Scope::OnPremises, Scope::Cloud]
                    .into_iter()
                    .all(|s| !c.coverage.covers(s) || u.contract.coverage.covers(s))
        })
        .map(|u| u.contract)
}

/// A usable contract's findings: few incidents left, incidents about to lapse (R19), a forecast
/// run-out (R20), an end coming. Graded as information when an unlimited contract `cover`s it.
fn contract_findings(
    v: &ContractView<'_>,
    forecast: Option<&Forecast>,
    cover: Option<&Contract>,
    today: NaiveDate,
    t: &Thresholds,
) -> Vec<Finding> {
    let c = v.contract;
    let name = format!("contract {} ({})", c.contract_id, c.plan);
    let finding = |severity, code, message: String| Finding {
        severity: match cover {
            Some(_) => Severity::Info,
            None => severity,
        },
        message: match cover {
            Some(u) => format!(
                "{message} (unlimited contract {} covers it until {})",
                u.contract_id, u.end
            ),
            None => message,
        },
        code,
        contract: Some(c.contract_id.to_string()),
        offer: offer_of(c.benefit.as_deref()),
        benefit: c.benefit.clone(),
        remaining: None,
        days_left: None,
        pending_days: None,
        incident: None,
        conflict: None,
    };
    let mut findings = Vec::new();
    if let Some(remaining) = v.remaining
        && let Some(severity) = grade(remaining.into(), t.warn_remaining, t.critical_remaining)
    {
        findings.push(Finding {
            remaining: Some(remaining),
            ..finding(
                severity,
                FindingCode::IncidentsLow,
                format!(
                    "{name} has {} left",
                    plural(remaining, "incident", "incidents")
                ),
            )
        });
    }
    // R19: incidents left on a contract about to end lapse unused (unless the forecast says
    // they will be used up first).
    if let Some(left) = v.remaining
        && left >= t.unused_min.max(1)
        && v.days_left <= i64::from(t.unused_days)
        && forecast.is_none_or(|f| f.runs_out_on.is_none())
    {
        findings.push(Finding {
            remaining: Some(left),
            days_left: Some(v.days_left),
            ..finding(
                Severity::Warning,
                FindingCode::IncidentsExpiringUnused,
                format!(
                    "{} left on {}, which ends in {}: {} unused",
                    plural(left, "incident", "incidents"),
                    c.contract_id,
                    plural(v.days_left, "day", "days"),
                    if left == 1 { "it lapses" } else { "they lapse" }
                ),
            )
        });
    }
    // R20: at its recent rate it runs out before it ends. A projection, so a warning: what is
    // left now is `incidents-low`'s to grade.
    if let Some(f) = forecast
        && let Some(on) = f.runs_out_on
    {
        findings.push(Finding {
            days_left: Some((on - today).num_days()),
            ..finding(
                Severity::Warning,
                FindingCode::RunsOutBeforeEnd,
                format!(
                    "{name} would run out on {on} at {} incidents per 30 days, {} before it ends on {}",
                    f.rate_per_30_days,
                    plural((c.end - on).num_days(), "day", "days"),
                    c.end
                ),
            )
        });
    }
    if let Some(severity) = grade(v.days_left, t.warn_days, t.critical_days) {
        findings.push(Finding {
            days_left: Some(v.days_left),
            ..finding(
                severity,
                FindingCode::ContractExpiring,
                format!(
                    "{name} ends on {}, in {}",
                    c.end,
                    plural(v.days_left, "day", "days")
                ),
            )
        });
    }
    findings
}

impl State {
    /// Each open conflict a team's merge left (R23): critical, whatever the day, until a
    /// correction settles it or the team accepts it; for the contract `filter` leaves in.
    fn conflict_findings(&self, filter: &Filter) -> Vec<Finding> {
        self.open_conflicts()
            .filter(|c| {
                filter.contract.as_deref().is_none_or(|want| {
                    c.contract
                        .iter()
                        .chain(&c.contracts)
                        .any(|id| id.as_str() == want)
                })
            })
            .map(|c| Finding {
                severity: Severity::Critical,
                code: FindingCode::MergeConflict,
                contract: c
                    .contract
                    .as_ref()
                    .or(c.contracts.first())
                    .map(ToString::to_string),
                offer: None,
                benefit: None,
                remaining: None,
                days_left: None,
                pending_days: None,
                incident: c.incident.map(|id| id.to_string()),
                conflict: Some(c.kind),
                message: format!("kept by the merge of {}: {}", c.on, c.rule),
            })
            .collect()
    }

    /// Billing, quota and subscription tickets Microsoft refunds on closure, until refunded
    /// here or dismissed: information, for the contracts and scope `filter` leaves in.
    fn refund_findings(&self, today: NaiveDate, filter: &Filter) -> Vec<Finding> {
        // Imported tickets are cloud incidents of no offer's benefit in particular.
        if filter.offer.is_some() || filter.scope.is_some_and(|s| s != Scope::Cloud) {
            return Vec::new();
        }
        self.refund_candidates
            .iter()
            .filter_map(|id| self.incidents.find(*id))
            .filter(|h| {
                h.refunded_on.is_none_or(|on| on > today)
                    && h.voided_on.is_none_or(|on| on > today)
                    && h.opened_on <= today
                    && filter
                        .contract
                        .as_deref()
                        .is_none_or(|c| h.contract_id.as_ref().is_some_and(|id| id.as_str() == c))
            })
            .map(|h| Finding {
                severity: Severity::Info,
                code: FindingCode::RefundCandidate,
                contract: h.contract_id.as_ref().map(ToString::to_string),
                offer: None,
                benefit: None,
                remaining: None,
                days_left: None,
                pending_days: None,
                incident: Some(h.id.to_string()),
                conflict: None,
                message: format!(
                    "{} is a billing, quota or subscription ticket Microsoft refunds on closure; no refund is recorded",
                    h.id
                ),
            })
            .collect()
    }

    /// The last count Partner Center showed on each of the `wanted` contracts, while it
    /// disagrees with the record (a later agreeing count clears it). Only those contracts'
    /// counts are compared: each comparison reads the usage on its own day.
    fn balance_findings(&self, wanted: &[&ContractView<'_>]) -> Vec<Finding> {
        self.latest_observations()
            .into_iter()
            .filter(|o| wanted.iter().any(|v| v.contract.contract_id == o.contract))
            .filter_map(|o| self.compare(o).ok())
            .filter(|compared| !compared.agrees())
            .map(|compared| {
                let id = compared.observation.contract.as_str();
                Finding {
                    severity: Severity::Warning,
                    code: FindingCode::BalanceDiffers,
                    contract: Some(id.to_string()),
                    offer: None,
                    benefit: None,
                    remaining: Some(compared.record_left),
                    days_left: None,
                    pending_days: None,
                    incident: None,
                    conflict: None,
                    message: format!(
                        "contract {id}: Partner Center showed {} left on {}, the record {}",
                        compared.observation.left, compared.observation.on, compared.record_left
                    ),
                }
            })
            .collect()
    }
}

/// Whether `b` has no contract yet only because activation takes days: not activated in the
/// first `activation_days` of its year, or requested within them.
fn activating(b: &BenefitView<'_>, today: NaiveDate, t: &Thresholds) -> bool {
    let within = |from: NaiveDate| (today - from).num_days() < i64::from(t.activation_days);
    match &b.state {
        BenefitState::NotActivated => within(b.year.start),
        BenefitState::Pending { since, .. } => within(*since),
        _ => false,
    }
}

/// A benefit's finding: not activated (a warning while it is being activated), lapsed, or
/// pending too long (R4).
fn benefit_finding(b: &BenefitView<'_>, today: NaiveDate, t: &Thresholds) -> Option<Finding> {
    let finding = |severity, code, contract: Option<&str>, message| Finding {
        severity,
        code,
        contract: contract.map(str::to_string),
        offer: Some(b.offer.name()),
        benefit: Some(b.name.clone()),
        remaining: None,
        days_left: None,
        pending_days: None,
        incident: None,
        conflict: None,
        message,
    };
    match &b.state {
        BenefitState::NotActivated if activating(b, today, t) => Some(finding(
            Severity::Warning,
            FindingCode::BenefitNotActivated,
            None,
            format!(
                "benefit {} is not activated yet: its year started on {} (critical after {} days)",
                b.name, b.year.start, t.activation_days
            ),
        )),
        BenefitState::NotActivated => Some(finding(
            Severity::Critical,
            FindingCode::BenefitNotActivated,
            None,
            format!(
                "benefit {} is not activated: no contract provides it",
                b.name
            ),
        )),
        BenefitState::Lapsed { contract, status } => Some(finding(
            Severity::Critical,
            FindingCode::BenefitLapsed,
            Some(contract),
            format!(
                "benefit {} has no usable contract: contract {contract} {}",
                b.name,
                match status {
                    Status::Exhausted => "has no incidents left",
                    _ => "has expired",
                }
            ),
        )),
        BenefitState::Pending { since, .. } => {
            let days = (today - *since).num_days();
            (days > i64::from(t.pending_days)).then(|| Finding {
                pending_days: Some(days),
                ..finding(
                    Severity::Warning,
                    FindingCode::ActivationPending,
                    None,
                    format!(
                        "activation of {} pending since {since} ({}): check Partner Center for its IDs",
                        b.name,
                        plural(days, "day", "days")
                    ),
                )
            })
        }
        // Decided not to use this year: nothing to ask for.
        BenefitState::Active { .. } | BenefitState::Declined { .. } => None,
    }
}

impl State {
    /// Before each offer's anniversary: when its membership year ends within `renewal_days` and
    /// no next year is recorded, the offer ends then (a warning, critical within
    /// `critical_days`); an offer without an end runs on, and its anniversary is worth knowing
    /// only (its benefits are activated anew for the next year).
    fn anniversary_findings(&self, today: NaiveDate, t: &Thresholds) -> Vec<Finding> {
        self.offers
            .iter()
            .filter_map(|o| {
                let year = o.year_on(today)?;
                let days = (year.end - today).num_days();
                let next_recorded = o.years.iter().any(|term| term.start > year.end);
                let runs_on = o.end().is_none();
                if next_recorded || days > i64::from(t.renewal_days) {
                    return None;
                }
                let name = o.name();
                let (severity, message) = match runs_on {
                    true => (
                        Severity::Info,
                        format!(
                            "the membership year {year} of {name} ends in {}; it runs on, and its benefits are activated anew for the next year",
                            plural(days, "day", "days")
                        ),
                    ),
                    false => (
                        grade(days, t.renewal_days, t.critical_days)?,
                        format!(
                            "the membership year {year} of {name} ends in {}, and no next year is recorded",
                            plural(days, "day", "days")
                        ),
                    ),
                };
                Some(Finding {
                    offer: Some(name),
                    days_left: Some(days),
                    ..Finding::of_organization(severity, FindingCode::MembershipEnding, message)
                })
            })
            .collect()
    }

    /// R22: no offer in force today, or a membership that has ended (every offer over, none to
    /// come), is critical.
    fn membership_finding(&self, today: NaiveDate) -> Option<Finding> {
        // No offer in force today, none recorded or the next still to come: no membership to
        // draw on today.
        let next = self
            .offers
            .iter()
            .flat_map(|o| o.years.iter().map(|t| t.start))
            .filter(|s| *s > today)
            .min();
        if !self.offers.iter().any(|o| o.is_active(today))
            && (self.offers.is_empty() || next.is_some())
        {
            return Some(Finding::of_organization(
                Severity::Critical,
                FindingCode::NoMembership,
                match next {
                    Some(first) => format!(
                        "no membership offer is in force on {today}: the next starts on {first}"
                    ),
                    None => NO_OFFER_RECORDED.into(),
                },
            ));
        }
        let last_end = self
            .offers
            .iter()
            .map(|o| o.end())
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .max()?;
        if self
            .offers
            .iter()
            .any(|o| o.years.iter().any(|t| t.start > today))
        {
            return None;
        }
        if last_end < today {
            return Some(Finding {
                days_left: Some((last_end - today).num_days()),
                ..Finding::of_organization(
                    Severity::Critical,
                    FindingCode::MembershipEnded,
                    format!("the membership ended on {last_end}: no offer is in force"),
                )
            });
        }
        None
    }

    /// R22: a scope the offers in force entitle that no usable contract covers today.
    fn scope_findings(
        &self,
        today: NaiveDate,
        filter: &Filter,
        explained: &[Scope],
        activating: &[Scope],
    ) -> Vec<Finding> {
        // A benefit declined this year entitles nothing the gate should ask for.
        let benefits = self.benefits(today);
        let entitled = |scope: Scope| {
            benefits.iter().any(|b| {
                b.entitlement.coverage.covers(scope)
                    && !matches!(b.state, BenefitState::Declined { .. })
            })
        };
        let views = self.contract_views(today);
        [Scope::OnPremises, Scope::Cloud]
            .into_iter()
            .filter(|s| filter.scope.is_none_or(|f| f == *s))
            .filter(|s| !explained.contains(s))
            .filter(|s| entitled(*s))
            .filter(|s| {
                !views
                    .iter()
                    .any(|v| v.status == Status::Active && v.contract.coverage.covers(*s))
            })
            .map(|scope| match activating.contains(&scope) {
                true => Finding::of_organization(
                    Severity::Warning,
                    FindingCode::ScopeUncovered,
                    format!(
                        "no usable {} support today: its benefit is still being activated",
                        scope.slug()
                    ),
                ),
                false => Finding::of_organization(
                    Severity::Critical,
                    FindingCode::ScopeUncovered,
                    format!(
                        "no usable {} support today: the offers in force entitle it, and no contract covers it",
                        scope.slug()
                    ),
                ),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::{Allowance, Coverage};
    use crate::domain::incidents::Incidents;
    use crate::domain::state::PendingActivation;
    use crate::domain::testing::{contract, d, incident, org_with};

    /// A Gold Cloud Platform partner: product support 7000001 (20 incidents, `used` of them
    /// charged) ending `end`, cloud support 7000002 unlimited.
    fn gold(used: u32, end: &str) -> State {
        let mut s = org_with(&[("gold", Some(("Cloud Platform", "cloud")))]);
        let mut ps = contract(
            "7000001",
            Coverage::OnPremises,
            Allowance::Incidents(20),
            "2026-01-01",
            end,
        );
        ps.benefit = Some("gold-cloud-platform/product-support".into());
        let mut cs = contract(
            "7000002",
            Coverage::Cloud,
            Allowance::Unlimited,
            "2026-01-01",
            "2026-12-31",
        );
        cs.benefit = Some("gold-cloud-platform/cloud-support".into());
        s.contracts = vec![ps, cs];
        s.incidents = (1..=used)
            .map(|n| incident(n, Some("7000001")))
            .collect::<Incidents>();
        s
    }

    fn codes(r: &Report) -> Vec<(Severity, &'static str)> {
        r.findings
            .iter()
            .map(|f| (f.severity, f.code.slug()))
            .collect()
    }

    #[test]
    fn r22_a_membership_that_ended_or_a_scope_left_uncovered_does_not_pass() {
        let codes = |s: &State, today: &str| -> Vec<(&'static str, Severity)> {
            s.check(d(today), &Thresholds::default(), &Filter::default())
                .unwrap()
                .findings
                .into_iter()
                .filter(|f| {
                    f.code.slug().starts_with("membership") || f.code == FindingCode::ScopeUncovered
                })
                .map(|f| (f.code.slug(), f.severity))
                .collect()
        };
        let mut s = org_with(&[("action-pack", None)]);
        s.offers[0].years[0].end = Some(d("2026-12-31"));
        s.contracts = vec![contract(
            "AP",
            Coverage::OnPremises,
            Allowance::Incidents(10),
            "2026-01-01",
            "2026-12-31",
        )];
        assert_eq!(codes(&s, "2026-06-15"), []);
        assert_eq!(
            codes(&s, "2026-12-10"),
            [("membership-ending", Severity::Warning)]
        );
        assert_eq!(
            codes(&s, "2027-01-05"),
            [("membership-ended", Severity::Critical)]
        );
        // An offer in force whose on-premises support no usable contract covers yet: its
        // activation is pending. Activation takes days: a warning for 14 days after the
        // request, critical after.
        s.contracts.clear();
        s.pending = vec![PendingActivation {
            benefit: "action-pack/product-support".into(),
            requested_on: d("2026-06-14"),
            requested_by: None,
        }];
        for (today, severity) in [
            ("2026-06-15", Severity::Warning),
            ("2026-06-27", Severity::Warning),
            ("2026-06-28", Severity::Critical),
            ("2026-07-15", Severity::Critical),
        ] {
            assert_eq!(codes(&s, today), [("scope-uncovered", severity)], "{today}");
        }
    }

    #[test]
    fn thresholds_grade_incidents_and_days() {
        use Severity::{Critical, Warning};
        let today = d("2026-06-15");
        let t = Thresholds::default();
        type Case<'a> = (u32, &'a str, &'a [(Severity, &'a str)]);
        let cases: &[Case] = &[
            (0, "2026-12-31", &[]),
            (16, "2026-12-31", &[]),
            (17, "2026-12-31", &[(Warning, "incidents-low")]),
            (19, "2026-12-31", &[(Critical, "incidents-low")]),
            // R19: ending within 60 days with incidents left, they lapse unused.
            (
                0,
                "2026-07-15",
                &[
                    (Warning, "incidents-expiring-unused"),
                    (Warning, "contract-expiring"),
                ],
            ),
            (0, "2026-07-16", &[(Warning, "incidents-expiring-unused")]),
            (0, "2026-08-14", &[(Warning, "incidents-expiring-unused")]),
            (0, "2026-08-15", &[]),
            (
                0,
                "2026-06-22",
                &[
                    (Critical, "contract-expiring"),
                    (Warning, "incidents-expiring-unused"),
                ],
            ),
            (
                19,
                "2026-06-15",
                &[
                    (Critical, "incidents-low"),
                    (Critical, "contract-expiring"),
                    (Warning, "incidents-expiring-unused"),
                ],
            ),
            (20, "2026-12-31", &[(Critical, "benefit-lapsed")]),
        ];
        for (used, end, want) in cases {
            let r = gold(*used, end)
                .check(today, &t, &Filter::default())
                .unwrap();
            assert_eq!(codes(&r), *want, "{used} used, ends {end}");
        }
        let r = gold(20, "2026-12-31")
            .check(today, &t, &Filter::default())
            .unwrap();
        assert_eq!(
            r.findings[0].message,
            "benefit gold-cloud-platform/product-support has no usable contract: contract 7000001 has no incidents left"
        );
    }

    #[test]
    fn benefits_never_activated_or_pending_too_long() {
        let today = d("2026-06-15");
        let mut s = gold(0, "2026-12-31");
        s.contracts.truncate(1);
        let r = s
            .check(today, &Thresholds::default(), &Filter::default())
            .unwrap();
        assert_eq!(codes(&r), [(Severity::Critical, "benefit-not-activated")]);
        for (since, want) in [("2026-06-08", 0), ("2026-06-07", 1)] {
            s.pending = vec![PendingActivation {
                benefit: "gold-cloud-platform/cloud-support".into(),
                requested_on: d(since),
                requested_by: None,
            }];
            let r = s
                .check(today, &Thresholds::default(), &Filter::default())
                .unwrap();
            let pending = r
                .findings
                .iter()
                .filter(|f| f.code == FindingCode::ActivationPending);
            assert_eq!(pending.count(), want, "pending since {since}");
            // Meanwhile no contract gives cloud support (R22).
            assert!(
                r.findings
                    .iter()
                    .any(|f| f.code == FindingCode::ScopeUncovered)
            );
        }
    }

    #[test]
    fn filters_narrow_what_is_checked_and_must_name_something_here() {
        let today = d("2026-06-15");
        let s = gold(19, "2026-06-20");
        let t = Thresholds::default();
        let run = |filter: Filter| s.check(today, &t, &filter);
        let cloud = run(Filter {
            scope: Some(Scope::Cloud),
            ..Filter::default()
        })
        .unwrap();
        assert_eq!(
            (cloud.contracts, cloud.benefits, cloud.findings.len()),
            (
                vec!["7000002".to_string()],
                vec!["gold-cloud-platform/cloud-support".to_string()],
                0
            )
        );
        assert!(cloud.organization);
        let one = run(Filter {
            contract: Some("7000002".into()),
            ..Filter::default()
        })
        .unwrap();
        assert_eq!(
            (one.contracts, one.benefits, one.organization),
            (vec!["7000002".to_string()], vec![], false)
        );
        let offer = run(Filter {
            offer: Some("gold-cloud-platform".into()),
            ..Filter::default()
        })
        .unwrap();
        assert_eq!(
            (
                offer.contracts.len(),
                offer.benefits.len(),
                offer.organization
            ),
            (2, 2, false)
        );
        let unknown = run(Filter {
            offer: Some("silver-x".into()),
            ..Filter::default()
        });
        assert_eq!(
            unknown.unwrap_err().to_string(),
            "offer `silver-x` not found"
        );
        let unknown = run(Filter {
            contract: Some("NOPE".into()),
            ..Filter::default()
        });
        assert_eq!(
            unknown.unwrap_err().to_string(),
            "contract `NOPE` not found"
        );
    }

    #[test]
    fn a_critical_threshold_looser_than_its_warning_is_refused() {
        let t = Thresholds {
            critical_days: 40,
            ..Thresholds::default()
        };
        assert!(
            t.validate()
                .unwrap_err()
                .to_string()
                .contains("the critical days threshold 40 is above the warning one 30")
        );
        assert!(Thresholds::default().validate().is_ok());
    }
}
