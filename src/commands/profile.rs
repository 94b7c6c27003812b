//! Profiles: one state file per organization under the config folder, for people who look
//! after several; `profile list` shows them.

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use crate::cli::ProfileCommand;
use crate::domain::values::ProfileName;
use crate::error::Error;
use crate::render;
use crate::render::profile::ProfileJson;
use crate::render::profile::ProfilesJson;
use crate::store::Store;

/// Runs `profile …`.
pub fn profiles(
    out: &mut dyn Write,
    command: &ProfileCommand,
    config_dir: &Path,
    selected: Option<&ProfileName>,
    json: bool,
    screen: &render::Screen,
) -> Result<(), Error> {
    let ProfileCommand::List = command;
    let mut found = Vec::new();
    let default = config_dir.join("state.json");
    if default.exists() {
        found.push(("default".to_string(), default, selected.is_none()));
    }
    let mut names: Vec<String> = match std::fs::read_dir(config_dir.join("profiles")) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.parse::<ProfileName>().is_ok())
            .collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::Output(e)),
    };
    names.sort();
    for name in names {
        let parsed: ProfileName = name.parse().expect("filtered above");
        let path = crate::store::profile_path(config_dir, &parsed.to_string());
        if path.exists() {
            let current = selected == Some(&parsed);
            found.push((name, path, current));
        }
    }
    let profiles: Vec<ProfileJson> = found
        .into_iter()
        .map(|(name, path, current)| ProfileJson {
            organization: Store::new(path.clone(), Duration::ZERO)
                .load()
                .ok()
                .and_then(|l| l.state.organization)
                .map(|o| o.name.to_string()),
            name,
            path: path.display().to_string(),
            current,
        })
        .collect();
    if json {
        render::write_json(out, &ProfilesJson { profiles })?;
    } else {
        render::profile::profiles(out, screen, &profiles)?;
    }
    out.flush()?;
    Ok(())
}
