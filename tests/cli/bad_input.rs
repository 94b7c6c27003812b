//! Every command that takes text, an identifier, an e-mail address, a date or a number, fed the
//! ugly cases: each is refused with exit 2, the bad value (or what was expected of it) named,
//! nothing raw reaching the terminal, and the state file left byte-for-byte as it was.

use crate::support::{Env, w};

/// Where each kind of value goes: a command line with `{}` where the value is put.
const TEXT_SLOTS: &[&str] = &[
    "init --partner-id 1 --name {}",
    "offer add gold --competency {}",
    "incidents open --scope cloud --title {}",
    "incidents open --scope cloud --title Outage --product {}",
    "contract add --plan custom --contract-id C9 --access-id A9 --incidents 5 --scope cloud --name {}",
];
const ID_SLOTS: &[&str] = &[
    "activate gold-cloud-platform/cloud-support --access-id {} --contract-id 9000001",
    "activate gold-cloud-platform/cloud-support --access-id NEW-ACCESS --contract-id {}",
    "contract add --plan custom --contract-id {} --access-id A9 --incidents 5 --scope cloud",
    "contract add --plan custom --contract-id C9 --access-id {} --incidents 5 --scope cloud",
    "incidents open --scope cloud --title Outage --contract {}",
    "incidents open --scope cloud --title Outage --case {}",
    "incidents open --scope cloud --title Outage --csp-customer {}",
    "contract show {}",
    "contract link {}",
    "incidents list --contract {}",
];
const EMAIL_SLOTS: &[&str] = &[
    "account add {}",
    "account use {}",
    "--as {} status",
    "contract link 7000001 --account {}",
    "init --partner-id 1 --name X --account {}",
];
const DATE_SLOTS: &[&str] = &[
    "--as-of {} status",
    "offer add action-pack --start {}",
    "offer add action-pack --end {}",
    "activate gold-cloud-platform/cloud-support --access-id NEW-ACCESS --contract-id 9000001 --start {}",
    "activate gold-cloud-platform/cloud-support --access-id NEW-ACCESS --contract-id 9000001 --end {}",
    "contract add --plan custom --contract-id C9 --access-id A9 --incidents 5 --scope cloud --start {}",
    "contract add --plan custom --contract-id C9 --access-id A9 --incidents 5 --scope cloud --end {}",
];
const COUNT_SLOTS: &[&str] = &[
    "contract add --plan custom --contract-id C9 --access-id A9 --incidents {} --scope cloud",
    "--lock-wait {} offer add action-pack",
    "contract reconcile C9 --left {}",
    "check --warn-remaining {}",
    "history --limit {}",
];
const INCIDENT_SLOTS: &[&str] = &[
    "incidents close {}",
    "incidents refund {} --reason product-bug",
];

/// Bad for every kind: nothing, blanks, control characters, terminal escapes, reordering marks.
const ALWAYS_BAD: &[&str] = &[
    "",
    "   ",
    "\t",
    "bell\u{7}",
    "\u{1b}[31mred",
    "\u{1b}]0;pwned\u{7}",
    "line\nbreak",
    "abc\u{202E}fdp",
];
const BAD_TEXT: &[&str] = &[
    "\u{301}accent first",
    "zalgo e\u{301}\u{302}\u{303}\u{304}\u{305}\u{306}",
    "\u{2067}isolated\u{2069}",
];
const BAD_IDS: &[&str] = &["has space", "ünïcode", "../etc/passwd", "שלום", "a/b"];
const BAD_EMAILS: &[&str] = &["plain", "@contoso.com", "a@b", "a@b@c.com", "ä@contoso.com"];
const BAD_DATES: &[&str] = &[
    "2026-02-30",
    "2027-02-29",
    "0000-01-01",
    "9999-12-31",
    "2026-13-01",
    "2026-1-1",
    "26-01-01",
    "yesterday",
    "2026-06-15T00:00",
];
const BAD_COUNTS: &[&str] = &["-1", "18446744073709551616", "1e3", "0x10", "½"];
const BAD_INCIDENTS: &[&str] = &[
    "INC-0000",
    "INC--1",
    "INC-18446744073709551616",
    "INC-1.5",
    "#1",
];

/// The value without its terminal escape sequences (`ESC [ … letter`, `ESC ] … BEL`), which
/// error messages drop rather than print.
fn strip_escapes(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => while chars.next().is_some_and(|c| !c.is_ascii_alphabetic()) {},
            Some(']') => while chars.next().is_some_and(|c| c != '\u{7}') {},
            _ => {}
        }
    }
    out
}

#[test]
fn every_slot_refuses_every_bad_value() {
    let env = Env::contoso_active();
    let long_text = "x".repeat(10_000);
    let long_id = "9".repeat(65);
    let long_email = format!("{}@contoso.com", "a".repeat(250));
    let kinds: Vec<(&str, &[&str], Vec<&str>)> = vec![
        ("text", TEXT_SLOTS, [BAD_TEXT, &[&long_text]].concat()),
        ("id", ID_SLOTS, [BAD_IDS, &[&long_id]].concat()),
        ("email", EMAIL_SLOTS, [BAD_EMAILS, &[&long_email]].concat()),
        ("date", DATE_SLOTS, BAD_DATES.to_vec()),
        ("count", COUNT_SLOTS, BAD_COUNTS.to_vec()),
        ("incident", INCIDENT_SLOTS, BAD_INCIDENTS.to_vec()),
    ];
    let mut tried = 0;
    for (kind, slots, values) in kinds {
        for slot in slots {
            for value in ALWAYS_BAD.iter().chain(&values) {
                let args: Vec<&str> = slot
                    .split(' ')
                    .map(|word| if word == "{}" { *value } else { word })
                    .collect();
                let run = env.refused(&args, 2, "error:");
                let what = format!("{kind} {slot:?} with {value:?}");
                // The longest run of letters and digits in the value shows up in the message;
                // a value with none (blanks, symbols) gets a message saying what was expected.
                let word = strip_escapes(value)
                    .split(|c: char| !c.is_alphanumeric())
                    .max_by_key(|w| w.len())
                    .unwrap_or_default()
                    .to_string();
                let named = if word.is_empty() {
                    run.stderr.contains("expected") || run.stderr.contains("invalid value")
                } else {
                    run.stderr.contains(&word)
                };
                assert!(named, "{what}: the value is not named:\n{}", run.stderr);
                assert!(
                    !run.stderr
                        .chars()
                        .any(|c| (c.is_control() && c != '\n') || c == '\u{202E}'),
                    "{what}: raw control character on the terminal: {:?}",
                    run.stderr
                );
                assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
                // A tip to pass the value after `--` leads nowhere: it would be an argument.
                assert!(
                    !run.stderr.contains("'-- "),
                    "{what}: a hint that leads nowhere: {}",
                    run.stderr
                );
                tried += 1;
            }
        }
    }
    eprintln!("{tried} bad values refused");
}

#[test]
fn dates_in_the_wrong_order_are_refused() {
    let env = Env::contoso_active();
    for args in [
        "offer add action-pack --start 2026-07-01 --end 2026-06-30",
        "activate gold-cloud-platform/cloud-support --access-id NEW-ACCESS --contract-id 9000001 --start 2026-07-01 --end 2026-06-30",
        "contract add --plan custom --contract-id C9 --access-id A9 --incidents 5 --scope cloud --start 2026-07-01 --end 2026-06-30",
    ] {
        let args: Vec<&str> = args.split(' ').collect();
        env.refused(
            &args,
            2,
            "end date 2026-06-30 is before start date 2026-07-01",
        );
    }
}

#[test]
fn right_to_left_and_combining_text_is_kept_as_written() {
    let env = Env::contoso_active();
    for title in [
        "שרת הדואר לא עונה",
        "خادم البريد",
        "Nguyễn Văn A: lỗi",
        "Ze\u{301}ro-day",
    ] {
        let run = env.ok(&[
            "--json",
            "incidents",
            "open",
            "--scope",
            "cloud",
            "--title",
            title,
        ]);
        assert_eq!(run.json()["title"], title);
    }
}

/// Values given together that cannot be: the domain says which values, the command line's
/// sentence names the flags (`src/hint.rs`); exit 2, nothing written.
#[test]
fn values_that_cannot_go_together_are_named_by_their_flags() {
    let env = Env::contoso_active();
    for (args, said) in [
        (
            "report --since 2026-06-10 --until 2026-06-01",
            "`--until 2026-06-01` is before `--since 2026-06-10`",
        ),
        (
            "contract add --plan advanced --contract-id A1 --access-id AA-1 --incidents 5 --scope on-premises",
            "Advanced Support for Partners covers cloud products only, not `--scope on-premises`",
        ),
        (
            "contract add --plan benefit --contract-id A1 --access-id AA-1 --incidents 5 --scope cloud",
            "benefit contracts come from `partner-support activate`",
        ),
        (
            "incidents open --scope on-premises --title X --csp-customer fabrikam.onmicrosoft.com",
            "must be `--scope cloud`",
        ),
        (
            "incidents open --scope cloud --title X --csp-customer fabrikam.onmicrosoft.com --contract 8000005",
            "leave out `--contract` with `--csp-customer fabrikam.onmicrosoft.com`",
        ),
        (
            "account edit admin@contoso.com --add-role admin-agent --remove-role admin-agent",
            "`--add-role admin-agent` and `--remove-role admin-agent` contradict each other",
        ),
        ("offer add gold", "a gold offer needs `--competency NAME`"),
    ] {
        let run = env.run(&w(args));
        if run.code == 2 && run.stderr.contains("invalid value") {
            // clap refused the value before the rule could (`--plan benefit`).
            continue;
        }
        assert_eq!(run.code, 2, "`{args}`: {}", run.stderr);
        assert!(run.stderr.contains(said), "`{args}`: {}", run.stderr);
    }
}

/// An ID pasted with the spaces around it (from Partner Center's page, a mail) is taken
/// without them; spaces inside an ID are still refused.
#[test]
fn a_pasted_id_is_taken_without_the_spaces_around_it() {
    let env = Env::contoso();
    env.ok(&w("offer add gold --competency Security"));
    env.ok(&[
        "activate",
        "gold-security/product-support",
        "--access-id",
        "  ACC-PASTED-1234 \t",
        "--contract-id",
        " 9000001 ",
    ]);
    let state = env.json();
    assert_eq!(state["contracts"][0]["contract_id"], "9000001");
    assert_eq!(state["contracts"][0]["access_id"], "ACC-PASTED-1234");
    env.ok(&["contract", "show", " 9000001"]);
    env.refused(
        &["contract", "link", "9000 001", "--account", "a@b.co"],
        2,
        "9000 001",
    );
}

/// Removing the last account that may activate benefits and manage accounts is refused, saying
/// so, unless `--force` says it is meant; with another admin it is an ordinary removal.
#[test]
fn the_last_admin_account_is_removed_only_on_purpose() {
    let env = Env::contoso();
    env.ok(&w("account add tech@contoso.com --role admin-agent"));
    let run = env.refused(
        &w("account remove admin@contoso.com"),
        3,
        "`admin@contoso.com` is the last account with the global-admin or mpn-partner-admin role",
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    env.ok(&w("account add mpn@contoso.com --role mpn-partner-admin"));
    env.ok(&w("account remove admin@contoso.com"));
    env.ok(&w(
        "--as mpn@contoso.com account remove mpn@contoso.com --force",
    ));
    let accounts: Vec<String> = env.json()["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(accounts, ["tech@contoso.com"]);
}
