//! Membership offers (Action Pack, Silver, Gold) and the benefits each yields.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::catalog::{self, Category, Entitlement, Level};
use super::refusal::Refusal;
use super::state::State;
use super::values::Text;

/// A competency held at Silver or Gold level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Competency {
    /// Its name as the program spells it ("Cloud Platform").
    pub name: Text,
    /// Cloud or other: decides the cloud-support allowance.
    pub category: Category,
}

/// A membership offer the organization holds, year by year (R17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    /// Membership level.
    pub level: Level,
    /// The competency, for Silver and Gold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competency: Option<Competency>,
    /// Its membership years, in order, never overlapping; `offer renew` adds the next.
    pub years: Vec<Term>,
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
    /// The offer's name: `action-pack`, or `LEVEL-COMPETENCY` (`gold-cloud-platform`).
    pub fn name(&self) -> String {
        match &self.competency {
            Some(c) => format!("{}-{}", self.level.slug(), slug(c.name.as_str())),
            None => self.level.slug().to_string(),
        }
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

    /// The benefits this offer yields, each with its `OFFER/BENEFIT` name.
    pub fn benefits(&self) -> Vec<(String, Entitlement)> {
        let name = self.name();
        catalog::entitlements(self.level, self.competency.as_ref().map(|c| c.category))
            .into_iter()
            .map(|e| (format!("{name}/{}", e.kind.slug()), e))
            .collect()
    }
}

/// What `offer add` was given.
#[derive(Debug, Clone)]
pub struct NewOffer {
    /// Level.
    pub level: Level,
    /// Competency name, required for Silver and Gold.
    pub competency: Option<Text>,
    /// `Some(Cloud)` for `--cloud`, `Some(Other)` for `--other`, `None` to use the built-in list.
    pub category: Option<Category>,
    /// First day (default: today).
    pub start: Option<NaiveDate>,
    /// Last day.
    pub end: Option<NaiveDate>,
}

impl State {
    /// Adds a membership offer.
    pub fn add_offer(&mut self, new: NewOffer, today: NaiveDate) -> Result<&Offer, Refusal> {
        self.require_organization()?;
        let competency = match (new.level, new.competency) {
            (Level::ActionPack, None) => {
                if new.category.is_some() {
                    return Err(Refusal::BadCombination(
                        "`--cloud` and `--other` apply to Silver and Gold competencies, not to Action Pack".into(),
                    ));
                }
                None
            }
            (Level::ActionPack, Some(name)) => {
                return Err(Refusal::BadCombination(format!(
                    "Action Pack has no competency, but `--competency {name}` was given"
                )));
            }
            (level, None) => {
                return Err(Refusal::BadCombination(format!(
                    "a {} offer needs `--competency NAME`",
                    level.slug()
                )));
            }
            (_, Some(name)) if slug(name.as_str()).is_empty() => {
                return Err(Refusal::BadCombination(format!(
                    "competency `{name}` needs at least one letter or digit to name the offer"
                )));
            }
            (_, Some(name)) => {
                // A name the program does not have is most likely a typo, and a typo must not
                // quietly become an "other" competency (10 cloud incidents, not unlimited).
                let category = match (new.category, catalog::competency_category(name.as_str())) {
                    (Some(category), _) | (None, Some(category)) => category,
                    (None, None) => {
                        return Err(Refusal::UnknownCompetency {
                            name: name.to_string(),
                            nearest: catalog::nearest_competencies(name.as_str())
                                .into_iter()
                                .map(String::from)
                                .collect(),
                        });
                    }
                };
                Some(Competency { name, category })
            }
        };
        let start = new.start.unwrap_or(today);
        if let Some(end) = new.end {
            check_range(start, end)?;
        }
        let offer = Offer {
            level: new.level,
            competency,
            years: vec![Term {
                start,
                end: new.end,
            }],
        };
        let name = offer.name();
        if self.offers.iter().any(|o| o.name() == name) {
            return Err(Refusal::DuplicateOffer(name));
        }
        let at = self.offers.partition_point(|o| o.name() < name);
        self.offers.insert(at, offer);
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
    ) -> Result<(&Offer, Year), Refusal> {
        self.require_organization()?;
        let (at, name) = self.offer_index(name)?;
        let offer = &mut self.offers[at];
        let Some(last_end) = offer.end() else {
            return Err(Refusal::BadCombination(format!(
                "offer `{name}` has no end date: it runs year by year from {} until it is removed, so there is no next year to add",
                offer.years.last().map_or(offer.start(), |t| t.start)
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
        Ok(self.offers.remove(at))
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
        level: Level,
        competency: Option<&str>,
        category: Option<Category>,
    ) -> Result<String, Refusal> {
        let new = NewOffer {
            level,
            competency: competency.map(|c| c.parse().unwrap()),
            category,
            start: None,
            end: None,
        };
        state.add_offer(new, d("2026-01-15")).map(Offer::name)
    }

    #[test]
    fn names_and_categories() {
        let mut s = org();
        assert_eq!(
            add(&mut s, Level::Gold, Some("Cloud Platform"), None).unwrap(),
            "gold-cloud-platform"
        );
        assert_eq!(
            add(&mut s, Level::Silver, Some("Data  Analytics"), None).unwrap(),
            "silver-data-analytics"
        );
        assert_eq!(
            add(&mut s, Level::ActionPack, None, None).unwrap(),
            "action-pack"
        );
        assert_eq!(
            s.offers.iter().map(Offer::name).collect::<Vec<_>>(),
            [
                "action-pack",
                "gold-cloud-platform",
                "silver-data-analytics"
            ]
        );
        let gold = &s.offers[1];
        assert_eq!(gold.competency.as_ref().unwrap().category, Category::Cloud);
        let silver = &s.offers[2];
        assert_eq!(
            silver.competency.as_ref().unwrap().category,
            Category::Other
        );
    }

    #[test]
    fn refusals() {
        let mut s = org();
        add(&mut s, Level::ActionPack, None, None).unwrap();
        let cases = [
            (Level::ActionPack, None, None, "already exists"),
            (Level::ActionPack, Some("Security"), None, "no competency"),
            (
                Level::ActionPack,
                None,
                Some(Category::Cloud),
                "not to Action Pack",
            ),
            (Level::Gold, None, None, "needs `--competency"),
            (Level::Gold, Some("Secutiry"), None, "not a competency"),
        ];
        for (level, comp, cat, want) in cases {
            let err = add(&mut s, level, comp, cat).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
        assert!(add(&mut State::default(), Level::ActionPack, None, None).is_err());
    }

    #[test]
    fn an_unknown_competency_is_kept_only_with_the_category_said() {
        let mut s = org();
        match add(&mut s, Level::Gold, Some("Secutiry"), None) {
            Err(Refusal::UnknownCompetency { nearest, .. }) => assert_eq!(nearest, ["Security"]),
            other => panic!("{other:?}"),
        }
        add(
            &mut s,
            Level::Gold,
            Some("Internet of Things"),
            Some(Category::Other),
        )
        .unwrap();
        assert_eq!(
            s.offers[0].competency.as_ref().unwrap().category,
            Category::Other
        );
    }

    #[test]
    fn cloud_flag_overrides_the_list() {
        let mut s = org();
        add(
            &mut s,
            Level::Silver,
            Some("Data Analytics"),
            Some(Category::Cloud),
        )
        .unwrap();
        assert_eq!(
            s.offers[0].competency.as_ref().unwrap().category,
            Category::Cloud
        );
    }

    #[test]
    fn only_offers_in_force_yield_benefits() {
        let mut s = org();
        let new = NewOffer {
            level: Level::ActionPack,
            competency: None,
            category: None,
            start: Some(d("2025-01-01")),
            end: Some(d("2025-12-31")),
        };
        s.add_offer(new, d("2026-01-15")).unwrap();
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
