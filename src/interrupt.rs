//! Ctrl-C, SIGTERM and SIGHUP: noted rather than obeyed at once, so that a change either stops
//! before it is recorded ("interrupted: nothing was recorded", exit 130) or finishes and says
//! so. A second one ends the process at once (the state file is still whole: the old one or
//! the new one).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static REQUESTED: OnceLock<Arc<AtomicBool>> = OnceLock::new();

fn flag() -> &'static Arc<AtomicBool> {
    REQUESTED.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// Takes over the three signals for the rest of the process.
pub fn arm() {
    #[cfg(unix)]
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        // Registered first, so that it sees the flag as it was before this signal: set by an
        // earlier one, the default action (the end of the process) is taken.
        let _ = signal_hook::flag::register_conditional_default(signal, Arc::clone(flag()));
        let _ = signal_hook::flag::register(signal, Arc::clone(flag()));
    }
}

/// Whether an interrupt has come.
pub fn requested() -> bool {
    flag().load(Ordering::SeqCst)
}
