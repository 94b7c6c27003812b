//! Tables and messages fit the terminal: every table-printing command at 80 and 120 columns
//! prints no longer line, breaks no word, and `--wide` shows every column in full.

use std::collections::BTreeSet;

use crate::support::{Env, Run, run_command};

/// The commands that print tables or wrapped findings, on the sample organization.
const COMMANDS: &[&str] = &[
    "status",
    "contract list --all",
    "contract show 7000001",
    "benefits --all",
    "incidents list --all",
    "incidents remaining --all",
    "offer list --all",
    "account list",
    "history",
    "products list --all",
    "catalog show",
    "catalog list",
    "check",
    "doctor",
    "report",
    "report --by account",
    "report --by product --year 2025",
];

fn on_example(env: &Env, columns: Option<&str>, line: &str) -> Run {
    let mut cmd = env.cmd();
    cmd.args(line.split_whitespace());
    match columns {
        Some(columns) => cmd.env("COLUMNS", columns),
        None => cmd.env_remove("COLUMNS"),
    };
    let run = run_command(&mut cmd);
    // check exits 5 on the sample's findings; everything else succeeds.
    assert!([0, 5].contains(&run.code), "{line}: {}", run.stderr);
    run
}

fn width(line: &str) -> usize {
    line.chars().count()
}

/// The words of a table's output, without its borders.
fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| c.is_whitespace() || "│┆".contains(c))
        .filter(|w| !w.is_empty() && !w.chars().all(|c| "─┌┐└┘├┤┬┴┼╞╡╪═".contains(c)))
        .map(|w| w.trim_matches(|c: char| ";:,()".contains(c)).to_string())
        .collect()
}

#[test]
fn every_table_fits_80_and_120_columns_without_breaking_a_word() {
    let env = Env::sample();
    for line in COMMANDS {
        let wide = on_example(&env, None, &format!("--wide {line}")).stdout;
        // A name `OFFER/BENEFIT` may break after its `/`.
        let mut whole = words(&wide);
        let halves: Vec<String> = whole
            .iter()
            .filter_map(|w| w.split_once('/'))
            .flat_map(|(o, b)| [format!("{o}/"), b.to_string()])
            .collect();
        whole.extend(halves);
        for columns in [80, 120] {
            let out = on_example(&env, Some(&columns.to_string()), line).stdout;
            let longest = out.lines().map(width).max().unwrap_or(0);
            assert!(longest <= columns, "{line} at {columns}: {longest}\n{out}");
            // Every word is one `--wide` shows, or a short form: a day as MM-DD with its year
            // in the header, or on-prem.
            for word in words(&out) {
                let short_day = word.len() == 5 && word.as_bytes()[2] == b'-';
                let year = word.len() == 4 && word.starts_with("20");
                assert!(
                    whole.contains(&word) || short_day || year || word == "on-prem",
                    "{line} at {columns}: `{word}` is not a whole word\n{out}"
                );
            }
        }
    }
}

#[test]
fn a_narrow_table_keeps_what_matters_and_wide_shows_everything() {
    let env = Env::sample();
    let narrow = on_example(&env, Some("80"), "status").stdout;
    for kept in [
        "RESELLER-26",
        "18/20",
        "1/6",
        "On-premises 20",
        "on-prem",
        "waiting",
    ] {
        assert!(narrow.contains(kept), "{kept}\n{narrow}");
    }
    // The bar, the Access ID and the start give way first.
    for gone in ["█", "****1188", "Start"] {
        assert!(!narrow.contains(gone), "{gone}\n{narrow}");
    }
    let wide = on_example(&env, Some("80"), "--wide status").stdout;
    let row = wide.lines().find(|l| l.contains("7000001")).unwrap();
    for cell in [
        "****1188",
        "Partner On-premises Support 20",
        "█████████░ 18/20",
        "2026-02-01",
    ] {
        assert!(row.contains(cell), "{cell}\n{row}");
    }
    assert!(wide.lines().any(|l| width(l) > 120), "{wide}");
    // A pipe without COLUMNS gets whole rows, as `--wide`: no width is guessed for it.
    let piped = on_example(&env, None, "incidents list --all").stdout;
    let wide_list = on_example(&env, Some("80"), "--wide incidents list --all").stdout;
    assert_eq!(piped, wide_list);
    // Dates that share a year lose it, and the header says which.
    let remaining = on_example(&env, Some("80"), "incidents remaining").stdout;
    assert!(remaining.contains("End"), "{remaining}");
}

/// The columns each table of `output` shows, table by table: each header's text over all its
/// lines, without spaces or digits (a header may wrap, even inside a word on a very narrow
/// screen, and a narrow one says `End 2027` for `End`).
fn columns_shown(output: &str) -> Vec<BTreeSet<String>> {
    let lines: Vec<&str> = output.lines().collect();
    let mut tables = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line.starts_with('┌') {
            continue;
        }
        let mut headers: Vec<String> = Vec::new();
        for header in lines[i + 1..].iter().take_while(|l| !l.starts_with('╞')) {
            let cells: Vec<&str> = header.trim_matches('│').split('┆').collect();
            headers.resize(headers.len().max(cells.len()), String::new());
            for (k, cell) in cells.iter().enumerate() {
                headers[k].extend(
                    cell.chars()
                        .filter(|c| !c.is_whitespace() && !c.is_ascii_digit()),
                );
            }
        }
        tables.push(headers.into_iter().collect());
    }
    tables
}

#[test]
fn wider_never_shows_fewer_columns_from_60_to_200() {
    let env = Env::sample();
    for line in COMMANDS {
        let mut before: Option<(u16, Vec<BTreeSet<String>>)> = None;
        for columns in 60..=200u16 {
            let shown = columns_shown(&on_example(&env, Some(&columns.to_string()), line).stdout);
            if let Some((narrower, was)) = &before {
                assert_eq!(shown.len(), was.len(), "{line}: tables at {columns}");
                for (now, then) in shown.iter().zip(was) {
                    let lost: Vec<_> = then.difference(now).collect();
                    assert!(
                        lost.is_empty(),
                        "`{line}` shows {lost:?} at {narrower} columns but not at {columns}"
                    );
                }
            }
            before = Some((columns, shown));
        }
    }
}
