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

/// A membership offer the organization holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    /// Membership level.
    pub level: Level,
    /// The competency, for Silver and Gold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competency: Option<Competency>,
    /// First day of membership.
    #[serde(with = "crate::domain::values::ymd")]
    pub start: NaiveDate,
    /// Last day of membership (inclusive), if known.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::values::ymd::option"
    )]
    pub end: Option<NaiveDate>,
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

    /// Whether the membership is in force on `today`.
    pub fn is_active(&self, today: NaiveDate) -> bool {
        self.start <= today && self.end.is_none_or(|end| today <= end)
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
            start,
            end: new.end,
        };
        let name = offer.name();
        if self.offers.iter().any(|o| o.name() == name) {
            return Err(Refusal::DuplicateOffer(name));
        }
        let at = self.offers.partition_point(|o| o.name() < name);
        self.offers.insert(at, offer);
        Ok(&self.offers[at])
    }

    /// Removes an offer and any activation still pending for its benefits. Contracts already
    /// activated stay: they are real contracts until they lapse.
    pub fn remove_offer(&mut self, name: &str) -> Result<Offer, Refusal> {
        self.require_organization()?;
        let name = slug(name);
        let at = self
            .offers
            .iter()
            .position(|o| o.name() == name)
            .ok_or_else(|| Refusal::UnknownOffer {
                name: name.clone(),
                known: self.offers.iter().map(Offer::name).collect(),
            })?;
        let prefix = format!("{name}/");
        self.pending.retain(|p| !p.benefit.starts_with(&prefix));
        Ok(self.offers.remove(at))
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
