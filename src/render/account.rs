//! Accounts: the table, the JSON shape.

use std::io::{self, Write};

use serde::Serialize;

use super::Screen;
use super::table::{fit, table};
use crate::domain::account::{Account, AccountKind};

/// The accounts table.
pub fn accounts(
    w: &mut dyn Write,
    screen: &Screen,
    accounts: &[Account],
    current: Option<&str>,
) -> io::Result<()> {
    if accounts.is_empty() {
        return writeln!(
            w,
            "No accounts. Add one with `partner-support account add EMAIL --role ROLE`."
        );
    }
    let mut t = table(screen, ["", "Account", "Kind", "Roles", "Association"]);
    for a in accounts {
        let roles: Vec<_> = a.roles.iter().map(|r| r.slug()).collect();
        t.add_row(vec![
            if current == Some(a.email.as_str()) {
                "*"
            } else {
                ""
            }
            .to_string(),
            a.email.to_string(),
            match a.kind {
                AccountKind::Aad => "work (AAD)",
                AccountKind::Msa => "personal (MSA)",
            }
            .to_string(),
            if roles.is_empty() {
                "-".to_string()
            } else {
                roles.join(", ")
            },
            if a.csp_only { "CSP only" } else { "MPN" }.to_string(),
        ]);
    }
    fit(&mut t, screen, &[], &["Roles", "Association"]);
    writeln!(w, "{t}")
}

/// An account.
#[derive(Debug, Serialize)]
pub struct AccountJson {
    pub email: String,
    pub kind: &'static str,
    pub roles: Vec<&'static str>,
    pub csp_only: bool,
    pub current: bool,
}

impl AccountJson {
    /// `current` says whether it is the current account.
    pub fn new(a: &Account, current: bool) -> Self {
        AccountJson {
            email: a.email.to_string(),
            kind: a.kind.slug(),
            roles: a.roles.iter().map(|r| r.slug()).collect(),
            csp_only: a.csp_only,
            current,
        }
    }
}

/// `account list --json`.
#[derive(Serialize)]
pub struct AccountsJson {
    pub accounts: Vec<AccountJson>,
}
