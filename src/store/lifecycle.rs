//! The product lifecycle table (R21): the one built in (`data/lifecycle.csv`), and a user's own
//! file of the same columns that corrects or adds rows, so that a date Microsoft moves needs no
//! new release.
//!
//! Columns: `product_id`, `family` (optional in a user's file: a row that corrects a built-in
//! one keeps its family, a new one is a family of its own), `product`, `policy`, `start`,
//! `mainstream_end`, `extended_end` (`YYYY-MM-DD`, or `n/a`/`none` for none, `?` for unknown),
//! `status`, `source`.

use std::path::Path;

use crate::domain::lifecycle::{Lifecycle, LifecycleDate, ProductVersion};

/// The table shipped with this build.
const BUILT_IN: &str = include_str!("../../data/lifecycle.csv");

/// The file beside a state file that corrects or adds lifecycle rows, when no `--lifecycle`
/// names one.
const BESIDE_STATE: &str = "lifecycle.csv";

/// The table for the state file at `state`: the built-in one, corrected by the file `user`
/// (`--lifecycle`) or, without one, by [`BESIDE_STATE`] beside the state file when there is one.
pub fn read(user: Option<&Path>, state: &Path) -> Result<Lifecycle, String> {
    let beside = state.with_file_name(BESIDE_STATE);
    let path = match user {
        Some(path) => path,
        None if beside.is_file() => &beside,
        None => return load(None),
    };
    let text = super::files::read_input(path, super::files::MAX_LIFECYCLE_BYTES)
        .map_err(|e| format!("cannot read lifecycle file `{}`: {e}", path.display()))?;
    load(Some((path, &text)))
}

/// The built-in table, with the rows of `user` (a path and its text) in place of or added to its
/// own. What is wrong with the user's file is said with its row and column.
pub fn load(user: Option<(&Path, &str)>) -> Result<Lifecycle, String> {
    let mut table = Lifecycle::new(parse(BUILT_IN, None).expect("the built-in table parses"));
    if let Some((path, text)) = user {
        let rows = parse(text, Some(&table)).map_err(|e| format!("`{}`: {e}", path.display()))?;
        table.set(rows);
    }
    Ok(table)
}

/// The rows of a lifecycle CSV; `known` gives a row without a family the family of the built-in
/// row it corrects.
fn parse(text: &str, known: Option<&Lifecycle>) -> Result<Vec<ProductVersion>, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    for required in [
        "product_id",
        "product",
        "policy",
        "start",
        "mainstream_end",
        "extended_end",
        "status",
        "source",
    ] {
        if column(required).is_none() {
            return Err(format!("it has no `{required}` column"));
        }
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {}: {e}", n + 2))?;
        // Its text is shown in terminals, and kept by no one who could vouch for it.
        for (field, name) in record.iter().zip(headers.iter()) {
            if let Some((c, what)) = crate::domain::values::unshowable(field) {
                return Err(format!(
                    "row {}, column `{}`: it holds U+{:04X}, {what}, which is not allowed in text that is shown",
                    n + 2,
                    name.trim(),
                    u32::from(c)
                ));
            }
        }
        let get = |name: &str| {
            column(name)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .unwrap_or_default()
                .to_string()
        };
        let date = |name: &'static str| -> Result<LifecycleDate, String> {
            let text = get(name);
            match text.as_str() {
                "n/a" | "none" => Ok(LifecycleDate::NoEnd),
                "?" | "" => Ok(LifecycleDate::Unknown),
                day => crate::domain::values::ymd::parse(day)
                    .map(LifecycleDate::Day)
                    .ok_or_else(|| {
                        format!(
                            "row {}, column `{name}`: `{day}` is not a date (expected YYYY-MM-DD, `n/a`, `none` or `?`)",
                            n + 2
                        )
                    }),
            }
        };
        let product_id = get("product_id");
        if product_id.is_empty() {
            return Err(format!("row {}, column `product_id`: it is empty", n + 2));
        }
        let family = match get("family") {
            f if !f.is_empty() => f,
            _ => known
                .and_then(|t| t.versions().iter().find(|v| v.product_id == product_id))
                .map_or_else(|| product_id.clone(), |v| v.family.clone()),
        };
        rows.push(ProductVersion {
            family,
            product: get("product"),
            policy: get("policy"),
            start: date("start")?,
            mainstream_end: date("mainstream_end")?,
            extended_end: date("extended_end")?,
            status: get("status"),
            source: get("source"),
            product_id,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::Lookup;

    #[test]
    fn the_built_in_table_reads_and_a_users_rows_correct_or_add() {
        let built_in = load(None).unwrap();
        assert_eq!(built_in.versions().len(), 43);
        let user = "product_id,product,policy,start,mainstream_end,extended_end,status,source\n\
            windows-server-2022,Windows Server 2022,fixed,2021-08-18,2027-01-12,2031-10-14,VERIFIED,moved\n\
            acme-server-7,Acme Server 7,fixed,2020-01-01,2030-01-01,none,UNVERIFIED,ours\n";
        let table = load(Some((Path::new("mine.csv"), user))).unwrap();
        assert_eq!(table.versions().len(), 44);
        let Lookup::Known(ws) = table.find("Windows Server 2022") else {
            panic!()
        };
        assert_eq!(
            (ws.family.as_str(), ws.source.as_str()),
            ("windows-server", "moved")
        );
        let Lookup::Known(acme) = table.find("Acme Server 7") else {
            panic!()
        };
        assert_eq!(acme.family, "acme-server-7");
        let bad = "product_id,product,policy,start,mainstream_end,extended_end,status,source\n\
            x,X,fixed,2020-13-01,none,none,VERIFIED,s\n";
        assert_eq!(
            load(Some((Path::new("mine.csv"), bad))).unwrap_err(),
            "`mine.csv`: row 2, column `start`: `2020-13-01` is not a date (expected YYYY-MM-DD, `n/a`, `none` or `?`)"
        );
        assert!(
            load(Some((Path::new("mine.csv"), "product_id,product\n")))
                .unwrap_err()
                .contains("no `policy` column")
        );
    }
}
