//! The checksum at the end of the state file: a file partner-support wrote is read by its lines,
//! any other (edited by hand, written by an older version, damaged) is read in full, and the
//! next change writes a matching checksum again.

use crate::support::{Env, codes, resealed, sealed, split_checksum, w};
use pretty_assertions::assert_eq;
use serde_json::Value;

/// Whether the state file's checksum matches its content.
fn is_sealed(env: &Env) -> bool {
    sealed(&env.bytes().unwrap())
}

/// The file as if partner-support had written it: the checksum made to match again.
fn reseal(env: &Env) {
    env.write_private(&resealed(&env.bytes().unwrap()));
}

/// Replaces `from` (which must occur once) in the state file.
fn edit(env: &Env, from: &str, to: &str) {
    let text = String::from_utf8(env.bytes().unwrap()).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from:?} in:\n{text}");
    env.write_private(text.replacen(from, to, 1).as_bytes());
}

fn with_two_incidents() -> Env {
    let env = Env::contoso_active();
    env.ok(&w("incidents open --scope on-premises --title Printer"));
    env.ok(&w("incidents open --scope cloud --title Mailbox"));
    env
}

#[test]
fn a_written_file_ends_with_the_checksum_of_everything_before_it() {
    let env = with_two_incidents();
    assert!(is_sealed(&env));
    let text = String::from_utf8(env.bytes().unwrap()).unwrap();
    let tail: Vec<&str> = text.lines().rev().take(5).collect();
    assert!(
        tail[0] == "}" && tail[1].starts_with("  \"checksum\": \"xxh3-128:"),
        "{text}"
    );
    assert_eq!(tail[2], "  ],");
    assert!(tail[3].starts_with(r#"    {"id": "INC-0002""#), "{text}");
    assert!(tail[4].starts_with(r#"    {"id": "INC-0001""#), "{text}");
    // Every change writes it anew.
    env.ok(&w("incidents close INC-0001"));
    assert!(is_sealed(&env));
    assert_eq!(codes_of(&env, "info", 0), Vec::<String>::new());
}

/// The codes of `doctor --json`'s findings of `severity`.
fn codes_of(env: &Env, severity: &str, code: i32) -> Vec<String> {
    let run = env.run(&["--json", "doctor"]);
    assert_eq!(run.code, code, "{}", run.stdout);
    codes(&run.json())
        .into_iter()
        .filter(|(s, _)| s == severity)
        .map(|(_, code)| code)
        .collect()
}

#[test]
fn a_hand_edit_is_read_in_full_and_warned_about_until_a_change_or_accept_seals_it() {
    let outside = "changed outside partner-support since revision 7";
    for seal in [w("incidents close INC-0002"), w("doctor --accept")] {
        let env = with_two_incidents();
        edit(
            &env,
            r#""title": "Printer""#,
            r#""title": "Printer on floor 3""#,
        );
        assert!(!is_sealed(&env));
        let list = env.ok(&w("incidents list --all"));
        assert!(
            list.stdout.contains("Printer on floor 3"),
            "{}",
            list.stdout
        );
        // Every command says so, on stderr, even with --json or -q.
        for args in [w("status"), w("--json incidents remaining"), w("-q check")] {
            let run = env.run(&args);
            assert!(run.stderr.contains(outside), "{args:?}: {}", run.stderr);
            assert!(run.stderr.contains("doctor --accept"), "{}", run.stderr);
        }
        assert_eq!(codes_of(&env, "warning", 1), ["checksum-mismatch"]);
        let doctor = env.reports(&["doctor"], 1, outside);
        assert!(
            doctor.stdout.contains("doctor --accept"),
            "{}",
            doctor.stdout
        );
        let sealed = env.ok(&seal);
        assert!(
            sealed.stderr.contains(outside),
            "{seal:?}: {}",
            sealed.stderr
        );
        assert!(is_sealed(&env));
        assert_eq!(codes_of(&env, "warning", 0), Vec::<String>::new());
        assert_eq!(codes_of(&env, "info", 0), Vec::<String>::new());
        let list = env.ok(&w("incidents list --all"));
        assert!(
            list.stdout.contains("Printer on floor 3"),
            "{}",
            list.stdout
        );
        assert!(!list.stderr.contains("outside"), "{}", list.stderr);
        assert_eq!(
            env.history().last().unwrap()["action"],
            seal[..2].join(" ").as_str()
        );
    }
    // Nothing to accept in a sealed file: nothing is written.
    let env = with_two_incidents();
    let before = env.bytes();
    let run = env.ok(&w("doctor --accept"));
    assert!(run.stderr.contains("nothing to accept"), "{}", run.stderr);
    assert!(env.bytes() == before);
}

#[test]
fn a_key_the_schema_does_not_name_is_refused_at_any_level_with_its_line_and_column() {
    for (from, to, key) in [
        (
            r#""linked_accounts""#,
            r#""linked_accountz""#,
            "linked_accountz",
        ),
        (
            r#""reason": "duplicate""#,
            r#""reason": "duplicate", "note": "x""#,
            "note",
        ),
        (r#""partner_id""#, r#""partner_ID""#, "partner_ID"),
    ] {
        let env = with_two_incidents();
        env.ok(&w("contract link 7000001 --account tech@contoso.com"));
        env.ok(&w("incidents refund INC-0001 --reason duplicate"));
        let text = String::from_utf8(env.bytes().unwrap()).unwrap();
        let text = text.replacen(from, to, 1);
        env.write_private(text.as_bytes());
        let line = 1 + text.lines().position(|l| l.contains(to)).unwrap();
        for args in [
            w("status"),
            w("incidents open --scope cloud --title Again"),
            w("doctor"),
        ] {
            let run = env.run(&args);
            assert_eq!(run.code, 1, "{key} {args:?}: {}", run.stderr);
            let said = format!("{}{}", run.stderr, run.stdout);
            assert!(
                said.contains(&format!("unknown field `{key}`"))
                    && said.contains(&format!("at line {line} column ")),
                "{key} {args:?}: {said}"
            );
        }
        assert!(
            env.bytes().unwrap() == text.as_bytes(),
            "the file was left as it was"
        );
    }
}

#[test]
fn a_damaged_record_in_an_edited_file_is_refused_with_its_line() {
    let env = with_two_incidents();
    edit(&env, r#""title": "Printer""#, r#""title": "Printer"#);
    let run = env.refused(&["status"], 1, "state.json");
    assert!(run.stderr.contains("line"), "{}", run.stderr);
    env.refused(&w("incidents close INC-0002"), 1, "state.json");
}

#[test]
fn a_forged_checksum_does_not_hide_a_damaged_record() {
    let env = with_two_incidents();
    // Past the fields every command reads, so only the record's own decoding sees it.
    edit(&env, r#""title": "Printer""#, r#""title": "Printer\q""#);
    reseal(&env);
    assert!(is_sealed(&env));
    env.refused(&w("incidents list --all"), 1, "INC-0001");
    // doctor reads every file in full, whatever its checksum says.
    env.reports(&["doctor"], 1, "invalid escape at line");
    // A change never writes the damage back as if it were whole: neither the record it touches
    // nor any other it would copy.
    env.refused(&w("incidents close INC-0001"), 1, "INC-0001");
    env.refused(&w("incidents close INC-0002"), 1, "INC-0001");
    env.refused(&w("offer add action-pack"), 1, "INC-0001");
}

#[test]
fn a_forged_checksum_does_not_get_a_line_whose_head_and_record_disagree_resealed() {
    let env = with_two_incidents();
    env.ok(&w("incidents refund INC-0001 --reason duplicate"));
    // A second `id` after the fields read by position: the head says INC-0001, serde refuses.
    edit(
        &env,
        r#""title": "Printer""#,
        r#""title": "Printer", "id": "INC-0009""#,
    );
    reseal(&env);
    env.refused(&w("incidents close INC-0002"), 1, "duplicate field `id`");
    // An unknown scope behind a forged checksum.
    let env = with_two_incidents();
    edit(&env, r#""scope": "cloud""#, r#""scope": "hybrid""#);
    reseal(&env);
    env.refused(&w("incidents close INC-0001"), 1, "INC-0002");
}

#[test]
fn a_file_without_a_checksum_is_read_and_gets_one_with_the_next_change() {
    let env = with_two_incidents();
    let bytes = env.bytes().unwrap();
    let (body, _) = split_checksum(&bytes).unwrap();
    let mut old = body.strip_suffix(b",\n").unwrap().to_vec();
    old.extend_from_slice(b"\n}\n");
    env.write_private(&old);
    serde_json::from_slice::<Value>(&old).expect("still one JSON document");
    assert_eq!(codes_of(&env, "info", 0), ["no-checksum"]);
    let status = env.ok(&["status"]);
    assert!(status.stdout.contains("7000001"), "{}", status.stdout);
    env.ok(&w("incidents close INC-0001"));
    assert!(is_sealed(&env));
}

#[test]
fn a_second_id_key_in_an_edited_record_is_refused_with_its_line_and_column() {
    let env = with_two_incidents();
    env.ok(&w("incidents refund INC-0001 --reason duplicate"));
    // Valid JSON, but not a record: a record names each field once. (A reader that counted the
    // first five keys of each record took this one's refund for lost: used 2, not 1.)
    edit(
        &env,
        r#"{"id": "INC-0001", "contract_id""#,
        r#"{"id": "INC-0001", "id": "INC-0001", "contract_id""#,
    );
    let text = String::from_utf8(env.bytes().unwrap()).unwrap();
    let line = 1 + text.lines().position(|l| l.contains("Printer")).unwrap();
    for args in [
        w("incidents remaining"),
        w("incidents list --all"),
        w("status"),
        w("check"),
        w("incidents close INC-0002"),
    ] {
        let run = env.refused(&args, 1, "duplicate field `id`");
        assert!(
            run.stderr.contains(&format!("at line {line} column ")),
            "{}",
            run.stderr
        );
    }
    env.reports(&["doctor"], 1, "duplicate field `id`");
}
