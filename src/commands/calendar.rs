//! `calendar`: contract ends, membership anniversaries, pending activations and run-out days as
//! an iCalendar file, on stdout or in a private file a calendar can subscribe to.

use crate::error::Error;
use crate::render::calendar;

/// Runs `calendar`.
pub fn calendar(
    ctx: &mut super::Ctx,
    output: Option<std::path::PathBuf>,
    remind_days: u32,
) -> Result<(), Error> {
    let loaded = ctx.load()?;
    let state = &loaded.state;
    let org = state.require_organization()?;
    let days = state.due_days(ctx.today);
    let partner_id = org.partner_id.to_string();
    let bytes = if ctx.json {
        let mut bytes = Vec::new();
        crate::render::write_json(&mut bytes, &calendar::json(&days, &partner_id))?;
        bytes
    } else {
        calendar::ics(
            &days,
            &org.name.to_string(),
            &partner_id,
            ctx.today,
            remind_days,
        )
        .into_bytes()
    };
    super::write_output(ctx, output.as_deref(), &bytes, "calendar")
}
