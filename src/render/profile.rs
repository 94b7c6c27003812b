//! Profiles (one state file each): the table, the JSON shape.

use std::io::{self, Write};

use serde::Serialize;

use super::Screen;
use super::table::{fit, or_dash, table};

/// The profiles table.
pub fn profiles(w: &mut dyn Write, screen: &Screen, profiles: &[ProfileJson]) -> io::Result<()> {
    if profiles.is_empty() {
        return writeln!(
            w,
            "No profiles yet: `partner-support --profile NAME init …` makes one."
        );
    }
    let mut t = table(screen, ["", "Profile", "Organization", "State file"]);
    for p in profiles {
        t.add_row(vec![
            if p.current { "*" } else { "" }.to_string(),
            p.name.clone(),
            or_dash(p.organization.as_ref()),
            p.path.clone(),
        ]);
    }
    fit(&mut t, screen, &[], &["Organization", "State file"]);
    writeln!(w, "{t}")
}

/// One profile as listed.
#[derive(Debug, Serialize)]
pub struct ProfileJson {
    /// `default` for the state outside any profile.
    pub name: String,
    /// The organization it holds (`null` before `init` or when it cannot be read).
    pub organization: Option<String>,
    /// Its state file.
    pub path: String,
    /// Whether `--profile` (or its absence) selects it.
    pub current: bool,
}

/// `profile list --json`.
#[derive(Serialize)]
pub struct ProfilesJson {
    pub profiles: Vec<ProfileJson>,
}
