//! A partner program's catalog as plain data: its offers, the option each takes (a competency, a
//! solution area), and the benefits each yields with allowance, scope, plan name, validity and
//! the N-1 policy. The catalogs themselves are files (`catalogs/`, `docs/catalog.md`).

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::contract::{Allowance, Coverage, default_end};
use super::offer::{Offer, Year};
use super::refusal::Refusal;
use super::state::State;

/// A program's catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Its name (`mpn-2021`), recorded in the state.
    pub name: String,
    /// The program's name, as shown.
    pub title: String,
    /// Which edition of the catalog (`2021.1`): a state can move to a newer one.
    pub version: String,
    /// What a reader should know of its figures ("confirm against Partner Center").
    pub note: Option<String>,
    /// Where the catalog as a whole comes from.
    pub source: Option<String>,
    /// The last day Microsoft sold the program's offers, for a retired program: a year of one
    /// of them starting later is recorded as given, with a note.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::values::ymd::option"
    )]
    pub sold_until: Option<NaiveDate>,
    /// The options its offers take.
    pub options: Vec<OptionKind>,
    /// The benefits its offers yield.
    pub benefits: Vec<BenefitKind>,
    /// Its offers, in the catalog's order.
    pub offers: Vec<OfferKind>,
    /// The text of the file it was read from, for a catalog that is not built in: the state
    /// keeps it, so that it stays readable when the file moves.
    #[serde(skip)]
    pub copy: Option<String>,
}

/// An option an offer is taken with: a competency of the legacy program, a solution area.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionKind {
    /// Its name (`competency`), as in messages and `--competency`.
    pub id: String,
    /// Its known values, each with its category when the option has categories.
    pub values: Vec<(String, Option<String>)>,
    /// The categories a value can be of (`cloud`, `other`); empty when allowances do not depend
    /// on the value.
    pub categories: Vec<String>,
    /// Whether a value not listed is accepted (with its category said, when there are
    /// categories): a name the program does not list is more often a typo.
    pub open: bool,
}

/// A benefit the program's offers can yield.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitKind {
    /// Its name in `OFFER/BENEFIT` (`product-support`).
    pub id: String,
    /// Its display name (`Microsoft Product Support`).
    pub title: String,
    /// Other names users type for it, as slugs (Microsoft's older or newer names).
    pub aliases: Vec<String>,
    /// The products it covers.
    pub coverage: Coverage,
    /// Whether on-premises incidents charged to it are subject to the N-1 product policy (R21).
    pub n_minus_one: bool,
}

/// An offer of the program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferKind {
    /// Its name (`gold`, `solutions-partner`), as `offer add` takes it.
    pub id: String,
    /// Its display name.
    pub title: String,
    /// What sort of offer it is (`competency`, `designation`), as shown.
    pub kind: String,
    /// The option it is taken with, by [`OptionKind::id`], if any.
    pub option: Option<String>,
    /// Whether each offer of it yields its benefits, or the organization gets them once
    /// however many it holds (Solutions Partner designations).
    #[serde(default)]
    pub package: Package,
    /// The benefits it yields, in order.
    pub grants: Vec<Grant>,
}

/// How often an offer's benefits come to an organization that holds several of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Package {
    /// Each offer yields its own (each designation, each competency).
    #[default]
    PerOffer,
    /// One package per organization: of several offers in force, the one held longest yields
    /// it, the others nothing.
    OncePerOrganization,
}

/// One benefit an offer yields, perhaps only for values of one category of its option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The benefit, by [`BenefitKind::id`].
    pub benefit: String,
    /// Only for an option value of this category (`None`: any).
    pub category: Option<String>,
    /// Incidents per allocation.
    pub allowance: Allowance,
    /// Microsoft's plan name, given to the contract.
    pub plan: String,
    /// Names the plan was known by before.
    pub former_plans: Vec<String>,
    /// The day Microsoft renamed the plan from the first of `former_plans` to `plan`: a
    /// contract activated earlier is recorded with the name it had then.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::values::ymd::option"
    )]
    pub renamed_on: Option<NaiveDate>,
    /// How long an allocation lasts.
    pub validity: Validity,
    /// Where the figures come from.
    pub source: String,
    /// How sure the figures are, when the catalog says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<FigureStatus>,
}

/// How sure a catalog's figure is, as the lifecycle table's rows say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FigureStatus {
    /// Read in Microsoft's own words.
    Verified,
    /// From secondary sources only.
    Unverified,
    /// Sources disagree.
    Conflict,
}

impl FigureStatus {
    /// How the catalog file and messages spell it.
    pub fn word(self) -> &'static str {
        match self {
            FigureStatus::Verified => "VERIFIED",
            FigureStatus::Unverified => "UNVERIFIED",
            FigureStatus::Conflict => "CONFLICT",
        }
    }

    /// Whether a partner should confirm it in Partner Center before relying on it.
    pub fn to_confirm(status: Option<FigureStatus>) -> bool {
        matches!(
            status,
            Some(FigureStatus::Unverified | FigureStatus::Conflict)
        )
    }
}

/// How long a benefit's contract lasts when activated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validity {
    /// This many months from the day it starts, the last day inclusive.
    FromActivation(u32),
    /// This many months from the start of the membership year it was allocated in.
    FromYearStart(u32),
}

impl Default for Validity {
    fn default() -> Self {
        Validity::FromActivation(12)
    }
}

impl Validity {
    /// The last day of a contract that starts on `start`, allocated in `year`.
    pub fn end(self, start: NaiveDate, year: Year) -> NaiveDate {
        let (from, months) = match self {
            Validity::FromActivation(months) => (start, months),
            Validity::FromYearStart(months) => (year.start, months),
        };
        if months == 12 {
            return default_end(from);
        }
        from.checked_add_months(Months::new(months))
            .and_then(|d| d.checked_sub_days(Days::new(1)))
            .unwrap_or(NaiveDate::MAX)
    }
}

impl std::fmt::Display for Validity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Validity::FromActivation(m) => write!(f, "{m} months from activation"),
            Validity::FromYearStart(m) => write!(f, "{m} months from the year's start"),
        }
    }
}

/// One benefit an offer yields, as the benefits page and activation use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entitlement<'a> {
    /// Which benefit.
    pub kind: &'a BenefitKind,
    /// Incidents it grants per allocation.
    pub allowance: Allowance,
    /// Products it covers.
    pub coverage: Coverage,
    /// Microsoft's plan name, shown on the contract.
    pub plan: &'a str,
    /// Names the plan had before (what older tickets and portals show).
    pub former_plans: &'a [String],
    /// The day the plan took its name `plan`, when it was renamed.
    pub renamed_on: Option<NaiveDate>,
    /// How long an allocation lasts.
    pub validity: Validity,
    /// How sure the catalog is of these figures.
    pub status: Option<FigureStatus>,
}

impl Entitlement<'_> {
    /// The plan's name on `day`: the name before the rename for a day before it.
    pub fn plan_on(&self, day: NaiveDate) -> &str {
        match (self.renamed_on, self.former_plans.first()) {
            (Some(on), Some(before)) if day < on => before,
            _ => self.plan,
        }
    }
}

/// What an option's value is to the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// Listed, with the spelling and the category the catalog gives it.
    Listed(String, Option<String>),
    /// Not listed.
    Unlisted,
}

impl Catalog {
    /// The offer named `id`.
    pub fn offer(&self, id: &str) -> Option<&OfferKind> {
        self.offers.iter().find(|o| o.id == id)
    }

    /// The option named `id`.
    pub fn option(&self, id: &str) -> Option<&OptionKind> {
        self.options.iter().find(|o| o.id == id)
    }

    /// The benefit named `id`.
    pub fn benefit(&self, id: &str) -> Option<&BenefitKind> {
        self.benefits.iter().find(|b| b.id == id)
    }

    /// The last day the program's offers were sold, when a year starting on `start` comes
    /// after it (a retired program: recorded as given, with a note).
    pub fn sold_before(&self, start: NaiveDate) -> Option<NaiveDate> {
        self.sold_until.filter(|until| start > *until)
    }

    /// How many of its figures are not verified (to confirm in Partner Center), of how many.
    pub fn figures_to_confirm(&self) -> (usize, usize) {
        let grants = self.offers.iter().flat_map(|o| &o.grants);
        let all = grants.clone().count();
        (
            grants
                .filter(|g| FigureStatus::to_confirm(g.status))
                .count(),
            all,
        )
    }

    /// The benefits offer `id` taken with a value of `category` yields, in catalog order.
    pub fn entitlements(&self, id: &str, category: Option<&str>) -> Vec<Entitlement<'_>> {
        let Some(offer) = self.offer(id) else {
            return Vec::new();
        };
        offer
            .grants
            .iter()
            .filter(|g| g.category.is_none() || g.category.as_deref() == category)
            .filter_map(|g| {
                let kind = self.benefit(&g.benefit)?;
                Some(Entitlement {
                    kind,
                    allowance: g.allowance,
                    coverage: kind.coverage,
                    plan: &g.plan,
                    former_plans: &g.former_plans,
                    renamed_on: g.renamed_on,
                    validity: g.validity,
                    status: g.status,
                })
            })
            .collect()
    }

    /// The option the catalog's offers take, when they all take the same one (what messages
    /// call it), else `option`.
    pub fn option_word(&self) -> &str {
        let mut ids = self.offers.iter().filter_map(|o| o.option.as_deref());
        match ids.next() {
            Some(first) if ids.all(|id| id == first) => first,
            _ => "option",
        }
    }

    /// The offers that yield a benefit covering `coverage`.
    pub fn offers_covering(&self, coverage: Coverage) -> Vec<&OfferKind> {
        self.offers
            .iter()
            .filter(|o| {
                o.grants.iter().any(|g| {
                    self.benefit(&g.benefit)
                        .is_some_and(|b| b.coverage == coverage)
                })
            })
            .collect()
    }

    /// The name the catalog and the state record it by, with its version.
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }
}

impl OptionKind {
    /// Its name in a sentence: `solution area` for `solution-area`.
    pub fn word(&self) -> String {
        self.id.replace('-', " ")
    }

    /// What the catalog knows of `name` (case-insensitive, spaces counted once; "Security
    /// Competency" is read as "Security" for an option named `competency`).
    pub fn lookup(&self, name: &str) -> Known {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let suffix = format!(" {}", self.word());
        let lower = name.to_lowercase();
        let name = match lower.strip_suffix(&suffix) {
            Some(_) => &name[..name.len() - suffix.len()],
            None => &name,
        };
        match self
            .values
            .iter()
            .find(|(v, _)| v.eq_ignore_ascii_case(name))
        {
            Some((v, category)) => Known::Listed(v.clone(), category.clone()),
            None => Known::Unlisted,
        }
    }

    /// The known values nearest to `name` (a typo's likely meaning), closest first.
    pub fn nearest(&self, name: &str) -> Vec<String> {
        let name = name.trim().to_lowercase();
        let mut near: Vec<(usize, &str)> = self
            .values
            .iter()
            .map(|(v, _)| (strsim::levenshtein(&name, &v.to_lowercase()), v.as_str()))
            .filter(|(d, v)| *d <= (v.len() / 3).max(2))
            .collect();
        near.sort();
        near.into_iter()
            .take(3)
            .map(|(_, v)| v.to_string())
            .collect()
    }
}

impl State {
    /// The catalog offer `o` is of: the one in use or one kept beside it. An offer naming a
    /// catalog the state does not hold (a hand-edited file) is read with the one in use, and
    /// [`State::catalog_problems`] names it.
    pub fn catalog_of(&self, o: &Offer) -> &Arc<Catalog> {
        self.catalog_named(&o.catalog).unwrap_or(&self.catalog)
    }

    /// The catalog the state holds under `name`.
    pub fn catalog_named(&self, name: &str) -> Option<&Arc<Catalog>> {
        self.catalogs().find(|c| c.name == name)
    }

    /// Every catalog the state holds, the one in use first.
    pub fn catalogs(&self) -> impl Iterator<Item = &Arc<Catalog>> {
        std::iter::once(&self.catalog).chain(&self.other_catalogs)
    }

    /// Where an offer `kind` is found: the catalog `named`, else the first that has it of the
    /// state's own catalogs (the one in use first), then `elsewhere` (the built-in ones; the
    /// state's copy of a catalog comes before another of its name).
    pub fn catalog_with_offer(
        &self,
        kind: &str,
        named: Option<&str>,
        elsewhere: &[Arc<Catalog>],
    ) -> Result<Arc<Catalog>, Refusal> {
        let all: Vec<&Arc<Catalog>> = self
            .catalogs()
            .chain(
                elsewhere
                    .iter()
                    .filter(|c| self.catalog_named(&c.name).is_none()),
            )
            .collect();
        let pool = match named {
            Some(name) => vec![*all.iter().find(|c| c.name == name).ok_or_else(|| {
                Refusal::UnknownCatalog {
                    name: name.to_string(),
                    known: all.iter().map(|c| c.name.clone()).collect(),
                }
            })?],
            None => all,
        };
        pool.iter()
            .find(|c| c.offer(kind).is_some())
            .map(|c| Arc::clone(c))
            .ok_or_else(|| Refusal::UnknownOfferKind {
                name: kind.to_string(),
                catalog: pool[0].label(),
                known: pool[0].offers.iter().map(|o| o.id.clone()).collect(),
            })
    }

    /// Keeps `catalog` beside the one in use, for an offer of it (a newer version of one kept
    /// replaces it).
    pub fn keep_catalog(&mut self, catalog: Arc<Catalog>) {
        if catalog.name == self.catalog.name {
            return;
        }
        self.other_catalogs.retain(|c| c.name != catalog.name);
        let at = self
            .other_catalogs
            .partition_point(|c| c.name < catalog.name);
        self.other_catalogs.insert(at, catalog);
    }

    /// Drops the other catalogs no offer is of any more.
    pub fn drop_unused_catalogs(&mut self) {
        let offers = &self.offers;
        self.other_catalogs
            .retain(|c| offers.iter().any(|o| o.catalog == c.name));
    }

    /// Puts `catalog` in use (another program, or a newer version of one the state holds).
    /// Offers of other catalogs keep theirs, so a legacy year and today's program stay in one
    /// record; offers of a catalog of the same name must be in it; contracts keep the figures
    /// they were recorded with. Returns the catalog that was in use, as `name version`; `None`
    /// when `catalog` is already in use.
    pub fn use_catalog(&mut self, catalog: Arc<Catalog>) -> Result<Option<String>, Refusal> {
        self.require_organization()?;
        if *self.catalog == *catalog {
            return Ok(None);
        }
        let before = (self.catalog.clone(), self.other_catalogs.clone());
        let left = std::mem::replace(&mut self.catalog, catalog);
        self.other_catalogs.retain(|c| c.name != self.catalog.name);
        self.keep_catalog(left.clone());
        self.drop_unused_catalogs();
        let problems: Vec<String> = self
            .catalog_problems()
            .iter()
            .map(ToString::to_string)
            .collect();
        if !problems.is_empty() {
            (self.catalog, self.other_catalogs) = before;
            return Err(Refusal::CatalogDoesNotFit(problems));
        }
        Ok(Some(left.label()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::{d, mpn};
    use Allowance::{Incidents, Unlimited};

    #[test]
    fn a_retired_program_and_figures_to_confirm_are_told_apart() {
        let mut catalog = mpn();
        catalog.sold_until = Some(d("2025-01-21"));
        for (start, note) in [("2025-01-21", None), ("2025-01-22", Some("2025-01-21"))] {
            assert_eq!(catalog.sold_before(d(start)), note.map(d), "{start}");
        }
        let all = catalog.figures_to_confirm().1;
        assert_eq!(catalog.figures_to_confirm(), (0, all));
        catalog.offers[0].grants[0].status = Some(FigureStatus::Unverified);
        catalog.offers[1].grants[0].status = Some(FigureStatus::Verified);
        assert_eq!(catalog.figures_to_confirm(), (1, all));
    }

    #[test]
    fn entitlements_follow_the_category_of_the_option() {
        let catalog = mpn();
        let show = |offer, cat| -> Vec<(&str, Allowance, &str)> {
            catalog
                .entitlements(offer, cat)
                .into_iter()
                .map(|e| (e.kind.id.as_str(), e.allowance, e.plan))
                .collect()
        };
        let cases = [
            (
                "action-pack",
                None,
                vec![(
                    "product-support",
                    Incidents(10),
                    "Partner support MAPS 10pack",
                )],
            ),
            (
                "silver",
                Some("cloud"),
                vec![
                    (
                        "product-support",
                        Incidents(15),
                        "Partner support Silver 15pack",
                    ),
                    (
                        "cloud-support",
                        Unlimited,
                        "Partner Signature Cloud Support",
                    ),
                ],
            ),
            (
                "gold",
                Some("other"),
                vec![
                    (
                        "product-support",
                        Incidents(20),
                        "Partner On-premises Support 20",
                    ),
                    ("cloud-support", Incidents(10), "Partner Signature 10pack"),
                ],
            ),
            ("platinum", None, vec![]),
        ];
        for (offer, cat, want) in cases {
            assert_eq!(show(offer, cat), want, "{offer} {cat:?}");
        }
    }

    #[test]
    fn option_values_are_known_by_name_and_a_typo_by_its_nearest_names() {
        let catalog = mpn();
        let competency = catalog.option("competency").unwrap();
        let listed = |v: &str, c: &str| Known::Listed(v.into(), Some(c.into()));
        for (name, known) in [
            ("Cloud Platform", listed("Cloud Platform", "cloud")),
            ("cloud  platform", listed("Cloud Platform", "cloud")),
            ("Security Competency", listed("Security", "cloud")),
            ("Data Analytics", listed("Data Analytics", "other")),
            ("Cloud", Known::Unlisted),
            ("Secutiry", Known::Unlisted),
        ] {
            assert_eq!(competency.lookup(name), known, "{name}");
        }
        for (typo, nearest) in [
            ("Secutiry", &["Security"][..]),
            ("Cloud Platfrom", &["Cloud Platform"]),
            ("data analitycs", &["Data Analytics"]),
            ("Blockchain", &[]),
        ] {
            assert_eq!(competency.nearest(typo), nearest, "{typo}");
        }
    }

    #[test]
    fn each_offer_is_read_with_its_own_catalog_and_one_the_state_lacks_is_named() {
        use crate::domain::testing::org_with;
        let mut other = mpn();
        other.name = "today".into();
        other.offers.retain(|o| o.id == "action-pack");
        other.offers[0].id = "partner".into();
        let fresh = || {
            let mut s = org_with(&[("gold", Some(("Security", "cloud")))]);
            s.keep_catalog(Arc::new(other.clone()));
            s
        };
        type Edit = fn(&mut State);
        let cases: [(&str, Edit, Option<&str>); 4] = [
            ("as recorded", |_| {}, None),
            (
                "a catalog the state does not hold",
                |s| s.offers[0].catalog = "nope".into(),
                Some(
                    "offer `gold-security` is not an offer of the catalog nope: the state holds no catalog `nope` (it holds mpn-2021, today)",
                ),
            ),
            (
                "an offer its catalog lacks",
                |s| s.offers[0].catalog = "today".into(),
                Some("it has no offer `gold`"),
            ),
            (
                "a decline of no benefit",
                |s| {
                    s.declined.push(crate::domain::decline::Declined {
                        benefit: "gold-security/nothing".into(),
                        year: d("2026-01-01"),
                        on: d("2026-02-01"),
                        by: None,
                        reason: None,
                    })
                },
                Some("a decline names `gold-security/nothing`"),
            ),
        ];
        for (what, edit, want) in cases {
            let mut s = fresh();
            edit(&mut s);
            let problems: Vec<String> = s.problems().iter().map(ToString::to_string).collect();
            match want {
                None => assert!(problems.is_empty(), "{what}: {problems:?}"),
                Some(want) => assert!(
                    problems.iter().any(|p| p.contains(want)),
                    "{what}: {problems:?}"
                ),
            }
        }
        // A catalog no offer is of is dropped.
        let mut s = fresh();
        s.drop_unused_catalogs();
        assert!(s.other_catalogs.is_empty());
    }

    #[test]
    fn a_renamed_plan_has_its_old_name_before_the_rename() {
        let catalog = mpn();
        let gold = catalog.entitlements("gold", Some("other"));
        let silver = catalog.entitlements("silver", Some("other"));
        let cases = [
            (&gold[0], "2025-06-22", "Partner support Gold 20pack"),
            (&gold[0], "2025-06-23", "Partner On-premises Support 20"),
            (&silver[1], "2024-01-10", "Partner Signature 5pack"),
            (&silver[1], "2026-12-06", "Partner Cloud Support 5"),
            // Never renamed: the one name on every day.
            (&gold[1], "2020-01-01", "Partner Signature 10pack"),
            (&gold[1], "2026-12-06", "Partner Signature 10pack"),
        ];
        for (entitlement, day, want) in cases {
            assert_eq!(entitlement.plan_on(d(day)), want, "{day}");
        }
    }

    #[test]
    fn validity_ends_a_contract() {
        let year = Year {
            start: d("2026-01-15"),
            end: d("2027-01-14"),
        };
        for (validity, start, end) in [
            (Validity::FromActivation(12), "2026-03-01", "2027-02-28"),
            (Validity::FromActivation(12), "2028-02-29", "2029-02-28"),
            (Validity::FromActivation(6), "2026-03-01", "2026-08-31"),
            (Validity::FromYearStart(12), "2026-03-01", "2027-01-14"),
            (Validity::FromYearStart(3), "2026-03-01", "2026-04-14"),
        ] {
            assert_eq!(validity.end(d(start), year), d(end), "{validity} {start}");
        }
    }
}
