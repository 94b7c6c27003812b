//! `history`: every change, who made it and when, with the balances it moved; filters; JSON.

use crate::support::{Env, w};
use pretty_assertions::assert_eq;

#[test]
fn the_trail_shows_who_did_what_and_what_it_did_to_balances() {
    let env = Env::contoso_active();
    env.ok(&w("account add ops@contoso.com --role admin-agent"));
    env.ok(&w(
        "--as ops@contoso.com --as-of 2026-06-20 incidents open --scope on-premises --title Mail",
    ));
    env.ok(&w(
        "--as-of 2026-06-21 incidents refund INC-0001 --reason product-bug",
    ));

    let all = env.ok(&["--json", "history"]).json();
    let entries = all["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 8);
    let open = &entries[6];
    assert_eq!(open["account"], "ops@contoso.com");
    assert_eq!(open["as_of"], "2026-06-20");
    assert_eq!(
        open["balances"],
        serde_json::json!([{"contract": "7000001", "used_before": 0, "used_after": 1, "remaining_before": 20, "remaining_after": 19}])
    );
    assert_eq!(
        entries[7]["balances"][0]["remaining_after"], 20,
        "the refund gave it back"
    );
    assert!(
        entries[0].get("balances").is_none(),
        "init moved no balance"
    );

    let table = env.ok(&w("history --limit 2")).stdout;
    assert!(
        table.contains(
            "opened INC-0001 (on-premises) on contract 7000001; 7000001: 20 left → 19 left"
        ),
        "{table}"
    );
    assert!(
        table.contains("refunded INC-0001 (product-bug); 7000001: 19 left → 20 left"),
        "{table}"
    );
    assert!(!table.contains("account add"), "only the last two: {table}");
}

#[test]
fn filters_by_account_and_day() {
    let env = Env::contoso_active();
    env.ok(&w("account add ops@contoso.com --role admin-agent"));
    env.ok(&w(
        "--as ops@contoso.com --as-of 2026-06-20 incidents open --scope on-premises --title Mail",
    ));
    let count = |args: &str| {
        env.ok(&w(&format!("--json history {args}"))).json()["entries"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count("--account ops@contoso.com"), 1);
    assert_eq!(count("--account admin@contoso.com"), 6);
    assert_eq!(count("--since 2026-06-16"), 1);
    assert_eq!(count("--until 2026-06-15"), 6);
    assert_eq!(count("--since 2026-06-16 --until 2026-06-19"), 0);
    assert_eq!(count("--limit 0"), 0);
    env.refused(
        &w("history --since 2026-06-20 --until 2026-06-19"),
        2,
        "before start date",
    );
    env.refused(&w("history --limit -1"), 2, "-1");
    assert_eq!(
        env.ok(&w("history --account nobody@contoso.com")).stdout,
        "No changes recorded.\n"
    );
}
