//! `check`, the CI gate: silence and exit 0 when all is well, a line per finding and exit 4 or
//! 5 otherwise, thresholds and filters from the command line, JSON for scripts.

use crate::support::{Env, w};
use pretty_assertions::assert_eq;

/// Contoso with every benefit active from 2026-06-15 for a year: Gold Cloud Platform product
/// support 7000001 (20 incidents) and cloud support 7000002 (unlimited), Silver Data Analytics
/// cloud support 8000005 (5 incidents) and product support 8000006 (15).
fn contoso() -> Env {
    let env = Env::contoso_active();
    env.ok(&w(
        "activate gold-cloud-platform/cloud-support --access-id ACC-GCS-0001 --contract-id 7000002",
    ));
    env.ok(&w("activate silver-data-analytics/product-support --access-id ACC-SPS-0001 --contract-id 8000006"));
    env
}

#[test]
fn all_well_is_exit_0_with_a_one_line_summary() {
    let env = contoso();
    let run = env.ok(&["check"]);
    assert_eq!(
        run.stdout,
        "ok: 4 usable contracts and 4 benefits checked as of 2026-06-15; nothing to report\n"
    );
    assert_eq!(env.ok(&["-q", "check"]).stdout, "");
}

#[test]
fn findings_are_listed_and_the_exit_code_is_the_worst() {
    let env = contoso();
    for _ in 0..13 {
        env.ok(&w(
            "-q incidents open --scope on-premises --contract 8000006 --title Slow",
        ));
    }
    // 2 left on 8000006 (no unlimited plan covers on-premises): a warning at the default
    // threshold (3).
    let run = env.reports(
        &["check"],
        4,
        "WARNING contract 8000006 (Partner support Silver 15pack) has 2 incidents left [incidents-low]",
    );
    // 13 on the pack's first day are no pace yet (R20): no forecast, one warning.
    assert!(
        !run.stdout.contains("runs-out-before-end"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("warning: 0 critical, 1 warning; 4 usable contracts and 4 benefits checked as of 2026-06-15\n"), "{}", run.stdout);
    // A month on, they are: 13 over 31 days, the last 2 go in 5 days.
    let later = env.reports(&w("--as-of 2026-07-15 check"), 4, "[runs-out-before-end]");
    assert!(
        later.stdout.contains("WARNING contract 8000006 (Partner support Silver 15pack) would run out on 2026-07-20 at 12.6 incidents per 30 days, 329 days before it ends on 2027-06-14 [runs-out-before-end]"),
        "{}",
        later.stdout
    );
    assert_eq!(run.stderr, "", "the findings are the whole report");
    // Tighter thresholds make it critical; looser ones (and the forecast left out) make it pass.
    env.reports(
        &w("check --critical-remaining 2"),
        5,
        "CRITICAL contract 8000006",
    );
    env.ok(&w("check --warn-remaining 1 --ignore runs-out-before-end"));
    // --exit-zero reports without failing.
    let run = env.ok(&w("check --critical-remaining 2 --exit-zero"));
    assert!(run.stdout.starts_with("CRITICAL"), "{}", run.stdout);
}

#[test]
fn as_of_answers_what_will_fail_on_a_day() {
    let env = contoso();
    // All four end on 2027-06-14; the unlimited 7000002 covers the cloud 8000005 until then,
    // so that one is only worth knowing.
    let run = env.reports(
        &w("--as-of 2027-06-01 check"),
        4,
        "ends on 2027-06-14, in 13 days [contract-expiring]",
    );
    // Three contracts ending, and two packs whose incidents would lapse unused (R19).
    assert_eq!(run.stdout.matches("WARNING").count(), 5, "{}", run.stdout);
    assert_eq!(
        run.stdout.matches("[incidents-expiring-unused]").count(),
        3,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("INFO contract 8000005 (Partner Cloud Support 5) ends on 2027-06-14, in 13 days (unlimited contract 7000002 covers it until 2027-06-14) [contract-expiring]"),
        "{}",
        run.stdout
    );
    env.reports(
        &w("--as-of 2027-06-10 check"),
        5,
        "CRITICAL contract 7000001",
    );
    // After the end, a new membership year has begun (the offers run year by year from
    // 2026-06-15) and its benefits are not activated yet: critical (R18).
    let run = env.reports(&w("--as-of 2027-07-01 --json check"), 5, "");
    let report = run.json();
    assert_eq!(report["status"], "critical");
    let codes: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "benefit-not-activated",
            "benefit-not-activated",
            "benefit-not-activated",
            "benefit-not-activated"
        ]
    );
}

#[test]
fn json_has_every_field_of_a_finding() {
    let env = Env::contoso_active();
    env.ok(&w("activate silver-data-analytics/product-support"));
    let run = env.reports(
        &w("--as-of 2026-06-30 --json check --offer silver-data-analytics"),
        4,
        "",
    );
    let report = run.json();
    assert_eq!(report["status"], "warning");
    assert_eq!(report["as_of"], "2026-06-30");
    assert_eq!(report["thresholds"]["pending_days"], 7);
    assert_eq!(
        report["checked"],
        serde_json::json!({"contracts": 1, "benefits": 2})
    );
    assert_eq!(
        report["findings"][0],
        serde_json::json!({
            "severity": "warning",
            "code": "activation-pending",
            "contract": null,
            "offer": "silver-data-analytics",
            "benefit": "silver-data-analytics/product-support",
            "remaining": null,
            "days_left": null,
            "pending_days": 15,
            "message": "activation of silver-data-analytics/product-support pending since 2026-06-15 (15 days): check Partner Center for its IDs"
        })
    );
}

#[test]
fn filters_and_bad_thresholds() {
    let env = contoso();
    for _ in 0..14 {
        env.ok(&w(
            "-q incidents open --scope on-premises --contract 8000006 --title Slow",
        ));
    }
    env.reports(&w("check"), 5, "8000006");
    env.ok(&w("check --scope cloud"));
    env.ok(&w("check --contract 7000001"));
    env.ok(&w("check --offer gold-cloud-platform"));
    env.refused(&w("check --contract 9999"), 3, "contract `9999` not found");
    env.refused(
        &w("check --offer platinum"),
        3,
        "offer `platinum` not found",
    );
    env.refused(
        &w("check --critical-days 40"),
        2,
        "`--critical-days 40` is above `--warn-days 30`",
    );
    env.refused(&w("check --warn-remaining -1"), 2, "-1");
    let help = env.ok(&["check", "--help"]).stdout;
    assert!(
        help.contains("[default: 3]") && help.contains("[default: 30]"),
        "{help}"
    );
}

#[test]
fn r22_the_gate_fails_closed_on_no_state_file_or_no_organization() {
    // A mistyped --state path.
    let env = Env::new();
    let run = env.refused(&["check"], 1, "no state file");
    assert!(
        run.stderr.contains(&env.state().display().to_string()),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    env.refused(&["--json", "check", "--exit-zero"], 1, "no state file");
    assert!(env.bytes().is_none(), "nothing was created");
    // A state file with no organization in it.
    env.write_private(br#"{"schema_version": 2}"#);
    env.refused(&["check"], 1, "no organization");
}

#[test]
fn r22_no_offer_in_force_on_the_day_does_not_pass() {
    let env = Env::contoso();
    env.reports(
        &["check"],
        5,
        "no membership offer is recorded (`partner-support offer add`) [no-membership]",
    );
    env.ok(&w(
        "offer add gold --competency Security --start 2026-01-01",
    ));
    env.ok(&w(
        "activate gold-security/cloud-support --access-id A-1 --contract-id C1 --start 2026-01-01",
    ));
    env.ok(&w("activate gold-security/product-support --access-id A-2 --contract-id C2 --start 2026-01-01"));
    env.ok(&["check"]);
    // Before the membership starts there is nothing to draw on.
    env.reports(
        &["--as-of", "2025-12-31", "check"],
        5,
        "no membership offer is in force on 2025-12-31: the next starts on 2026-01-01 [no-membership]",
    );
    env.reports(
        &[
            "--as-of",
            "2025-12-31",
            "check",
            "--ignore",
            "no-membership",
        ],
        0,
        "",
    );
}

#[test]
fn ignore_leaves_out_a_finding_on_purpose_and_says_so() {
    let env = Env::contoso_active();
    let all = env.run(&w("--json check")).json();
    let codes = |doc: &serde_json::Value, key: &str| -> Vec<String> {
        doc[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{}:{}",
                    f["code"].as_str().unwrap(),
                    f["benefit"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    let found = codes(&all, "findings");
    assert!(
        found.contains(&"benefit-not-activated:gold-cloud-platform/cloud-support".to_string()),
        "{found:?}"
    );
    let run = env.run(&w(
        "--json check --ignore benefit-not-activated:gold-cloud-platform/cloud-support",
    ));
    let doc = run.json();
    assert_eq!(
        codes(&doc, "ignored"),
        ["benefit-not-activated:gold-cloud-platform/cloud-support"]
    );
    assert_eq!(codes(&doc, "findings").len(), found.len() - 1);
    let human = env.run(&w("check --ignore benefit-not-activated"));
    assert!(
        human.stdout.contains("left out with --ignore"),
        "{}",
        human.stdout
    );
    // A mistyped code is a usage error, not a finding quietly kept.
    env.refused(&w("check --ignore incident-low"), 2, "not a finding's code");
}

#[test]
fn a_pack_an_unlimited_plan_covers_is_worth_knowing_not_a_failing() {
    let env = contoso();
    for _ in 0..4 {
        env.ok(&w(
            "-q incidents open --scope cloud --contract 8000005 --title Slow",
        ));
    }
    // 1 left on the cloud 5-pack, while the unlimited 7000002 covers cloud until the pack ends.
    let run = env.ok(&["check"]);
    assert!(
        run.stdout.contains("INFO contract 8000005 (Partner Cloud Support 5) has 1 incident left (unlimited contract 7000002 covers it until 2027-06-14) [incidents-low]"),
        "{}",
        run.stdout
    );
    let report = env.ok(&w("--json check")).json();
    assert_eq!(report["status"], "ok");
    assert_eq!(report["findings"][0]["severity"], "info");
}

#[test]
fn r22_a_lapsed_membership_and_every_contract_lapsed_does_not_pass() {
    let env = Env::contoso();
    env.ok(&w(
        "offer add gold --competency Security --start 2026-01-01 --end 2026-12-31",
    ));
    env.ok(&w(
        "activate gold-security/cloud-support --access-id A-1 --contract-id C1 --start 2026-01-01 --end 2026-12-31",
    ));
    env.ok(&w(
        "activate gold-security/product-support --access-id A-2 --contract-id C2 --start 2026-01-01 --end 2026-12-31",
    ));
    env.reports(
        &w("--as-of 2026-12-10 check"),
        4,
        "the membership year 2026-01-01 to 2026-12-31 of gold-security ends in 21 days, and no next year is recorded (`partner-support offer renew gold-security`) [membership-ending]",
    );
    let run = env.reports(
        &w("--as-of 2027-02-01 check"),
        5,
        "the membership ended on 2026-12-31: no offer is in force",
    );
    assert!(run.stdout.contains("[membership-ended]"), "{}", run.stdout);
    let json = env.run(&w("--as-of 2027-02-01 --json check")).json();
    assert_eq!(json["status"], "critical");
    env.reports(
        &w("--as-of 2027-02-01 check --exit-zero"),
        0,
        "membership-ended",
    );
}

/// Contoso with 2 incidents left on 8000006 (a warning), 8000005 used up (critical: its benefit
/// has no usable contract) and one finding left out with `--ignore`.
fn with_findings() -> Env {
    let env = contoso();
    for _ in 0..13 {
        env.ok(&w(
            "-q incidents open --scope on-premises --contract 8000006 --title Slow",
        ));
    }
    for _ in 0..5 {
        env.ok(&w(
            "-q incidents open --scope cloud --contract 8000005 --title Gateway",
        ));
    }
    env
}

#[test]
fn format_github_prints_an_annotation_per_finding_with_the_usual_exit_code() {
    let env = with_findings();
    let text = env.run(&["check"]);
    let run = env.reports(&w("check --format github"), text.code, "::error ");
    assert_eq!(run.code, 5);
    let annotation = regex_lite(&run.stdout);
    let (commands, rest): (Vec<&str>, Vec<&str>) =
        run.stdout.lines().partition(|l| l.starts_with("::"));
    // One annotation per finding of the text report, each a GitHub workflow command:
    // `::error|warning|notice title=…::message`, with `:` and `,` escaped in the title.
    let findings = text.stdout.lines().filter(|l| !l.starts_with(' ')).count() - 1;
    assert_eq!(commands.len(), findings, "{}", run.stdout);
    assert!(annotation, "{}", run.stdout);
    assert!(
        commands.iter().any(|l| l.starts_with(
            "::error title=partner-support benefit-lapsed%3A silver-data-analytics/cloud-support::"
        )),
        "{}",
        run.stdout
    );
    assert!(
        commands
            .iter()
            .any(|l| l.starts_with("::warning title=partner-support incidents-low%3A 8000006::")),
        "{}",
        run.stdout
    );
    assert_eq!(rest.len(), 1, "then the summary: {}", run.stdout);
    assert!(rest[0].starts_with("critical: "), "{}", run.stdout);
    // -q leaves out the summary; --exit-zero the failure; all well prints only the summary.
    let quiet = env.run(&w("-q check --format github"));
    assert_eq!(quiet.stdout.lines().count(), findings);
    assert_eq!(env.run(&w("check --format github --exit-zero")).code, 0);
    let well = contoso().ok(&w("check --format github"));
    assert!(well.stdout.starts_with("ok: ") && well.stdout.lines().count() == 1);
}

/// Whether every line starting `::` is a workflow command as GitHub reads one: a command, its
/// properties `key=value` separated by `,` (no raw `:` or `,` in a value), `::`, the message,
/// with no raw CR in it.
fn regex_lite(stdout: &str) -> bool {
    stdout.lines().filter(|l| l.starts_with("::")).all(|l| {
        let rest = &l[2..];
        let Some((head, message)) = rest.split_once("::") else {
            return false;
        };
        let (command, properties) = head.split_once(' ').unwrap_or((head, ""));
        ["error", "warning", "notice"].contains(&command)
            && !message.is_empty()
            && !message.contains('\r')
            && properties.split(',').all(|p| {
                p.split_once('=').is_some_and(|(k, v)| {
                    ["title", "file", "line", "col"].contains(&k) && !v.contains(':')
                })
            })
    })
}

/// A JUnit XML document read by Python's `xml.etree`, checked against the JUnit schema's
/// element names and required attributes, and summed up as JSON: each test case's classname,
/// name and failure type (null when it passes).
const JUNIT_READER: &str = r#"
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
children = {
    "testsuites": {"testsuite"},
    "testsuite": {"properties", "testcase", "system-out", "system-err"},
    "properties": {"property"},
    "property": set(),
    "testcase": {"skipped", "error", "failure", "system-out", "system-err"},
    "failure": set(), "error": set(), "skipped": set(), "system-out": set(), "system-err": set(),
}
required = {"testsuite": {"name", "tests"}, "testcase": {"name", "classname"},
            "property": {"name", "value"}, "failure": {"type", "message"}}
assert root.tag == "testsuites", root.tag
def walk(e):
    for c in e:
        assert c.tag in children[e.tag], (e.tag, c.tag)
        assert required.get(c.tag, set()) <= set(c.attrib), (c.tag, c.attrib)
        walk(c)
walk(root)
cases = []
for suite in root.iter("testsuite"):
    assert int(suite.get("tests")) == len(suite.findall("testcase"))
    assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
    for case in suite.findall("testcase"):
        failure = case.find("failure")
        cases.append([case.get("classname"), case.get("name"),
                      None if failure is None else failure.get("type")])
print(json.dumps(cases))
"#;

fn junit_cases(xml: &str) -> serde_json::Value {
    use std::io::Write;
    let mut python = std::process::Command::new("python3")
        .args(["-c", JUNIT_READER])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (the machine's CPython)");
    python
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let out = python.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn format_junit_is_a_junit_report_a_real_parser_reads_with_a_case_per_contract_and_benefit() {
    let env = with_findings();
    let run = env.reports(
        &w("check --format junit --ignore contract-expiring"),
        5,
        "<testsuites",
    );
    let cases = junit_cases(&run.stdout);
    let json = env.run(&w("--json check")).json();
    let contracts = json["checked"]["contracts"].as_u64().unwrap() as usize;
    let benefits = json["checked"]["benefits"].as_u64().unwrap() as usize;
    let of = |class: &str| {
        cases
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c[0] == class)
            .map(|c| (c[1].as_str().unwrap().to_string(), c[2].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(of("contract").len(), contracts, "{cases}");
    assert!(of("benefit").len() >= benefits, "{cases}");
    assert!(
        of("contract").contains(&("8000006".into(), "incidents-low".into())),
        "{cases}"
    );
    assert!(
        of("contract").contains(&("7000001".into(), serde_json::Value::Null)),
        "{cases}"
    );
    assert!(
        of("benefit").contains(&(
            "silver-data-analytics/cloud-support".into(),
            "benefit-lapsed".into()
        )),
        "{cases}"
    );
    assert_eq!(of("organization").len(), 1, "{cases}");
    // The same exit codes as the text report: all well passes, every case passing.
    let well = contoso().ok(&w("check --format junit"));
    let cases = junit_cases(&well.stdout);
    assert!(
        cases.as_array().unwrap().iter().all(|c| c[2].is_null()),
        "{cases}"
    );
    // Narrowed to one contract: that contract's case only.
    let one = env.reports(
        &w("check --format junit --contract 8000006"),
        4,
        "<testsuites",
    );
    assert_eq!(
        junit_cases(&one.stdout),
        serde_json::json!([["contract", "8000006", "incidents-low"]])
    );
}

#[test]
fn a_new_membership_pages_no_one_while_its_benefits_are_being_activated() {
    let env = Env::contoso();
    env.ok(&[
        &w("offer add gold --start 2026-06-15 --competency")[..],
        &["Cloud Platform"],
    ]
    .concat());
    let codes = |run: &crate::support::Run| crate::support::codes(&run.json());
    // The day the offer is added: warnings, not a page.
    let day_one = env.run(&w("--json check"));
    assert_eq!(day_one.code, 4, "{}", day_one.stdout);
    assert!(
        codes(&day_one).iter().all(|(s, _)| s == "warning"),
        "{:?}",
        codes(&day_one)
    );
    assert!(codes(&day_one).contains(&("warning".into(), "benefit-not-activated".into())));
    // Activation requested, five days pass: still no page.
    env.ok(&w("activate gold-cloud-platform/product-support"));
    env.ok(&w("activate gold-cloud-platform/cloud-support"));
    let pending = env.run(&w("--as-of 2026-06-20 --json check"));
    assert!(pending.code <= 4, "{}", pending.stdout);
    // A month on, with nothing activated, it is critical.
    let late = env.run(&w("--as-of 2026-07-15 --json check"));
    assert_eq!(late.code, 5, "{}", late.stdout);
    assert!(
        codes(&late).contains(&("critical".into(), "scope-uncovered".into())),
        "{:?}",
        codes(&late)
    );
    // --activation-days 0 gives no grace.
    assert_eq!(env.run(&w("check --activation-days 0")).code, 5);
    // The IDs come: one incident on the new 20-pack's first day forecasts nothing yet.
    env.ok(&w("activate gold-cloud-platform/product-support --access-id ACC-GOLD-0001 --contract-id 7000001"));
    env.ok(&w("activate gold-cloud-platform/cloud-support --access-id ACC-GOLD-0002 --contract-id 7000002"));
    env.ok(&w("incidents open --scope on-premises --title First"));
    let first = env.run(&w("--json check"));
    assert!(
        !codes(&first)
            .iter()
            .any(|(_, c)| c == "runs-out-before-end"),
        "{:?}",
        codes(&first)
    );
    assert_eq!(first.code, 0, "{}", first.stdout);
}

#[test]
fn every_anniversary_is_announced_and_renewing_clears_it() {
    let env = Env::contoso();
    // An offer with an end: a warning 30 days before, cleared by the renewal it names.
    env.ok(&w(
        "offer add action-pack --start 2026-01-15 --end 2027-01-14",
    ));
    let quiet = env.run(&w(
        "--as-of 2026-12-10 --json check --ignore benefit-not-activated --ignore scope-uncovered",
    ));
    assert!(
        !quiet.stdout.contains("membership-ending"),
        "{}",
        quiet.stdout
    );
    let near = env.reports(
        &w("--as-of 2026-12-20 check --ignore benefit-not-activated --ignore scope-uncovered"),
        4,
        "(`partner-support offer renew action-pack`) [membership-ending]",
    );
    assert!(near.stdout.contains("ends in 25 days"), "{}", near.stdout);
    assert_eq!(
        env.run(&w("--as-of 2026-12-20 check --renewal-days 20 --ignore benefit-not-activated --ignore scope-uncovered")).code,
        0
    );
    env.ok(&w("offer renew action-pack"));
    let renewed = env.run(&w(
        "--as-of 2026-12-20 --json check --ignore benefit-not-activated --ignore scope-uncovered",
    ));
    assert!(
        !renewed.stdout.contains("membership-ending"),
        "{}",
        renewed.stdout
    );
    // An offer without an end runs on: its anniversary is information, never a failure.
    let open = Env::contoso();
    open.ok(&w("offer add action-pack --start 2025-07-01"));
    let run = open.run(&w(
        "--as-of 2026-06-20 --json check --ignore benefit-not-activated --ignore scope-uncovered",
    ));
    assert_eq!(run.code, 0, "{}", run.stdout);
    let ending: Vec<_> = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "membership-ending")
        .map(|f| f["severity"].clone())
        .collect();
    assert_eq!(ending, ["info"]);
}

/// A benefit the organization will not use this year is declined, not ignored forever: `check`
/// stops asking for it until the next year, `benefits` says so, and it survives an export.
#[test]
fn a_benefit_declined_for_a_year_is_not_asked_for_until_the_next() {
    let env = Env::contoso();
    env.ok(&w(
        "--as-of 2026-01-10 offer add partner-success-core --start 2026-01-10",
    ));
    env.ok(&w(
        "--as-of 2026-01-10 offer add solutions-partner --solution-area Security --start 2026-01-10",
    ));
    env.ok(&w(
        "--as-of 2026-01-12 activate solutions-partner-security/cloud-support --access-id ACC-1 --contract-id 7100001",
    ));
    env.ok(&w(
        "--as-of 2026-01-12 activate solutions-partner-security/on-premises-support --access-id ACC-2 --contract-id 7100002",
    ));
    let before = env.run(&w("--as-of 2026-03-01 --json check"));
    assert_eq!(before.code, 5, "{}", before.stdout);
    assert!(before.stdout.contains("partner-success-core/cloud-support"));
    let unchanged = env.bytes();
    env.refused(
        &w("--as-of 2026-03-01 --as nobody@contoso.com decline partner-success-core/cloud-support"),
        3,
        "nobody@contoso.com",
    );
    assert_eq!(env.bytes(), unchanged, "a refusal changes nothing");
    let declined = env.ok(&[
        "--as-of",
        "2026-03-01",
        "decline",
        "partner-success-core/cloud-support",
        "--reason",
        "Security's 50 cover us",
    ]);
    assert!(
        declined.stderr.contains(
            "declined partner-success-core/cloud-support for its year 2026-01-10 to 2027-01-09"
        ),
        "{}",
        declined.stderr
    );
    let after = env.run(&w("--as-of 2026-03-01 check"));
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
    let benefits = env.ok(&w("--as-of 2026-03-01 benefits")).stdout;
    assert!(
        benefits.contains("declined on 2026-03-01 for this year: Security's 50 cover us"),
        "{benefits}"
    );
    env.refused(
        &w("--as-of 2026-04-01 decline partner-success-core/cloud-support"),
        3,
        "already declined on 2026-03-01",
    );
    // The next year asks again.
    let next = env.run(&w("--as-of 2027-02-01 --json check"));
    assert!(
        next.stdout.contains("partner-success-core/cloud-support"),
        "{}",
        next.stdout
    );
    // An export carries the decline to a new state.
    let export = env.ok(&w("--reveal export --format json"));
    let file = env.dir().join("export.json");
    std::fs::write(&file, &export.stdout).unwrap();
    let other = Env::new();
    other.ok(&["import", file.to_str().unwrap()]);
    assert_eq!(other.run(&w("--as-of 2026-03-01 check")).code, 0);
    // Changing one's mind: activating it withdraws the decline.
    env.ok(&w(
        "--as-of 2026-04-02 activate partner-success-core/cloud-support",
    ));
    let state = env.json();
    assert!(state.get("declined").is_none(), "{state}");
}
