//! The JSON shapes scripts rely on (documented in the README): snake_case fields, dates as
//! `YYYY-MM-DD`, counts as numbers, unlimited allowances as `"unlimited": true` with null counts.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::account::Account;
use crate::domain::activation::{BenefitState, BenefitView};
use crate::domain::catalog::{Catalog, Validity};
use crate::domain::check::{Finding, Severity};
use crate::domain::contract::Allowance;
use crate::domain::forecast::Forecast;
use crate::domain::incident::{CSP_PLAN, Incident};
use crate::domain::lifecycle::{LifecycleDate, ProductVersion, Verdict};
use crate::domain::offer::Offer;
use crate::domain::offer::Year;
use crate::domain::state::{ContractView, HistoryEntry, Lapsed, Organization, ScopeTotal, Totals};
use crate::domain::values::ymd;

use super::access_id;

/// An organization.
#[derive(Debug, Serialize)]
pub struct OrganizationJson {
    pub partner_id: String,
    pub name: String,
}

impl From<&Organization> for OrganizationJson {
    fn from(o: &Organization) -> Self {
        OrganizationJson {
            partner_id: o.partner_id.to_string(),
            name: o.name.to_string(),
        }
    }
}

/// An account.
#[derive(Debug, Serialize)]
pub struct AccountJson {
    pub email: String,
    pub kind: &'static str,
    pub roles: Vec<&'static str>,
    pub csp_only: bool,
    pub current: bool,
}

impl AccountJson {
    /// `current` says whether it is the current account.
    pub fn new(a: &Account, current: bool) -> Self {
        AccountJson {
            email: a.email.to_string(),
            kind: a.kind.slug(),
            roles: a.roles.iter().map(|r| r.slug()).collect(),
            csp_only: a.csp_only,
            current,
        }
    }
}

/// An offer.
#[derive(Debug, Serialize)]
pub struct OfferJson {
    pub name: String,
    pub offer: String,
    pub title: String,
    pub option: Option<String>,
    pub value: Option<String>,
    pub category: Option<String>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub active: bool,
    pub year: Option<YearJson>,
    pub years: Vec<YearJson>,
    pub benefits: Vec<String>,
}

/// A membership year.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct YearJson {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl From<Year> for YearJson {
    fn from(y: Year) -> Self {
        YearJson {
            start: y.start,
            end: y.end,
        }
    }
}

impl OfferJson {
    /// The offer as of `today`, named as `catalog` names it.
    pub fn new(o: &Offer, catalog: &Catalog, today: NaiveDate) -> Self {
        let kind = catalog.offer(&o.kind);
        OfferJson {
            name: o.name(),
            offer: o.kind.clone(),
            title: kind.map_or_else(|| o.kind.clone(), |k| k.title.clone()),
            option: kind.and_then(|k| k.option.clone()),
            value: o.option.as_ref().map(|c| c.name.to_string()),
            category: o.category().map(String::from),
            start: o.start(),
            end: o.end(),
            active: o.is_active(today),
            year: o.year_on(today).map(YearJson::from),
            years: o.all_years(today).into_iter().map(YearJson::from).collect(),
            benefits: o.benefits(catalog).into_iter().map(|(n, _)| n).collect(),
        }
    }
}

fn counts(a: Allowance) -> (bool, Option<u32>) {
    match a {
        Allowance::Incidents(n) => (false, Some(n)),
        Allowance::Unlimited => (true, None),
    }
}

/// A benefit on the benefits page.
#[derive(Debug, Serialize)]
pub struct BenefitJson {
    pub name: String,
    pub offer: String,
    pub benefit: String,
    pub title: String,
    pub plan: String,
    pub scope: &'static str,
    pub unlimited: bool,
    pub allowance: Option<u32>,
    pub status: &'static str,
    pub pending_since: Option<NaiveDate>,
    pub requested_by: Option<String>,
    pub contract_id: Option<String>,
    pub year: YearJson,
}

impl From<&BenefitView<'_>> for BenefitJson {
    fn from(b: &BenefitView<'_>) -> Self {
        let (unlimited, allowance) = counts(b.entitlement.allowance);
        let (pending_since, requested_by) = match &b.state {
            BenefitState::Pending { since, by } => {
                (Some(*since), by.as_ref().map(|e| e.to_string()))
            }
            _ => (None, None),
        };
        let contract_id = match &b.state {
            BenefitState::Active { contract } | BenefitState::Lapsed { contract, .. } => {
                Some(contract.clone())
            }
            _ => None,
        };
        BenefitJson {
            name: b.name.clone(),
            offer: b.offer.name(),
            benefit: b.entitlement.kind.id.clone(),
            title: b.entitlement.kind.title.clone(),
            plan: b.entitlement.plan.to_string(),
            scope: b.entitlement.coverage.slug(),
            unlimited,
            allowance,
            status: b.state.slug(),
            pending_since,
            requested_by,
            contract_id,
            year: b.year.into(),
        }
    }
}

/// A contract with its derived balance and status.
#[derive(Debug, Serialize)]
pub struct ContractJson {
    pub contract_id: String,
    pub access_id: String,
    pub plan: String,
    pub kind: &'static str,
    pub benefit: Option<String>,
    pub scope: &'static str,
    pub unlimited: bool,
    pub allowance: Option<u32>,
    pub charged: u32,
    pub refunded: u32,
    pub used: u32,
    pub remaining: Option<u32>,
    pub lapsed: Option<u32>,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub days_left: i64,
    pub starts_in_days: Option<i64>,
    pub status: &'static str,
    pub reason: Option<String>,
    pub linked_accounts: Vec<String>,
    pub recorded_on: Option<NaiveDate>,
    /// R18, for a benefit's contract in a list: the membership year it was allocated for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<YearJson>,
    /// R20, for an active limited contract in a document that forecasts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast: Option<ForecastJson>,
}

/// A contract's forecast (R20).
#[derive(Debug, Serialize)]
pub struct ForecastJson {
    pub rate_per_30_days: f64,
    pub runs_out_on: Option<NaiveDate>,
}

impl ContractJson {
    /// With the membership year it was allocated for, when it is a benefit's.
    pub fn with_year(mut self, year: Option<Year>) -> Self {
        self.year = year.map(YearJson::from);
        self
    }

    /// With its forecast, when it has one.
    pub fn with_forecast(mut self, forecast: Option<&Forecast>) -> Self {
        self.forecast = forecast.map(|f| ForecastJson {
            rate_per_30_days: f.rate_per_30_days,
            runs_out_on: f.runs_out_on,
        });
        self
    }
}

impl ContractJson {
    /// The contract, its Access ID masked unless `reveal`.
    pub fn new(v: &ContractView<'_>, reveal: bool) -> Self {
        let c = v.contract;
        let (unlimited, allowance) = counts(c.allowance);
        ContractJson {
            contract_id: c.contract_id.to_string(),
            access_id: access_id(&c.access_id, reveal),
            plan: c.plan.to_string(),
            kind: c.kind.slug(),
            benefit: c.benefit.clone(),
            scope: c.coverage.slug(),
            unlimited,
            allowance,
            charged: v.usage.charged,
            refunded: v.usage.refunded,
            used: v.usage.used(),
            remaining: v.remaining,
            lapsed: v.lapsed(),
            start: c.start,
            end: c.end,
            days_left: v.days_left,
            starts_in_days: v.starts_in_days(),
            status: v.status.slug(),
            reason: v.reason(),
            linked_accounts: c.linked_accounts.iter().map(|e| e.to_string()).collect(),
            recorded_on: c.recorded_on,
            year: None,
            forecast: None,
        }
    }
}

/// An incident, borrowing its text from the incident (lists can be long).
#[derive(Debug, Serialize)]
pub struct IncidentJson<'a> {
    pub id: String,
    pub scope: &'static str,
    pub title: &'a str,
    pub product: Option<&'a str>,
    pub case_number: Option<&'a str>,
    pub contract_id: Option<&'a str>,
    pub plan: Option<&'a str>,
    pub csp_customer: Option<&'a str>,
    #[serde(serialize_with = "ymd::serialize")]
    pub opened_on: NaiveDate,
    pub opened_by: Option<&'a str>,
    pub status: &'static str,
    #[serde(serialize_with = "ymd::option::serialize")]
    pub closed_on: Option<NaiveDate>,
    pub refunded: bool,
    pub refund: Option<NoteJson<'a>>,
    pub voided: bool,
    pub void: Option<NoteJson<'a>>,
}

/// A refund or a void: when, why and who.
#[derive(Debug, Serialize)]
pub struct NoteJson<'a> {
    #[serde(serialize_with = "ymd::serialize")]
    pub on: NaiveDate,
    pub reason: &'a str,
    pub by: Option<&'a str>,
}

impl<'a> IncidentJson<'a> {
    /// The incident; `plan` is its contract's plan name, if it has one.
    pub fn new(i: &'a Incident, plan: Option<&'a str>) -> Self {
        IncidentJson {
            id: i.id.to_string(),
            scope: i.scope.slug(),
            title: i.title.as_str(),
            product: i.product.as_ref().map(|p| p.as_str()),
            case_number: i.case_number.as_ref().map(|c| c.as_str()),
            contract_id: i.contract_id.as_ref().map(|c| c.as_str()),
            plan: if i.csp_customer.is_some() {
                Some(CSP_PLAN)
            } else {
                plan
            },
            csp_customer: i.csp_customer.as_ref().map(|c| c.as_str()),
            opened_on: i.opened_on,
            opened_by: i.opened_by.as_ref().map(|e| e.as_str()),
            status: match (&i.void, i.closed_on) {
                (Some(_), _) => "voided",
                (None, Some(_)) => "closed",
                (None, None) => "open",
            },
            closed_on: i.closed_on,
            refunded: i.refund.is_some(),
            refund: i.refund.as_ref().map(|r| NoteJson {
                on: r.on,
                reason: r.reason.slug(),
                by: r.by.as_ref().map(|e| e.as_str()),
            }),
            voided: i.void.is_some(),
            void: i.void.as_ref().map(|v| NoteJson {
                on: v.on,
                reason: v.reason.as_str(),
                by: v.by.as_ref().map(|e| e.as_str()),
            }),
        }
    }
}

/// A note or warning on stderr under `--json`, as `{"warning": {...}}` or `{"note": {...}}`.
#[derive(Debug, Serialize)]
pub struct MessageJson<'a> {
    pub message: &'a str,
    pub hint: Option<&'a str>,
}

/// A line on stderr under `--json` other than the failure: `{"warning": {...}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StderrJson<'a> {
    Note(MessageJson<'a>),
    Warning(MessageJson<'a>),
}

/// A failure on stderr under `--json`: `{"error": {...}}`, the last line written.
#[derive(Debug, Serialize)]
pub struct ErrorJson<'a> {
    pub error: ErrorBodyJson<'a>,
}

/// What failed: the message and hint a person would read, the exit code, and a stable slug of
/// what kind of failure it is (`plan-exhausted`, `locked`, `usage`).
#[derive(Debug, Serialize)]
pub struct ErrorBodyJson<'a> {
    pub message: &'a str,
    pub hint: Option<&'a str>,
    pub exit_code: i32,
    pub kind: &'a str,
}

/// A dashboard warning.
#[derive(Debug, Serialize)]
pub struct WarningJson {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub contract_id: Option<String>,
    pub benefit: Option<String>,
}

impl From<&Finding> for WarningJson {
    fn from(f: &Finding) -> Self {
        WarningJson {
            severity: f.severity,
            code: f.code,
            message: f.message.clone(),
            contract_id: f.contract.clone(),
            benefit: f.benefit.clone(),
        }
    }
}

/// One profile as listed.
#[derive(Debug, Serialize)]
pub struct ProfileJson {
    /// `default` for the state outside any profile.
    pub name: String,
    /// The organization it holds (`null` before `init` or when it cannot be read).
    pub organization: Option<String>,
    /// Its state file.
    pub path: String,
    /// Whether `--profile` (or its absence) selects it.
    pub current: bool,
}

/// `account list --json`.
#[derive(Serialize)]
pub struct AccountsJson {
    pub accounts: Vec<AccountJson>,
}

/// `benefits --json`.
#[derive(Serialize)]
pub struct BenefitsJson {
    pub as_of: NaiveDate,
    pub benefits: Vec<BenefitJson>,
    pub message: Option<String>,
}

/// `activate --json`: the benefit, and the contract once active.
#[derive(Serialize)]
pub struct ActivatedJson {
    pub benefit: BenefitJson,
    pub contract: Option<ContractJson>,
}

/// `contract list --json`.
#[derive(Serialize)]
pub struct ContractsJson {
    pub as_of: NaiveDate,
    pub contracts: Vec<ContractJson>,
}

/// `contract show --json`: the contract and its incidents.
#[derive(Serialize)]
pub struct ContractShownJson<'a> {
    #[serde(flatten)]
    pub contract: ContractJson,
    pub incidents: Vec<IncidentJson<'a>>,
}

/// `contract link --json`.
#[derive(Serialize)]
pub struct LinkedJson {
    pub account: String,
    pub already_linked: bool,
    pub contract: ContractJson,
}

/// `history --json`.
#[derive(Serialize)]
pub struct HistoryJson {
    pub entries: Vec<HistoryEntry>,
}

/// `incidents open --json`: the incident and the contract it charged.
#[derive(Serialize)]
pub struct OpenedJson<'a> {
    #[serde(flatten)]
    pub incident: IncidentJson<'a>,
    pub contract: Option<ContractJson>,
}

/// `incidents list --json`.
#[derive(Serialize)]
pub struct IncidentsJson<'a> {
    pub incidents: Vec<IncidentJson<'a>>,
}

/// `incidents remaining --json`.
#[derive(Serialize)]
pub struct RemainingJson {
    pub as_of: NaiveDate,
    pub contracts: Vec<ContractJson>,
    pub totals: Totals,
    pub by_scope: Vec<ScopeTotalJson>,
    pub lapsed_by_year: Vec<LapsedJson>,
}

/// What lapsed unused in one year (R19).
#[derive(Debug, Serialize)]
pub struct LapsedJson {
    pub year: i32,
    pub incidents: u32,
    pub contracts: Vec<LapsedContractJson>,
}

/// One contract's lapsed incidents.
#[derive(Debug, Serialize)]
pub struct LapsedContractJson {
    pub contract_id: String,
    pub incidents: u32,
}

impl LapsedJson {
    /// One year's.
    pub fn new(l: &Lapsed) -> Self {
        LapsedJson {
            year: l.year,
            incidents: l.incidents,
            contracts: l
                .contracts
                .iter()
                .map(|(id, n)| LapsedContractJson {
                    contract_id: id.clone(),
                    incidents: *n,
                })
                .collect(),
        }
    }
}

/// What one scope has to spend today.
#[derive(Debug, Serialize)]
pub struct ScopeTotalJson {
    pub scope: &'static str,
    pub left: u32,
    pub contracts: usize,
    pub next_end: Option<NaiveDate>,
    pub unlimited: bool,
    pub unlimited_until: Option<NaiveDate>,
}

impl ScopeTotalJson {
    /// One scope's total.
    pub fn new(t: &ScopeTotal) -> Self {
        ScopeTotalJson {
            scope: t.scope.slug(),
            left: t.left,
            contracts: t.contracts,
            next_end: t.next_end,
            unlimited: t.unlimited_until.is_some(),
            unlimited_until: t.unlimited_until,
        }
    }
}

/// `offer list --json`.
#[derive(Serialize)]
pub struct OffersJson {
    pub offers: Vec<OfferJson>,
}

/// `profile list --json`.
#[derive(Serialize)]
pub struct ProfilesJson {
    pub profiles: Vec<ProfileJson>,
}

/// `status --json`: the dashboard.
#[derive(Serialize)]
pub struct StatusJson {
    pub as_of: NaiveDate,
    pub organization: Option<OrganizationJson>,
    pub catalog: CatalogNameJson,
    pub account: Option<AccountJson>,
    pub contracts: Vec<ContractJson>,
    pub warnings: Vec<WarningJson>,
}

/// `products list --json`.
#[derive(Debug, Serialize)]
pub struct ProductsJson<'a> {
    pub as_of: NaiveDate,
    pub products: Vec<ProductJson<'a>>,
}

/// One product version of the lifecycle table, with its verdict on the day.
#[derive(Debug, Serialize)]
pub struct ProductJson<'a> {
    pub product_id: &'a str,
    pub family: &'a str,
    pub product: &'a str,
    pub policy: &'a str,
    pub start: Option<NaiveDate>,
    pub mainstream_end: Option<NaiveDate>,
    pub extended_end: Option<NaiveDate>,
    pub status: &'a str,
    pub verified: bool,
    pub source: &'a str,
    pub entitled: bool,
    pub reason: Option<String>,
}

impl<'a> ProductJson<'a> {
    /// `v`, judged `verdict`.
    pub fn new(v: &'a ProductVersion, verdict: &Verdict) -> Self {
        let day = |d: LifecycleDate| match d {
            LifecycleDate::Day(d) => Some(d),
            _ => None,
        };
        ProductJson {
            product_id: &v.product_id,
            family: &v.family,
            product: &v.product,
            policy: &v.policy,
            start: day(v.start),
            mainstream_end: day(v.mainstream_end),
            extended_end: day(v.extended_end),
            status: &v.status,
            verified: v.is_verified(),
            source: &v.source,
            entitled: verdict.is_entitled(),
            reason: verdict.reason(),
        }
    }
}

/// What `undo` did.
#[derive(Debug, Serialize)]
pub struct UndoneJson<'a> {
    /// The change undone.
    pub undone: &'a HistoryEntry,
    /// The revision the undo was recorded as.
    pub revision: u64,
}

impl<'a> UndoneJson<'a> {
    /// `undone`, put back as `revision`.
    pub fn new(undone: &'a HistoryEntry, revision: u64) -> Self {
        UndoneJson { undone, revision }
    }
}

/// A catalog: its offers, the benefits each yields with the source of every figure, and the
/// options offers are taken with.
#[derive(Debug, Serialize)]
pub struct CatalogJson {
    pub name: String,
    pub title: String,
    pub version: String,
    pub built_in: bool,
    pub note: Option<String>,
    pub source: Option<String>,
    pub offers: Vec<CatalogOfferJson>,
    pub benefits: Vec<CatalogBenefitJson>,
    pub options: Vec<CatalogOptionJson>,
}

/// An offer of a catalog.
#[derive(Debug, Serialize)]
pub struct CatalogOfferJson {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub option: Option<String>,
    pub benefits: Vec<GrantJson>,
}

/// One benefit an offer of a catalog yields.
#[derive(Debug, Serialize)]
pub struct GrantJson {
    pub benefit: String,
    pub category: Option<String>,
    pub scope: &'static str,
    pub unlimited: bool,
    pub allowance: Option<u32>,
    pub plan: String,
    pub former_plans: Vec<String>,
    pub validity: ValidityJson,
    pub n_minus_one: bool,
    pub source: String,
}

/// How long an allocation lasts.
#[derive(Debug, Serialize)]
pub struct ValidityJson {
    pub months: u32,
    pub from: &'static str,
}

impl From<Validity> for ValidityJson {
    fn from(v: Validity) -> Self {
        match v {
            Validity::FromActivation(months) => ValidityJson {
                months,
                from: "activation",
            },
            Validity::FromYearStart(months) => ValidityJson {
                months,
                from: "year-start",
            },
        }
    }
}

/// A benefit a catalog defines.
#[derive(Debug, Serialize)]
pub struct CatalogBenefitJson {
    pub id: String,
    pub title: String,
    pub aliases: Vec<String>,
    pub scope: &'static str,
    pub n_minus_one: bool,
}

/// An option a catalog's offers are taken with.
#[derive(Debug, Serialize)]
pub struct CatalogOptionJson {
    pub id: String,
    pub categories: Vec<String>,
    pub open: bool,
    pub values: Vec<OptionValueJson>,
}

/// A value of an option.
#[derive(Debug, Serialize)]
pub struct OptionValueJson {
    pub name: String,
    pub category: Option<String>,
}

impl From<&Catalog> for CatalogJson {
    fn from(c: &Catalog) -> Self {
        let offers = c
            .offers
            .iter()
            .map(|o| CatalogOfferJson {
                id: o.id.clone(),
                title: o.title.clone(),
                kind: o.kind.clone(),
                option: o.option.clone(),
                benefits: o
                    .grants
                    .iter()
                    .map(|g| {
                        let kind = c.benefit(&g.benefit);
                        let (unlimited, allowance) = counts(g.allowance);
                        GrantJson {
                            benefit: g.benefit.clone(),
                            category: g.category.clone(),
                            scope: kind.map_or("both", |k| k.coverage.slug()),
                            unlimited,
                            allowance,
                            plan: g.plan.clone(),
                            former_plans: g.former_plans.clone(),
                            validity: g.validity.into(),
                            n_minus_one: kind.is_none_or(|k| k.n_minus_one),
                            source: g.source.clone(),
                        }
                    })
                    .collect(),
            })
            .collect();
        CatalogJson {
            name: c.name.clone(),
            title: c.title.clone(),
            version: c.version.clone(),
            built_in: c.copy.is_none(),
            note: c.note.clone(),
            source: c.source.clone(),
            offers,
            benefits: c
                .benefits
                .iter()
                .map(|b| CatalogBenefitJson {
                    id: b.id.clone(),
                    title: b.title.clone(),
                    aliases: b.aliases.clone(),
                    scope: b.coverage.slug(),
                    n_minus_one: b.n_minus_one,
                })
                .collect(),
            options: c
                .options
                .iter()
                .map(|o| CatalogOptionJson {
                    id: o.id.clone(),
                    categories: o.categories.clone(),
                    open: o.open,
                    values: o
                        .values
                        .iter()
                        .map(|(name, category)| OptionValueJson {
                            name: name.clone(),
                            category: category.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The catalogs `catalog list` knows.
#[derive(Debug, Serialize)]
pub struct CatalogsJson {
    pub catalogs: Vec<CatalogEntryJson>,
}

/// One catalog of `catalog list`.
#[derive(Debug, Serialize)]
pub struct CatalogEntryJson {
    pub name: String,
    pub version: String,
    pub title: String,
    pub built_in: bool,
    pub offers: Vec<String>,
    pub in_use: bool,
}

impl CatalogsJson {
    /// `catalogs`, marking the one `in_use`.
    pub fn new(catalogs: &[Catalog], in_use: &Catalog) -> Self {
        CatalogsJson {
            catalogs: catalogs
                .iter()
                .map(|c| CatalogEntryJson {
                    name: c.name.clone(),
                    version: c.version.clone(),
                    title: c.title.clone(),
                    built_in: c.copy.is_none(),
                    offers: c.offers.iter().map(|o| o.id.clone()).collect(),
                    in_use: c == in_use,
                })
                .collect(),
        }
    }
}

/// What `catalog check` found.
#[derive(Debug, Serialize)]
pub struct CatalogCheckJson {
    pub file: String,
    pub ok: bool,
    pub name: Option<String>,
    pub version: Option<String>,
    pub problems: Vec<CatalogProblemJson>,
}

/// One problem of a catalog file.
#[derive(Debug, Serialize)]
pub struct CatalogProblemJson {
    pub line: usize,
    pub message: String,
}

impl CatalogCheckJson {
    /// The result of checking `file`.
    pub fn new(
        file: &std::path::Path,
        result: &Result<Catalog, Vec<crate::store::catalog::CatalogProblem>>,
    ) -> Self {
        let (name, version, problems) = match result {
            Ok(c) => (Some(c.name.clone()), Some(c.version.clone()), Vec::new()),
            Err(problems) => (
                None,
                None,
                problems
                    .iter()
                    .map(|p| CatalogProblemJson {
                        line: p.line,
                        message: p.message.clone(),
                    })
                    .collect(),
            ),
        };
        CatalogCheckJson {
            file: file.display().to_string(),
            ok: problems.is_empty(),
            name,
            version,
            problems,
        }
    }
}

/// Which catalog a state uses.
#[derive(Debug, Serialize)]
pub struct CatalogNameJson {
    pub name: String,
    pub version: String,
    pub title: String,
}

impl From<&Catalog> for CatalogNameJson {
    fn from(c: &Catalog) -> Self {
        CatalogNameJson {
            name: c.name.clone(),
            version: c.version.clone(),
            title: c.title.clone(),
        }
    }
}

/// `import --from azure-tickets --json`: what became of each ticket, oldest first.
#[derive(Debug, Serialize)]
pub struct TicketsJson {
    pub tickets: Vec<TicketJson>,
    pub charged: usize,
    pub duplicates: usize,
    pub skipped: usize,
}

/// One ticket: `outcome` is `charged`, `duplicate` or `skipped`; `incident` is the new one, or
/// the one that already had its case number.
#[derive(Debug, Serialize)]
pub struct TicketJson {
    pub case: String,
    pub title: String,
    pub opened_on: chrono::NaiveDate,
    pub closed_on: Option<chrono::NaiveDate>,
    pub plan: Option<String>,
    pub outcome: &'static str,
    pub incident: Option<String>,
    pub contract: Option<String>,
    pub may_be_refunded: bool,
}

impl TicketsJson {
    /// The document of `outcomes`.
    pub fn of(outcomes: &[crate::domain::tickets::TicketOutcome]) -> TicketsJson {
        use crate::domain::tickets::Fate;
        let tickets: Vec<TicketJson> = outcomes
            .iter()
            .map(|o| {
                let t = &o.ticket;
                let (outcome, incident, contract) = match &o.fate {
                    Fate::Charged { incident, contract } => (
                        "charged",
                        Some(incident.to_string()),
                        Some(contract.to_string()),
                    ),
                    Fate::Duplicate { incident } => ("duplicate", Some(incident.to_string()), None),
                    Fate::Skipped => ("skipped", None, None),
                };
                TicketJson {
                    case: t.case.to_string(),
                    title: t.title.to_string(),
                    opened_on: t.opened_on,
                    closed_on: t.closed_on,
                    plan: t.plan.clone(),
                    outcome,
                    incident,
                    contract,
                    may_be_refunded: t.may_be_refunded(),
                }
            })
            .collect();
        let count = |o: &str| tickets.iter().filter(|t| t.outcome == o).count();
        TicketsJson {
            charged: count("charged"),
            duplicates: count("duplicate"),
            skipped: count("skipped"),
            tickets,
        }
    }
}
