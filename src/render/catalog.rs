//! Catalogs: `catalog show`, `catalog list`, `catalog check`, and which catalog a state uses.

use std::io::{self, Write};

use serde::Serialize;

use super::Screen;
use super::table::{allowance, counts, fit, or_dash, shown, table};
use crate::domain::catalog::{Catalog, FigureStatus, Validity};

/// `catalog show`: the program, its offers with the benefits each yields, the values of its
/// options, and where every figure comes from.
pub fn catalog(w: &mut dyn Write, screen: &Screen, c: &Catalog) -> io::Result<()> {
    let origin = if c.copy.is_some() {
        "a file's copy"
    } else {
        "built in"
    };
    // Every word of a catalog came from a file: shown with anything that could drive the
    // terminal escaped (a file checked since cannot hold such, a state's older copy might).
    let say = |w: &mut dyn Write, text: String, indent: usize| {
        writeln!(w, "{}", screen.wrap(&shown(&text), indent))
    };
    say(
        w,
        format!("{} — catalog {} ({origin})", c.title, c.label()),
        2,
    )?;
    if let Some(note) = &c.note {
        say(w, format!("Note: {note}"), 2)?;
    }
    let build = |screen: &Screen| {
        let mut t = table(
            screen,
            [
                "Offer",
                "Option",
                "Benefit",
                "Scope",
                "Allowance",
                "Plan",
                "Valid",
                "N-1",
            ],
        );
        let offer_cell = |o: &crate::domain::catalog::OfferKind| match screen.compact() {
            true => o.id.clone(),
            false => shown(format!("{} ({})", o.id, o.title)),
        };
        for o in &c.offers {
            if o.grants.is_empty() {
                t.add_row(vec![
                    offer_cell(o),
                    or_dash(o.option.as_ref()),
                    "no support benefit".to_string(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                ]);
            }
            for g in &o.grants {
                let kind = c.benefit(&g.benefit);
                let option = match (&o.option, &g.category) {
                    (Some(opt), Some(cat)) => format!("{opt}: {cat}"),
                    (Some(opt), None) => opt.clone(),
                    (None, _) => "-".into(),
                };
                t.add_row(vec![
                    offer_cell(o),
                    shown(option),
                    match kind {
                        Some(k) if !screen.compact() => shown(format!("{} ({})", k.id, k.title)),
                        _ => g.benefit.clone(),
                    },
                    super::table::scope(kind.map_or("-", |k| k.coverage.slug()), screen),
                    allowance(g.allowance),
                    shown(&g.plan),
                    g.validity.to_string(),
                    if kind.is_none_or(|k| k.n_minus_one) {
                        "yes"
                    } else {
                        "no"
                    }
                    .to_string(),
                ]);
            }
        }
        fit(
            &mut t,
            screen,
            &["Valid", "Plan", "N-1", "Option"],
            &["Offer", "Option", "Benefit", "Plan"],
        );
        t
    };
    writeln!(w, "{}", super::table::fitted(screen, build))?;
    let sources = c.offers.iter().flat_map(|o| {
        o.grants.iter().map(move |g| {
            let which = match &g.category {
                Some(cat) => format!("{}/{} ({cat})", o.id, g.benefit),
                None => format!("{}/{}", o.id, g.benefit),
            };
            // A renamed plan says what it was called before, and since when it is not.
            let renamed = match (g.renamed_on, g.former_plans.first()) {
                (Some(on), Some(before)) => {
                    format!(" (\"{}\" until {on}: \"{before}\")", g.plan)
                }
                _ => String::new(),
            };
            match g.status {
                Some(status) if FigureStatus::to_confirm(g.status) => format!(
                    "{which}{renamed}: {} [{}: confirm in Partner Center]",
                    g.source,
                    status.word()
                ),
                _ => format!("{which}{renamed}: {}", g.source),
            }
        })
    });
    let sources: Vec<String> = sources.collect();
    for option in &c.options {
        let values = |category: Option<&String>| {
            option
                .values
                .iter()
                .filter(|(_, c)| c.as_ref() == category)
                .map(|(v, _)| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let open = if option.open {
            " (others are kept when their category is said)"
        } else {
            ""
        };
        if option.categories.is_empty() {
            say(
                w,
                format!("{} values{open}: {}", option.id, values(None)),
                2,
            )?;
        } else {
            say(w, format!("{} values{open}:", option.id), 2)?;
            for category in &option.categories {
                say(w, format!("  {category}: {}", values(Some(category))), 4)?;
            }
        }
    }
    for b in &c.benefits {
        if !b.aliases.is_empty() {
            let aliases = b.aliases.join(", ");
            say(w, format!("{} is also called: {aliases}", b.id), 2)?;
        }
    }
    for o in &c.offers {
        if o.package == crate::domain::catalog::Package::OncePerOrganization {
            say(
                w,
                format!(
                    "{}: one benefits package per organization, however many it holds (the one held longest yields it)",
                    o.id
                ),
                2,
            )?;
        }
    }
    writeln!(w, "Sources:")?;
    if let Some(source) = &c.source {
        say(w, format!("  {}: {source}", c.name), 4)?;
    }
    for s in sources {
        say(w, format!("  {s}"), 4)?;
    }
    Ok(())
}

/// `catalog list`: the built-in catalogs (and a file's the state uses), marking the one in use.
pub fn catalogs(
    w: &mut dyn Write,
    screen: &Screen,
    catalogs: &[Catalog],
    in_use: &Catalog,
    kept: &[std::sync::Arc<Catalog>],
) -> io::Result<()> {
    let mut t = table(
        screen,
        ["", "Catalog", "Version", "Program", "Offers", "From"],
    );
    let is_kept = |c: &Catalog| kept.iter().any(|k| **k == *c);
    for c in catalogs {
        t.add_row(vec![
            if c == in_use {
                "*"
            } else if is_kept(c) {
                "+"
            } else {
                ""
            }
            .to_string(),
            c.name.clone(),
            c.version.clone(),
            shown(&c.title),
            c.offers
                .iter()
                .map(|o| o.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if c.copy.is_some() {
                "the state's copy of a file"
            } else {
                "built in"
            }
            .to_string(),
        ]);
    }
    fit(&mut t, screen, &["From", "Version"], &["Program", "Offers"]);
    writeln!(w, "{t}")?;
    if !kept.is_empty() {
        writeln!(
            w,
            "* in use (new offers are of it); + kept for offers recorded under it"
        )?;
    }
    Ok(())
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
    pub package: crate::domain::catalog::Package,
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
    pub renamed_on: Option<chrono::NaiveDate>,
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
                package: o.package,
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
                            renamed_on: g.renamed_on,
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
    pub kept: bool,
}

impl CatalogsJson {
    /// `catalogs`, marking the one `in_use` and those `kept` for offers beside it.
    pub fn new(catalogs: &[Catalog], in_use: &Catalog, kept: &[std::sync::Arc<Catalog>]) -> Self {
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
                    kept: kept.iter().any(|k| **k == *c),
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
