//! `account add|edit|list|use|remove`: changes to the accounts need an admin role, like
//! activation (roles are advisory).

use crate::cli::AccountCommand;
use crate::domain::account::{Account, AccountEdit, AccountKind};
use crate::error::Error;
use crate::render::account::AccountJson;
use crate::render::account::AccountsJson;

use super::Ctx;

pub fn account(ctx: &mut Ctx, command: AccountCommand) -> Result<(), Error> {
    match command {
        AccountCommand::Add {
            email,
            role,
            msa,
            csp_only,
        } => {
            let account = Account {
                email,
                kind: if msa {
                    AccountKind::Msa
                } else {
                    AccountKind::Aad
                },
                roles: role.into_iter().map(Into::into).collect(),
                csp_only,
                set_at: Default::default(),
            };
            let (loaded, account) = ctx.mutate("account add", |state, _, actor| {
                state.require_account_admin(actor.and_then(|e| state.account(e)))?;
                let a = state.add_account(account)?.clone();
                let roles: Vec<_> = a.roles.iter().map(|r| r.slug()).collect();
                let summary = match roles.as_slice() {
                    [] => format!("added account {} (no roles)", a.email),
                    _ => format!("added account {} ({})", a.email, roles.join(", ")),
                };
                Ok((a, summary))
            })?;
            let state = &loaded.state;
            report(
                ctx,
                &account,
                state.current_account.as_ref() == Some(&account.email),
                "added account",
            )
        }
        AccountCommand::Edit {
            email,
            add_role,
            remove_role,
            msa,
            aad,
            csp_only,
            mpn,
        } => {
            let edit = AccountEdit {
                add: add_role.into_iter().map(Into::into).collect(),
                remove: remove_role.into_iter().map(Into::into).collect(),
                kind: match (msa, aad) {
                    (true, _) => Some(AccountKind::Msa),
                    (_, true) => Some(AccountKind::Aad),
                    _ => None,
                },
                csp_only: match (csp_only, mpn) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
            };
            let (loaded, (account, changed)) = ctx.mutate("account edit", |state, _, actor| {
                state.require_account_admin(actor.and_then(|e| state.account(e)))?;
                let (a, changed) = state.edit_account(&email, edit)?;
                let summary = format!("changed account {email}: {}", changed.join(", "));
                Ok(((a.clone(), changed), summary))
            })?;
            let current = loaded.state.current_account.as_ref() == Some(&account.email);
            if ctx.json {
                return Ok(ctx.print_json(&AccountJson::new(&account, current))?);
            }
            ctx.say(format_args!(
                "changed account {email}: {}",
                changed.join(", ")
            ))?;
            Ok(())
        }
        AccountCommand::List => {
            let loaded = ctx.load()?;
            let state = &loaded.state;
            let current = state.current_account.as_ref().map(|e| e.as_str());
            if ctx.json {
                let accounts = state
                    .accounts
                    .iter()
                    .map(|a| AccountJson::new(a, current == Some(a.email.as_str())))
                    .collect();
                return Ok(ctx.print_json(&AccountsJson { accounts })?);
            }
            Ok(crate::render::account::accounts(
                &mut ctx.out,
                &ctx.screen,
                &state.accounts,
                current,
            )?)
        }
        AccountCommand::Use { email } => {
            let (_, account) = ctx.mutate("account use", |state, _, _| {
                let a = state.use_account(&email)?.clone();
                Ok((a, format!("current account is now {email}")))
            })?;
            report(ctx, &account, true, "current account is now")
        }
        AccountCommand::Remove { email, force } => {
            let (_, account) = ctx.mutate("account remove", |state, _, actor| {
                state.require_account_admin(actor.and_then(|e| state.account(e)))?;
                let a = state.remove_account(&email, force)?;
                Ok((a, format!("removed account {email}")))
            })?;
            report(ctx, &account, false, "removed account")
        }
    }
}

fn report(ctx: &mut Ctx, account: &Account, current: bool, verb: &str) -> Result<(), Error> {
    if ctx.json {
        return Ok(ctx.print_json(&AccountJson::new(account, current))?);
    }
    let marker = if current && verb != "current account is now" {
        " (current)"
    } else {
        ""
    };
    ctx.say(format_args!("{verb} {}{marker}", account.email))?;
    Ok(())
}
