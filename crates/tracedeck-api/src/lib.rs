//! Tracedeck's application layer: where the data lives ([`paths`]), opening databases
//! ([`service`]), the application service every front end uses ([`app`]), its one error type
//! ([`error`]), live update batching ([`live`]), the price table ([`prices`]), the HTTP
//! front end for web mode and OTLP ([`web`]) and the `tracedeck` command line ([`cli`]).
//! Front ends stay thin adapters over [`app::App`].

pub mod app;
pub mod cli;
pub mod connections;
pub mod console;
pub mod demo;
pub mod error;
pub mod library;
pub mod live;
pub mod paths;
pub mod prices;
pub mod render;
pub mod requests;
pub mod retention;
pub mod runs;
pub mod secrets;
pub mod seed;
pub mod service;
pub mod timespec;
pub mod web;
