//! Program catalogs as data: the built-in legacy catalog, a partner's file catalog kept in the
//! state, `catalog check` naming every mistake with its line, and moving to a newer catalog.

use std::fs;

use crate::support::{Env, w};
use partner_support::store::file::SCHEMA_VERSION;

const EXAMPLE: &str = "examples/catalogs/ai-cloud-partner-program.toml";

/// Fabrikam under a copy of the example catalog (the copy is deleted after `init`), holding a
/// Solutions Partner designation and Partner Success Core from 2026-01-10 for one year.
fn fabrikam() -> Env {
    let env = Env::new();
    let file = env.dir().join("acpp.toml");
    fs::copy(EXAMPLE, &file).unwrap();
    let run = env.ok(&[
        "--as-of",
        "2026-01-10",
        "init",
        "--partner-id",
        "4012345",
        "--name",
        "Fabrikam",
        "--account",
        "admin@fabrikam.com",
        "--role",
        "global-admin",
        "--catalog",
        file.to_str().unwrap(),
    ]);
    assert!(
        run.stderr
            .contains("confirm against your Partner Center benefits page"),
        "{}",
        run.stderr
    );
    fs::remove_file(&file).unwrap();
    for offer in [
        "offer add solutions-partner --solution-area Security --start 2026-01-10 --end 2027-01-09",
        "offer add partner-success-core --start 2026-01-10 --end 2027-01-09",
    ] {
        env.ok(&[&w("--as-of 2026-01-10")[..], &w(offer)].concat());
    }
    env
}

fn benefits(env: &Env, day: &str) -> Vec<(String, u64, String)> {
    env.ok(&["--as-of", day, "--json", "benefits"]).json()["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["allowance"].as_u64().unwrap_or(0),
                b["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_state_under_the_example_catalog_works_after_its_file_is_gone() {
    let env = fabrikam();
    assert_eq!(env.json()["catalog"]["name"], "ai-cloud-partner-program");
    assert_eq!(
        benefits(&env, "2026-01-10"),
        [
            (
                "partner-success-core/cloud-support".into(),
                2,
                "not-activated".into()
            ),
            (
                "solutions-partner-security/cloud-support".into(),
                50,
                "not-activated".into()
            ),
            (
                "solutions-partner-security/on-premises-support".into(),
                20,
                "not-activated".into()
            ),
        ]
    );
    // The plan names and the 12 months of validity come from the catalog.
    let run = env.ok(&w(
        "--as-of 2026-01-12 activate partner-success-core/cloud-support --access-id CORE-1 --contract-id 9100002",
    ));
    assert!(
        run.stderr
            .contains("Partner Cloud Support 2, 2 incidents, 2026-01-12 to 2027-01-11"),
        "{}",
        run.stderr
    );
    // Microsoft's older name for on-premises support is an alias in this catalog too.
    env.ok(&w(
        "--as-of 2026-01-12 activate product-support --access-id SP-ONP-1 --contract-id 9100003",
    ));
    for _ in 0..2 {
        env.ok(&w(
            "--as-of 2026-02-01 incidents open --scope cloud --title Outage --contract 9100002",
        ));
    }
    env.refused(
        &w("--as-of 2026-02-02 incidents open --scope cloud --title Again --contract 9100002"),
        3,
        "support plan exhausted",
    );
    env.refused(
        &w("--as-of 2026-02-02 incidents open --scope cloud --title Again"),
        3,
        "support plan exhausted: contract `9100002` has no incidents remaining (all 2 used)",
    );
    // The dashboard names the program.
    let status = env.ok(&w("--as-of 2026-02-02 status"));
    assert!(
        status.stdout.contains("Program: Microsoft AI Cloud Partner Program (ai-cloud-partner-program 2025.06-unverified)"),
        "{}",
        status.stdout
    );
    // A renewal opens the next year's allocation; last year's exhausted pack lapses.
    env.ok(&w(
        "--future --as-of 2027-01-05 offer renew partner-success-core",
    ));
    assert!(benefits(&env, "2027-01-10").contains(&(
        "partner-success-core/cloud-support".into(),
        2,
        "not-activated".into()
    )));
    let lapsed = env
        .ok(&w("--as-of 2027-01-15 --json incidents remaining --all"))
        .json();
    let on_prem = lapsed["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contract_id"] == "9100003")
        .unwrap()
        .clone();
    assert_eq!(on_prem["lapsed"], 20, "{on_prem}");
    // `catalog show` reads the state's copy, with every figure's source.
    let shown = env.ok(&w("--json catalog show")).json();
    assert_eq!(shown["built_in"], false);
    assert_eq!(shown["offers"][0]["benefits"][0]["allowance"], 50);
    assert!(
        shown["offers"][0]["benefits"][0]["source"]
            .as_str()
            .unwrap()
            .contains("unverified")
    );
    // An offer the catalog does not have is named, with the catalog's offers.
    env.refused(
        &w("offer add gold --competency Security --catalog ai-cloud-partner-program"),
        2,
        "`gold` is not an offer of ai-cloud-partner-program 2025.06-unverified: solutions-partner, partner-success-expanded, partner-success-core, partner-launch",
    );
    env.refused(
        &w("offer add platinum"),
        2,
        "`platinum` is not an offer of ai-cloud-partner-program 2025.06-unverified",
    );
    env.refused(
        &w("offer add gold --competency Security --catalog mpn-1999"),
        2,
        "`mpn-1999` is not a catalog of this state or built in: ai-cloud-partner-program, mpn-2021",
    );
    env.refused(
        &w("offer add solutions-partner --solution-area Securty"),
        2,
        "`Securty` is not a solution area of Microsoft AI Cloud Partner Program (did you mean `Security`?)",
    );
}

#[test]
fn the_built_in_catalog_is_listed_and_shown() {
    let env = Env::contoso();
    let list = env.ok(&w("--json catalog list")).json();
    assert_eq!(list["catalogs"][0]["name"], "mpn-2021");
    assert_eq!(list["catalogs"][0]["in_use"], false);
    assert_eq!(list["catalogs"][1]["name"], "ai-cloud-partner-program");
    assert_eq!(list["catalogs"][1]["in_use"], true);
    assert_eq!(
        list["catalogs"][0]["offers"],
        serde_json::json!(["action-pack", "silver", "gold"])
    );
    let show = env.ok(&w("catalog show mpn-2021")).stdout;
    for want in [
        "Partner support MAPS 10pack",
        "Partner Signature 10pack",
        "competency: other",
        "cloud: Security, Cloud Business Applications",
    ] {
        assert!(show.contains(want), "{want}:\n{show}");
    }
    env.refused(
        &w("catalog show mpn-1999"),
        2,
        "`mpn-1999` is not a built-in catalog (mpn-2021, ai-cloud-partner-program) or a file",
    );
}

/// A new state starts on the program Microsoft sold on its first day: the legacy one through
/// its last day of sale, today's after; `--catalog` chooses either.
#[test]
fn init_starts_on_the_program_microsoft_sold_that_day() {
    for (day, flag, want) in [
        ("2024-11-04", None, "mpn-2021"),
        ("2025-01-21", None, "mpn-2021"),
        ("2025-01-22", None, "ai-cloud-partner-program"),
        ("2026-12-06", None, "ai-cloud-partner-program"),
        ("2026-12-06", Some("mpn-2021"), "mpn-2021"),
        (
            "2024-11-04",
            Some("ai-cloud-partner-program"),
            "ai-cloud-partner-program",
        ),
    ] {
        let env = Env::new();
        let mut args = vec![
            "--as-of",
            day,
            "init",
            "--partner-id",
            "4012345",
            "--name",
            "X",
        ];
        if let Some(f) = flag {
            args.extend(["--catalog", f]);
        }
        let run = env.ok(&args);
        assert!(
            run.stderr.contains(&format!("catalog {want} ")),
            "{day}: {}",
            run.stderr
        );
        assert_eq!(env.json()["catalog"]["name"], want, "{day} {flag:?}");
        // The empty state's guidance names the program's own offers.
        let benefits = env.ok(&["--as-of", day, "benefits"]).stdout;
        let offer = if want == "mpn-2021" {
            "action-pack"
        } else {
            "partner-success"
        };
        assert!(benefits.contains(offer), "{day}: {benefits}");
    }
}

#[test]
fn init_with_a_catalog_that_is_not_there_leaves_nothing_behind() {
    let env = Env::new();
    let run = env.run(&w("init --partner-id 4012345 --name X --catalog acpp"));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("`acpp` is not a built-in catalog"),
        "{}",
        run.stderr
    );
    assert!(
        !env.state().parent().unwrap().exists(),
        "no folder is created"
    );
}

/// Each mistake, put into the example, is named with its line.
#[test]
fn catalog_check_names_every_mistake_with_its_line() {
    let example = fs::read_to_string(EXAMPLE).unwrap();
    let line_of = |needle: &str| {
        1 + example[..example.find(needle).unwrap()]
            .matches('\n')
            .count()
    };
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "allowance = 50",
            "allowance = 0",
            "allowance = 0",
            "allowance 0 is not a number of incidents from 1 to 10000 or \"unlimited\"",
        ),
        (
            "allowance = 5\n",
            "allowance = \"lots\"\n",
            "allowance = \"lots\"",
            "allowance \"lots\" is not a number",
        ),
        (
            "benefit = \"cloud-support\"\nallowance = 2",
            "benefit = \"cloud-suport\"\nallowance = 2",
            "\"cloud-suport\"",
            "the catalog defines no such benefit",
        ),
        (
            "scope = \"cloud\"",
            "scope = \"sky\"",
            "\"sky\"",
            "scope `sky` of benefit `cloud-support`",
        ),
        (
            "option = \"solution-area\"",
            "option = \"area\"",
            "\"area\"",
            "takes option `area`, which the catalog does not define",
        ),
        (
            "months = 12, from = \"activation\" }\nsource = \"secondary sources quoting Microsoft's benefits guide (unverified): 2",
            "months = 0, from = \"activation\" }\nsource = \"secondary sources quoting Microsoft's benefits guide (unverified): 2",
            "months = 0",
            "validity of 0 months: expected 1 to 120",
        ),
        (
            "id = \"partner-launch\"",
            "id = \"Partner Launch\"",
            "id = \"Partner Launch\"",
            "offer `Partner Launch` is not a name",
        ),
        (
            "id = \"partner-success-core\"",
            "id = \"partner-success-expanded\"",
            "id = \"partner-success-expanded\"",
            "offer `partner-success-expanded` is defined twice",
        ),
        (
            "kind = \"designation\"",
            "kind = \"designation\"\ncolour = \"blue\"",
            "colour",
            "unknown field `colour`",
        ),
    ];
    for (find, replace, at, want) in cases {
        assert!(example.contains(find), "{find}");
        let broken = example.replacen(find, replace, 1);
        let line = 1 + broken[..broken.rfind(at).unwrap()].matches('\n').count();
        let env = Env::new();
        let file = env.dir().join("broken.toml");
        fs::write(&file, &broken).unwrap();
        let run = env.run(&["catalog", "check", file.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{want}: {}", run.stderr);
        let first = run.stderr.lines().next().unwrap();
        assert!(
            first.contains(&format!("broken.toml:{line}: ")) && first.contains(want),
            "{want} at line {line}:\n{}",
            run.stderr
        );
    }
    // A grant without a source, and a TOML syntax error, each at its line; every problem is
    // one line.
    let no_source = example.replacen(
        "source = \"secondary sources quoting Microsoft's benefits guide (unverified): 5 cloud",
        "# source = \"",
        1,
    );
    let no_source = no_source.replacen("allowance = 2\n", "allowance = 0\n", 1);
    let env = Env::new();
    let file = env.dir().join("two.toml");
    fs::write(&file, &no_source).unwrap();
    let run = env.run(&["catalog", "check", file.to_str().unwrap()]);
    let problems: Vec<_> = run
        .stderr
        .lines()
        .filter(|l| l.contains("two.toml:"))
        .collect();
    assert_eq!(problems.len(), 2, "{}", run.stderr);
    assert!(problems[0].contains("no `source`"), "{}", run.stderr);
    assert!(problems[1].contains("allowance 0"), "{}", run.stderr);
    fs::write(&file, "[catalog\nname = 1").unwrap();
    let run = env.run(&["catalog", "check", file.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("two.toml:1: "), "{}", run.stderr);
    let good = env.ok(&["catalog", "check", EXAMPLE]);
    assert!(good.stderr.contains("no problems"), "{}", good.stderr);
    assert_eq!(line_of("[catalog]"), 10);
}

#[test]
fn a_newer_version_of_the_catalog_keeps_recorded_contracts_and_another_program_is_kept_beside_it() {
    let env = fabrikam();
    env.ok(&w(
        "--as-of 2026-01-12 activate partner-success-core/cloud-support --access-id CORE-1 --contract-id 9100002",
    ));
    let newer = fs::read_to_string(EXAMPLE)
        .unwrap()
        .replace("version = \"2025.06-unverified\"", "version = \"2026.01\"")
        .replace(
            "allowance = 2\nplan = \"Partner Cloud Support 2\"",
            "allowance = 3\nplan = \"Partner Cloud Support 3\"",
        );
    let file = env.dir().join("newer.toml");
    fs::write(&file, newer).unwrap();
    let run = env.ok(&[
        "--as-of",
        "2026-06-01",
        "catalog",
        "use",
        file.to_str().unwrap(),
    ]);
    assert!(run.stderr.contains("now uses catalog ai-cloud-partner-program 2026.01 (was ai-cloud-partner-program 2025.06-unverified)"), "{}", run.stderr);
    let contract = env
        .ok(&w("--as-of 2026-06-01 --json contract show 9100002"))
        .json();
    assert_eq!(contract["allowance"], 2, "{contract}");
    assert_eq!(contract["plan"], "Partner Cloud Support 2");
    env.ok(&w(
        "--future --as-of 2027-01-05 offer renew partner-success-core",
    ));
    assert!(benefits(&env, "2027-01-10").contains(&(
        "partner-success-core/cloud-support".into(),
        3,
        "not-activated".into()
    )));
    let history = env.ok(&w("--json history")).json();
    assert!(history.to_string().contains("catalog use"), "{history}");
    // A newer version of the same catalog must still have the offers recorded under it.
    let without = fs::read_to_string(&file)
        .unwrap()
        .replace("version = \"2026.01\"", "version = \"2026.02\"")
        .replace(
            "id = \"partner-success-core\"",
            "id = \"partner-success-basic\"",
        );
    let without_file = env.dir().join("without.toml");
    fs::write(&without_file, without).unwrap();
    let before = env.bytes();
    env.refused(
        &["catalog", "use", without_file.to_str().unwrap()],
        3,
        "offer `partner-success-core` is not an offer of the catalog ai-cloud-partner-program 2026.02",
    );
    assert_eq!(env.bytes(), before, "a refusal changes nothing");
    let same = env.ok(&["catalog", "use", file.to_str().unwrap()]);
    assert!(same.stderr.contains("already uses"), "{}", same.stderr);
    // Another program is put in use beside this one: its offers keep their catalog.
    let other = env.ok(&w("catalog use mpn-2021"));
    assert!(
        other.stderr.contains(
            "kept catalog ai-cloud-partner-program 2026.01 for its offers: partner-success-core"
        ),
        "{}",
        other.stderr
    );
    assert!(benefits(&env, "2026-06-01").contains(&(
        "partner-success-core/cloud-support".into(),
        3,
        "active".into()
    )));
    assert_eq!(env.run(&w("doctor")).code, 0);
}

#[test]
fn an_export_carries_its_catalog_to_a_new_state() {
    let env = fabrikam();
    let export = env.ok(&w("export --format json"));
    let file = env.dir().join("export.json");
    fs::write(&file, &export.stdout).unwrap();
    let other = Env::new();
    other.ok(&["import", file.to_str().unwrap()]);
    assert_eq!(other.json()["catalog"]["name"], "ai-cloud-partner-program");
    assert_eq!(benefits(&other, "2026-01-10").len(), 3);
}

#[test]
fn a_schema_4_file_reads_under_the_legacy_catalog_and_is_migrated_by_a_change() {
    let v4 = fs::read("tests/fixtures/state-v4.json").unwrap();
    let env = Env::new();
    env.write_private(&v4);
    let before = env.ok(&w("--as-of 2026-11-25 --json benefits")).json();
    assert_eq!(
        env.bytes().unwrap(),
        v4,
        "reading does not migrate the file"
    );
    env.ok(&w("--as-of 2026-11-25 account add new@contoso.com"));
    let state = env.json();
    assert_eq!(state["schema_version"], SCHEMA_VERSION);
    assert_eq!(state["catalog"], serde_json::json!({"name": "mpn-2021"}));
    assert_eq!(state["offers"][1]["kind"], "gold");
    assert_eq!(state["offers"][1]["option"]["name"], "Cloud Platform");
    assert_eq!(
        env.ok(&w("--as-of 2026-11-25 --json benefits")).json(),
        before
    );
}

#[test]
fn catalog_text_that_could_drive_a_terminal_is_refused_with_its_line() {
    let env = Env::new();
    let example = fs::read_to_string(EXAMPLE).unwrap();
    let line_of = |needle: &str| {
        1 + example[..example.find(needle).unwrap()]
            .matches('\n')
            .count()
    };
    // An escape sequence (written as a TOML escape), an OSC 8 link, a right-to-left override
    // (raw) and a carriage return, each in a different field.
    let bad = example
        .replacen("note = \"Figures", "note = \"\\u001b[31mFigures", 1)
        .replacen(
            "source = \"Program renamed",
            "source = \"\\u001b]8;;https://example.invalid\\u0007Program renamed",
            1,
        )
        .replacen("\"Modern Work\"", "\"Modern \u{202e}Work\"", 1)
        .replacen(
            "title = \"Partner Cloud Support\"",
            "title = \"Partner Cloud\\rSupport\"",
            1,
        );
    let file = env.dir().join("bad.toml");
    fs::write(&file, &bad).unwrap();
    let run = env.refused(&["catalog", "check", file.to_str().unwrap()], 2, "U+001B");
    let path = file.display().to_string();
    for (needle, what) in [
        (
            "note = ",
            "`catalog.note` holds U+001B, a control character",
        ),
        (
            "source = ",
            "`catalog.source` holds U+001B, a control character",
        ),
        (
            "\"Modern Work\"",
            "`options.values` holds U+202E, a bidirectional control character",
        ),
        (
            "title = \"Partner Cloud Support\"",
            "holds U+000D, a control character",
        ),
    ] {
        let at = format!("{path}:{}: ", line_of(needle));
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains(&at) && l.contains(what)),
            "{at}{what}:\n{}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{202e}'));
    // Nor can a state start under it.
    env.refused(
        &[
            &w("init --partner-id 4012345 --name Fabrikam --catalog")[..],
            &[file.to_str().unwrap()],
        ]
        .concat(),
        2,
        "U+001B",
    );
    assert!(env.bytes().is_none());
}

#[test]
fn the_state_keeps_what_a_catalog_file_says_not_its_comments() {
    let env = Env::new();
    // A valid catalog with 8 MiB of comments.
    let mut text = String::new();
    for n in 0..120_000 {
        text.push_str(&format!(
            "# comment line {n:06} of a file that is mostly comments ....................\n"
        ));
    }
    text.push_str(&fs::read_to_string(EXAMPLE).unwrap());
    let file = env.dir().join("commented.toml");
    fs::write(&file, &text).unwrap();
    assert!(text.len() > 8 << 20);
    env.ok(&[
        &w("init --partner-id 4012345 --name Fabrikam --catalog")[..],
        &[file.to_str().unwrap()],
    ]
    .concat());
    let size = env.bytes().unwrap().len();
    assert!(size < 16 << 10, "the state is {size} bytes");
    assert!(
        !String::from_utf8(env.bytes().unwrap())
            .unwrap()
            .contains("comment line")
    );
    // The same catalog without its comments is the one recorded: using it again changes nothing.
    let bare = env.dir().join("bare.toml");
    fs::copy(EXAMPLE, &bare).unwrap();
    let before = env.bytes();
    let run = env.ok(&["catalog", "use", bare.to_str().unwrap()]);
    assert!(env.bytes() == before, "{}", run.stderr);
    env.ok(&["catalog", "show"]);
}

#[test]
fn a_catalog_too_large_to_keep_in_every_state_is_refused() {
    let env = Env::new();
    let big = fs::read_to_string(EXAMPLE).unwrap().replacen(
        "note = \"Figures",
        &format!("note = \"{} Figures", "word ".repeat(300_000)),
        1,
    );
    let file = env.dir().join("big.toml");
    fs::write(&file, big).unwrap();
    env.refused(
        &["catalog", "check", file.to_str().unwrap()],
        2,
        "a catalog may be at most 1024 KiB",
    );
    env.refused(
        &[
            &w("init --partner-id 4012345 --name Fabrikam --catalog")[..],
            &[file.to_str().unwrap()],
        ]
        .concat(),
        2,
        "a catalog may be at most 1024 KiB",
    );
    assert!(env.bytes().is_none());
}

#[test]
fn todays_program_is_built_in_and_a_state_keeps_only_its_name() {
    let env = Env::new();
    let list = env.ok(&w("catalog list")).stdout;
    assert!(
        list.contains("ai-cloud-partner-program") && list.contains("mpn-2021"),
        "{list}"
    );
    let run = env.ok(&[
        "init",
        "--partner-id",
        "4012345",
        "--name",
        "Fabrikam",
        "--catalog",
        "ai-cloud-partner-program",
    ]);
    assert!(
        run.stderr
            .contains("confirm against your Partner Center benefits page"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.json()["catalog"],
        serde_json::json!({"name": "ai-cloud-partner-program"}),
        "a built-in catalog is kept by its name, not copied"
    );
    env.ok(&w("offer add partner-success-expanded --start 2026-01-10"));
    let benefits = env.ok(&w("--json benefits")).json();
    assert_eq!(benefits["benefits"][0]["allowance"], 5, "{benefits}");
    // Its figures are UNVERIFIED, and every place that shows them says so.
    assert!(
        run.stderr.contains(
            "4 of the catalog's 4 figures are not verified: confirm them in Partner Center"
        ),
        "{}",
        run.stderr
    );
    let show = env.ok(&w("catalog show")).stdout;
    assert!(show.contains("built in"), "{show}");
    assert!(
        show.contains("[UNVERIFIED: confirm in Partner Center]"),
        "{show}"
    );
    let table = env.ok(&w("benefits")).stdout;
    assert!(
        table.contains("The allowances of partner-success-expanded/cloud-support are not verified in the catalog: confirm them in Partner Center."),
        "{table}"
    );
    // The legacy program's figures are verified: nothing to confirm.
    let legacy = Env::contoso_active();
    assert!(!legacy.ok(&w("benefits")).stdout.contains("not verified"));
    // A status the format does not know is a problem with its line.
    let bad = fs::read_to_string(EXAMPLE).unwrap().replacen(
        "status = \"UNVERIFIED\"",
        "status = \"MAYBE\"",
        1,
    );
    let file = env.dir().join("bad-status.toml");
    fs::write(&file, bad).unwrap();
    env.refused(
        &["catalog", "check", file.to_str().unwrap()],
        2,
        "`status` is `MAYBE`, expected VERIFIED, UNVERIFIED or CONFLICT",
    );
}
