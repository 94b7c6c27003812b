//! The built-in benefit catalog: which benefits each membership level and competency category
//! yields, with allowance, scope and Microsoft's plan name — kept as one data table.

use serde::{Deserialize, Serialize};

use super::contract::{Allowance, Coverage};

/// A membership level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Microsoft Action Pack subscription.
    ActionPack,
    /// A competency at Silver level.
    Silver,
    /// A competency at Gold level.
    Gold,
}

impl Level {
    /// The level as written on the command line and in names.
    pub fn slug(self) -> &'static str {
        match self {
            Level::ActionPack => "action-pack",
            Level::Silver => "silver",
            Level::Gold => "gold",
        }
    }
}

/// Whether a competency counts as a cloud competency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// One of the cloud competencies: cloud support is unlimited.
    Cloud,
    /// Any other competency: cloud support is a counted pack.
    Other,
}

impl Category {
    /// The category as shown and written in JSON.
    pub fn slug(self) -> &'static str {
        match self {
            Category::Cloud => "cloud",
            Category::Other => "other",
        }
    }
}

/// A benefit kind offered by the partner program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BenefitKind {
    /// Microsoft Product Support, for recent on-premises products ("Partner On-premises Support").
    ProductSupport,
    /// Signature Cloud Support, for cloud products ("Partner Cloud Support").
    CloudSupport,
}

impl BenefitKind {
    /// The benefit's name as used in `OFFER/BENEFIT`.
    pub fn slug(self) -> &'static str {
        match self {
            BenefitKind::ProductSupport => "product-support",
            BenefitKind::CloudSupport => "cloud-support",
        }
    }

    /// The benefit's display name in the source program.
    pub fn title(self) -> &'static str {
        match self {
            BenefitKind::ProductSupport => "Microsoft Product Support",
            BenefitKind::CloudSupport => "Signature Cloud Support",
        }
    }

    /// Maps a slug or one of Microsoft's names (old or June 2025) to the benefit kind.
    pub fn from_alias(slug: &str) -> Option<BenefitKind> {
        ALIASES
            .iter()
            .find(|(alias, _)| *alias == slug)
            .map(|(_, kind)| *kind)
    }
}

/// Every name a benefit is known by, as lowercase hyphenated slugs.
const ALIASES: &[(&str, BenefitKind)] = &[
    ("product-support", BenefitKind::ProductSupport),
    ("microsoft-product-support", BenefitKind::ProductSupport),
    ("on-premises-support", BenefitKind::ProductSupport),
    ("partner-on-premises-support", BenefitKind::ProductSupport),
    ("cloud-support", BenefitKind::CloudSupport),
    ("signature-cloud-support", BenefitKind::CloudSupport),
    ("partner-cloud-support", BenefitKind::CloudSupport),
];

/// Competencies that count as cloud competencies in the source program.
pub const CLOUD_COMPETENCIES: &[&str] = &[
    "Security",
    "Cloud Business Applications",
    "Cloud Platform",
    "Cloud Productivity",
    "Enterprise Mobility Management",
    "Small and Midmarket Cloud Solutions",
];

/// The other competencies of the source program (legacy MPN, until 2022).
pub const OTHER_COMPETENCIES: &[&str] = &[
    "Application Development",
    "Application Integration",
    "Collaboration and Content",
    "Communications",
    "Data Analytics",
    "Data Platform",
    "Datacenter",
    "DevOps",
    "Enterprise Resource Planning",
    "Learning",
    "Messaging",
    "Project and Portfolio Management",
    "Windows and Devices",
];

/// The category of a known competency name (case-insensitive, spaces counted once; "Security
/// Competency" is read as "Security"); `None` for a name the program does not have.
pub fn competency_category(name: &str) -> Option<Category> {
    // Spaces count once, wherever they are.
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = name
        .strip_suffix(" Competency")
        .or_else(|| name.strip_suffix(" competency"))
        .unwrap_or(&name);
    let known = |list: &[&str]| list.iter().any(|c| c.eq_ignore_ascii_case(name));
    match (known(CLOUD_COMPETENCIES), known(OTHER_COMPETENCIES)) {
        (true, _) => Some(Category::Cloud),
        (_, true) => Some(Category::Other),
        _ => None,
    }
}

/// The known competency names nearest to `name` (a typo's likely meaning), closest first.
pub fn nearest_competencies(name: &str) -> Vec<&'static str> {
    let name = name.trim().to_lowercase();
    let mut near: Vec<(usize, &str)> = CLOUD_COMPETENCIES
        .iter()
        .chain(OTHER_COMPETENCIES)
        .map(|c| (distance(&name, &c.to_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .collect();
    near.sort();
    near.into_iter().take(3).map(|(_, c)| c).collect()
}

/// How many characters to insert, delete or replace to turn `a` into `b` (Levenshtein).
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// One benefit an offer yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entitlement {
    /// Which benefit.
    pub kind: BenefitKind,
    /// Incidents it grants per contract term.
    pub allowance: Allowance,
    /// Products it covers.
    pub coverage: Coverage,
    /// Microsoft's plan name, shown on the contract.
    pub plan: &'static str,
}

/// One row of the catalog: a level, the competency category it applies to (`None` = any), and
/// one benefit.
struct Row {
    level: Level,
    category: Option<Category>,
    entitlement: Entitlement,
}

const fn row(
    level: Level,
    category: Option<Category>,
    kind: BenefitKind,
    allowance: Allowance,
    plan: &'static str,
) -> Row {
    let coverage = match kind {
        BenefitKind::ProductSupport => Coverage::OnPremises,
        BenefitKind::CloudSupport => Coverage::Cloud,
    };
    Row {
        level,
        category,
        entitlement: Entitlement {
            kind,
            allowance,
            coverage,
            plan,
        },
    }
}

use Allowance::{Incidents, Unlimited};
use BenefitKind::{CloudSupport, ProductSupport};
use Category::{Cloud, Other};
use Level::{ActionPack, Gold, Silver};

/// The partner-program catalog (source article, "Technical Support entitlement").
const CATALOG: &[Row] = &[
    row(
        ActionPack,
        None,
        ProductSupport,
        Incidents(10),
        "Partner support MAPS 10pack",
    ),
    row(
        Silver,
        None,
        ProductSupport,
        Incidents(15),
        "Partner support Silver 15pack",
    ),
    row(
        Silver,
        Some(Cloud),
        CloudSupport,
        Unlimited,
        "Partner Signature Cloud Support",
    ),
    row(
        Silver,
        Some(Other),
        CloudSupport,
        Incidents(5),
        "Partner Signature 5pack",
    ),
    row(
        Gold,
        None,
        ProductSupport,
        Incidents(20),
        "Partner support Gold 20pack",
    ),
    row(
        Gold,
        Some(Cloud),
        CloudSupport,
        Unlimited,
        "Partner Signature Cloud Support",
    ),
    row(
        Gold,
        Some(Other),
        CloudSupport,
        Incidents(10),
        "Partner Signature 10pack",
    ),
];

/// The benefits an offer of `level` (with a competency of `category`) yields, in catalog order.
pub fn entitlements(level: Level, category: Option<Category>) -> Vec<Entitlement> {
    CATALOG
        .iter()
        .filter(|r| r.level == level && (r.category.is_none() || r.category == category))
        .map(|r| r.entitlement)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_matches_the_program_table() {
        let show = |level, cat| -> Vec<(BenefitKind, Allowance)> {
            entitlements(level, cat)
                .into_iter()
                .map(|e| (e.kind, e.allowance))
                .collect()
        };
        let cases = [
            (ActionPack, None, vec![(ProductSupport, Incidents(10))]),
            (
                Silver,
                Some(Cloud),
                vec![(ProductSupport, Incidents(15)), (CloudSupport, Unlimited)],
            ),
            (
                Silver,
                Some(Other),
                vec![
                    (ProductSupport, Incidents(15)),
                    (CloudSupport, Incidents(5)),
                ],
            ),
            (
                Gold,
                Some(Cloud),
                vec![(ProductSupport, Incidents(20)), (CloudSupport, Unlimited)],
            ),
            (
                Gold,
                Some(Other),
                vec![
                    (ProductSupport, Incidents(20)),
                    (CloudSupport, Incidents(10)),
                ],
            ),
        ];
        for (level, cat, want) in cases {
            assert_eq!(show(level, cat), want, "{level:?} {cat:?}");
        }
    }

    #[test]
    fn competencies_are_known_by_name_and_a_typo_by_its_nearest_names() {
        for (name, category) in [
            ("Cloud Platform", Some(Cloud)),
            ("cloud platform", Some(Cloud)),
            ("Security Competency", Some(Cloud)),
            ("Small and Midmarket Cloud Solutions", Some(Cloud)),
            ("Data Analytics", Some(Other)),
            ("datacenter", Some(Other)),
            ("Cloud", None),
            ("Secutiry", None),
        ] {
            assert_eq!(competency_category(name), category, "{name}");
        }
        for (typo, nearest) in [
            ("Secutiry", &["Security"][..]),
            ("Cloud Platfrom", &["Cloud Platform"]),
            ("data analitycs", &["Data Analytics"]),
            ("Blockchain", &[]),
        ] {
            assert_eq!(nearest_competencies(typo), nearest, "{typo}");
        }
    }

    #[test]
    fn aliases() {
        assert_eq!(
            BenefitKind::from_alias("partner-on-premises-support"),
            Some(ProductSupport)
        );
        assert_eq!(
            BenefitKind::from_alias("partner-cloud-support"),
            Some(CloudSupport)
        );
        assert_eq!(BenefitKind::from_alias("support"), None);
    }
}
