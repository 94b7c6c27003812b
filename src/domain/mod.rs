//! The pure model and its rules (R1–R16, R22): no command line, no files, no printing. Every rule
//! that depends on the date takes `today` as an argument.

pub mod account;
pub mod activation;
pub mod catalog;
pub mod chargeable;
pub mod check;
pub mod conflict;
pub mod contract;
pub mod decline;
pub mod due;
pub mod forecast;
pub mod incident;
pub mod incidents;
pub mod integrity;
pub mod lifecycle;
pub mod merge;
pub mod offer;
pub mod operation;
pub mod plans;
pub mod reconcile;
pub mod refusal;
pub mod stamp;
pub mod state;
pub mod three_way;
pub mod tickets;
pub mod usage;
pub mod values;

#[cfg(test)]
pub(crate) mod testing;
