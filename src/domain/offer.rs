//! Membership offers, as the catalog names them, and the benefits each yields.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::catalog::{Catalog, Entitlement, Known, Package};
use super::refusal::{Misuse, Refusal};
use super::state::State;
use super::values::Text;

/// The value an offer is taken with (its competency, its solution area).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// As the program spells it ("Cloud Platform").
    pub name: Text,
    /// Its category (`cloud`, `other`), when the option has categories: it decides allowances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// A membership offer the organization holds, year by year (R17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    /// The name of the catalog it is of (`mpn-2021`): the state keeps that catalog as long as
    /// one of its offers is recorded, so a legacy year stays beside today's program.
    pub catalog: String,
    /// The catalog's offer (`gold`, `solutions-partner`).
    pub kind: String,
    /// The value it is taken with, for an offer that takes an option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<Choice>,
    /// Its membership years, in order, never overlapping; `offer renew` adds the next.
    pub years: Vec<Term>,
    /// For each field a change set after it was made, when that operation was made (R23).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub set_at: super::stamp::Stamps,
}

/// One recorded term of an offer: a membership year, or (the last one, with no end) a run of
/// years counted from its start, one a year, until the offer is removed or renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// First day.
    #[serde(with = "crate::domain::values::ymd")]
    pub start: NaiveDate,
    /// Last day (inclusive), if known.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::values::ymd::option"
    )]
    pub end: Option<NaiveDate>,
}

/// One membership year of an offer: its first and last day (R17, R18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Year {
    /// First day.
    pub start: NaiveDate,
    /// Last day (inclusive).
    pub end: NaiveDate,
}

impl Year {
    /// Whether `day` falls in it.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }
}

impl std::fmt::Display for Year {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} to {}", self.start, self.end)
    }
}

impl Term {
    /// The year of this term that `day` falls in: the term itself when it has an end, else the
    /// anniversary year counted from its start.
    fn year_on(&self, day: NaiveDate) -> Option<Year> {
        if day < self.start {
            return None;
        }
        match self.end {
            Some(end) => (day <= end).then_some(Year {
                start: self.start,
                end,
            }),
            None => {
                let mut start = self.start;
                loop {
                    let next = super::contract::default_end(start).succ_opt()?;
                    if day < next {
                        return Some(Year {
                            start,
                            end: next.pred_opt()?,
                        });
                    }
                    start = next;
                }
            }
        }
    }

    /// Its years that have started by `day` (all of them for a term with an end).
    fn years_until(&self, day: NaiveDate) -> Vec<Year> {
        match self.end {
            Some(end) => vec![Year {
                start: self.start,
                end,
            }],
            None => {
                let mut years = Vec::new();
                let mut from = self.start;
                while let Some(y) = self.year_on(from).filter(|_| from <= day.max(self.start)) {
                    years.push(y);
                    match y.end.succ_opt() {
                        Some(next) => from = next,
                        None => break,
                    }
                }
                years
            }
        }
    }
}

/// Lowercase, with every run of characters other than letters and digits turned into one `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

impl Offer {
    /// The offer's name: the catalog's (`action-pack`), or with its option's value
    /// (`gold-cloud-platform`).
    pub fn name(&self) -> String {
        match &self.option {
            Some(c) => format!("{}-{}", self.kind, slug(c.name.as_str())),
            None => self.kind.clone(),
        }
    }

    /// The category of the value it was taken with.
    pub fn category(&self) -> Option<&str> {
        self.option.as_ref().and_then(|c| c.category.as_deref())
    }

    /// First day of membership.
    pub fn start(&self) -> NaiveDate {
        self.years.first().map(|t| t.start).unwrap_or_default()
    }

    /// Last day of membership, when its last term has one.
    pub fn end(&self) -> Option<NaiveDate> {
        self.years.last().and_then(|t| t.end)
    }

    /// The membership year `day` falls in, if the offer is in force then.
    pub fn year_on(&self, day: NaiveDate) -> Option<Year> {
        self.years.iter().find_map(|t| t.year_on(day))
    }

    /// Every membership year that has started by `day`, oldest first.
    pub fn years_until(&self, day: NaiveDate) -> Vec<Year> {
        self.years
            .iter()
            .filter(|t| t.start <= day)
            .flat_map(|t| t.years_until(day))
            .collect()
    }

    /// Every membership year recorded or started by `day`: those started (an open-ended term
    /// counted year by year), then those still to come.
    pub fn all_years(&self, day: NaiveDate) -> Vec<Year> {
        let mut years = self.years_until(day);
        years.extend(
            self.years
                .iter()
                .filter(|t| t.start > day)
                .filter_map(|t| t.year_on(t.start)),
        );
        years
    }

    /// Whether the membership is in force on `today`.
    pub fn is_active(&self, today: NaiveDate) -> bool {
        self.year_on(today).is_some()
    }

    /// The benefits this offer yields under `catalog`, each with its `OFFER/BENEFIT` name.
    pub fn benefits<'c>(&self, catalog: &'c Catalog) -> Vec<(String, Entitlement<'c>)> {
        let name = self.name();
        catalog
            .entitlements(&self.kind, self.category())
            .into_iter()
            .map(|e| (format!("{name}/{}", e.kind.id), e))
            .collect()
    }
}

/// What `offer add` was given.
#[derive(Debug, Clone)]
pub struct NewOffer {
    /// The catalog's offer.
    pub kind: String,
    /// The catalog it is of, by name, when the user said; else the first that has it.
    pub catalog: Option<String>,
    /// The value of its option (competency, solution area), for an offer that takes one.
    pub option: Option<Text>,
    /// The value's category (`--cloud`), to keep a value the catalog does not list.
    pub category: Option<String>,
    /// First day (default: today).
    pub start: Option<NaiveDate>,
    /// Last day.
    pub end: Option<NaiveDate>,
}

impl State {
    /// Adds a membership offer: of the catalog `new` names, else of the first catalog that has
    /// it, the state's own (the one in use first) before `elsewhere` (the built-in ones). A
    /// catalog the state did not hold is kept beside the one in use.
    pub fn add_offer(
        &mut self,
        new: NewOffer,
        today: NaiveDate,
        elsewhere: &[std::sync::Arc<Catalog>],
    ) -> Result<&Offer, Refusal> {
        self.require_organization()?;
        let catalog =
            self.catalog_with_offer(&slug(&new.kind), new.catalog.as_deref(), elsewhere)?;
        let kind = catalog
            .offer(&slug(&new.kind))
            .expect("the catalog was chosen for having the offer");
        let option = kind.option.as_deref().and_then(|id| catalog.option(id));
        let word = catalog.option_word().replace('-', " ");
        let option = match (option, new.option) {
            (None, None) => {
                if let Some(c) = new.category {
                    return Err(Refusal::Misuse(Misuse::CategoryWithoutOption {
                        category: c,
                        word,
                        offer: kind.title.clone(),
                    }));
                }
                None
            }
            (None, Some(name)) => {
                return Err(Refusal::Misuse(Misuse::NoOption {
                    offer: kind.title.clone(),
                    word,
                    option: catalog.option_word().to_string(),
                    name: name.to_string(),
                }));
            }
            (Some(option), None) => {
                return Err(Refusal::Misuse(Misuse::OptionNeeded {
                    offer: kind.id.clone(),
                    option: option.id.clone(),
                }));
            }
            (Some(option), Some(name)) if slug(name.as_str()).is_empty() => {
                return Err(Refusal::BadCombination(format!(
                    "{} `{name}` needs at least one letter or digit to name the offer",
                    option.word()
                )));
            }
            (Some(option), Some(name)) => {
                if let Some(c) = new
                    .category
                    .as_ref()
                    .filter(|c| !option.categories.contains(c))
                {
                    return Err(if option.categories.is_empty() {
                        Refusal::Misuse(Misuse::NoCategory {
                            word: option.word(),
                            category: c.clone(),
                        })
                    } else {
                        Refusal::BadCombination(format!(
                            "`{c}` is not a category of {}: {}",
                            option.word(),
                            option.categories.join(", ")
                        ))
                    });
                }
                // A name the program does not list is most likely a typo, and a typo must not
                // quietly get another category's allowance.
                let category = match (option.lookup(name.as_str()), new.category) {
                    (Known::Listed(_, listed), given) => given.or(listed),
                    (Known::Unlisted, given)
                        if option.open && (given.is_some() || option.categories.is_empty()) =>
                    {
                        given
                    }
                    (Known::Unlisted, _) => {
                        return Err(Refusal::UnknownOption {
                            option: option.word(),
                            name: name.to_string(),
                            program: catalog.title.clone(),
                            nearest: option.nearest(name.as_str()),
                            categories: if option.open {
                                option.categories.clone()
                            } else {
                                Vec::new()
                            },
                        });
                    }
                };
                Some(Choice { name, category })
            }
        };
        let start = new.start.unwrap_or(today);
        if let Some(end) = new.end {
            check_range(start, end)?;
        }
        let offer = Offer {
            catalog: catalog.name.clone(),
            kind: kind.id.clone(),
            option,
            years: vec![Term {
                start,
                end: new.end,
            }],
            set_at: Default::default(),
        };
        let name = offer.name();
        if self.offers.iter().any(|o| o.name() == name) {
            return Err(Refusal::DuplicateOffer(name));
        }
        let at = self.offers.partition_point(|o| o.name() < name);
        self.offers.insert(at, offer);
        self.keep_catalog(catalog);
        Ok(&self.offers[at])
    }

    /// Adds the next membership year of offer `name` (R17): by default the day after its last
    /// year ends, for one year; earlier years, their benefits and contracts stay. Returns the
    /// offer and the year added.
    pub fn renew_offer(
        &mut self,
        name: &str,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<(&Offer, Year), Refusal> {
        self.require_organization()?;
        let (at, name) = self.offer_index(name)?;
        let offer = &mut self.offers[at];
        // An offer added without an end runs year by year: its years up to the one `today` is
        // in (or its first) are recorded one by one, the last closing at its anniversary, and
        // the next is added after them, as for any offer.
        if let Some(open) = offer.years.last().filter(|t| t.end.is_none()).copied() {
            // Its first year at least: a term counts the year it starts in.
            let years: Vec<Term> = open
                .years_until(today.max(open.start))
                .into_iter()
                .map(|y| Term {
                    start: y.start,
                    end: Some(y.end),
                })
                .collect();
            offer.years.pop();
            offer.years.extend(years);
        }
        let Some(last_end) = offer.end() else {
            return Err(Refusal::BadCombination(format!(
                "offer `{name}` has no membership year to renew"
            )));
        };
        let first_free = last_end.succ_opt().unwrap_or(last_end);
        let start = start.unwrap_or(first_free);
        if start < first_free {
            return Err(Refusal::BadCombination(format!(
                "the next year of `{name}` can't start on {start}: its last year runs until {last_end}"
            )));
        }
        let end = end.unwrap_or_else(|| super::contract::default_end(start));
        check_range(start, end)?;
        offer.years.push(Term {
            start,
            end: Some(end),
        });
        Ok((&self.offers[at], Year { start, end }))
    }

    /// Where the offer named `name` (as `offer list` shows it) is in `offers`, and its name.
    fn offer_index(&self, name: &str) -> Result<(usize, String), Refusal> {
        let name = slug(name);
        match self.offers.iter().position(|o| o.name() == name) {
            Some(at) => Ok((at, name)),
            None => Err(Refusal::UnknownOffer {
                name,
                known: self.offers.iter().map(Offer::name).collect(),
            }),
        }
    }

    /// Removes an offer and any activation still pending for its benefits. Contracts already
    /// activated stay: they are real contracts until they lapse.
    pub fn remove_offer(&mut self, name: &str) -> Result<Offer, Refusal> {
        self.require_organization()?;
        let (at, name) = self.offer_index(name)?;
        let prefix = format!("{name}/");
        self.pending.retain(|p| !p.benefit.starts_with(&prefix));
        self.declined.retain(|d| !d.benefit.starts_with(&prefix));
        let offer = self.offers.remove(at);
        self.drop_unused_catalogs();
        Ok(offer)
    }

    /// The day the membership ended, when offers are recorded, none is in force on `today` and
    /// none is still to come.
    pub fn membership_ended(&self, today: NaiveDate) -> Option<NaiveDate> {
        if self.offers.is_empty()
            || self.offers.iter().any(|o| o.is_active(today))
            || self
                .offers
                .iter()
                .any(|o| o.years.iter().any(|t| t.start > today))
        {
            return None;
        }
        self.offers.iter().filter_map(Offer::end).max()
    }

    /// The offer whose benefits package covers `offer`'s year `year`, when its kind comes once
    /// per organization (R18: one allocation a year, here per organization) and another offer
    /// of that kind, held longer, is in force on the year's first day: then `offer` yields
    /// nothing of its own that year.
    pub fn package_holder(&self, offer: &Offer, year: Year) -> Option<&Offer> {
        let kind = self.catalog_of(offer).offer(&offer.kind)?;
        if kind.package != Package::OncePerOrganization {
            return None;
        }
        let rank = |o: &Offer| (o.start(), o.name());
        self.offers
            .iter()
            .filter(|o| o.catalog == offer.catalog && o.kind == offer.kind)
            .filter(|o| rank(o) < rank(offer))
            .filter(|o| o.year_on(year.start).is_some())
            .min_by_key(|o| rank(o))
    }

    /// Offers in force on `today`.
    pub fn active_offers(&self, today: NaiveDate) -> impl Iterator<Item = &Offer> {
        self.offers.iter().filter(move |o| o.is_active(today))
    }
}

/// Refuses a range whose end is before its start.
pub fn check_range(start: NaiveDate, end: NaiveDate) -> Result<(), Refusal> {
    if end < start {
        Err(Refusal::EndBeforeStart { start, end })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::{d, org};

    fn add(
        state: &mut State,
        kind: &str,
        option: Option<&str>,
        category: Option<&str>,
    ) -> Result<String, Refusal> {
        let new = NewOffer {
            kind: kind.into(),
            catalog: None,
            option: option.map(|c| c.parse().unwrap()),
            category: category.map(String::from),
            start: None,
            end: None,
        };
        state.add_offer(new, d("2026-01-15"), &[]).map(Offer::name)
    }

    #[test]
    fn names_and_categories() {
        let mut s = org();
        for (kind, option, category, name, kept) in [
            (
                "gold",
                Some("Cloud Platform"),
                None,
                "gold-cloud-platform",
                Some("cloud"),
            ),
            (
                "silver",
                Some("Data  Analytics"),
                None,
                "silver-data-analytics",
                Some("other"),
            ),
            ("action-pack", None, None, "action-pack", None),
            // A category said overrides the catalog's, and keeps a value it does not list.
            (
                "silver",
                Some("Security"),
                Some("other"),
                "silver-security",
                Some("other"),
            ),
            (
                "gold",
                Some("Internet of Things"),
                Some("other"),
                "gold-internet-of-things",
                Some("other"),
            ),
        ] {
            assert_eq!(add(&mut s, kind, option, category).unwrap(), name);
            let offer = s.offers.iter().find(|o| o.name() == name).unwrap();
            assert_eq!(offer.category(), kept, "{name}");
        }
        assert_eq!(
            s.offers.iter().map(Offer::name).collect::<Vec<_>>(),
            [
                "action-pack",
                "gold-cloud-platform",
                "gold-internet-of-things",
                "silver-data-analytics",
                "silver-security"
            ]
        );
    }

    #[test]
    fn refusals() {
        let mut s = org();
        add(&mut s, "action-pack", None, None).unwrap();
        let cases = [
            ("action-pack", None, None, "already exists"),
            ("platinum", None, None, "not an offer of mpn-2021"),
            (
                "action-pack",
                Some("Security"),
                None,
                "Action Pack has no competency",
            ),
            ("action-pack", None, Some("cloud"), "not to Action Pack"),
            ("gold", None, None, "a gold offer needs its competency"),
            (
                "gold",
                Some("!!!"),
                None,
                "competency `!!!` needs at least one letter",
            ),
            ("gold", Some("Secutiry"), None, "not a competency"),
            (
                "gold",
                Some("Security"),
                Some("edge"),
                "`edge` is not a category of competency: cloud, other",
            ),
        ];
        for (kind, option, category, want) in cases {
            let err = add(&mut s, kind, option, category).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
        assert!(add(&mut State::default(), "action-pack", None, None).is_err());
        match add(&mut s, "gold", Some("Secutiry"), None) {
            Err(Refusal::UnknownOption { nearest, .. }) => assert_eq!(nearest, ["Security"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_closed_option_keeps_only_the_values_it_lists() {
        let mut s = org();
        let mut catalog = crate::domain::testing::mpn();
        catalog.options[0].open = false;
        s.catalog = std::sync::Arc::new(catalog);
        assert!(matches!(
            add(&mut s, "gold", Some("Internet of Things"), Some("other")),
            Err(Refusal::UnknownOption { .. })
        ));
        add(&mut s, "gold", Some("Datacenter"), None).unwrap();
    }

    #[test]
    fn only_offers_in_force_yield_benefits() {
        let mut s = org();
        let new = NewOffer {
            kind: "action-pack".into(),
            catalog: None,
            option: None,
            category: None,
            start: Some(d("2025-01-01")),
            end: Some(d("2025-12-31")),
        };
        s.add_offer(new, d("2026-01-15"), &[]).unwrap();
        for (today, active) in [
            ("2024-12-31", false),
            ("2025-01-01", true),
            ("2025-12-31", true),
            ("2026-01-01", false),
        ] {
            assert_eq!(s.active_offers(d(today)).count() == 1, active, "{today}");
            assert_eq!(s.benefits(d(today)).is_empty(), !active, "R1 on {today}");
        }
    }

    #[test]
    fn a_package_once_per_organization_comes_with_the_offer_held_longest() {
        let mut s = org();
        let mut catalog = crate::domain::testing::mpn();
        catalog.offers[2].package = Package::OncePerOrganization; // gold
        s.catalog = std::sync::Arc::new(catalog);
        let gold = |s: &mut State, name: &str, start: &str, end: Option<&str>| {
            let new = NewOffer {
                kind: "gold".into(),
                catalog: None,
                option: Some(name.parse().unwrap()),
                category: Some("cloud".into()),
                start: Some(d(start)),
                end: end.map(d),
            };
            s.add_offer(new, d("2026-01-15"), &[]).unwrap();
        };
        gold(&mut s, "Security", "2025-03-01", Some("2026-02-28"));
        gold(&mut s, "Cloud Platform", "2025-09-01", None);
        gold(&mut s, "Datacenter", "2025-09-01", None);
        let holder = |s: &State, name: &str, day: &str| {
            let o = s.offers.iter().find(|o| o.name() == name).unwrap();
            let year = o.year_on(d(day)).unwrap();
            s.package_holder(o, year).map(Offer::name)
        };
        let cases = [
            // Held longest, so its own.
            ("gold-security", "2025-10-01", None),
            // Its first year starts while Security's runs: Security's package covers it.
            ("gold-cloud-platform", "2025-10-01", Some("gold-security")),
            // Its second year starts after Security ended: its own.
            ("gold-cloud-platform", "2026-10-01", None),
            // Same first day: the name decides, every year.
            ("gold-datacenter", "2025-10-01", Some("gold-security")),
            ("gold-datacenter", "2026-10-01", Some("gold-cloud-platform")),
        ];
        for (name, day, want) in cases {
            assert_eq!(holder(&s, name, day).as_deref(), want, "{name} on {day}");
        }
        // A per-offer kind never shares.
        add(&mut s, "silver", Some("Security"), None).unwrap();
        add(&mut s, "silver", Some("Datacenter"), None).unwrap();
        assert_eq!(holder(&s, "silver-datacenter", "2026-06-01"), None);
        // Only the holder's benefits are listed.
        let names: Vec<String> = s
            .benefits(d("2025-10-01"))
            .into_iter()
            .map(|v| v.name)
            .collect();
        assert!(names.iter().any(|n| n.starts_with("gold-security/")));
        assert!(!names.iter().any(|n| n.starts_with("gold-cloud-platform/")));
    }

    #[test]
    fn slugs() {
        for (input, want) in [
            ("Cloud Platform", "cloud-platform"),
            (" Data / AI ", "data-ai"),
            ("Zürich", "zürich"),
        ] {
            assert_eq!(slug(input), want);
        }
    }
}
