//! Tracedeck's application layer: where the data lives ([`paths`]), the operations every
//! front end uses ([`service`]), the demo recording ([`demo`]) and the `tracedeck` command
//! line ([`cli`]). Front ends (CLI now; HTTP and Tauri adapters later) stay thin and call
//! the service.

pub mod cli;
pub mod demo;
pub mod paths;
pub mod render;
pub mod service;
pub mod timespec;
