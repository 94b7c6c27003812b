//! `report`: what the sample organization used in 2026, in every grouping and format, written to
//! a private file, and its HTML page drawn by headless Chromium.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Env, w};
use pretty_assertions::assert_eq;
use serde_json::json;

#[test]
fn by_contract_it_says_charged_refunded_net_lapsed_left_and_the_forecast() {
    let env = Env::sample();
    let report = env.ok(&w("--json report")).json();
    assert_eq!(
        (report["since"].clone(), report["until"].clone()),
        (json!("2026-01-01"), json!("2026-11-25"))
    );
    let row = |id: &str| {
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == id)
            .unwrap_or_else(|| panic!("{id} in {report}"))
            .clone()
    };
    // 7000001: 3 charged, 1 refunded in 2026, 18 of 20 left.
    let gold = row("7000001");
    assert_eq!(
        (
            gold["charged"].clone(),
            gold["refunded"].clone(),
            gold["net"].clone(),
            gold["left"].clone()
        ),
        (json!(3), json!(1), json!(2), json!(18))
    );
    // 6000010 ended on 2026-02-28 with 8 left: lapsed unused in the period.
    assert_eq!(row("6000010")["lapsed"], 8);
    // 8000005: the 5-pack used up (a voided entry counts nowhere).
    assert_eq!(
        (
            row("8000005")["charged"].clone(),
            row("8000005")["left"].clone()
        ),
        (json!(6), json!(0))
    );
    assert_eq!(row("RESELLER-26")["runs_out_on"], "2026-12-13");
    // Totals per scope, never added together.
    assert_eq!(
        report["totals"],
        json!([
            {"scope": "on-premises", "charged": 8, "refunded": 1, "net": 7, "lapsed": 8, "left": 19, "unlimited": false},
            {"scope": "cloud", "charged": 6, "refunded": 1, "net": 5, "lapsed": 0, "left": 0, "unlimited": false}
        ])
    );
    // --format json is --json.
    assert_eq!(env.ok(&w("report --format json")).json(), report);

    let table = env.ok(&w("report")).stdout;
    assert!(
        table.starts_with("Support used from 2026-01-01 to 2026-11-25, by contract"),
        "{table}"
    );
    let gold = table.lines().find(|l| l.contains("7000001")).unwrap();
    let cells: Vec<&str> = gold.split('┆').map(str::trim).collect();
    assert_eq!(&cells[2..7], ["3", "1", "2", "-", "18"], "{gold}");
}

#[test]
fn every_grouping_and_period() {
    let env = Env::sample();
    let rows = |line: &str| env.ok(&w(line)).json()["rows"].clone();
    let by_account = rows("--json report --by account");
    assert_eq!(
        by_account,
        json!([
            {"key": "admin@contoso.com", "plan": null, "charged": 13, "refunded": 2, "net": 11, "lapsed": null, "left": null, "unlimited": false, "runs_out_on": null},
            {"key": "engineer@outlook.com", "plan": null, "charged": 1, "refunded": 0, "net": 1, "lapsed": null, "left": null, "unlimited": false, "runs_out_on": null}
        ])
    );
    let by_scope = rows("--json report --by scope");
    let keys: Vec<_> = by_scope
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, ["cloud", "on-premises"]);
    let by_month = rows("--json report --by month --since 2026-09-01 --until 2026-09-30");
    assert_eq!(
        by_month,
        json!([{"key": "2026-09", "plan": null, "charged": 5, "refunded": 0, "net": 5, "lapsed": null, "left": null, "unlimited": false, "runs_out_on": null}])
    );
    let by_product = rows("--json report --by product --year 2025");
    assert!(
        by_product
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["key"] == "SQL Server 2022"),
        "{by_product}"
    );
    // A year still running ends today.
    assert_eq!(
        env.ok(&w("--json report --year 2026")).json()["until"],
        "2026-11-25"
    );
    // Bad periods: exit 2, naming the days.
    env.refused(
        &w("report --since 2026-06-01 --until 2026-05-01"),
        2,
        "2026-05-01",
    );
    env.refused(&w("report --since 2027-01-01"), 2, "after today");
    env.refused(
        &w("report --year 2026 --since 2026-01-01"),
        2,
        "cannot be used with",
    );
}

#[test]
fn markdown_and_csv_paste_into_an_issue_and_a_spreadsheet() {
    let env = Env::sample();
    let md = env.ok(&w("report --by account --format markdown")).stdout;
    assert!(
        md.starts_with("### Support used from 2026-01-01 to 2026-11-25, by account\n"),
        "{md}"
    );
    assert!(md.contains("| Account | Charged | Refunded | Net used |\n| --- | ---: | ---: | ---: |\n| admin@contoso.com | 13 | 2 | 11 |"), "{md}");
    assert!(md.contains("| on-premises | 8 | 1 | 7 | 8 | 19 |"), "{md}");
    let csv = env.ok(&w("report --format csv")).stdout;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("contract,plan,charged,refunded,net_used,lapsed_unused,left,runs_out")
    );
    assert!(
        csv.contains("\n7000001,Partner On-premises Support 20,3,1,2,,18,\n"),
        "{csv}"
    );
}

#[test]
fn o_writes_a_file_only_its_owner_reads_and_a_bad_place_leaves_nothing() {
    let env = Env::sample();
    let out = env.dir().join("usage.md");
    let run = env.ok(&[
        "report",
        "--format",
        "markdown",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("usage.md"), "{}", run.stderr);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("| 7000001 |")
    );
    // A link there is followed only to a file of the user's (tests/cli/output.rs).
    // A folder that does not exist: exit 1, nothing created.
    let missing = env.dir().join("no-such-folder").join("r.html");
    let before: Vec<_> = std::fs::read_dir(env.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    env.refused(
        &["report", "-o", missing.to_str().unwrap()],
        1,
        "no-such-folder",
    );
    let after: Vec<_> = std::fs::read_dir(env.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after);
}

/// Debian's Chromium, which `.ci/run` installs.
fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Chromium, headless, on `page`, doing `what` (`--dump-dom`, `--screenshot=FILE`).
fn headless(chromium: &Path, profile: &Path, page: &Path, what: &str) -> String {
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1000,2600",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(what)
    .arg(format!("file://{}", page.display()));
    let run = crate::support::run_command(&mut cmd);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

#[test]
fn the_html_page_is_self_contained_and_chromium_draws_its_charts() {
    let env = Env::sample();
    let page = env.dir().join("usage.html");
    env.ok(&["report", "--format", "html", "-o", page.to_str().unwrap()]);
    let html = std::fs::read_to_string(&page).unwrap();
    // Nothing to run and nothing fetched: it opens anywhere and can be mailed.
    for absent in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!html.contains(absent), "{absent}");
    }
    assert_eq!(
        html.matches("http").count(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    // One chart per limited contract that ran in 2026: 6000010, 7000001, 8000005, RESELLER-26.
    assert_eq!(html.matches("<svg class=\"burn-down\"").count(), 4);
    assert!(
        html.contains("8 lapsed unused"),
        "the lapse of 6000010 is marked"
    );
    assert!(html.contains("class=\"forecast\"") && html.contains("runs out 2026-12-13"));

    let Some(chromium) = chromium() else {
        // `.ci/run` installs it; a developer's machine may not have it yet.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have Chromium (`.ci/run` installs it)"
        );
        eprintln!("skipped the Chromium half: no /usr/bin/chromium (apt-get install chromium)");
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    // Chromium parsed the charts as SVG: the DOM it built has their lines.
    let dom = headless(&chromium, profile.path(), &page, "--dump-dom");
    assert_eq!(dom.matches("<polyline class=\"used\"").count(), 4, "{dom}");
    assert!(dom.contains("<h1>Support usage: Contoso Ltd</h1>"));
    // And drew them: the page with its charts differs from the page without them, and has more
    // drawn on it (a PNG of more ink is larger).
    let shot = |page: &Path, name: &str| {
        let png = env.dir().join(name);
        headless(
            &chromium,
            profile.path(),
            page,
            &format!("--screenshot={}", png.display()),
        );
        std::fs::read(&png).unwrap()
    };
    let with_charts = shot(&page, "with.png");
    let bare = env.dir().join("bare.html");
    let mut without = html.clone();
    while let (Some(a), Some(b)) = (without.find("<svg"), without.find("</svg>")) {
        without.replace_range(a..b + "</svg>".len(), "");
    }
    std::fs::write(&bare, without).unwrap();
    let without_charts = shot(&bare, "without.png");
    assert!(with_charts.starts_with(b"\x89PNG"));
    assert_ne!(with_charts, without_charts);
    assert!(
        with_charts.len() > without_charts.len() + 2_000,
        "{} vs {}",
        with_charts.len(),
        without_charts.len()
    );
    // Kept for a person to look at: target/report-screenshot.png.
    let _ = std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-screenshot.png"),
        &with_charts,
    );
}

/// Text people typed reaches a report: a product named like a spreadsheet formula is written as
/// text in the CSV (the guard `export` uses), and Markdown gets no live HTML or link from it.
#[test]
fn report_csv_and_markdown_take_typed_text_as_text() {
    let env = Env::contoso_active();
    env.ok(&w(
        "activate gold-cloud-platform/cloud-support --access-id ACC-UNL-0001 --contract-id 7000002",
    ));
    let products = [
        "=HYPERLINK(\"http://x\")",
        "+cmd|'/c calc'!A1",
        "@SUM(A1:A9)",
        "-2+3",
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
    ];
    for (n, product) in products.iter().enumerate() {
        let day = format!("2026-06-{:02}", 15 + n);
        let product = format!("--product={product}");
        env.ok(&[
            "--as-of",
            &day,
            "incidents",
            "open",
            "--scope",
            "cloud",
            "--title",
            "T",
            &product,
        ]);
    }
    let csv = env
        .ok(&w("--as-of 2026-06-30 report --by product --format csv"))
        .stdout;
    let mut reader = ::csv::Reader::from_reader(csv.as_bytes());
    let cells: Vec<String> = reader
        .records()
        .map(|r| r.unwrap().get(0).unwrap().to_string())
        .collect();
    for cell in &cells {
        assert!(
            !cell.starts_with(['=', '+', '-', '@']),
            "a formula reaches the spreadsheet: {cell:?}\n{csv}"
        );
    }
    assert!(
        cells.iter().any(|c| c == "'=HYPERLINK(\"http://x\")"),
        "{cells:?}"
    );
    let md = env
        .ok(&w(
            "--as-of 2026-06-30 report --by product --format markdown",
        ))
        .stdout;
    assert!(!md.contains("<script>"), "{md}");
    assert!(!md.contains("[x](javascript:"), "{md}");
    assert!(md.contains("\\[x\\](javascript:alert(1))"), "{md}");
    assert!(md.contains("&lt;script&gt;"), "{md}");
}
