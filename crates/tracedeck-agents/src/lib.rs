//! Tracedeck's local agent runtime: agents, teams and models declared in `agents.toml`
//! ([`config`]), run by a [`Runtime`] that streams [`RunEvent`]s while it works and records
//! every run as `tracing` spans shaped like Agno's (OpenInference attributes), so Agno's
//! readers and Tracedeck show the same trace.
//!
//! Parts: [`model`] (OpenAI-compatible Chat Completions over HTTP, and a scripted demo/test
//! model), [`tools`] (the `Tool` trait and built-ins), [`hooks`] (pre/post guardrails),
//! [`knowledge`] (BM25 / embedding retrieval over a folder), [`session`] (history per agent
//! and session), [`runtime`] (runs, teams, limits, cancellation), [`spans`] (span shapes),
//! [`render`] (terminal output of events).
//!
//! This crate knows nothing of the trace store, Tauri or SQL: it emits spans with target
//! `tracedeck_agents`; the caller installs a subscriber (Tracedeck's telemetry layer) that
//! records them.

pub mod config;
pub mod events;
pub mod hooks;
pub mod knowledge;
pub mod message;
pub mod model;
pub mod render;
pub mod runtime;
pub mod session;
pub mod spans;
pub mod tools;

pub use config::{Config, ConfigError};
pub use events::{RunEvent, RunStatus};
pub use message::{Message, Role, ToolCall, Usage};
pub use render::TerminalRenderer;
pub use runtime::{RunOutcome, RunRequest, Runtime, RuntimeError, RuntimeOptions, TargetInfo};
pub use session::{FileSessionStore, MemorySessionStore, SessionStore};
pub use tokio_util::sync::CancellationToken;
pub use tools::{Tool, ToolContext, ToolError};
