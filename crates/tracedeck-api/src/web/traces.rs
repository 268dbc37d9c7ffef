//! Routes of the run list, trace and span views: pages, details, filter suggestions and
//! statistics. Each is a thin adapter over [`App`](crate::app::App); a request whose client
//! goes away is dropped with its future, which stops its statement in the database.

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tracedeck_model::{PageRequest, StatsGroupBy, TraceFilter, TraceStatus};

use super::Ctx;
use crate::error::ApiError;
use crate::retention::RetentionSettings;

pub(super) fn routes() -> Router<Ctx> {
    Router::new()
        .route("/api/traces", get(list_traces))
        .route("/api/traces/{id}", get(get_trace))
        .route("/api/spans/{id}", get(get_span))
        .route("/api/stats", get(stats))
        .route("/api/suggest", get(suggest))
        .route("/api/metrics", get(metrics))
        .route("/api/traces/delete", post(delete_traces))
        .route("/api/retention", get(retention).put(set_retention))
        .route("/api/retention/run", post(run_retention))
}

/// Query string of the run list and stats routes.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    user: Option<String>,
    session: Option<String>,
    agent: Option<String>,
    team: Option<String>,
    workflow: Option<String>,
    run: Option<String>,
    status: Option<String>,
    search: Option<String>,
    since_us: Option<i64>,
    until_us: Option<i64>,
    limit: Option<u32>,
    cursor: Option<String>,
    by: Option<String>,
    /// Metrics: the bucket width of the range's first answer.
    bucket_us: Option<i64>,
}

fn nonempty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl ListQuery {
    fn filter(&mut self) -> Result<TraceFilter, ApiError> {
        let status = match nonempty(self.status.take()) {
            None => None,
            Some(s) => {
                Some(TraceStatus::parse(&s).ok_or_else(|| ApiError::BadRequest(format!("unknown status {s:?}")))?)
            }
        };
        Ok(TraceFilter {
            user_id: nonempty(self.user.take()),
            session_id: nonempty(self.session.take()),
            agent_id: nonempty(self.agent.take()),
            team_id: nonempty(self.team.take()),
            workflow_id: nonempty(self.workflow.take()),
            run_id: nonempty(self.run.take()),
            status,
            search: nonempty(self.search.take()),
            since_us: self.since_us,
            until_us: self.until_us,
        })
    }
}

async fn list_traces(State(c): State<Ctx>, Query(mut q): Query<ListQuery>) -> Result<impl IntoResponse, ApiError> {
    let filter = q.filter()?;
    let page = PageRequest { limit: q.limit.unwrap_or(50), cursor: nonempty(q.cursor) };
    Ok(Json(c.app.list_traces(&filter, &page).await?))
}

#[derive(Debug, Default, Deserialize)]
struct TraceQuery {
    /// `tree=false` leaves the tree out (the UI builds its own; it is a fifth of the payload).
    tree: Option<bool>,
}

async fn get_trace(
    State(c): State<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<TraceQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let mut detail = c.app.get_trace(&id).await?;
    if q.tree == Some(false) {
        detail.tree = tracedeck_model::TraceTree::default();
    }
    Ok(Json(detail))
}

async fn get_span(State(c): State<Ctx>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.get_span(&id).await?))
}

async fn stats(State(c): State<Ctx>, Query(mut q): Query<ListQuery>) -> Result<impl IntoResponse, ApiError> {
    let by = q.by.take().unwrap_or_else(|| "agent".into());
    let by = StatsGroupBy::parse(&by).ok_or_else(|| ApiError::BadRequest(format!("cannot group by {by:?}")))?;
    let filter = q.filter()?;
    Ok(Json(c.app.trace_stats(by, &filter).await?))
}

#[derive(Debug, Default, Deserialize)]
struct SuggestQuery {
    field: Option<String>,
    prefix: Option<String>,
}

async fn suggest(State(c): State<Ctx>, Query(q): Query<SuggestQuery>) -> Result<impl IntoResponse, ApiError> {
    let field = q.field.unwrap_or_default();
    Ok(Json(c.app.suggest(&field, q.prefix.as_deref().unwrap_or("")).await?))
}

/// `GET /api/metrics?<run list filters>`: one chunk (see [`App::metrics`](crate::app::App::metrics)).
async fn metrics(State(c): State<Ctx>, Query(mut q): Query<ListQuery>) -> Result<impl IntoResponse, ApiError> {
    let filter = q.filter()?;
    Ok(Json(c.app.metrics(&filter, q.bucket_us).await?))
}

#[derive(Debug, Deserialize)]
struct DeleteBody {
    trace_ids: Vec<String>,
}

async fn delete_traces(State(c): State<Ctx>, Json(b): Json<DeleteBody>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.delete_traces(&b.trace_ids).await?))
}

async fn retention(State(c): State<Ctx>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.retention().await?))
}

async fn set_retention(State(c): State<Ctx>, Json(s): Json<RetentionSettings>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.set_retention(s).await?))
}

async fn run_retention(State(c): State<Ctx>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.run_retention().await?))
}
