//! Web mode (`tracedeck serve`): the same UI as the desktop app, served over HTTP with the
//! same operations as JSON routes, plus an OTLP/HTTP receiver (`POST /v1/traces`) for
//! external agents. Routes are thin adapters over [`App`].
//!
//! Safety: binds to loopback by default and refuses any other address unless an access
//! token is configured (then every request needs `Authorization: Bearer <token>` or the
//! cookie set by opening `/?token=<token>` once). On loopback, requests whose `Host` is not a
//! loopback name are refused (DNS rebinding). Every response carries a strict CSP.

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::Stream;
use prost::Message;
use serde::Deserialize;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::app::App;
use crate::connections::ConnectionDraft;
use crate::console::{ExportRequest, SqlRequest};
use crate::error::ApiError;
use crate::library::QueryDraft;
use crate::prices::PriceTable;
use crate::runs::{RunRequest, RunUpdate};

mod traces;

/// Content Security Policy for the UI: only our own scripts, no inline script, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const COOKIE: &str = "tracedeck_token";
/// Largest OTLP request accepted.
const OTLP_BODY_LIMIT: usize = 64 * 1024 * 1024;

#[derive(rust_embed::Embed)]
#[folder = "$OUT_DIR/ui"]
struct Assets;

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: SocketAddr,
    pub token: Option<String>,
}

impl ServeOptions {
    /// Refuses a non-loopback address without a token (or with a weak one).
    pub fn check(&self) -> Result<(), String> {
        match &self.token {
            Some(t) if t.len() < 16 => Err("the access token must be at least 16 characters".into()),
            None if !self.bind.ip().is_loopback() => Err(format!(
                "refusing to serve on {}: it is reachable from other machines. Bind to 127.0.0.1, or set an access \
                 token (--token or TRACEDECK_TOKEN) to require it on every request",
                self.bind
            )),
            _ => Ok(()),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Ctx {
    pub(crate) app: App,
    token: Option<String>,
    loopback: bool,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) | ApiError::Sql(_) => StatusCode::BAD_REQUEST,
            ApiError::ReadOnly(_) => StatusCode::FORBIDDEN,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TimedOut(_) => StatusCode::GATEWAY_TIMEOUT,
            // Nginx's "client closed request": nobody is normally left to read it.
            ApiError::Cancelled(_) => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
            ApiError::Database(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(self)).into_response()
    }
}

async fn status(State(c): State<Ctx>) -> impl IntoResponse {
    Json(c.app.status().await)
}

async fn list_agents(State(c): State<Ctx>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.list_agents()?))
}

async fn start_run(State(c): State<Ctx>, Json(req): Json<RunRequest>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.start_run(req)?))
}

async fn cancel_run(State(c): State<Ctx>, Path(key): Path<String>) -> Result<impl IntoResponse, ApiError> {
    c.app.cancel_run(&key)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The run's updates from its start (replayed), then live, ending after `Finished`.
async fn run_events(
    State(c): State<Ctx>,
    Path(key): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>>, ApiError> {
    let (past, rx) = c.app.watch_run(&key)?;
    let updates = futures::stream::unfold((past.into_iter(), rx, false), |(mut past, mut rx, done)| async move {
        if let Some(u) = past.next() {
            return Some((u, (past, rx, done)));
        }
        if done {
            return None;
        }
        let r = rx.as_mut()?;
        loop {
            match r.recv().await {
                Ok(u) => {
                    let fin = matches!(u, RunUpdate::Finished { .. });
                    return Some((u, (past, rx, fin)));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let events = updates.map(|u| Ok(Event::default().event("run").json_data(&u).unwrap_or_else(|_| Event::default())));
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

async fn list_connections(State(c): State<Ctx>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.list_connections().await?))
}

async fn add_connection(State(c): State<Ctx>, Json(d): Json<ConnectionDraft>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.save_connection(None, &d).await?))
}

async fn edit_connection(
    State(c): State<Ctx>,
    Path(id): Path<String>,
    Json(d): Json<ConnectionDraft>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.save_connection(Some(&id), &d).await?))
}

async fn delete_connection(State(c): State<Ctx>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    c.app.delete_connection(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn test_draft(State(c): State<Ctx>, Json(d): Json<ConnectionDraft>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.test_connection(&d).await?))
}

async fn test_saved(State(c): State<Ctx>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.test_saved_connection(&id).await?))
}

async fn activate(State(c): State<Ctx>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.activate_connection(&id).await?))
}

#[derive(Debug, Deserialize)]
struct SecretBody {
    password: String,
    #[serde(default)]
    remember: bool,
}

async fn set_secret(
    State(c): State<Ctx>,
    Path(id): Path<String>,
    Json(b): Json<SecretBody>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.set_connection_secret(&id, &b.password, b.remember).await?))
}

async fn schema_route(State(c): State<Ctx>, Query(q): Query<ConnQuery>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.schema(q.connection.as_deref()).await?))
}

#[derive(Debug, Default, Deserialize)]
struct ConnQuery {
    connection: Option<String>,
    search: Option<String>,
    limit: Option<u32>,
}

async fn run_sql(State(c): State<Ctx>, Json(req): Json<SqlRequest>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.run_sql(&req).await?))
}

#[derive(Debug, Deserialize)]
struct MoreBody {
    limit: Option<u32>,
}

async fn more_rows(
    State(c): State<Ctx>,
    Path(id): Path<String>,
    Json(b): Json<MoreBody>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.more_rows(&id, b.limit).await?))
}

async fn cancel_query(State(c): State<Ctx>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    c.app.cancel_query(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Streams the export as the rows arrive (flat memory on both ends).
async fn export_sql(State(c): State<Ctx>, Json(req): Json<ExportRequest>) -> Result<Response, ApiError> {
    let (query, format) = c.app.open_export(&req).await?;
    let (writer, reader) = tokio::io::duplex(256 * 1024);
    tokio::spawn(async move {
        if let Err(e) = tracedeck_store::console::export(query, format, writer).await {
            tracing::warn!(target: "tracedeck", "export stopped: {e}");
        }
    });
    let (mime, ext) = if req.format.eq_ignore_ascii_case("csv") {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/x-ndjson", "jsonl")
    };
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(reader));
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"tracedeck-export.{ext}\"")),
        ],
        body,
    )
        .into_response())
}

async fn list_queries(State(c): State<Ctx>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.list_queries().await?))
}

async fn add_query(State(c): State<Ctx>, Json(q): Json<QueryDraft>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.save_query(None, &q).await?))
}

async fn edit_query(
    State(c): State<Ctx>,
    Path(id): Path<String>,
    Json(q): Json<QueryDraft>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.save_query(Some(&id), &q).await?))
}

async fn delete_query(State(c): State<Ctx>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    c.app.delete_query(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn export_query(State(c): State<Ctx>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let text = c.app.export_queries(Some(&id)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/sql; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"tracedeck-query.sql\"".to_owned()),
        ],
        text,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
struct ImportBody {
    text: String,
    /// Name for a file without headers (e.g. the file name).
    name: Option<String>,
}

async fn import_queries(State(c): State<Ctx>, Json(b): Json<ImportBody>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.import_queries(&b.text, b.name.as_deref()).await?))
}

async fn history(State(c): State<Ctx>, Query(q): Query<ConnQuery>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.history(q.connection.as_deref(), q.search.as_deref(), q.limit.unwrap_or(200)).await?))
}

async fn api_not_found(req: Request) -> ApiError {
    ApiError::NotFound(format!("no such route: {} {}", req.method(), req.uri().path()))
}

async fn get_prices(State(c): State<Ctx>) -> impl IntoResponse {
    Json(c.app.prices())
}

async fn put_prices(State(c): State<Ctx>, Json(t): Json<PriceTable>) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(c.app.set_prices(t)?))
}

async fn live(State(c): State<Ctx>) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>> {
    let stream = BroadcastStream::new(c.app.subscribe_live()).filter_map(|m| {
        let m = m.ok()?;
        Some(Ok(Event::default().event("traces").json_data(m).unwrap_or_else(|_| Event::default())))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// OTLP/HTTP: `application/x-protobuf` (default) or `application/json`, answered in kind.
async fn otlp_traces(State(c): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    use opentelemetry_proto::tonic::collector::trace::v1::{ExportTracePartialSuccess, ExportTraceServiceResponse};
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    match c.app.ingest_otlp(&body, json).await {
        Ok(r) => {
            let partial = (r.rejected > 0).then(|| ExportTracePartialSuccess {
                rejected_spans: r.rejected as i64,
                error_message: r.message.clone().unwrap_or_default(),
            });
            let resp = ExportTraceServiceResponse { partial_success: partial };
            if json {
                Json(resp).into_response()
            } else {
                ([(header::CONTENT_TYPE, "application/x-protobuf")], resp.encode_to_vec()).into_response()
            }
        }
        Err(e) => e.into_response(),
    }
}

async fn asset(req: Request) -> Response {
    let path = req.uri().path().trim_start_matches('/');
    let (file, path) = match Assets::get(path) {
        Some(f) if !path.is_empty() => (f, path.to_owned()),
        // Client-side routes fall back to the app shell.
        _ => match Assets::get("index.html") {
            Some(f) => (f, "index.html".to_owned()),
            None => return StatusCode::NOT_FOUND.into_response(),
        },
    };
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    let cache = if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    ([(header::CONTENT_TYPE, mime.as_ref()), (header::CACHE_CONTROL, cache)], Body::from(file.data.into_owned()))
        .into_response()
}

fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1") || name.starts_with("127.")
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == COOKIE).then(|| v.to_owned())
    })
}

/// Constant-time comparison of the presented token.
fn token_matches(expected: &str, given: &str) -> bool {
    expected.len() == given.len() && expected.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

async fn guard(State(c): State<Ctx>, req: Request, next: Next) -> Response {
    if c.loopback {
        let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        if !is_loopback_host(host) {
            return (StatusCode::FORBIDDEN, "requests must address this server as localhost").into_response();
        }
    }
    let mut set_cookie = None;
    if let Some(expected) = &c.token {
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let query =
            req.uri().query().and_then(|q| q.split('&').find_map(|p| p.strip_prefix("token=").map(str::to_owned)));
        let ok = [bearer, cookie_token(req.headers()), query.clone()]
            .into_iter()
            .flatten()
            .any(|t| token_matches(expected, &t));
        if !ok {
            return (StatusCode::UNAUTHORIZED, Json(ApiError::BadRequest("an access token is required".into())))
                .into_response();
        }
        if query.is_some() {
            set_cookie = Some(format!("{COOKIE}={expected}; HttpOnly; SameSite=Strict; Path=/"));
        }
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    if let Some(c) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert(header::SET_COOKIE, c);
    }
    resp
}

pub fn router(app: App, opts: &ServeOptions) -> Router {
    let ctx = Ctx { app, token: opts.token.clone(), loopback: opts.bind.ip().is_loopback() };
    Router::new()
        .route("/api/status", get(status))
        .merge(traces::routes())
        .route("/api/live", get(live))
        .route("/api/prices", get(get_prices).put(put_prices))
        .route("/api/agents", get(list_agents))
        .route("/api/runs", post(start_run))
        .route("/api/runs/{key}", axum::routing::delete(cancel_run))
        .route("/api/runs/{key}/events", get(run_events))
        .route("/api/connections", get(list_connections).post(add_connection))
        .route("/api/connections/test", post(test_draft))
        .route("/api/connections/{id}", axum::routing::put(edit_connection).delete(delete_connection))
        .route("/api/connections/{id}/test", post(test_saved))
        .route("/api/connections/{id}/activate", post(activate))
        .route("/api/connections/{id}/secret", post(set_secret))
        .route("/api/schema", get(schema_route))
        .route("/api/sql", post(run_sql))
        .route("/api/sql/export", post(export_sql))
        .route("/api/sql/{id}", axum::routing::delete(cancel_query))
        .route("/api/sql/{id}/more", post(more_rows))
        .route("/api/queries", get(list_queries).post(add_query))
        .route("/api/queries/import", post(import_queries))
        .route("/api/queries/{id}", axum::routing::put(edit_query).delete(delete_query))
        .route("/api/queries/{id}/export", get(export_query))
        .route("/api/history", get(history))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .route("/v1/traces", post(otlp_traces).layer(axum::extract::DefaultBodyLimit::max(OTLP_BODY_LIMIT)))
        .fallback(asset)
        .layer(middleware::from_fn_with_state(ctx.clone(), guard))
        .with_state(ctx)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    app: App,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    opts.check().map_err(anyhow::Error::msg)?;
    let listener = tokio::net::TcpListener::bind(opts.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", opts.bind))?;
    let router = router(app, &opts);
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_check() {
        for ok in ["localhost:8080", "127.0.0.1:1", "[::1]:3000", "localhost"] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in ["evil.example:8080", "192.168.1.2", "localhost.evil.com"] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn non_loopback_needs_a_token() {
        let o = ServeOptions { bind: "0.0.0.0:1".parse().unwrap(), token: None };
        assert!(o.check().unwrap_err().contains("access token"));
        let o = ServeOptions { bind: "0.0.0.0:1".parse().unwrap(), token: Some("short".into()) };
        assert!(o.check().is_err());
        let o = ServeOptions { bind: "0.0.0.0:1".parse().unwrap(), token: Some("x".repeat(20)) };
        assert!(o.check().is_ok());
        assert!(ServeOptions { bind: "127.0.0.1:1".parse().unwrap(), token: None }.check().is_ok());
    }
}
