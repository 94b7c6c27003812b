//! Why the model refuses an action: one variant per rule, with the user's values as fields, a
//! lowercase message (Microsoft's own wording quoted where the rules require it) and a hint.

use chrono::NaiveDate;

use super::contract::{Coverage, Scope};
use super::values::Email;

/// A refusal by a rule. Nothing was changed when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// R2.
    #[error("You are not authorized for this action: {action} needs the global-admin or mpn-partner-admin role{}", who(.account))]
    NotAuthorized {
        /// What was attempted.
        action: &'static str,
        /// Who attempted it.
        account: Option<Email>,
        /// Accounts that hold a sufficient role.
        holders: Vec<Email>,
    },
    /// R3.
    #[error(
        "You are not authorized for this action: `{account}` is associated with CSP only, and the benefits page needs an account associated with the partner-program (MPN) membership"
    )]
    CspOnly {
        /// The CSP-only account.
        account: Email,
        /// MPN-associated accounts that could be used instead.
        others: Vec<Email>,
    },
    /// R11.
    #[error("You are not authorized for this action: a request under the \"Cloud Solution Provider\" plan needs the admin-agent role{}", who(.account))]
    NotAdminAgent {
        /// Who attempted it.
        account: Option<Email>,
        /// Accounts with the admin-agent role.
        holders: Vec<Email>,
    },
    /// The state has no organization yet.
    #[error("this state file has no organization yet")]
    NotInitialized,
    /// `init` on a state that already has one.
    #[error("this state file already belongs to `{name}` (partner ID {partner_id})")]
    AlreadyInitialized {
        /// The organization's name.
        name: String,
        /// Its partner ID.
        partner_id: String,
    },
    /// `--as` or `account use` named an account the state does not know.
    #[error("account `{0}` is not in this state file")]
    UnknownAccount(Email),
    /// `account remove` of the last account that may activate benefits, not on purpose.
    #[error(
        "`{0}` is the last account with the global-admin or mpn-partner-admin role: without one, no one can activate a benefit (R2)"
    )]
    LastAdmin(Email),
    /// `account add` for a known account.
    #[error("account `{0}` already exists")]
    DuplicateAccount(Email),
    /// `offer add` for an offer already held.
    #[error("offer `{0}` already exists")]
    DuplicateOffer(String),
    /// An offer name not in the state.
    #[error("offer `{name}` not found")]
    UnknownOffer {
        /// The name given.
        name: String,
        /// The offers that exist.
        known: Vec<String>,
    },
    /// A benefit name that matches no benefit of an active offer.
    #[error("benefit `{name}` not found among the benefits of active offers")]
    UnknownBenefit {
        /// The name given.
        name: String,
        /// The benefits that exist.
        known: Vec<String>,
    },
    /// A benefit suffix that matches more than one benefit.
    #[error("benefit `{name}` is ambiguous: it matches {}", .candidates.join(", "))]
    AmbiguousBenefit {
        /// The name given.
        name: String,
        /// The benefits it matches.
        candidates: Vec<String>,
    },
    /// An imported ticket whose plan names several contracts that ran on its day.
    #[error("its plan `{plan}` names contracts {} that ran on that day", .contracts.join(" and "))]
    AmbiguousPlan {
        /// The plan the ticket names.
        plan: String,
        /// The contracts of that name.
        contracts: Vec<String>,
    },
    /// `activate` without IDs while the request is already pending.
    #[error("activation of `{benefit}` was already requested on {since}")]
    AlreadyPending {
        /// The benefit.
        benefit: String,
        /// When it was requested.
        since: NaiveDate,
    },
    /// A comparison with Partner Center asked for a contract with no count recorded.
    #[error("no count of Partner Center is recorded for contract `{0}`")]
    NoObservation(String),
    /// `decline` on a benefit already declined for its year.
    #[error("benefit `{benefit}` was already declined on {on} for its year {year}")]
    AlreadyDeclined {
        /// The benefit.
        benefit: String,
        /// When it was declined.
        on: NaiveDate,
        /// The membership year.
        year: super::offer::Year,
    },
    /// `activate` on a benefit whose contract is still current.
    #[error("benefit `{benefit}` is already active with contract `{contract}`")]
    AlreadyActive {
        /// The benefit.
        benefit: String,
        /// Its current contract.
        contract: String,
    },
    /// A Contract ID already recorded.
    #[error("contract `{0}` already exists")]
    DuplicateContract(String),
    /// An Access ID already recorded (the ID itself is a credential and is not repeated).
    #[error("that Access ID is already recorded for contract `{0}`")]
    DuplicateAccessId(String),
    /// A Contract ID not in the state.
    #[error("contract `{0}` not found")]
    UnknownContract(String),
    /// The last incident number there can be is taken.
    #[error("no incident number is left after {0}")]
    NoIncidentIdLeft(String),
    /// An incident ID not in the state.
    #[error("incident `{0}` not found")]
    UnknownIncident(String),
    /// R8: past the end date.
    #[error("support plan expired: contract `{contract}` ended on {end}")]
    PlanExpired {
        /// The contract.
        contract: String,
        /// Its last day.
        end: NaiveDate,
    },
    /// R8: no incidents left.
    #[error(
        "support plan exhausted: contract `{contract}` has no incidents remaining (all {allowance} used)"
    )]
    PlanExhausted {
        /// The contract.
        contract: String,
        /// Its allowance.
        allowance: u32,
    },
    /// R8: scope mismatch.
    #[error("the support plan can't be used for support of the specified products: contract `{contract}` covers {} products, not {}", .coverage.slug(), .scope.slug())]
    WrongScope {
        /// The contract.
        contract: String,
        /// What it covers.
        coverage: Coverage,
        /// What the incident needs.
        scope: Scope,
    },
    /// R8: not started yet.
    #[error("support plan not started yet: contract `{contract}` starts on {start}")]
    NotStarted {
        /// The contract.
        contract: String,
        /// Its first day.
        start: NaiveDate,
    },
    /// R8: the only plan for the scope is still being activated.
    #[error(
        "activation pending: `{benefit}` was requested on {since} and has no Access ID and Contract ID yet"
    )]
    ActivationPending {
        /// The benefit.
        benefit: String,
        /// When it was requested.
        since: NaiveDate,
    },
    /// R8: nothing covers the scope at all.
    #[error("no support plan covers {} products", .scope.slug())]
    NoPlan {
        /// The incident's scope.
        scope: Scope,
        /// Benefits that would cover it once activated.
        not_activated: Vec<String>,
    },
    /// R10: a cloud incident for an organization whose offers in force yield no cloud benefit.
    #[error("{offers} {} {has} only, not {lacks}", if *.several { "include" } else { "includes" })]
    NoCloudBenefit {
        /// The offers in force, by title ("Action Pack").
        offers: String,
        /// Whether that is more than one offer.
        several: bool,
        /// What they yield ("Microsoft Product Support (on-premises)").
        has: String,
        /// The catalog's cloud benefit ("Signature Cloud Support").
        lacks: String,
        /// What yields one: the catalog's offers that do ("a Silver or Gold competency").
        remedy: String,
    },
    /// R6: linking an unusable contract.
    #[error("contract `{contract}` can't be linked: {reason}")]
    LinkUnavailable {
        /// The contract.
        contract: String,
        /// "expired on DATE" or "no incidents remaining".
        reason: String,
    },
    /// R12: second refund.
    #[error("incident `{id}` was already refunded on {on}")]
    AlreadyRefunded {
        /// The incident.
        id: String,
        /// When.
        on: NaiveDate,
    },
    /// R12: refunding a request that charged nothing.
    #[error("incident `{0}` charged no contract, so there is nothing to refund")]
    NotCharged(String),
    /// Closing twice.
    #[error("incident `{id}` was already closed on {on}")]
    AlreadyClosed {
        /// The incident.
        id: String,
        /// When.
        on: NaiveDate,
    },
    /// R16: a change dated before the record it depends on.
    #[error("cannot {action} {id} on {on}: it was {event} on {then}")]
    DatedBefore {
        /// What was attempted (`close`, `refund`, `reopen`).
        action: &'static str,
        /// The incident.
        id: String,
        /// The day of the change ("today").
        on: NaiveDate,
        /// What happened to it first (`opened`, `closed`).
        event: &'static str,
        /// When.
        then: NaiveDate,
    },
    /// A change that would leave the state breaking a consistency rule.
    #[error("the change would leave the state inconsistent: {0}")]
    WouldBeInconsistent(String),
    /// A value of an offer's option the catalog does not list, with no category said (a usage
    /// error).
    #[error("`{name}` is not a {option} of {program}{}", nearest_of(.nearest))]
    UnknownOption {
        /// The option (`competency`).
        option: String,
        /// The value given.
        name: String,
        /// The catalog's program.
        program: String,
        /// The listed values nearest to it.
        nearest: Vec<String>,
        /// The categories one of which keeps a value not listed; empty when the option keeps
        /// only what it lists.
        categories: Vec<String>,
    },
    /// A catalog the state's offers or pending activations are not in.
    #[error("the state does not fit that catalog: {}", .0.join("; "))]
    CatalogDoesNotFit(Vec<String>),
    /// A catalog neither the state nor this build has (a usage error).
    #[error("`{name}` is not a catalog of this state or built in: {}", .known.join(", "))]
    UnknownCatalog {
        /// The name given.
        name: String,
        /// The catalogs there are.
        known: Vec<String>,
    },
    /// An offer the state's catalog does not have (a usage error).
    #[error("`{name}` is not an offer of {catalog}: {}", .known.join(", "))]
    UnknownOfferKind {
        /// The name given.
        name: String,
        /// The catalog's name and version.
        catalog: String,
        /// Its offers.
        known: Vec<String>,
    },
    /// R8 as of an incident's opening day, for a move or an import: the contract could not
    /// have taken it then.
    #[error("{id} could not have been charged to it when it was opened on {opened}: {reason}")]
    NotChargeableThen {
        /// The incident.
        id: String,
        /// The day it was opened.
        opened: NaiveDate,
        /// Why (R8's wording).
        reason: String,
    },
    /// A contract end that would leave an incident it charged opened after it.
    #[error(
        "contract `{contract}` can't end on {end}: it charged {incident} on {opened}{}",
        if *.more > 0 { format!(" and {} more after that day", .more) } else { String::new() }
    )]
    WouldStrand {
        /// The contract.
        contract: String,
        /// The end asked for.
        end: NaiveDate,
        /// The first incident opened after it.
        incident: String,
        /// When it was opened.
        opened: NaiveDate,
        /// How many more.
        more: usize,
    },
    /// R21: an on-premises product the N-1 policy does not entitle on the day.
    #[error(
        "the support plan can't be used for support of the specified products: {product} is not entitled on {on} under the N-1 policy: {reason}{}",
        unverified_note(.unverified)
    )]
    ProductNotEntitled {
        /// The product version, as the lifecycle table names it.
        product: String,
        /// The day.
        on: NaiveDate,
        /// Why (mainstream support ended, N-2).
        reason: String,
        /// The versions of its family entitled that day.
        entitled: Vec<String>,
        /// The lifecycle rows that decided it and are not VERIFIED, with their status.
        unverified: Vec<String>,
    },
    /// R18: a benefit already allocated in this membership year.
    #[error(
        "benefit `{benefit}` was already allocated for the membership year {year}: contract `{contract}` is {}; one allocation a year",
        .status.slug()
    )]
    AllocatedThisYear {
        /// The benefit.
        benefit: String,
        /// This year's contract.
        contract: String,
        /// Expired or exhausted.
        status: crate::domain::contract::Status,
        /// The year.
        year: crate::domain::offer::Year,
    },
    /// R18: a contract start outside the benefit's membership year.
    #[error(
        "an activation of `{benefit}` must start within its membership year {year}, not on {start}"
    )]
    OutsideYear {
        /// The benefit.
        benefit: String,
        /// The start asked for.
        start: NaiveDate,
        /// The year.
        year: crate::domain::offer::Year,
    },
    /// A named contract is unusable, and another one is usable for the same products.
    #[error("{refusal}")]
    UsableInstead {
        /// Why the named one is unusable.
        refusal: Box<Refusal>,
        /// The one R9 would choose.
        contract: String,
    },
    /// `undo` cannot put back the state before the last change safely.
    #[error("cannot undo: {0}")]
    CannotUndo(String),
    /// A change to a voided incident: a voided entry is kept as it was.
    #[error("incident `{id}` was voided on {on}; a voided entry is kept as it was")]
    Voided {
        /// The incident.
        id: String,
        /// When.
        on: NaiveDate,
    },
    /// `incidents reopen` of an incident that is open.
    #[error("incident `{0}` is not closed")]
    NotClosed(String),
    /// A date range that ends before it starts (a usage error).
    #[error("end date {end} is before start date {start}")]
    EndBeforeStart {
        /// The start.
        start: NaiveDate,
        /// The end.
        end: NaiveDate,
    },
    /// An Azure ticket created after the day the import is dated and the day of grace after it
    /// (a usage error: the import is dated too early).
    #[error("it was opened on {opened_on} (UTC), after today ({today}) and the day after it")]
    OpenedAfterToday {
        /// Its day, in UTC.
        opened_on: NaiveDate,
        /// The day the import is dated.
        today: NaiveDate,
    },
    /// A contract still named by records: removing it would leave them pointing nowhere.
    #[error("contract `{contract}` cannot be removed: {by} name it")]
    ContractInUse {
        /// The contract.
        contract: String,
        /// What names it ("INC-0003, INC-0004", "a Partner Center count").
        by: String,
    },
    /// An import that clashes with what is recorded, or would break a rule.
    #[error("cannot import: {0}")]
    ImportConflict(String),
    /// An import file that cannot be read as an export (a usage error).
    #[error("{0}")]
    BadImport(String),
    /// Option values that contradict the program (a usage error).
    #[error("{0}")]
    BadCombination(String),
    /// Values given together that cannot be (a usage error): what the command line calls them
    /// is the edge's to say.
    #[error("{0}")]
    Misuse(Misuse),
    /// An imported Azure support ticket that a rule refuses: the whole import is.
    #[error("ticket {case} (opened {opened_on}): {refusal}")]
    TicketRefused {
        /// Its case number.
        case: String,
        /// The day it was opened.
        opened_on: NaiveDate,
        /// Why.
        refusal: Box<Refusal>,
    },
}

fn who(account: &Option<Email>) -> String {
    match account {
        Some(a) => format!(", which `{a}` does not hold"),
        None => ", and no account is selected".to_string(),
    }
}

impl Refusal {
    /// Whether this is a bad value or combination of values (exit 2) rather than a refusal by a
    /// rule (exit 3).
    pub fn is_usage(&self) -> bool {
        if let Refusal::TicketRefused { refusal, .. } = self {
            return refusal.is_usage();
        }
        matches!(
            self,
            Refusal::EndBeforeStart { .. }
                | Refusal::BadCombination(_)
                | Refusal::Misuse(_)
                | Refusal::BadImport(_)
                | Refusal::UnknownOption { .. }
                | Refusal::UnknownOfferKind { .. }
                | Refusal::UnknownCatalog { .. }
                | Refusal::NoObservation(_)
                | Refusal::OpenedAfterToday { .. }
        )
    }
}

fn unverified_note(rows: &[String]) -> String {
    match rows {
        [] => String::new(),
        rows => format!(
            " (decided by lifecycle rows not verified: {}; check their dates)",
            rows.join(", ")
        ),
    }
}

/// " (did you mean `a`, `b`?)" for the names nearest to a mistyped one; nothing for none.
pub(crate) fn nearest_of(nearest: &[String]) -> String {
    match nearest {
        [] => String::new(),
        [one] => format!(" (did you mean `{one}`?)"),
        more => format!(
            " (did you mean {}?)",
            more.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Values given together that cannot be, as data: the command line's names for them (flags,
/// commands) are written at the edge (`crate::hint`); this text names the values only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Misuse {
    /// A category given for an offer that takes no option.
    #[error("the category `{category}` applies to an offer taken with a {word}, not to {offer}")]
    CategoryWithoutOption {
        /// The category given.
        category: String,
        /// What the catalog calls an option (`competency`).
        word: String,
        /// The offer's title.
        offer: String,
    },
    /// An option value given for an offer that takes none.
    #[error("{offer} has no {word}, but the {word} `{name}` was given")]
    NoOption {
        /// The offer's title.
        offer: String,
        /// What the catalog calls an option, as words (`solution area`).
        word: String,
        /// The option's ID (`solution-area`).
        option: String,
        /// The value given.
        name: String,
    },
    /// An offer that takes an option, given none.
    #[error("a {offer} offer needs its {option}")]
    OptionNeeded {
        /// The offer's ID.
        offer: String,
        /// The option's ID (`competency`).
        option: String,
    },
    /// A category given for an option that has none.
    #[error("a {word} has no category, but the category `{category}` was given")]
    NoCategory {
        /// The option, as words.
        word: String,
        /// The category given.
        category: String,
    },
    /// A paid plan of the benefit kind: benefits are activated instead.
    #[error("benefit contracts are activated, not added by hand")]
    BenefitByHand,
    /// Advanced Support for Partners covering more than cloud products.
    #[error("Advanced Support for Partners covers cloud products only, not {}", .0.slug())]
    AdvancedNotCloud(Coverage),
    /// An edit that changes nothing of a contract.
    #[error("nothing to change for contract `{0}`")]
    ContractUnchanged(String),
    /// An edit that changes nothing of an incident.
    #[error("nothing to change for {0}")]
    IncidentUnchanged(String),
    /// A role both added and removed.
    #[error("the role {0} is both added and removed")]
    RoleAddedAndRemoved(&'static str),
    /// A period whose last day comes before its first.
    #[error("the period's last day {until} comes before its first {since}")]
    PeriodBackwards {
        /// The first day.
        since: NaiveDate,
        /// The last day.
        until: NaiveDate,
    },
    /// A CSP request for anything but cloud products.
    #[error(
        "a CSP request for `{0}` covers cloud products only: the \"Cloud Solution Provider\" plan covers cloud requests only"
    )]
    CspNotCloud(String),
    /// A CSP request charged to a contract.
    #[error("a CSP request for `{0}` needs no contract")]
    CspWithContract(String),
    /// `check` told to ignore a code no finding has.
    #[error("`{code}` is not a finding's code")]
    UnknownFindingCode {
        /// What was given (`incidents-low:7000001`).
        given: String,
        /// Its code part.
        code: String,
    },
    /// A change dated after the real date (a mistyped year would hide it until that day).
    #[error("the change would be dated {day}, after today ({today})")]
    FutureChange {
        /// The day the change would be dated.
        day: NaiveDate,
        /// Today's real date.
        today: NaiveDate,
    },
    /// A critical threshold looser than its warning one.
    #[error(
        "the critical {what} threshold {critical} is above the warning one {warn}: the critical threshold must be the stricter one"
    )]
    ThresholdsReversed {
        /// `remaining` or `days`.
        what: &'static str,
        /// The critical threshold.
        critical: u32,
        /// The warning threshold.
        warn: u32,
    },
}
