//! Catalog files (TOML, `docs/catalog.md`): the built-in ones, a partner's own read and checked
//! with the line of every problem, and the record of a catalog a state file keeps.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::domain::catalog::{
    BenefitKind, Catalog, FigureStatus, Grant, OfferKind, OptionKind, Package, Validity,
};
use crate::domain::contract::{Allowance, Coverage};
use crate::domain::offer::slug;
use crate::domain::values::Text;

/// A catalog built into the binary: its TOML file in the crate's `catalogs/` folder, and the
/// same catalog compiled to JSON beside it. A command reads the JSON (serde_json decodes it in a
/// fraction of the time the TOML parser takes); a test holds the two equal, and writes the JSON
/// anew with `PARTNER_SUPPORT_BLESS=1`.
pub struct BuiltIn {
    /// The catalog's name.
    pub name: &'static str,
    /// The file, as written.
    pub toml: &'static str,
    /// The catalog it reads as, compiled.
    pub json: &'static str,
}

/// The catalogs built into the binary.
pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        name: "mpn-2021",
        toml: include_str!("../../catalogs/mpn-2021.toml"),
        json: include_str!("../../catalogs/mpn-2021.json"),
    },
    BuiltIn {
        name: "ai-cloud-partner-program",
        toml: include_str!("../../catalogs/ai-cloud-partner-program.toml"),
        json: include_str!("../../catalogs/ai-cloud-partner-program.json"),
    },
];

/// The most a catalog may hold once its comments are left out: the state keeps a copy, read by
/// every command (the built-in one is under 10 KiB).
pub const MAX_CATALOG_BYTES: usize = 1 << 20;

/// The legacy program, the only one before schema 5 recorded a state's catalog.
pub const LEGACY: &str = "mpn-2021";

/// Today's program.
pub const CURRENT: &str = "ai-cloud-partner-program";

/// The catalog a new state started on `day` gets unless `init --catalog` says otherwise: the
/// legacy program while Microsoft sold its offers (its `sold-until`), today's after.
pub fn default_for(day: chrono::NaiveDate) -> &'static str {
    let legacy = built_in(LEGACY).expect("the legacy catalog is built in");
    if legacy.sold_until.is_some_and(|until| day <= until) {
        LEGACY
    } else {
        CURRENT
    }
}

/// One problem of a catalog file, at its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProblem {
    /// 1-based.
    pub line: usize,
    /// What is wrong, naming the value.
    pub message: String,
}

impl std::fmt::Display for CatalogProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The built-in catalog named `name`.
pub fn built_in(name: &str) -> Option<Catalog> {
    let built = BUILT_IN.iter().find(|b| b.name == name)?;
    Some(serde_json::from_str(built.json).expect("a built-in catalog is checked by the tests"))
}

/// Every built-in catalog, for an offer a state's own catalogs do not have.
pub fn all_built_in() -> Vec<Arc<Catalog>> {
    BUILT_IN
        .iter()
        .filter_map(|b| built_in(b.name))
        .map(Arc::new)
        .collect()
}

/// What `init --catalog` and `catalog use` were given: a built-in catalog's name, else a file.
pub fn choose(name_or_file: &str) -> Result<Catalog, String> {
    if let Some(catalog) = built_in(name_or_file) {
        return Ok(catalog);
    }
    let path = Path::new(name_or_file);
    if !path.exists() && !name_or_file.contains(['/', '.']) {
        return Err(format!(
            "`{name_or_file}` is not a built-in catalog ({}) or a file",
            BUILT_IN
                .iter()
                .map(|b| b.name)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let text = super::files::read_input(path, super::files::MAX_CATALOG_FILE_BYTES)
        .map_err(|e| format!("cannot read the catalog `{}`: {e}", path.display()))?;
    parse(&text).map_err(|problems| {
        format!(
            "the catalog `{}` has {} problem{}:\n{}",
            path.display(),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            at_lines(path, &problems)
        )
    })
}

/// `problems` of the file at `path`, one `FILE:LINE: message` line each.
pub fn at_lines(path: &Path, problems: &[CatalogProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}:{}: {}", path.display(), p.line, p.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The catalog in `text`, or every problem found with its line. The catalog keeps `text` as its
/// copy.
pub fn parse(text: &str) -> Result<Catalog, Vec<CatalogProblem>> {
    let line = |at: usize| 1 + text[..at.min(text.len())].matches('\n').count();
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        vec![CatalogProblem {
            line: e.span().map_or(1, |s| line(s.start)),
            message: e.message().trim().to_string(),
        }]
    })?;
    let mut check = Check {
        problems: Vec::new(),
        line: &line,
    };
    check.shown_text(text);
    let copy = canonical(text);
    if copy.len() > MAX_CATALOG_BYTES {
        check.problems.push(CatalogProblem {
            line: 1,
            message: format!(
                "the catalog is {} KiB without its comments, and a catalog may be at most {} KiB: every state under it keeps a copy",
                copy.len().div_ceil(1024),
                MAX_CATALOG_BYTES / 1024
            ),
        });
    }
    let catalog = check.catalog(raw, &copy);
    if check.problems.is_empty() {
        Ok(catalog)
    } else {
        check.problems.sort_by_key(|p| p.line);
        Err(check.problems)
    }
}

/// The file's content without its comments and layout, as the state keeps it: what was parsed,
/// not what was around it (a file of comments would make the state carry them to every
/// teammate). The same content always gives the same text.
fn canonical(text: &str) -> String {
    toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| toml::to_string(&t).ok())
        .unwrap_or_else(|| text.to_string())
}

/// What a state file keeps of its catalog: a built-in one's name, or a file's name, version and
/// whole text, so that the state stays readable when the file moves or changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogRecord {
    /// The catalog's name.
    pub name: String,
    /// A file's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The xxh3-128 hash of `text`, to tell whether a file is the one recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// A file's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The xxh3-128 hash of a catalog file's text, as recorded.
pub fn digest(text: &str) -> String {
    format!(
        "xxh3-128:{:032x}",
        xxhash_rust::xxh3::xxh3_128(text.as_bytes())
    )
}

impl CatalogRecord {
    /// The record of `catalog`.
    pub fn of(catalog: &Catalog) -> CatalogRecord {
        CatalogRecord {
            name: catalog.name.clone(),
            version: catalog.copy.as_ref().map(|_| catalog.version.clone()),
            digest: catalog.copy.as_deref().map(digest),
            text: catalog.copy.clone(),
        }
    }

    /// The catalog recorded: a built-in one by its name, else the recorded text.
    pub fn resolve(&self) -> Result<Arc<Catalog>, String> {
        let Some(text) = &self.text else {
            return built_in(&self.name).map(Arc::new).ok_or_else(|| {
                format!(
                    "its catalog `{}` is not built into this version of partner-support",
                    self.name
                )
            });
        };
        if let Some(recorded) = self.digest.as_ref().filter(|d| **d != digest(text)) {
            return Err(format!(
                "the copy of its catalog `{}` does not match its digest {recorded}",
                self.name
            ));
        }
        let catalog = parse(text).map_err(|problems| {
            format!(
                "the copy of its catalog `{}` is not a valid catalog: {}",
                self.name, problems[0]
            )
        })?;
        if catalog.name != self.name {
            return Err(format!(
                "the copy of its catalog says it is `{}`, not `{}`",
                catalog.name, self.name
            ));
        }
        Ok(Arc::new(catalog))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    catalog: Spanned<RawHead>,
    #[serde(default)]
    options: Vec<Spanned<RawOption>>,
    #[serde(default)]
    benefits: Vec<Spanned<RawBenefit>>,
    #[serde(default)]
    offers: Vec<Spanned<RawOffer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHead {
    name: Spanned<String>,
    title: Spanned<String>,
    version: Spanned<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default, rename = "sold-until")]
    sold_until: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    id: Spanned<String>,
    #[serde(default)]
    categories: Vec<Spanned<String>>,
    #[serde(default)]
    values: Option<Spanned<RawValues>>,
    #[serde(default)]
    open: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawValues {
    /// Values of an option without categories.
    List(Vec<String>),
    /// Values by category.
    ByCategory(toml::Table),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBenefit {
    id: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    scope: Spanned<String>,
    #[serde(rename = "n-minus-one")]
    n_minus_one: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOffer {
    id: Spanned<String>,
    title: Spanned<String>,
    kind: String,
    #[serde(default)]
    option: Option<Spanned<String>>,
    #[serde(default)]
    package: Option<Spanned<String>>,
    #[serde(default)]
    benefits: Vec<Spanned<RawGrant>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrant {
    benefit: Spanned<String>,
    #[serde(default)]
    category: Option<Spanned<String>>,
    allowance: Spanned<toml::Value>,
    plan: Spanned<String>,
    #[serde(default, rename = "former-plans")]
    former_plans: Vec<Spanned<String>>,
    #[serde(default, rename = "renamed-on")]
    renamed_on: Option<Spanned<String>>,
    #[serde(default)]
    validity: Option<Spanned<RawValidity>>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    status: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValidity {
    months: Spanned<i64>,
    from: Spanned<String>,
}

/// The checks of a catalog's meaning, each problem with its line.
struct Check<'a> {
    problems: Vec<CatalogProblem>,
    line: &'a dyn Fn(usize) -> usize,
}

impl Check<'_> {
    /// Every string of the file, and every key, must be text a terminal can show as it is: a
    /// catalog's words are printed to every teammate whose state keeps a copy of it.
    fn shown_text(&mut self, text: &str) {
        // A file that does not parse has said so already.
        let Ok(doc) = toml::de::DeTable::parse(text) else {
            return;
        };
        let mut strings: Vec<(String, Spanned<String>)> = Vec::new();
        fn walk(
            path: &str,
            value: &Spanned<toml::de::DeValue<'_>>,
            out: &mut Vec<(String, Spanned<String>)>,
        ) {
            match value.get_ref() {
                toml::de::DeValue::String(s) => {
                    out.push((path.to_string(), Spanned::new(value.span(), s.to_string())))
                }
                toml::de::DeValue::Array(items) => {
                    for item in items.iter() {
                        walk(path, item, out);
                    }
                }
                toml::de::DeValue::Table(table) => {
                    for (key, item) in table.iter() {
                        let path = match path {
                            "" => key.get_ref().to_string(),
                            _ => format!("{path}.{}", key.get_ref()),
                        };
                        out.push((
                            path.clone(),
                            Spanned::new(key.span(), key.get_ref().to_string()),
                        ));
                        walk(&path, item, out);
                    }
                }
                _ => {}
            }
        }
        let root = Spanned::new(doc.span(), toml::de::DeValue::Table(doc.into_inner()));
        walk("", &root, &mut strings);
        for (path, value) in strings {
            if let Some((c, what)) = crate::domain::values::unshowable(value.get_ref()) {
                self.problem(
                    &value,
                    format!(
                        "`{path}` holds U+{:04X}, {what}, which is not allowed in text that is shown",
                        u32::from(c)
                    ),
                );
            }
        }
    }

    fn problem<T>(&mut self, at: &Spanned<T>, message: String) {
        let line = (self.line)(at.span().start);
        self.problems.push(CatalogProblem { line, message });
    }

    /// A name as the command line takes it: a slug, with no `/`.
    fn name(&mut self, what: &str, name: &Spanned<String>) -> String {
        let value = name.get_ref();
        if value.is_empty() || slug(value) != *value {
            self.problem(
                name,
                format!(
                    "{what} `{value}` is not a name: use lowercase letters, digits and hyphens (`{}`)",
                    slug(value)
                ),
            );
        }
        value.clone()
    }

    /// Text as the state keeps it (printable, not empty); a character a terminal cannot show
    /// is [`Check::shown_text`]'s to report, once.
    fn text(&mut self, what: &str, value: &Spanned<String>) -> String {
        let shown = crate::domain::values::unshowable(value.get_ref()).is_none();
        if let (true, Err(e)) = (shown, value.get_ref().parse::<Text>()) {
            self.problem(value, format!("{what}: {e}"));
        }
        value.get_ref().clone()
    }

    fn unique(&mut self, what: &str, names: &[&Spanned<String>]) {
        for (i, name) in names.iter().enumerate() {
            if names[..i].iter().any(|n| n.get_ref() == name.get_ref()) {
                let message = format!("{what} `{}` is defined twice", name.get_ref());
                self.problem(name, message);
            }
        }
    }

    fn catalog(&mut self, raw: RawFile, text: &str) -> Catalog {
        let head = raw.catalog.get_ref();
        let name = self.name("catalog name", &head.name);
        let title = self.text("catalog title", &head.title);
        let version = self.text("catalog version", &head.version);
        self.unique(
            "option",
            &raw.options
                .iter()
                .map(|o| &o.get_ref().id)
                .collect::<Vec<_>>(),
        );
        self.unique(
            "benefit",
            &raw.benefits
                .iter()
                .map(|b| &b.get_ref().id)
                .collect::<Vec<_>>(),
        );
        self.unique(
            "offer",
            &raw.offers
                .iter()
                .map(|o| &o.get_ref().id)
                .collect::<Vec<_>>(),
        );
        let options: Vec<OptionKind> = raw.options.iter().map(|o| self.option(o)).collect();
        let benefits: Vec<BenefitKind> = raw.benefits.iter().map(|b| self.benefit(b)).collect();
        // An alias must name one benefit only: the names taken so far, with their benefit.
        let mut taken: Vec<(&str, &str)> = benefits
            .iter()
            .map(|b| (b.id.as_str(), b.id.as_str()))
            .collect();
        for (raw_b, b) in raw.benefits.iter().zip(&benefits) {
            for alias in &raw_b.get_ref().aliases {
                let name = alias.get_ref().as_str();
                if let Some((_, owner)) =
                    taken.iter().find(|(n, owner)| *n == name && *owner != b.id)
                {
                    let message = format!(
                        "alias `{name}` of benefit `{}` already names benefit `{owner}`",
                        b.id
                    );
                    self.problem(alias, message);
                }
                taken.push((name, &b.id));
            }
        }
        let offers = raw
            .offers
            .iter()
            .map(|o| self.offer(o, &options, &benefits))
            .collect();
        Catalog {
            name,
            title,
            version,
            note: head.note.clone(),
            sold_until: head.sold_until.as_ref().and_then(|d| {
                let day = crate::domain::values::ymd::parse(d.get_ref());
                if day.is_none() {
                    self.problem(
                        d,
                        format!(
                            "`sold-until` is `{}`, expected a date YYYY-MM-DD",
                            d.get_ref()
                        ),
                    );
                }
                day
            }),
            source: head.source.clone(),
            options,
            benefits,
            offers,
            copy: Some(text.to_string()),
        }
    }

    fn option(&mut self, raw: &Spanned<RawOption>) -> OptionKind {
        let o = raw.get_ref();
        let id = self.name("option", &o.id);
        self.unique("category", &o.categories.iter().collect::<Vec<_>>());
        let categories: Vec<String> = o
            .categories
            .iter()
            .map(|c| self.name("category", c))
            .collect();
        let mut values: Vec<(String, Option<String>)> = Vec::new();
        match (o.values.as_ref(), categories.is_empty()) {
            (None, _) => {}
            (Some(v), true) => match v.get_ref() {
                RawValues::List(list) => values.extend(list.iter().map(|s| (s.clone(), None))),
                RawValues::ByCategory(_) => self.problem(
                    v,
                    format!(
                        "option `{id}` has no `categories`, so its `values` are a list, not a table by category"
                    ),
                ),
            },
            (Some(v), false) => match v.get_ref() {
                RawValues::List(_) => self.problem(
                    v,
                    format!(
                        "option `{id}` has categories, so its `values` are a table by category (`{} = [\"…\"]`)",
                        categories[0]
                    ),
                ),
                RawValues::ByCategory(table) => {
                    for (category, list) in table {
                        if !categories.contains(category) {
                            self.problem(
                                v,
                                format!(
                                    "`{category}` is not a category of option `{id}`: {}",
                                    categories.join(", ")
                                ),
                            );
                            continue;
                        }
                        let Some(list) = list.as_array() else {
                            self.problem(v, format!("`values.{category}` is a list of names"));
                            continue;
                        };
                        for value in list {
                            match value.as_str() {
                                Some(s) => values.push((s.to_string(), Some(category.clone()))),
                                None => self.problem(
                                    v,
                                    format!("`values.{category}` holds {value}, expected a name"),
                                ),
                            }
                        }
                    }
                }
            },
        }
        for (i, (value, _)) in values.iter().enumerate() {
            if value.parse::<Text>().is_err() {
                self.problem(
                    raw,
                    format!("option `{id}` has an empty or unprintable value"),
                );
            }
            if values[..i]
                .iter()
                .any(|(v, _)| v.eq_ignore_ascii_case(value))
            {
                self.problem(raw, format!("option `{id}` lists `{value}` twice"));
            }
        }
        if !o.open && values.is_empty() {
            self.problem(
                raw,
                format!(
                    "option `{id}` lists no values and is not `open = true`: no offer could take it"
                ),
            );
        }
        OptionKind {
            id,
            values,
            categories,
            open: o.open,
        }
    }

    fn benefit(&mut self, raw: &Spanned<RawBenefit>) -> BenefitKind {
        let b = raw.get_ref();
        let id = self.name("benefit", &b.id);
        let title = self.text("benefit title", &b.title);
        let aliases = b.aliases.iter().map(|a| self.name("alias", a)).collect();
        let coverage = match b.scope.get_ref().as_str() {
            "on-premises" => Coverage::OnPremises,
            "cloud" => Coverage::Cloud,
            "both" => Coverage::Both,
            other => {
                self.problem(
                    &b.scope,
                    format!(
                        "scope `{other}` of benefit `{id}`: expected on-premises, cloud or both"
                    ),
                );
                Coverage::Both
            }
        };
        BenefitKind {
            id,
            title,
            aliases,
            coverage,
            n_minus_one: b.n_minus_one,
        }
    }

    fn offer(
        &mut self,
        raw: &Spanned<RawOffer>,
        options: &[OptionKind],
        benefits: &[BenefitKind],
    ) -> OfferKind {
        let o = raw.get_ref();
        let id = self.name("offer", &o.id);
        let title = self.text("offer title", &o.title);
        let option = o.option.as_ref().and_then(|name| {
            let found = options.iter().find(|k| k.id == *name.get_ref());
            if found.is_none() {
                self.problem(
                    name,
                    format!(
                        "offer `{id}` takes option `{}`, which the catalog does not define ([[options]])",
                        name.get_ref()
                    ),
                );
            }
            found
        });
        let grants: Vec<Grant> = o
            .benefits
            .iter()
            .map(|g| self.grant(&id, g, option, benefits))
            .collect();
        // One benefit granted twice for the same values would be two allocations of one.
        for (i, g) in grants.iter().enumerate() {
            let clash = grants[..i].iter().any(|h| {
                h.benefit == g.benefit
                    && (h.category.is_none() || g.category.is_none() || h.category == g.category)
            });
            if clash {
                self.problem(
                    &o.benefits[i],
                    format!(
                        "offer `{id}` grants benefit `{}` twice for the same {}",
                        g.benefit,
                        option.map_or("offer".to_string(), |k| format!("{} values", k.id))
                    ),
                );
            }
        }
        let package = match o.package.as_ref() {
            None => Package::PerOffer,
            Some(p) => match p.get_ref().as_str() {
                "per-designation" => Package::PerOffer,
                "once-per-organization" => Package::OncePerOrganization,
                other => {
                    self.problem(
                        p,
                        format!(
                            "offer `{id}`: `package` is `{other}`, expected once-per-organization or per-designation"
                        ),
                    );
                    Package::PerOffer
                }
            },
        };
        OfferKind {
            id,
            title,
            kind: o.kind.clone(),
            option: option.map(|k| k.id.clone()),
            package,
            grants,
        }
    }

    fn grant(
        &mut self,
        offer: &str,
        raw: &Spanned<RawGrant>,
        option: Option<&OptionKind>,
        benefits: &[BenefitKind],
    ) -> Grant {
        let g = raw.get_ref();
        let benefit = g.benefit.get_ref().clone();
        let what = format!("offer `{offer}`, benefit `{benefit}`");
        if !benefits.iter().any(|b| b.id == benefit) {
            self.problem(
                &g.benefit,
                format!("{what}: the catalog defines no such benefit ([[benefits]])"),
            );
        }
        if let Some(category) = &g.category {
            match option {
                Some(k) if k.categories.contains(category.get_ref()) => {}
                Some(k) if k.categories.is_empty() => self.problem(
                    category,
                    format!(
                        "{what}: option `{}` has no categories, so a grant has no `category`",
                        k.id
                    ),
                ),
                Some(k) => self.problem(
                    category,
                    format!(
                        "{what}: `{}` is not a category of option `{}`: {}",
                        category.get_ref(),
                        k.id,
                        k.categories.join(", ")
                    ),
                ),
                None => self.problem(
                    category,
                    format!("{what}: the offer takes no option, so a grant has no `category`"),
                ),
            }
        }
        let allowance = match g.allowance.get_ref() {
            toml::Value::Integer(n)
                if (1..=i64::from(crate::domain::contract::MAX_INCIDENTS)).contains(n) =>
            {
                Allowance::Incidents(*n as u32)
            }
            toml::Value::String(s) if s == "unlimited" => Allowance::Unlimited,
            other => {
                self.problem(
                    &g.allowance,
                    format!(
                        "{what}: allowance {other} is not a number of incidents from 1 to {} or \"unlimited\"",
                        crate::domain::contract::MAX_INCIDENTS
                    ),
                );
                Allowance::Unlimited
            }
        };
        let plan = self.text(&format!("{what}: plan"), &g.plan);
        let former_plans = g
            .former_plans
            .iter()
            .map(|p| self.text(&format!("{what}: former plan"), p))
            .collect::<Vec<_>>();
        let renamed_on = g.renamed_on.as_ref().and_then(|d| {
            let day = crate::domain::values::ymd::parse(d.get_ref());
            match (day, former_plans.is_empty()) {
                (None, _) => self.problem(
                    d,
                    format!(
                        "{what}: `renamed-on` is `{}`, expected a date YYYY-MM-DD",
                        d.get_ref()
                    ),
                ),
                (Some(_), true) => self.problem(
                    d,
                    format!("{what}: `renamed-on` needs `former-plans`: the name it had before"),
                ),
                (Some(_), false) => {}
            }
            day
        });
        let validity = match &g.validity {
            None => Validity::default(),
            Some(v) => {
                let months = *v.get_ref().months.get_ref();
                let months = match u32::try_from(months) {
                    Ok(m @ 1..=120) => m,
                    _ => {
                        self.problem(
                            &v.get_ref().months,
                            format!("{what}: validity of {months} months: expected 1 to 120"),
                        );
                        12
                    }
                };
                match v.get_ref().from.get_ref().as_str() {
                    "activation" => Validity::FromActivation(months),
                    "year-start" => Validity::FromYearStart(months),
                    other => {
                        self.problem(
                            &v.get_ref().from,
                            format!(
                                "{what}: validity from `{other}`: expected activation or year-start"
                            ),
                        );
                        Validity::default()
                    }
                }
            }
        };
        let source = match g.source.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => {
                self.problem(
                    raw,
                    format!("{what}: no `source`: every figure says where it comes from"),
                );
                String::new()
            }
        };
        let status = g.status.as_ref().and_then(|s| {
            let status = [
                FigureStatus::Verified,
                FigureStatus::Unverified,
                FigureStatus::Conflict,
            ]
            .into_iter()
            .find(|f| f.word() == s.get_ref());
            if status.is_none() {
                self.problem(
                    s,
                    format!(
                        "{what}: `status` is `{}`, expected VERIFIED, UNVERIFIED or CONFLICT",
                        s.get_ref()
                    ),
                );
            }
            status
        });
        Grant {
            benefit,
            category: g.category.as_ref().map(|c| c.get_ref().clone()),
            allowance,
            plan,
            former_plans,
            renamed_on,
            validity,
            source,
            status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::mpn;

    #[test]
    fn each_built_in_catalog_is_compiled_from_its_file() {
        for built in BUILT_IN {
            let mut parsed = parse(built.toml).unwrap_or_else(|p| panic!("{}: {p:?}", built.name));
            parsed.copy = None;
            let compiled = serde_json::to_string(&parsed).unwrap() + "\n";
            if std::env::var_os("PARTNER_SUPPORT_BLESS").is_some() {
                let path = format!(
                    "{}/catalogs/{}.json",
                    env!("CARGO_MANIFEST_DIR"),
                    built.name
                );
                std::fs::write(path, &compiled).unwrap();
                continue;
            }
            assert!(
                compiled == built.json,
                "catalogs/{}.json is not the compiled catalogs/{}.toml: run `PARTNER_SUPPORT_BLESS=1 cargo test --lib built_in`",
                built.name,
                built.name
            );
            assert_eq!(built_in(built.name).unwrap(), parsed);
        }
    }

    #[test]
    fn the_built_in_catalog_has_the_figures_the_domain_is_tested_with() {
        let built = built_in("mpn-2021").unwrap();
        let tested = mpn();
        assert_eq!(built.name, tested.name);
        let figures = |c: &Catalog| -> Vec<String> {
            c.offers
                .iter()
                .flat_map(|o| {
                    o.grants.iter().map(move |g| {
                        format!(
                            "{} {} {:?} {} {:?} {} {:?} {} {:?} {:?}",
                            o.id,
                            o.title,
                            o.option,
                            g.benefit,
                            g.category,
                            g.allowance,
                            g.validity,
                            g.plan,
                            g.former_plans,
                            g.renamed_on
                        )
                    })
                })
                .collect()
        };
        assert_eq!(figures(&built), figures(&tested));
        for b in &tested.benefits {
            let found = built.benefit(&b.id).unwrap();
            assert_eq!(
                (&found.title, found.coverage, found.n_minus_one),
                (&b.title, b.coverage, b.n_minus_one)
            );
            for alias in &b.aliases {
                assert!(found.aliases.contains(alias), "{alias}");
            }
        }
        let competency = built.option("competency").unwrap();
        for (value, category) in &tested.options[0].values {
            assert!(
                competency
                    .values
                    .contains(&(value.clone(), category.clone())),
                "{value}"
            );
        }
        assert_eq!(competency.values.len(), 19);
        assert!(built.copy.is_none());
    }

    #[test]
    fn an_alias_names_one_benefit_and_a_grant_twice_is_refused() {
        let text = BUILT_IN[0].toml.replacen(
            "aliases = [\"signature-cloud-support\", \"partner-cloud-support\"]",
            "aliases = [\"signature-cloud-support\", \"on-premises-support\"]",
            1,
        );
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .message
                .contains("alias `on-premises-support` of benefit `cloud-support` already names benefit `product-support`"),
            "{problems:?}"
        );
        let text = BUILT_IN[0].toml.replacen("category = \"other\"\n", "", 1);
        let problems = parse(&text).unwrap_err();
        assert!(
            problems[0]
                .message
                .contains("grants benefit `cloud-support` twice"),
            "{problems:?}"
        );
    }

    #[test]
    fn the_record_of_a_file_catalog_brings_it_back_and_notices_a_changed_copy() {
        let text = BUILT_IN[0]
            .toml
            .replace("name = \"mpn-2021\"", "name = \"own\"");
        let catalog = parse(&text).unwrap();
        let record = CatalogRecord::of(&catalog);
        assert_eq!(record.name, "own");
        assert_eq!(record.version.as_deref(), Some("2021.1"));
        assert_eq!(*record.resolve().unwrap(), catalog);
        let mut changed = record.clone();
        changed.text = Some(text.replace("allowance = 20", "allowance = 25"));
        assert!(
            changed
                .resolve()
                .unwrap_err()
                .contains("does not match its digest")
        );
        let built = CatalogRecord::of(&built_in("mpn-2021").unwrap());
        assert_eq!(
            built,
            CatalogRecord {
                name: "mpn-2021".into(),
                version: None,
                digest: None,
                text: None
            }
        );
    }
}
