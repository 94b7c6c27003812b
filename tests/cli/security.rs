//! Access IDs are credentials: private files and folders, a warning while the file is exposed,
//! and no Access ID in any output, message, history entry or debug text unless `--reveal`.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::support::{Env, w};
use pretty_assertions::assert_eq;

const SECRETS: &[&str] = &[
    "ACC-GOLD-7788",
    "ACC-SIG-5555",
    "ACC-PREM-4242",
    "ACC-NEW-9191",
];

fn mode(path: &std::path::Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn new_files_are_private_and_an_exposed_file_is_warned_about_until_fixed() {
    let env = Env::contoso();
    env.ok(&w("offer add action-pack"));
    let dir = env.state().parent().unwrap();
    assert_eq!(mode(dir), 0o700);
    for name in ["state.json", "state.json.bak", "state.json.lock"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }

    fs::set_permissions(env.state(), fs::Permissions::from_mode(0o644)).unwrap();
    let warning = "warning: the state file";
    for args in [
        &["status"][..],
        &["offer", "list"],
        &["--json", "benefits"],
        &["-q", "account", "list"],
    ] {
        let run = env.ok(args);
        let expected = match args[0] {
            "--json" => "{\"warning\":{\"message\":\"the state file",
            _ => warning,
        };
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("(mode 644)"), "{}", run.stderr);
        assert!(run.stderr.contains("doctor --fix"), "{}", run.stderr);
    }
    // The warning also precedes a refusal, and does not change its exit code.
    let run = env.refused(&w("offer add action-pack"), 3, "already exists");
    assert!(run.stderr.starts_with(warning), "{}", run.stderr);

    let before = env.bytes();
    let fixed = env.ok(&["doctor", "--fix"]);
    assert!(fixed.stdout.contains("mode 644 → 600"), "{}", fixed.stdout);
    assert!(
        env.bytes() == before,
        "fixing permissions leaves the data alone"
    );
    assert_eq!(mode(env.state()), 0o600);
    assert!(!env.ok(&["status"]).stderr.contains(warning));
}

#[test]
fn access_ids_appear_in_no_output_message_or_history() {
    let env = Env::contoso_active();
    let mut seen = String::new();
    let mut run = |args: &[&str]| {
        let run = env.run(args);
        // The command line itself is the user's own typing: only what came back is searched.
        let line = SECRETS
            .iter()
            .fold(args.join(" "), |line, s| line.replace(s, "<typed>"));
        seen.push_str(&format!("$ {line}\n{}{}", run.stdout, run.stderr));
        run
    };
    let mutations = [
        "contract add --plan premier --contract-id P1 --access-id ACC-PREM-4242 --incidents 5 --scope both",
        "activate gold-cloud-platform/cloud-support",
        "activate gold-cloud-platform/cloud-support --access-id ACC-NEW-9191 --contract-id 7000002",
        "incidents open --scope cloud --title Outage",
        "incidents refund INC-0001 --reason product-bug",
        "incidents close INC-0001",
        "contract link P1 --account tech@contoso.com",
    ];
    for line in mutations {
        assert_eq!(run(&w(line)).code, 0, "{line}");
        assert_ne!(run(&w(&format!("--json {line}"))).code, 2);
    }
    // Refusals about Access IDs name the contract, not the ID.
    let dup = run(&w(
        "contract add --plan custom --contract-id P2 --access-id ACC-PREM-4242 --incidents 5 --scope both",
    ));
    assert_eq!(dup.code, 3, "{}", dup.stderr);
    for line in [
        "status",
        "benefits",
        "offer list",
        "account list",
        "contract list --all",
        "contract show 7000001",
        "contract show P1",
        "incidents list --all",
        "incidents remaining",
        "doctor",
    ] {
        run(&w(line));
        run(&w(&format!("--json {line}")));
    }
    // A damaged file's error quotes the file, not its secrets.
    let mut state = env.json();
    state["contracts"][0]["end"] = "2000-01-01".into();
    env.write_private(&serde_json::to_vec_pretty(&state).unwrap());
    assert_eq!(run(&["status"]).code, 1);
    assert_eq!(run(&["doctor"]).code, 1);
    let mut bytes = serde_json::to_vec_pretty(&state).unwrap();
    bytes.truncate(bytes.len() / 2);
    env.write_private(&bytes);
    assert_eq!(run(&["status"]).code, 1);

    for secret in SECRETS {
        assert!(!seen.contains(secret), "{secret} was shown:\n{seen}");
    }
    assert!(seen.contains("****7788") && seen.contains("****4242"));

    let history = fs::read_to_string(env.history_path()).unwrap();
    assert!(env.history().len() > 10);
    let path = std::path::Path::new("state.json");
    let bytes = serde_json::to_vec(&state).unwrap();
    let debug = format!(
        "{:?}",
        partner_support::store::file::read_in_full(path, bytes).unwrap()
    );
    for secret in SECRETS {
        assert!(!history.contains(secret), "{secret} in the history");
        assert!(!debug.contains(secret), "{secret} in debug output");
    }
    // With --reveal the secret is shown where asked for.
    let env = Env::contoso_active();
    assert!(
        env.ok(&w("--reveal contract show 7000001"))
            .stdout
            .contains("ACC-GOLD-7788")
    );
}
