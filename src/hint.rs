//! What the command line says about the domain's refusals and findings: the sentences that
//! name a flag or a command, written here at the edge and nowhere in `domain/`, whose refusals
//! carry data (which contract, which dates, which alternative).

use crate::domain::check::{Finding, FindingCode, NO_OFFER_RECORDED};
use crate::domain::conflict::ConflictKind;
use crate::domain::due::{DueDay, NextStep};
use crate::domain::lifecycle::Unchecked;
use crate::domain::refusal::{Misuse, Refusal};
use crate::domain::values::Email;

/// A refusal as the command line says it: the domain's words, with the flags of the values it
/// names.
pub fn message(r: &Refusal) -> String {
    match r {
        Refusal::Misuse(m) => misuse(m),
        Refusal::UsableInstead { refusal, .. } => message(refusal),
        Refusal::TicketRefused {
            case,
            opened_on,
            refusal,
        } => format!("ticket {case} (opened {opened_on}): {}", message(refusal)),
        other => other.to_string(),
    }
}

/// Values given together that cannot be, in the command line's words.
fn misuse(m: &Misuse) -> String {
    match m {
        Misuse::CategoryWithoutOption {
            category,
            word,
            offer,
        } => format!(
            "`{}` applies to an offer taken with a {word}, not to {offer}",
            category_flag(category)
        ),
        Misuse::NoOption {
            offer,
            word,
            option,
            name,
        } => format!(
            "{offer} has no {word}, but `{} {name}` was given",
            option_flag(option)
        ),
        Misuse::OptionNeeded { offer, option } => {
            format!("a {offer} offer needs `{} NAME`", option_flag(option))
        }
        Misuse::NoCategory { word, category } => format!(
            "a {word} has no category, but `{}` was given",
            category_flag(category)
        ),
        Misuse::BenefitByHand => "benefit contracts come from `partner-support activate`".into(),
        Misuse::AdvancedNotCloud(coverage) => format!(
            "Advanced Support for Partners covers cloud products only, not `--scope {}`",
            coverage.slug()
        ),
        Misuse::ContractUnchanged(id) => format!(
            "nothing to change for contract `{id}`: give `--end`, `--name` or `--access-id` with a new value"
        ),
        Misuse::IncidentUnchanged(id) => format!(
            "nothing to change for {id}: give `--title`, `--product`, `--case`, `--contract` or `--note` with a new value"
        ),
        Misuse::RoleAddedAndRemoved(role) => {
            format!("`--add-role {role}` and `--remove-role {role}` contradict each other")
        }
        Misuse::PeriodBackwards { since, until } => format!(
            "`--until {until}` is before `--since {since}`: a period's last day comes on or after its first"
        ),
        Misuse::CspNotCloud(tenant) => format!(
            "a CSP request for `{tenant}` must be `--scope cloud`: the \"{}\" plan covers cloud requests only",
            crate::domain::incident::CSP_PLAN
        ),
        Misuse::CspWithContract(tenant) => format!(
            "a CSP request needs no contract: leave out `--contract` with `--csp-customer {tenant}`"
        ),
        Misuse::FutureChange { day, today } => format!(
            "`--as-of {day}` is after today ({today}): a change is dated its as-of day, and one dated later stays out of every list and balance until then; give `--future` if that is meant"
        ),
        Misuse::ThresholdsReversed {
            what,
            critical,
            warn,
        } => format!(
            "`--critical-{what} {critical}` is above `--warn-{what} {warn}`: the critical threshold must be the stricter one"
        ),
        Misuse::UnknownFindingCode { given, code } => format!(
            "`--ignore {given}`: `{code}` is not a finding's code (codes: {})",
            FindingCode::ALL
                .iter()
                .map(|c| c.slug())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A `check` finding as the command line says it: its message, with the command that acts on
/// it where there is one.
pub fn finding(f: &Finding) -> String {
    let message = &f.message;
    match (f.code, &f.benefit) {
        (FindingCode::BenefitNotActivated, Some(b)) => {
            format!("{message} (`partner-support activate {b}`)")
        }
        (FindingCode::RefundCandidate, _) => match &f.incident {
            Some(id) => format!(
                "{message} (`partner-support incidents refund {id} --reason other` when Microsoft does; `partner-support incidents not-refunded {id}` if it does not)"
            ),
            None => message.clone(),
        },
        (FindingCode::MergeConflict, _) => match f.conflict {
            Some(kind) => format!(
                "{message} ({})",
                conflict_fixes(kind, f.incident.as_deref())
            ),
            None => message.clone(),
        },
        (FindingCode::BalanceDiffers, _) => match &f.contract {
            Some(c) => format!(
                "{message} (`partner-support contract reconcile {c}` names the likely causes)"
            ),
            None => message.clone(),
        },
        (FindingCode::NoMembership, _) if message == NO_OFFER_RECORDED => {
            format!("{message} (`partner-support offer add`)")
        }
        (FindingCode::MembershipEnded, _) => {
            format!("{message} (`partner-support offer add` for the next year)")
        }
        (FindingCode::MembershipEnding, _) if f.severity > crate::domain::check::Severity::Info => {
            match &f.offer {
                Some(offer) => format!("{message} (`partner-support offer renew {offer}`)"),
                None => message.clone(),
            }
        }
        _ => message.clone(),
    }
}

/// What puts right an open conflict a merge kept (R23), by what it is about; `incident` is the
/// incident it names.
pub fn conflict_fixes(kind: ConflictKind, incident: Option<&str>) -> String {
    match (kind, incident) {
        (ConflictKind::Exhausted | ConflictKind::Rule, Some(id)) => format!(
            "move it: `partner-support incidents edit {id} --contract C`; void it: `partner-support incidents void {id} --reason TEXT`; or, if Microsoft did charge it, `partner-support team resolve {id} --reason TEXT`"
        ),
        (ConflictKind::SameAccessId, _) => "correct the Access ID of the one Partner Center does not show under it: `partner-support contract edit C --access-id ID`; or remove it: `partner-support contract remove C`".to_string(),
        _ => "keep the one Partner Center shows: `partner-support contract remove C` for the other".to_string(),
    }
}

/// A calendar entry's description, with the command for its next step.
pub fn due(d: &DueDay) -> String {
    let said = d.description.trim_end_matches('.');
    match &d.next {
        None => d.description.clone(),
        Some(NextStep::RenewOffer(offer)) => {
            format!("{said} (`partner-support offer renew {offer}`).")
        }
        Some(NextStep::RecordActivation(benefit)) => format!(
            "{said}, then `partner-support activate {benefit} --access-id … --contract-id …`."
        ),
    }
}

/// Why the N-1 policy was not checked, with where to look when the product is not known.
pub fn unchecked(u: &Unchecked) -> String {
    match u {
        Unchecked::Unknown { nearest, .. } if nearest.is_empty() => {
            format!("{u} (`partner-support products list` shows the table)")
        }
        _ => u.to_string(),
    }
}

fn list(accounts: &[Email]) -> String {
    accounts
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// How the command line names an option's value: the options of the catalogs shipped with the
/// tool have a flag of their own; any other is `--option`.
pub fn option_flag(option: &str) -> String {
    match option {
        "competency" | "solution-area" => format!("--{option}"),
        _ => "--option".to_string(),
    }
}

/// How the command line names a category: `--cloud` and `--other` for the two the programs
/// use, else `--category NAME`.
pub fn category_flag(category: &str) -> String {
    match category {
        "cloud" | "other" => format!("--{category}"),
        _ => format!("--category {category}"),
    }
}

/// What the user can do about a refusal, when there is something.
pub fn refusal(r: &Refusal) -> Option<String> {
    Some(match r {
            Refusal::NotAuthorized { holders, .. } => match holders.first() {
                Some(first) => format!(
                    "accounts holding the role: {}; rerun with `--as {first}`",
                    list(holders)
                ),
                None => "no account holds the role; add one with `partner-support account add EMAIL --role global-admin`".into(),
            },
            Refusal::CspOnly { others, .. } => match others.first() {
                Some(first) => format!(
                    "you must use an MPN-associated account, such as {}; rerun with `--as {first}`",
                    list(others)
                ),
                None => "you must use an MPN-associated account; add one with `partner-support account add EMAIL --role mpn-partner-admin`".into(),
            },
            Refusal::NotAdminAgent { holders, .. } => match holders.first() {
                Some(first) => format!(
                    "accounts holding admin-agent: {}; rerun with `--as {first}`",
                    list(holders)
                ),
                None => "no account holds admin-agent; add one with `partner-support account add EMAIL --role admin-agent`".into(),
            },
            Refusal::NotInitialized => {
                "run `partner-support init --partner-id ID --name NAME` first".into()
            }
            Refusal::AlreadyInitialized { .. } => {
                "use `--state PATH` to keep another organization in another file".into()
            }
            Refusal::UnknownAccount(_) => {
                "add it with `partner-support account add EMAIL --role ROLE`, or see `partner-support account list`".into()
            }
            Refusal::UnknownOffer { known, .. } if known.is_empty() => {
                "there are no offers; add one with `partner-support offer add`".into()
            }
            Refusal::UnknownOffer { known, .. } => format!("offers: {}", known.join(", ")),
            Refusal::UnknownBenefit { known, .. } if known.is_empty() => {
                "no active offer yields benefits; add one with `partner-support offer add`".into()
            }
            Refusal::UnknownBenefit { known, .. } => format!("benefits: {}", known.join(", ")),
            Refusal::AmbiguousPlan { contracts, .. } => format!(
                "`--contract {}` says which takes it (or correct the contracts' dates: `partner-support contract edit`)",
                contracts.first().map_or("C", String::as_str)
            ),
            Refusal::AmbiguousBenefit { candidates, .. } => {
                format!("name one in full, for example `{}`", candidates[0])
            }
            Refusal::NoObservation(contract) => format!(
                "give the count Partner Center shows: `partner-support contract reconcile {contract} --left N`"
            ),
            Refusal::AlreadyDeclined { benefit, .. } => format!(
                "`partner-support activate {benefit}` withdraws the decline"
            ),
            Refusal::AlreadyPending { .. } => "when Partner Center shows the Access ID and Contract ID, record them with `--access-id A --contract-id C`".into(),
            Refusal::AlreadyActive { contract, .. } => {
                format!("see `partner-support contract show {contract}`")
            }
            Refusal::UnknownContract(_) => "see `partner-support contract list --all`".into(),
            Refusal::ContractInUse { .. } => "move its incidents to the contract that should have them first (`partner-support incidents edit ID --contract C`); a count Partner Center showed stays with its contract".into(),
            Refusal::UnknownIncident(_) => "see `partner-support incidents list --all`".into(),
            Refusal::LastAdmin(_) => "add another admin first (`partner-support account add EMAIL --role global-admin`), or pass `--force` to remove it all the same".into(),
            Refusal::ProductNotEntitled { entitled, .. } => match entitled.as_slice() {
                [] => "no version of this product is entitled that day: a paid plan (`contract add --plan premier`) may still cover it".into(),
                versions => format!(
                    "entitled that day: {}; `partner-support products list` shows the table",
                    versions.join(", ")
                ),
            },
            Refusal::AllocatedThisYear { year, .. } => format!(
                "the next allocation comes with the next membership year, from {} (`partner-support offer renew` adds it); a re-issued Access ID is `partner-support contract edit C --access-id A`",
                year.end.succ_opt().unwrap_or(year.end)
            ),
            Refusal::OutsideYear { year, .. } => format!("pass a `--start` from {} to {}", year.start, year.end),
            Refusal::DuplicateOffer(name) => format!(
                "for its next membership year: `partner-support offer renew {name} [--start D] [--end D]` (earlier years and their contracts stay)"
            ),
            Refusal::UsableInstead { contract, .. } => format!(
                "contract `{contract}` covers these products and is usable today: pass `--contract {contract}`, or leave out `--contract`"
            ),
            Refusal::PlanExpired { .. } | Refusal::PlanExhausted { .. } => {
                "a new support plan is needed: renew the benefit with `partner-support activate`, or add a paid plan with `partner-support contract add`".into()
            }
            Refusal::WrongScope { .. } => {
                "choose a contract that covers these products, or leave out `--contract`".into()
            }
            Refusal::NotStarted { .. } => {
                "use another contract, or wait until it starts".into()
            }
            Refusal::ActivationPending { .. } => "allow a few days; when Partner Center shows the Access ID and Contract ID, record them with `partner-support activate BENEFIT --access-id A --contract-id C`".into(),
            Refusal::NoPlan { not_activated, .. } if !not_activated.is_empty() => format!(
                "{} is not activated yet: run `partner-support activate {}`",
                not_activated.join(", "),
                not_activated[0]
            ),
            Refusal::NoPlan { scope, .. } => format!(
                "add a membership offer that includes it, or a paid plan with `partner-support contract add --scope {}`",
                scope.slug()
            ),
            Refusal::NoCloudBenefit { remedy, .. } => format!("cloud support needs {remedy}, or a paid plan such as Advanced Support for Partners (`partner-support contract add --plan advanced`)"),
            Refusal::LinkUnavailable { .. } => "a new support plan is needed to get support incidents".into(),
            Refusal::NotCharged(_) => "requests under the \"Cloud Solution Provider\" plan are free".into(),
            Refusal::EndBeforeStart { .. } => "pass an `--end` on or after `--start`".into(),
            Refusal::UnknownOption { categories, .. } if categories.is_empty() => {
                "name it as Partner Center does (`partner-support catalog show` lists the values)".into()
            }
            Refusal::UnknownOption { categories, .. } => format!(
                "name it as Partner Center does, or pass {} to keep a name the catalog does not list",
                categories
                    .iter()
                    .map(|c| format!("`{}`", category_flag(c)))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            Refusal::CatalogDoesNotFit(_) => "remove the offers it does not have first (`partner-support offer remove NAME`; their contracts stay), or use a catalog that has them".into(),
            Refusal::UnknownOfferKind { .. } => {
                "`partner-support catalog show` lists the catalog's offers".into()
            }
            Refusal::DatedBefore { then, .. } => {
                format!("a change is dated `--as-of` (today by default): use {then} or later")
            }
            // An imported ticket's refusal is the rule's, with how to place the ticket: the
            // contract its plan names is the import's choice, never one given to leave out.
            Refusal::TicketRefused { refusal: inner, .. } => {
                let nothing = "nothing was imported";
                let placed = "`--contract C` charges to C the tickets whose plan names no contract, or one that cannot take them";
                match inner.as_ref() {
                    Refusal::OpenedAfterToday { opened_on, .. } => format!(
                        "the import is dated `--as-of` (today by default): a ticket of {opened_on} (UTC) is imported from {} on; {nothing}",
                        opened_on.pred_opt().unwrap_or(*opened_on)
                    ),
                    Refusal::UsableInstead { contract, .. } => format!(
                        "contract `{contract}` covers these products and is usable that day: pass `--contract {contract}`; {nothing}"
                    ),
                    Refusal::WrongScope { .. } => format!(
                        "{placed}: name one that covers these products; {nothing}"
                    ),
                    _ => match refusal(inner) {
                        Some(hint) => format!("{hint}; {placed}; {nothing}"),
                        None => format!("{placed}; {nothing}"),
                    },
                }
            }
            _ => return None,
        })
}
