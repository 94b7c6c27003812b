//! A benefit the organization decided not to use for one membership year: recorded, so that the
//! gate stops asking for its activation that year instead of being told to ignore it forever.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::activation::{BenefitState, resolve_benefit};
use super::offer::Year;
use super::refusal::Refusal;
use super::state::State;
use super::values::{Email, Text};

/// A benefit declined for the membership year that starts on `year`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declined {
    /// `OFFER/BENEFIT`.
    pub benefit: String,
    /// The first day of the membership year it is declined for.
    #[serde(with = "crate::domain::values::ymd")]
    pub year: NaiveDate,
    /// The day it was declined.
    #[serde(with = "crate::domain::values::ymd")]
    pub on: NaiveDate,
    /// Who declined it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Email>,
    /// Why, in the team's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Text>,
}

impl State {
    /// Records that the organization will not use `benefit` in its membership year in force on
    /// `today` (a request still pending that year is withdrawn). Refused for a benefit already
    /// allocated that year, or declined already. Activating it later withdraws the decline.
    /// Returns the benefit's full name and the year.
    pub fn decline(
        &mut self,
        benefit: &str,
        reason: Option<Text>,
        actor: Option<&Email>,
        today: NaiveDate,
    ) -> Result<(String, Year), Refusal> {
        self.require_organization()?;
        let account = actor.and_then(|e| self.account(e));
        self.require_activator(account, "declining a benefit")?;
        let views = self.benefits(today);
        let view = resolve_benefit(benefit, &views)?;
        let (name, year) = (view.name.clone(), view.year);
        if let Some(refusal) = view.allocated() {
            return Err(refusal);
        }
        if let BenefitState::Declined { on, .. } = &view.state {
            return Err(Refusal::AlreadyDeclined {
                benefit: name,
                on: *on,
                year,
            });
        }
        self.pending
            .retain(|p| p.benefit != name || !year.contains(p.requested_on));
        let declined = Declined {
            benefit: name.clone(),
            year: year.start,
            on: today,
            by: actor.cloned(),
            reason,
        };
        let at = self
            .declined
            .partition_point(|d| (d.benefit.as_str(), d.year) < (name.as_str(), year.start));
        self.declined.insert(at, declined);
        Ok((name, year))
    }

    /// The decline of benefit `name` for the year starting `year`, if recorded.
    pub fn declined_for(&self, name: &str, year: NaiveDate) -> Option<&Declined> {
        self.declined
            .iter()
            .find(|d| d.benefit == name && d.year == year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::activation::Activation;
    use crate::domain::check::{Filter, Thresholds};
    use crate::domain::testing::{TODAY, d, org_with};

    fn admin() -> Email {
        "admin@contoso.com".parse().unwrap()
    }

    fn contoso() -> State {
        let mut s = org_with(&[("gold", Some(("Cloud Platform", "cloud")))]);
        s.add_account(crate::domain::testing::account(
            "admin@contoso.com",
            &[crate::domain::account::Role::GlobalAdmin],
            false,
        ))
        .unwrap();
        s
    }

    #[test]
    fn a_declined_benefit_asks_for_nothing_that_year_and_activating_it_withdraws_the_decline() {
        let mut s = contoso();
        let benefit = "gold-cloud-platform/cloud-support";
        let findings = |s: &State, day: &str| -> Vec<String> {
            s.check(d(day), &Thresholds::default(), &Filter::default())
                .unwrap()
                .findings
                .into_iter()
                .filter_map(|f| f.benefit)
                .collect()
        };
        assert!(findings(&s, TODAY).iter().any(|b| b == benefit));
        let (name, year) = s
            .decline(
                "cloud-support",
                Some("Premier covers cloud".parse().unwrap()),
                Some(&admin()),
                d(TODAY),
            )
            .unwrap();
        assert_eq!((name.as_str(), year.start), (benefit, d("2026-01-01")));
        assert!(!findings(&s, TODAY).iter().any(|b| b == benefit));
        // The next year asks again.
        assert!(findings(&s, "2027-01-20").iter().any(|b| b == benefit));
        let cases = [
            // Declined twice: said, not recorded twice.
            ("cloud-support", "already declined"),
            ("gold-cloud-platform/nothing", "unknown benefit"),
        ];
        for (input, want) in cases {
            let err = s
                .decline(input, None, Some(&admin()), d(TODAY))
                .unwrap_err();
            assert!(
                err.to_string().to_lowercase().contains(want)
                    || matches!(err, Refusal::UnknownBenefit { .. }),
                "{input}: {err}"
            );
        }
        // Changing one's mind: requesting it withdraws the decline for that year; declining
        // again withdraws the request.
        s.activate(benefit, Activation::default(), Some(&admin()), d(TODAY))
            .unwrap();
        assert!(s.declined_for(benefit, d("2026-01-01")).is_none());
        s.decline(benefit, None, Some(&admin()), d(TODAY)).unwrap();
        assert!(s.pending.is_empty());
        // Allocated this year: too late to decline.
        let ids = Activation {
            ids: Some(("ACC-1".parse().unwrap(), "7000001".parse().unwrap())),
            ..Activation::default()
        };
        s.activate(benefit, ids, Some(&admin()), d(TODAY)).unwrap();
        assert!(matches!(
            s.decline(benefit, None, Some(&admin()), d(TODAY)),
            Err(Refusal::AlreadyActive { .. })
        ));
        assert!(s.problems().is_empty(), "{:?}", s.problems());
    }
}
