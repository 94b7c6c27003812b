//! User accounts, their roles, and who may act (R2, R3, R11).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::refusal::{Misuse, Refusal};
use super::state::State;
use super::values::Email;

/// A role that matters to the support benefits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Global administrator of the tenant.
    GlobalAdmin,
    /// Partner-program (MPN) partner administrator.
    MpnPartnerAdmin,
    /// CSP admin agent.
    AdminAgent,
}

impl Role {
    /// The role as written on the command line.
    pub fn slug(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "global-admin",
            Role::MpnPartnerAdmin => "mpn-partner-admin",
            Role::AdminAgent => "admin-agent",
        }
    }
}

/// Work (AAD) or personal (MSA) account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountKind {
    /// Azure Active Directory work account.
    Aad,
    /// Microsoft personal account.
    Msa,
}

impl AccountKind {
    /// The kind as written in JSON.
    pub fn slug(self) -> &'static str {
        match self {
            AccountKind::Aad => "aad",
            AccountKind::Msa => "msa",
        }
    }
}

/// A user account known to the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Sign-in address, lowercase.
    pub email: Email,
    /// AAD or MSA.
    pub kind: AccountKind,
    /// Roles held.
    #[serde(default)]
    pub roles: BTreeSet<Role>,
    /// Associated with CSP only, not with the partner-program membership (R3).
    #[serde(default)]
    pub csp_only: bool,
    /// For each field a change set after it was made, when that operation was made (R23).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub set_at: super::stamp::Stamps,
}

impl Account {
    /// Whether the account may activate benefits (R2).
    pub fn can_activate(&self) -> bool {
        self.roles.contains(&Role::GlobalAdmin) || self.roles.contains(&Role::MpnPartnerAdmin)
    }
}

/// What `account edit` changes; empty or `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountEdit {
    /// Roles to add.
    pub add: Vec<Role>,
    /// Roles to take away.
    pub remove: Vec<Role>,
    /// AAD or MSA.
    pub kind: Option<AccountKind>,
    /// CSP only, or associated with the membership (MPN).
    pub csp_only: Option<bool>,
}

impl State {
    /// The account acting: `as_account` if given, else the current account. An unknown `--as`
    /// is refused; no account at all is `None`.
    pub fn actor(&self, as_account: Option<&Email>) -> Result<Option<&Account>, Refusal> {
        match as_account.or(self.current_account.as_ref()) {
            Some(email) => self
                .account(email)
                .map(Some)
                .ok_or_else(|| Refusal::UnknownAccount(email.clone())),
            None => Ok(None),
        }
    }

    /// The account with this address.
    pub fn account(&self, email: &Email) -> Option<&Account> {
        self.accounts.iter().find(|a| &a.email == email)
    }

    /// Refuses a CSP-only account anything on the benefits page (R3).
    pub fn require_benefits_page(&self, actor: Option<&Account>) -> Result<(), Refusal> {
        match actor {
            Some(a) if a.csp_only => Err(Refusal::CspOnly {
                account: a.email.clone(),
                others: self
                    .accounts
                    .iter()
                    .filter(|o| !o.csp_only)
                    .map(|o| o.email.clone())
                    .collect(),
            }),
            _ => Ok(()),
        }
    }

    /// Refuses activation to an account without global-admin or mpn-partner-admin (R2, R3).
    pub fn require_activator(
        &self,
        actor: Option<&Account>,
        action: &'static str,
    ) -> Result<(), Refusal> {
        self.require_benefits_page(actor)?;
        match actor {
            Some(a) if a.can_activate() => Ok(()),
            _ => Err(Refusal::NotAuthorized {
                action,
                account: actor.map(|a| a.email.clone()),
                holders: self
                    .accounts
                    .iter()
                    .filter(|a| a.can_activate() && !a.csp_only)
                    .map(|a| a.email.clone())
                    .collect(),
            }),
        }
    }

    /// Refuses a CSP request to an account without admin-agent (R11).
    pub fn require_admin_agent(&self, actor: Option<&Account>) -> Result<(), Refusal> {
        match actor {
            Some(a) if a.roles.contains(&Role::AdminAgent) => Ok(()),
            _ => Err(Refusal::NotAdminAgent {
                account: actor.map(|a| a.email.clone()),
                holders: self
                    .accounts
                    .iter()
                    .filter(|a| a.roles.contains(&Role::AdminAgent))
                    .map(|a| a.email.clone())
                    .collect(),
            }),
        }
    }

    /// Refuses a change to the accounts by `actor` unless it may activate benefits
    /// (`global-admin` or `mpn-partner-admin`, like R2), once any account holds such a role:
    /// before that, the first admin must be addable. Roles are advisory: anyone who can write the
    /// state file can act as anyone.
    pub fn require_account_admin(&self, actor: Option<&Account>) -> Result<(), Refusal> {
        if self
            .accounts
            .iter()
            .any(|a| a.can_activate() && !a.csp_only)
        {
            self.require_activator(actor, "changing accounts")
        } else {
            Ok(())
        }
    }

    /// Corrects an account's roles, kind or association; refused when it changes nothing.
    /// Returns the account and what changed.
    pub fn edit_account(
        &mut self,
        email: &Email,
        edit: AccountEdit,
    ) -> Result<(&Account, Vec<String>), Refusal> {
        self.require_organization()?;
        let at = self.account_index(email)?;
        if let Some(role) = edit.add.iter().find(|r| edit.remove.contains(r)) {
            return Err(Refusal::Misuse(Misuse::RoleAddedAndRemoved(role.slug())));
        }
        let account = &mut self.accounts[at];
        let mut changed = Vec::new();
        for role in edit.add {
            if account.roles.insert(role) {
                changed.push(format!("+{}", role.slug()));
            }
        }
        for role in edit.remove {
            if account.roles.remove(&role) {
                changed.push(format!("-{}", role.slug()));
            }
        }
        if let Some(kind) = edit.kind.filter(|k| *k != account.kind) {
            account.kind = kind;
            changed.push(format!("now {}", kind.slug()));
        }
        if let Some(csp_only) = edit.csp_only.filter(|c| *c != account.csp_only) {
            account.csp_only = csp_only;
            changed.push(if csp_only { "now CSP only" } else { "now MPN" }.to_string());
        }
        if changed.is_empty() {
            return Err(Refusal::BadCombination(format!(
                "nothing to change for account `{email}`: it already is as asked"
            )));
        }
        Ok((&self.accounts[at], changed))
    }

    /// Adds an account; the first account added becomes current when none is.
    pub fn add_account(&mut self, account: Account) -> Result<&Account, Refusal> {
        self.require_organization()?;
        if self.account(&account.email).is_some() {
            return Err(Refusal::DuplicateAccount(account.email));
        }
        if self.current_account.is_none() {
            self.current_account = Some(account.email.clone());
        }
        let at = self.accounts.partition_point(|a| a.email < account.email);
        self.accounts.insert(at, account);
        Ok(&self.accounts[at])
    }

    /// Where the account with this address is in `accounts`.
    fn account_index(&self, email: &Email) -> Result<usize, Refusal> {
        self.accounts
            .iter()
            .position(|a| &a.email == email)
            .ok_or_else(|| Refusal::UnknownAccount(email.clone()))
    }

    /// Makes an account current.
    pub fn use_account(&mut self, email: &Email) -> Result<&Account, Refusal> {
        self.require_organization()?;
        let at = self.account_index(email)?;
        self.current_account = Some(email.clone());
        Ok(&self.accounts[at])
    }

    /// Removes an account (no longer current if it was). Its name stays on past incidents.
    pub fn remove_account(&mut self, email: &Email, on_purpose: bool) -> Result<Account, Refusal> {
        self.require_organization()?;
        let at = self.account_index(email)?;
        // Without an admin, no one may activate a benefit (R2); that is decided, not slipped into.
        let last_admin = self.accounts[at].can_activate()
            && !self
                .accounts
                .iter()
                .any(|a| a.email != *email && a.can_activate());
        if last_admin && !on_purpose {
            return Err(Refusal::LastAdmin(email.clone()));
        }
        if self.current_account.as_ref() == Some(email) {
            self.current_account = None;
        }
        Ok(self.accounts.remove(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::{account, org};

    #[test]
    fn who_may_activate() {
        let mut s = org();
        s.add_account(account("admin@contoso.com", &[Role::GlobalAdmin], false))
            .unwrap();
        s.add_account(account("mpn@contoso.com", &[Role::MpnPartnerAdmin], false))
            .unwrap();
        s.add_account(account("tech@contoso.com", &[Role::AdminAgent], false))
            .unwrap();
        s.add_account(account("csp@contoso.com", &[Role::GlobalAdmin], true))
            .unwrap();
        let check = |who: &str| {
            let a = s.account(&who.parse().unwrap());
            s.require_activator(a, "activating a benefit").err()
        };
        assert_eq!(check("admin@contoso.com"), None);
        assert_eq!(check("mpn@contoso.com"), None);
        match check("tech@contoso.com") {
            Some(Refusal::NotAuthorized { holders, .. }) => assert_eq!(
                holders.iter().map(|h| h.as_str()).collect::<Vec<_>>(),
                ["admin@contoso.com", "mpn@contoso.com"]
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check("csp@contoso.com"),
            Some(Refusal::CspOnly { .. })
        ));
        assert!(matches!(
            s.require_activator(None, "x"),
            Err(Refusal::NotAuthorized { account: None, .. })
        ));
    }

    #[test]
    fn current_account_and_unknown_as() {
        let mut s = org();
        s.add_account(account("admin@contoso.com", &[Role::GlobalAdmin], false))
            .unwrap();
        s.add_account(account("tech@contoso.com", &[], false))
            .unwrap();
        assert_eq!(
            s.actor(None).unwrap().unwrap().email.as_str(),
            "admin@contoso.com"
        );
        let tech = "tech@contoso.com".parse().unwrap();
        assert_eq!(
            s.actor(Some(&tech)).unwrap().unwrap().email.as_str(),
            "tech@contoso.com"
        );
        let ghost = "ghost@contoso.com".parse().unwrap();
        assert!(matches!(
            s.actor(Some(&ghost)),
            Err(Refusal::UnknownAccount(_))
        ));
        assert!(matches!(
            s.add_account(account("ADMIN@contoso.com", &[], false)),
            Err(Refusal::DuplicateAccount(_))
        ));
        assert!(matches!(
            s.remove_account(&"admin@contoso.com".parse().unwrap(), false),
            Err(Refusal::LastAdmin(_))
        ));
        s.remove_account(&"admin@contoso.com".parse().unwrap(), true)
            .unwrap();
        assert!(s.actor(None).unwrap().is_none());
    }
}
