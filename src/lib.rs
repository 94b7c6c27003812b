//! partner-support: track a Microsoft partner organization's technical-support entitlements.

pub mod domain;
