//! R21, the N-1 policy: an on-premises incident is for the newest version of a product family
//! released by then (N), or the one before it (N-1), while it is in mainstream support. The
//! lifecycle table is data (`data/lifecycle.csv`, read by `store/lifecycle.rs`); this module
//! finds a product in it and applies the rule on a day.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::refusal::Refusal;

/// A date the lifecycle table gives, or why it gives none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleDate {
    /// A calendar day (the last day, for an end: inclusive).
    Day(NaiveDate),
    /// There is none (`n/a`, `none`: the modern policy has no fixed end).
    NoEnd,
    /// None is known (`?`).
    Unknown,
}

impl std::fmt::Display for LifecycleDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LifecycleDate::Day(d) => write!(f, "{d}"),
            LifecycleDate::NoEnd => f.write_str("none"),
            LifecycleDate::Unknown => f.write_str("?"),
        }
    }
}

/// One product version of the lifecycle table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductVersion {
    /// Microsoft's lifecycle slug (`windows-server-2019`; `-*` for every component of a suite).
    pub product_id: String,
    /// The family its versions succeed each other in (`windows-server`).
    pub family: String,
    /// The name as Microsoft writes it.
    pub product: String,
    /// `fixed`, `fixed-mainstream-only`, `modern-on-prem`, …
    pub policy: String,
    /// Released.
    pub start: LifecycleDate,
    /// Last day of mainstream support.
    pub mainstream_end: LifecycleDate,
    /// Last day of extended support.
    pub extended_end: LifecycleDate,
    /// How sure the dates are: `VERIFIED`, `VERIFIED-SNAPSHOT`, `CONFLICT`, `UNVERIFIED`, …
    pub status: String,
    /// Where the dates were read.
    pub source: String,
}

impl ProductVersion {
    /// Whether its dates rest on a primary source (`VERIFIED…`).
    pub fn is_verified(&self) -> bool {
        self.status.starts_with("VERIFIED")
    }

    /// Whether Microsoft still supported it at the end of `day`, in extended support if not in
    /// mainstream (a version with no extended support ends with its mainstream support).
    pub fn supported_on(&self, day: NaiveDate) -> bool {
        let ended = |d: LifecycleDate| matches!(d, LifecycleDate::Day(end) if end < day);
        let no_extended = self.extended_end == LifecycleDate::NoEnd;
        !(ended(self.extended_end) || no_extended && ended(self.mainstream_end))
    }

    /// Whether it was in mainstream support at the end of `day`.
    fn in_mainstream(&self, day: NaiveDate) -> bool {
        match self.mainstream_end {
            LifecycleDate::Day(end) => day <= end,
            LifecycleDate::NoEnd | LifecycleDate::Unknown => true,
        }
    }

    fn released_by(&self, day: NaiveDate) -> Option<NaiveDate> {
        match self.start {
            LifecycleDate::Day(start) if start <= day => Some(start),
            _ => None,
        }
    }

    /// The names it is known by, normalized: its name, its slug, and for a suite
    /// ("System Center 2016 Operations Manager / Virtual Machine Manager / …") each component
    /// with the suite's name and version, and the suite alone.
    fn names(&self) -> Vec<String> {
        let mut names = vec![
            normalize(&self.product),
            normalize(&self.product_id.trim_end_matches("-*").replace('-', " ")),
        ];
        let mut parts = self.product.split(" / ");
        if let (Some(first), Some(_)) = (parts.next(), self.product.find(" / ")) {
            let words: Vec<&str> = first.split_whitespace().collect();
            if let Some(at) = words
                .iter()
                .position(|w| w.chars().any(|c| c.is_ascii_digit()))
            {
                let suite = words[..=at].join(" ");
                names.push(normalize(first));
                names.push(normalize(&suite));
                names.extend(parts.map(|p| normalize(&format!("{suite} {p}"))));
            }
        }
        names
    }
}

/// Lowercase, without "Microsoft", punctuation or repeated spaces.
fn normalize(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    cleaned
        .split_whitespace()
        .filter(|w| *w != "microsoft")
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the table says of a product name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// This version (the longest known name the product starts with: "Exchange Server 2019
    /// CU14" is Exchange Server 2019).
    Known(&'a ProductVersion),
    /// This version, whose release date the table does not give (the rule cannot decide).
    Undated(&'a ProductVersion),
    /// Not in the table; these known names are near it.
    Near(Vec<&'a str>),
    /// Not in the table, and nothing near it.
    Unknown,
}

/// Whether a version was entitled on a day, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The newest version of its family released by then (N), in mainstream support.
    Newest,
    /// The one before the newest (N-1), in mainstream support.
    Previous,
    /// Its mainstream support ended on this day.
    MainstreamEnded(NaiveDate),
    /// Two or more versions are newer (N-2 or older).
    TooOld {
        /// The newest version then.
        newest: String,
    },
    /// Not released yet on the day.
    NotReleased,
    /// The table gives no release day: the rule cannot be applied.
    Undetermined,
}

impl Verdict {
    /// Whether an incident may be opened for it.
    pub fn is_entitled(&self) -> bool {
        matches!(self, Verdict::Newest | Verdict::Previous)
    }

    /// Why it is not entitled, in words; `None` when it is.
    pub fn reason(&self) -> Option<String> {
        match self {
            Verdict::Newest | Verdict::Previous => None,
            Verdict::MainstreamEnded(on) => Some(format!("its mainstream support ended on {on}")),
            Verdict::TooOld { newest } => Some(format!(
                "it is N-2 or older (the newest version is {newest})"
            )),
            Verdict::NotReleased => Some("it was not released yet".to_string()),
            Verdict::Undetermined => Some("the lifecycle table gives no release date".to_string()),
        }
    }
}

/// The lifecycle table: every product version it knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    versions: Vec<ProductVersion>,
}

impl Lifecycle {
    /// A table of these versions.
    pub fn new(versions: Vec<ProductVersion>) -> Lifecycle {
        Lifecycle { versions }
    }

    /// Its families, each once, in the table's order.
    pub fn families(&self) -> Vec<&str> {
        let mut families: Vec<&str> = Vec::new();
        for v in &self.versions {
            if !families.contains(&v.family.as_str()) {
                families.push(&v.family);
            }
        }
        families
    }

    /// Every version, in the table's order.
    pub fn versions(&self) -> &[ProductVersion] {
        &self.versions
    }

    /// Adds each of `rows`, or puts it in the place of the version with its `product_id`: one
    /// index of the table's IDs, so a file of many rows takes time in proportion to its rows.
    pub fn set(&mut self, rows: impl IntoIterator<Item = ProductVersion>) {
        let mut at: HashMap<String, usize> = self
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| (v.product_id.clone(), i))
            .collect();
        for row in rows {
            match at.get(&row.product_id) {
                Some(&i) => self.versions[i] = row,
                None => {
                    at.insert(row.product_id.clone(), self.versions.len());
                    self.versions.push(row);
                }
            }
        }
    }

    /// The version `product` names, or the known names near it.
    pub fn find(&self, product: &str) -> Lookup<'_> {
        if let Some(v) = self.known(product) {
            return Lookup::Known(v);
        }
        let wanted = normalize(product);
        let mut near: Vec<(usize, &str)> = self
            .versions
            .iter()
            .map(|v| {
                (
                    strsim::levenshtein(&wanted, &normalize(&v.product)),
                    v.product.as_str(),
                )
            })
            .filter(|(d, name)| *d <= (name.len() / 5).max(2))
            .collect();
        near.sort();
        near.dedup_by_key(|(_, name)| *name);
        // The closest only: "Windows Servr 2022" is 2022, not also 2025.
        let best = near.first().map(|(d, _)| *d);
        near.retain(|(d, _)| Some(*d) == best);
        match near.is_empty() {
            true => Lookup::Unknown,
            false => Lookup::Near(near.into_iter().take(3).map(|(_, n)| n).collect()),
        }
    }

    /// The version `product` names: the longest known name it starts with ("Exchange Server
    /// 2019 CU14" is Exchange Server 2019); `None` when it names none.
    pub fn known(&self, product: &str) -> Option<&ProductVersion> {
        let wanted = normalize(product);
        self.versions
            .iter()
            .flat_map(|v| v.names().into_iter().map(move |n| (n, v)))
            .filter(|(n, _)| {
                wanted == *n
                    || wanted
                        .strip_prefix(n.as_str())
                        .is_some_and(|rest| rest.starts_with(' '))
            })
            .max_by_key(|(n, _)| n.len())
            .map(|(_, v)| v)
    }

    /// R21 for `version` at the end of `day`.
    pub fn verdict(&self, version: &ProductVersion, day: NaiveDate) -> Verdict {
        let newest = self.newest_two(day, Some(&version.family));
        verdict_among(version, day, newest.get(version.family.as_str()))
    }

    /// R21 for each version of the table (or of `family`) at the end of `day`, in the table's
    /// order: each family's newest two are found once, not once a version (the table may be a
    /// partner's file of 100 000 rows).
    pub fn verdicts<'a>(
        &'a self,
        day: NaiveDate,
        family: Option<&str>,
    ) -> Vec<(&'a ProductVersion, Verdict)> {
        let newest = self.newest_two(day, family);
        self.versions
            .iter()
            .filter(|v| family.is_none_or(|f| v.family == f))
            .map(|v| (v, verdict_among(v, day, newest.get(v.family.as_str()))))
            .collect()
    }

    /// The two newest versions of each family (or of `family`) released by the end of `day`:
    /// the release day decides, the slug breaks a tie.
    fn newest_two(&self, day: NaiveDate, family: Option<&str>) -> HashMap<&str, Newest<'_>> {
        let mut newest: HashMap<&str, Newest<'_>> = HashMap::new();
        for v in self
            .versions
            .iter()
            .filter(|v| family.is_none_or(|f| v.family == f))
        {
            let Some(released) = v.released_by(day) else {
                continue;
            };
            let key = (released, v.product_id.as_str());
            let two = newest.entry(v.family.as_str()).or_default();
            fn rank(slot: Option<(NaiveDate, &ProductVersion)>) -> Option<(NaiveDate, &str)> {
                slot.map(|(d, w)| (d, w.product_id.as_str()))
            }
            if rank(two[0]).is_none_or(|first| key > first) {
                two[1] = two[0];
                two[0] = Some((released, v));
            } else if rank(two[1]).is_none_or(|second| key > second) {
                two[1] = Some((released, v));
            }
        }
        newest
    }

    /// R21 for an on-premises incident about `product` opened on `day`: refused (in Microsoft's
    /// words, with the versions entitled then) when the table says it is not entitled; a product
    /// the table does not know, or gives no release date for, passes unchecked.
    pub fn allows(&self, product: &str, day: NaiveDate) -> Result<Lookup<'_>, Refusal> {
        let lookup = self.find(product);
        let Lookup::Known(v) = lookup else {
            return Ok(lookup);
        };
        if self.verdict(v, day) == Verdict::Undetermined {
            return Ok(Lookup::Undated(v));
        }
        match self.refusal(v, day) {
            Some(refusal) => Err(refusal),
            None => Ok(lookup),
        }
    }

    /// Why an incident about `version` could not be opened on `day` (R21), in Microsoft's
    /// words with the versions entitled then; `None` when it could, or the rule can't decide.
    pub fn refusal(&self, v: &ProductVersion, day: NaiveDate) -> Option<Refusal> {
        let verdict = self.verdict(v, day);
        if verdict == Verdict::Undetermined {
            return None;
        }
        if let Some(reason) = verdict.reason() {
            // The rows that decided it: its own, and those of the newer versions it lost to.
            let unverified = self
                .versions
                .iter()
                .filter(|o| o.family == v.family && !o.is_verified())
                .filter(|o| {
                    o.product_id == v.product_id
                        || o.released_by(day)
                            .is_some_and(|d| Some(d) > v.released_by(day))
                })
                .map(|o| format!("{} ({})", o.product, o.status))
                .collect();
            return Some(Refusal::ProductNotEntitled {
                product: v.product.clone(),
                on: day,
                reason,
                entitled: self
                    .entitled(&v.family, day)
                    .iter()
                    .map(|e| e.product.clone())
                    .collect(),
                unverified,
            });
        }
        None
    }

    /// R21 for an on-premises incident about `product` opened on `day`, as [`Lifecycle::allows`]
    /// decides it: `Ok(None)` when the table entitles it, `Ok(Some(why))` when it could not
    /// check it.
    pub fn check(&self, product: &str, day: NaiveDate) -> Result<Option<Unchecked>, Refusal> {
        Ok(match self.allows(product, day)? {
            Lookup::Known(_) => None,
            Lookup::Undated(v) => Some(Unchecked::Undated {
                product: v.product.clone(),
                status: v.status.clone(),
            }),
            Lookup::Near(names) => Some(Unchecked::Unknown {
                product: product.to_string(),
                nearest: names.into_iter().map(str::to_string).collect(),
            }),
            Lookup::Unknown => Some(Unchecked::Unknown {
                product: product.to_string(),
                nearest: Vec::new(),
            }),
        })
    }

    /// The versions of `family` entitled at the end of `day`, newest first.
    pub fn entitled(&self, family: &str, day: NaiveDate) -> Vec<&ProductVersion> {
        let mut entitled: Vec<&ProductVersion> = self
            .verdicts(day, Some(family))
            .into_iter()
            .filter(|(_, verdict)| verdict.is_entitled())
            .map(|(v, _)| v)
            .collect();
        entitled.sort_by_key(|v| std::cmp::Reverse(v.released_by(day)));
        entitled
    }
}

/// A family's newest version released by a day, then the one before it.
type Newest<'a> = [Option<(NaiveDate, &'a ProductVersion)>; 2];

/// R21 for `version` at the end of `day`, given its family's `newest` two then.
fn verdict_among(version: &ProductVersion, day: NaiveDate, newest: Option<&Newest<'_>>) -> Verdict {
    if version.start == LifecycleDate::Unknown {
        return Verdict::Undetermined;
    }
    if version.released_by(day).is_none() {
        return Verdict::NotReleased;
    }
    let is = |slot: &Option<(NaiveDate, &ProductVersion)>| {
        slot.is_some_and(|(_, v)| v.product_id == version.product_id)
    };
    let newest = newest.expect("a version released by the day is among its family's");
    let rank = match (is(&newest[0]), is(&newest[1])) {
        (true, _) => 0,
        (_, true) => 1,
        _ => {
            return Verdict::TooOld {
                newest: newest[0]
                    .expect("a family with a version released has a newest")
                    .1
                    .product
                    .clone(),
            };
        }
    };
    if !version.in_mainstream(day)
        && let LifecycleDate::Day(end) = version.mainstream_end
    {
        return Verdict::MainstreamEnded(end);
    }
    match rank {
        0 => Verdict::Newest,
        _ => Verdict::Previous,
    }
}

/// Why the N-1 policy was not checked for an incident's product (R21): a note, not a refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unchecked {
    /// The table has the product but no release date for it.
    #[error(
        "the product lifecycle table gives no release date for {product} ({status}), so the N-1 policy was not checked"
    )]
    Undated {
        /// The product version.
        product: String,
        /// How sure its row is.
        status: String,
    },
    /// The table does not have the product; `nearest` are the names most like it.
    #[error("`{product}` is not in the product lifecycle table, so the N-1 policy was not checked{}", super::refusal::nearest_of(.nearest))]
    Unknown {
        /// The product as given.
        product: String,
        /// The table's names nearest to it.
        nearest: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::d;

    fn version(
        id: &str,
        family: &str,
        product: &str,
        start: &str,
        mainstream: &str,
    ) -> ProductVersion {
        let date = |s: &str| match s {
            "none" => LifecycleDate::NoEnd,
            "?" => LifecycleDate::Unknown,
            s => LifecycleDate::Day(d(s)),
        };
        ProductVersion {
            product_id: id.into(),
            family: family.into(),
            product: product.into(),
            policy: "fixed".into(),
            start: date(start),
            mainstream_end: date(mainstream),
            extended_end: LifecycleDate::Unknown,
            status: "VERIFIED".into(),
            source: "test".into(),
        }
    }

    fn windows_server() -> Lifecycle {
        Lifecycle::new(vec![
            version(
                "windows-server-2012-r2",
                "windows-server",
                "Windows Server 2012 R2",
                "2013-11-25",
                "2018-10-09",
            ),
            version(
                "windows-server-2016",
                "windows-server",
                "Windows Server 2016",
                "2016-10-15",
                "2022-01-11",
            ),
            version(
                "windows-server-2019",
                "windows-server",
                "Windows Server 2019",
                "2018-11-13",
                "2024-01-09",
            ),
            version(
                "windows-server-2022",
                "windows-server",
                "Windows Server 2022",
                "2021-08-18",
                "2026-10-13",
            ),
            version(
                "windows-server-2025",
                "windows-server",
                "Windows Server 2025",
                "2024-11-01",
                "2029-11-13",
            ),
            version(
                "system-center-2019-*",
                "system-center",
                "System Center 2019 Operations Manager / Virtual Machine Manager",
                "2019-03-14",
                "2024-04-09",
            ),
        ])
    }

    #[test]
    fn r21_newest_and_the_one_before_while_in_mainstream_support() {
        let t = windows_server();
        let on = |product: &str, day: &str| match t.find(product) {
            Lookup::Known(v) => t.verdict(v, d(day)),
            other => panic!("{product}: {other:?}"),
        };
        let cases = [
            ("Windows Server 2022", "2026-06-15", Verdict::Previous),
            ("Windows Server 2025", "2026-06-15", Verdict::Newest),
            ("Windows Server 2022", "2026-10-13", Verdict::Previous),
            (
                "Windows Server 2022",
                "2026-10-14",
                Verdict::MainstreamEnded(d("2026-10-13")),
            ),
            (
                "Windows Server 2019",
                "2026-06-15",
                Verdict::TooOld {
                    newest: "Windows Server 2025".into(),
                },
            ),
            // Before 2025 was released, 2019 was N-1 but out of mainstream support.
            (
                "Windows Server 2019",
                "2024-06-01",
                Verdict::MainstreamEnded(d("2024-01-09")),
            ),
            ("Windows Server 2019", "2023-06-01", Verdict::Previous),
            ("Windows Server 2012 R2", "2017-01-01", Verdict::Previous),
            ("Windows Server 2025", "2024-10-31", Verdict::NotReleased),
        ];
        for (product, day, want) in cases {
            assert_eq!(on(product, day), want, "{product} on {day}");
        }
        assert_eq!(
            t.entitled("windows-server", d("2026-06-15"))
                .iter()
                .map(|v| v.product.as_str())
                .collect::<Vec<_>>(),
            ["Windows Server 2025", "Windows Server 2022"]
        );
    }

    #[test]
    fn every_verdict_at_once_is_each_verdict_alone() {
        let mut t = windows_server();
        // A tie on the release day: the slug decides, at once as alone.
        t.set(
            t.versions()
                .iter()
                .cloned()
                .chain([version(
                    "windows-server-2025-datacenter",
                    "windows-server",
                    "Windows Server 2025 Datacenter",
                    "2024-11-01",
                    "2029-11-13",
                )])
                .collect::<Vec<_>>(),
        );
        for day in [
            "2013-11-25",
            "2017-01-01",
            "2023-06-01",
            "2024-11-01",
            "2026-12-06",
        ] {
            for family in [None, Some("windows-server"), Some("system-center")] {
                let all = t.verdicts(d(day), family);
                assert!(!all.is_empty(), "{day} {family:?}");
                for (v, verdict) in all {
                    assert_eq!(verdict, t.verdict(v, d(day)), "{} on {day}", v.product);
                }
            }
        }
    }

    #[test]
    fn a_product_is_found_by_its_name_slug_edition_or_suite_component_and_a_typo_by_its_nearest() {
        let t = windows_server();
        let found = |p: &str| match t.find(p) {
            Lookup::Known(v) => v.product_id.clone(),
            other => format!("{other:?}"),
        };
        assert_eq!(found("windows server 2012 r2"), "windows-server-2012-r2");
        assert_eq!(
            found("Microsoft Windows Server 2019 Datacenter"),
            "windows-server-2019"
        );
        assert_eq!(found("windows-server-2016"), "windows-server-2016");
        assert_eq!(
            found("System Center 2019 Virtual Machine Manager"),
            "system-center-2019-*"
        );
        assert!(matches!(t.find("Windows Server 2012"), Lookup::Near(_)));
        assert_eq!(
            t.find("Windows Servr 2022"),
            Lookup::Near(vec!["Windows Server 2022"])
        );
        assert_eq!(t.find("Acme Widget 7"), Lookup::Unknown);
        // "2012" does not find "2012 R2": a name matches on whole words.
        assert!(matches!(t.find("Windows Server 20122"), Lookup::Near(_)));
    }
}
