//! The integration tests: one binary (linked once) that runs the real `partner-support` in temp
//! folders with a cleared environment and a fixed `--as-of`; one module per area.

// A test may say on stderr why it skipped a part; the audit limits a child's file size
// (`setrlimit` between fork and exec).
#![allow(clippy::print_stderr, unsafe_code)]

mod support;

mod audit;
mod bad_files;
mod bad_input;
mod calendar;
mod catalogs;
mod check;
mod checksum;
mod cli;
mod concurrency;
mod contracts;
mod corrections;
mod crash;
mod dates;
mod docs;
mod doctor;
mod examples;
mod fit;
mod history;
mod house;
mod incidents;
mod output;
mod products;
mod profiles;
mod report;
mod security;
mod sequences;
mod store;
mod team;
mod terminal;
mod tickets;
mod transfer;
mod walkthrough;
mod years;
