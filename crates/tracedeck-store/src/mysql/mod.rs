//! mysql backend (being written).

use tracedeck_model::{PageRequest, Span, SpanRow, StatRow, StatsGroupBy, TraceDetail, TraceFilter, TracePage};

use crate::{OpenOptions, Result, SchemaReport, StoreConfig, StoreError, StoreInfo};

#[derive(Debug, Clone)]
pub struct MySqlStore {
    cfg: StoreConfig,
    info: StoreInfo,
}

impl MySqlStore {
    pub async fn open(_cfg: &StoreConfig, _opts: OpenOptions) -> Result<MySqlStore> {
        Err(StoreError::Config("mysql backend not available yet".into()))
    }
    pub fn config(&self) -> &StoreConfig {
        &self.cfg
    }
    pub fn info(&self) -> &StoreInfo {
        &self.info
    }
    pub async fn check(&self) -> Result<SchemaReport> {
        Err(StoreError::Config("mysql".into()))
    }
    pub async fn write_batch(&self, _rows: &[SpanRow]) -> Result<()> {
        Err(StoreError::Config("mysql".into()))
    }
    pub async fn list_traces(&self, _f: &TraceFilter, _p: &PageRequest) -> Result<TracePage> {
        Err(StoreError::Config("mysql".into()))
    }
    pub async fn get_trace(&self, _id: &str) -> Result<Option<TraceDetail>> {
        Err(StoreError::Config("mysql".into()))
    }
    pub async fn get_span(&self, _id: &str) -> Result<Option<Span>> {
        Err(StoreError::Config("mysql".into()))
    }
    pub async fn trace_stats(&self, _by: StatsGroupBy, _f: &TraceFilter) -> Result<Vec<StatRow>> {
        Err(StoreError::Config("mysql".into()))
    }
    pub async fn close(&self) {}
}
