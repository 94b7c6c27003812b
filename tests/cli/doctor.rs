//! `doctor`: one line per finding with its fix, JSON for scripts, exit 0 only when healthy, and
//! `--fix` repairs permissions and debris without ever touching the data.

use std::fs;

use crate::support::{Env, codes, w};
use pretty_assertions::assert_eq;

#[test]
fn a_fresh_path_is_healthy_and_doctor_creates_nothing() {
    let env = Env::new();
    let run = env.ok(&["doctor"]);
    assert!(run.stdout.contains("no state file"), "{}", run.stdout);
    assert!(run.stdout.contains("is healthy"), "{}", run.stdout);
    assert!(
        !env.state().parent().unwrap().exists(),
        "nothing was created"
    );
}

#[test]
fn a_healthy_file_says_so_in_text_and_json() {
    let env = Env::contoso();
    let first = env.ok(&["--json", "doctor"]).json();
    assert_eq!(codes(&first), [("info".into(), "no-backup".into())]);
    env.ok(&w("offer add action-pack"));
    let run = env.ok(&["doctor"]);
    assert_eq!(
        run.stdout,
        format!("ok: `{}` is healthy\n", env.state().display())
    );
    let report = env.ok(&["--json", "doctor"]).json();
    assert_eq!(report["healthy"], true);
    assert_eq!(report["state_file"], env.state().display().to_string());
    assert_eq!(report["fixed"], serde_json::json!([]));
    assert_eq!(report["findings"], serde_json::json!([]));
}

#[test]
fn debris_is_reported_then_removed_by_fix_and_the_data_is_untouched() {
    let env = Env::contoso();
    env.ok(&w("offer add action-pack"));
    let debris = env.state().with_file_name(".state.json.k1LL3d.tmp");
    fs::write(&debris, b"{\"schema_version\": 2, \"half").unwrap();
    // Another state file's temp files in the same folder are not ours to judge.
    let other = env.state().with_file_name(".other.json.x.tmp");
    fs::write(&other, b"").unwrap();

    let run = env.run(&["doctor"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains(".state.json.k1LL3d.tmp` was left by an interrupted change"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("doctor found 1 problem"),
        "{}",
        run.stderr
    );
    let before = env.bytes();
    // A dry run repairs nothing.
    let dry = env.run(&["-n", "doctor", "--fix"]);
    assert_eq!(dry.code, 1);
    assert!(
        dry.stderr.contains("dry run: nothing was repaired"),
        "{}",
        dry.stderr
    );
    assert!(debris.exists());
    let fixed = env.ok(&["--json", "doctor", "--fix"]).json();
    assert_eq!(fixed["healthy"], true);
    assert_eq!(fixed["fixed"].as_array().unwrap().len(), 1);
    assert!(!debris.exists());
    assert!(other.exists());
    assert!(env.bytes() == before);
}

#[test]
fn bad_data_is_an_error_fix_leaves_alone() {
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "truncated",
            b"{\"schema_version\": 2, \"offers\": [",
            "parse-error",
        ),
        ("no version", b"{}", "no-schema"),
        ("newer", b"{\"schema_version\": 99}", "newer-schema"),
    ];
    for (what, bytes, code) in cases {
        let env = Env::new();
        env.write_private(bytes);
        let run = env.run(&["--json", "doctor", "--fix"]);
        assert_eq!(run.code, 1, "{what}");
        assert_eq!(
            codes(&run.json())[0],
            ("error".to_string(), code.to_string()),
            "{what}"
        );
        assert!(
            env.bytes().unwrap() == *bytes,
            "{what}: the file is left as it was"
        );
    }
}

#[test]
fn a_damaged_backup_is_a_warning_the_next_change_clears() {
    let env = Env::contoso();
    env.ok(&w("offer add action-pack"));
    let backup = env.state().with_file_name("state.json.bak");
    fs::write(&backup, b"garbage").unwrap();
    fs::set_permissions(&backup, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let run = env.run(&["--json", "doctor"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        codes(&run.json()),
        [("warning".into(), "bad-backup".into())]
    );
    env.ok(&w("account add tech@contoso.com"));
    env.ok(&["doctor"]);
}
