//! Tracedeck's domain types: trace and span identifiers, timestamps, the Agno-compatible
//! row written to the store, the span/trace shapes read back, filters and pages for the run
//! list, and the pure trace-tree builder.
//!
//! This crate does no IO: no database, no network, no Tauri. Every other crate (store,
//! telemetry pipeline, agent runtime, api, UI bindings) speaks in these types, so they are the
//! contract of the whole application. Types that cross to the UI derive `specta::Type` when
//! the `specta` feature is on.

pub mod attrs;
pub mod console;
pub mod ids;
pub mod metrics;
pub mod query;
pub mod span;
pub mod time;
pub mod tree;

pub use ids::{IdError, SpanId, TraceId};
pub use query::{
    Cursor, PageRequest, ScanProgress, StatRow, StatsGroupBy, Suggestion, TraceDetail, TraceFilter, TracePage,
    TraceStatus, TraceSummary,
};
pub use span::{Attributes, SemanticKind, Span, SpanRow, StatusCode, TraceContext};
pub use tree::{NodeFlags, TraceTree, TreeNode};
