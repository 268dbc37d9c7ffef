//! The connections manager: the local database (built in, id `local`) plus saved connections
//! to other trace databases — SQLite files, PostgreSQL, MySQL/MariaDB — one of which is
//! active for the run list, trace views and the SQL console. Switching is a pointer swap:
//! every connection is opened once and its pools are kept.
//!
//! Rules: a connection is read-only unless Tracedeck created its database (decided by looking,
//! when the user does not say); the password is moved out of the URL into the OS keyring (or
//! kept for this session when there is none) and only a reference is saved; "test" asks the
//! database itself whether the session is read-only.

use std::collections::HashMap;
use std::sync::RwLock;

use serde::{Deserialize, Serialize};
use tracedeck_model::console::Dialect;
use tracedeck_store::settings::{ConnectionRecord, SettingsDb};
use tracedeck_store::{Backend, OpenOptions, Origin, Store, StoreConfig};

use crate::error::{ApiError, ApiResult};
use crate::secrets::{SecretStorage, Secrets};

pub const LOCAL: &str = "local";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConnectionInfo {
    pub id: String,
    pub name: String,
    pub dialect: Dialect,
    /// File path or URL without password.
    pub location: String,
    pub schema: Option<String>,
    pub traces_table: String,
    pub spans_table: String,
    /// dev | staging | production
    pub env: String,
    pub read_only: bool,
    pub created_by_tracedeck: bool,
    /// The app's own database.
    pub builtin: bool,
    pub active: bool,
    pub secret: SecretStorage,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConnectionDraft {
    pub name: String,
    /// SQLite path/URL, postgres://… or mysql://… (a password in it goes to the keyring).
    pub url: String,
    pub schema: Option<String>,
    pub traces_table: Option<String>,
    pub spans_table: Option<String>,
    pub env: String,
    /// `None`: read-only unless Tracedeck created the database.
    pub read_only: Option<bool>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TestReport {
    pub ok: bool,
    pub message: String,
    pub server_version: Option<String>,
    pub tables_found: Vec<String>,
    #[cfg_attr(feature = "specta", specta(type = Option<i32>))]
    pub trace_count: Option<i64>,
    pub read_only_verified: bool,
    pub read_only_detail: String,
    /// Where the Agno tables are, when not where the draft says.
    pub detected_schema: Option<String>,
}

fn dialect(b: Backend) -> Dialect {
    match b {
        Backend::Sqlite => Dialect::Sqlite,
        Backend::Postgres => Dialect::Postgres,
        Backend::MySql => Dialect::Mysql,
    }
}

fn secret_key(id: &str) -> String {
    format!("connection:{id}")
}

fn check_env(env: &str) -> ApiResult<()> {
    match env {
        "dev" | "staging" | "production" => Ok(()),
        other => Err(ApiError::BadRequest(format!("environment must be dev, staging or production, not {other:?}"))),
    }
}

/// Splits a password out of a URL. Returns (URL without password, password).
fn split_password(url: &str) -> ApiResult<(String, Option<String>)> {
    if !url.contains("://") || url.trim_start().to_ascii_lowercase().starts_with("sqlite:") {
        return Ok((url.trim().to_owned(), None));
    }
    let mut u = url::Url::parse(url.trim()).map_err(|e| ApiError::BadRequest(format!("invalid URL: {e}")))?;
    let password = u.password().map(|p| {
        url::form_urlencoded::parse(format!("p={p}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
    });
    if password.is_some() {
        let _ = u.set_password(None);
    }
    Ok((u.to_string(), password.filter(|p| !p.is_empty())))
}

/// Puts a password back into a URL for the driver.
fn with_password(url: &str, password: Option<&str>) -> ApiResult<String> {
    let Some(pw) = password else { return Ok(url.to_owned()) };
    let mut u = url::Url::parse(url).map_err(|e| ApiError::BadRequest(format!("invalid URL: {e}")))?;
    u.set_password(Some(pw)).map_err(|_| ApiError::BadRequest("this URL cannot carry a password".into()))?;
    Ok(u.to_string())
}

fn store_config(url: &str, schema: Option<&str>, traces: &str, spans: &str, read_only: bool) -> ApiResult<StoreConfig> {
    let mut cfg = StoreConfig::parse(url)?;
    if let Some(s) = schema.filter(|s| !s.trim().is_empty())
        && cfg.backend != Backend::Sqlite
    {
        cfg = cfg.with_schema(s.trim())?;
    }
    for (kind, name) in [("traces table", traces), ("spans table", spans)] {
        tracedeck_store::config::validate_ident(kind, name)?;
    }
    cfg.traces_table = traces.to_owned();
    cfg.spans_table = spans.to_owned();
    Ok(cfg.with_read_only(read_only))
}

pub struct Connections {
    settings: SettingsDb,
    secrets: Secrets,
    local: Store,
    open: tokio::sync::Mutex<HashMap<String, Store>>,
    active: RwLock<(String, Store)>,
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connections").field("active", &self.active_id()).finish()
    }
}

impl Connections {
    pub async fn new(settings: SettingsDb, local: Store) -> Connections {
        let c = Connections {
            settings,
            secrets: Secrets::default(),
            local: local.clone(),
            open: tokio::sync::Mutex::new(HashMap::new()),
            active: RwLock::new((LOCAL.to_owned(), local)),
        };
        // Reopen the connection that was active last time; fall back to local quietly (the
        // status shows which one is active).
        if let Ok(Some(id)) = c.settings.state("active_connection").await
            && id != LOCAL
            && let Err(e) = c.activate(&id).await
        {
            tracing::warn!(target: "tracedeck", "could not reopen connection {id}: {e}");
        }
        c
    }

    pub fn settings(&self) -> &SettingsDb {
        &self.settings
    }

    pub fn active_id(&self) -> String {
        self.active.read().unwrap_or_else(|p| p.into_inner()).0.clone()
    }

    /// The active store (a cheap clone of pool handles).
    pub fn active(&self) -> Store {
        self.active.read().unwrap_or_else(|p| p.into_inner()).1.clone()
    }

    fn local_info(&self, active: &str) -> ConnectionInfo {
        let cfg = self.local.config();
        let info = self.local.info();
        ConnectionInfo {
            id: LOCAL.into(),
            name: "Local".into(),
            dialect: dialect(cfg.backend),
            location: cfg.describe(),
            schema: cfg.schema.clone(),
            traces_table: cfg.traces_table.clone(),
            spans_table: cfg.spans_table.clone(),
            env: "dev".into(),
            read_only: info.read_only,
            created_by_tracedeck: info.origin != Origin::Foreign,
            builtin: true,
            active: active == LOCAL,
            secret: SecretStorage::None,
        }
    }

    async fn info(&self, r: &ConnectionRecord, active: &str) -> ConnectionInfo {
        let secret = match &r.secret_ref {
            None => SecretStorage::None,
            Some(k) => self.secrets.get(k).await.1,
        };
        let cfg = StoreConfig::parse(&r.url).ok();
        ConnectionInfo {
            id: r.id.clone(),
            name: r.name.clone(),
            dialect: cfg.as_ref().map(|c| dialect(c.backend)).unwrap_or(Dialect::Sqlite),
            location: cfg.as_ref().map(|c| c.redacted()).unwrap_or_else(|| r.url.clone()),
            schema: r.schema.clone(),
            traces_table: r.traces_table.clone(),
            spans_table: r.spans_table.clone(),
            env: r.env.clone(),
            read_only: r.read_only,
            created_by_tracedeck: r.created_by_tracedeck,
            builtin: false,
            active: active == r.id,
            secret,
        }
    }

    pub async fn list(&self) -> ApiResult<Vec<ConnectionInfo>> {
        let active = self.active_id();
        let mut out = vec![self.local_info(&active)];
        for r in self.settings.connections().await? {
            out.push(self.info(&r, &active).await);
        }
        Ok(out)
    }

    pub async fn get(&self, id: &str) -> ApiResult<ConnectionInfo> {
        let active = self.active_id();
        if id == LOCAL {
            return Ok(self.local_info(&active));
        }
        let r = self.record(id).await?;
        Ok(self.info(&r, &active).await)
    }

    async fn record(&self, id: &str) -> ApiResult<ConnectionRecord> {
        self.settings.connection(id).await?.ok_or_else(|| ApiError::NotFound(format!("connection {id:?}")))
    }

    /// The store config of a draft, with its password, and the password itself.
    fn draft_config(d: &ConnectionDraft, read_only: bool) -> ApiResult<(StoreConfig, String, Option<String>)> {
        let (url, url_pw) = split_password(&d.url)?;
        let password = d.password.clone().filter(|p| !p.is_empty()).or(url_pw);
        let traces = d.traces_table.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| "agno_traces".into());
        let spans = d.spans_table.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| "agno_spans".into());
        let full = with_password(&url, password.as_deref())?;
        let cfg = store_config(&full, d.schema.as_deref(), &traces, &spans, read_only)?;
        Ok((cfg, url, password))
    }

    /// Whether Tracedeck created this database (it has our migrations table).
    async fn created_by_tracedeck(cfg: &StoreConfig) -> bool {
        // Saving must not hang on an unreachable server: without an answer, read-only it is.
        let ro = cfg.clone().with_read_only(true);
        let open = Store::open(&ro, OpenOptions { create: false });
        match tokio::time::timeout(std::time::Duration::from_secs(5), open)
            .await
            .unwrap_or_else(|_| Err(tracedeck_store::StoreError::Config("timed out".into())))
        {
            Ok(s) => {
                let ours = s.info().origin != Origin::Foreign;
                s.close().await;
                ours
            }
            Err(_) => false,
        }
    }

    pub async fn save(&self, id: Option<&str>, d: &ConnectionDraft) -> ApiResult<ConnectionInfo> {
        if id == Some(LOCAL) {
            return Err(ApiError::BadRequest("the local database cannot be edited".into()));
        }
        if d.name.trim().is_empty() {
            return Err(ApiError::BadRequest("a connection needs a name".into()));
        }
        check_env(&d.env)?;
        let (cfg, url, password) = Self::draft_config(d, true)?;
        let created = Self::created_by_tracedeck(&cfg).await;
        let read_only = d.read_only.unwrap_or(!created);
        let id = match id {
            Some(id) => {
                self.record(id).await?;
                id.to_owned()
            }
            None => format!("c{:x}", tracedeck_model::time::now_ns()),
        };
        let key = secret_key(&id);
        let secret_ref = match &password {
            Some(pw) => {
                self.secrets.put(&key, pw, true).await;
                Some(key)
            }
            // Editing without re-entering the password keeps the stored one.
            None => self.settings.connection(&id).await?.and_then(|r| r.secret_ref),
        };
        let record = ConnectionRecord {
            id: id.clone(),
            name: d.name.trim().to_owned(),
            url,
            schema: cfg.schema.clone().filter(|_| cfg.backend != Backend::Sqlite),
            traces_table: cfg.traces_table.clone(),
            spans_table: cfg.spans_table.clone(),
            env: d.env.clone(),
            read_only,
            created_by_tracedeck: created,
            secret_ref,
            updated_at: String::new(),
            last_used_at: None,
        };
        self.settings.save_connection(&record).await?;
        if let Some(old) = self.open.lock().await.remove(&id) {
            old.close().await;
        }
        if self.active_id() == id {
            self.activate(&id).await?;
        }
        self.get(&id).await
    }

    pub async fn delete(&self, id: &str) -> ApiResult<()> {
        if id == LOCAL {
            return Err(ApiError::BadRequest("the local database cannot be removed".into()));
        }
        let r = self.record(id).await?;
        if self.active_id() == id {
            self.activate(LOCAL).await?;
        }
        if let Some(s) = self.open.lock().await.remove(id) {
            s.close().await;
        }
        if let Some(k) = &r.secret_ref {
            self.secrets.delete(k).await;
        }
        self.settings.delete_connection(id).await?;
        Ok(())
    }

    pub async fn set_secret(
        &self,
        id: &str,
        password: &str,
        remember: bool,
    ) -> ApiResult<(ConnectionInfo, Option<String>)> {
        let mut r = self.record(id).await?;
        let key = secret_key(id);
        let (_, why) = self.secrets.put(&key, password, remember).await;
        if r.secret_ref.is_none() {
            r.secret_ref = Some(key);
            self.settings.save_connection(&r).await?;
        }
        if let Some(old) = self.open.lock().await.remove(id) {
            old.close().await;
        }
        Ok((self.get(id).await?, why))
    }

    async fn config_of(&self, r: &ConnectionRecord) -> ApiResult<StoreConfig> {
        let password = match &r.secret_ref {
            None => None,
            Some(k) => match self.secrets.get(k).await {
                (Some(p), _) => Some(p),
                (None, _) => {
                    return Err(ApiError::Unavailable(format!(
                        "the password of {:?} is not available (no keyring entry); enter it again",
                        r.name
                    )));
                }
            },
        };
        store_config(
            &with_password(&r.url, password.as_deref())?,
            r.schema.as_deref(),
            &r.traces_table,
            &r.spans_table,
            r.read_only,
        )
    }

    /// The store of a connection (opened once, then reused); `None` is the active one.
    pub async fn store(&self, id: Option<&str>) -> ApiResult<Store> {
        let id = match id {
            None => return Ok(self.active()),
            Some(LOCAL) => return Ok(self.local.clone()),
            Some(id) => id,
        };
        let mut open = self.open.lock().await;
        if let Some(s) = open.get(id) {
            return Ok(s.clone());
        }
        let r = self.record(id).await?;
        let cfg = self.config_of(&r).await?;
        let store = Store::open(&cfg, OpenOptions { create: false }).await?;
        open.insert(id.to_owned(), store.clone());
        Ok(store)
    }

    pub async fn activate(&self, id: &str) -> ApiResult<ConnectionInfo> {
        let store = self.store(Some(id)).await?;
        *self.active.write().unwrap_or_else(|p| p.into_inner()) = (id.to_owned(), store);
        self.settings.set_state("active_connection", id).await?;
        if id != LOCAL {
            self.settings.touch_connection(id).await?;
        }
        self.get(id).await
    }

    pub async fn test_saved(&self, id: &str) -> ApiResult<TestReport> {
        if id == LOCAL {
            return Ok(test(self.local.clone(), None).await);
        }
        let r = self.record(id).await?;
        let cfg = self.config_of(&r).await?;
        Ok(test_config(&cfg).await)
    }

    pub async fn test_draft(&self, d: &ConnectionDraft) -> ApiResult<TestReport> {
        let (cfg, _, _) = Self::draft_config(d, d.read_only.unwrap_or(true))?;
        Ok(test_config(&cfg).await)
    }

    pub async fn close(&self) {
        for (_, s) in self.open.lock().await.drain() {
            s.close().await;
        }
        self.settings.close().await;
    }
}

async fn test_config(cfg: &StoreConfig) -> TestReport {
    let open =
        tokio::time::timeout(std::time::Duration::from_secs(15), Store::open(cfg, OpenOptions { create: false }));
    let opened = open.await.unwrap_or_else(|_| {
        Err(tracedeck_store::StoreError::Config(format!("no answer from {} within 15 s", cfg.redacted())))
    });
    match opened {
        Ok(s) => {
            let r = test(s.clone(), None).await;
            s.close().await;
            r
        }
        Err(e) => {
            let detected = tracedeck_store::probe::find_agno_schemas(cfg)
                .await
                .ok()
                .and_then(|v| v.into_iter().find(|s| Some(s) != cfg.schema.as_ref()));
            let hint = detected.as_ref().map(|s| format!(" — Agno tables found in schema {s:?}")).unwrap_or_default();
            TestReport {
                ok: false,
                message: format!("{}{hint}", ApiError::from(e)),
                server_version: None,
                tables_found: Vec::new(),
                trace_count: None,
                read_only_verified: false,
                read_only_detail: String::new(),
                detected_schema: detected,
            }
        }
    }
}

async fn test(store: Store, detected_schema: Option<String>) -> TestReport {
    let report = match store.check().await {
        Ok(r) => r,
        Err(e) => {
            return TestReport {
                ok: false,
                message: ApiError::from(e).to_string(),
                server_version: Some(store.info().server_version.clone()),
                tables_found: Vec::new(),
                trace_count: None,
                read_only_verified: false,
                read_only_detail: String::new(),
                detected_schema,
            };
        }
    };
    let probe = store.probe_read_only().await;
    let (verified, detail) = match probe {
        Ok(p) => (p.refused, p.detail),
        Err(e) => (false, format!("could not probe: {e}")),
    };
    let read_only = store.is_read_only();
    let ok = !read_only || verified;
    TestReport {
        ok,
        message: if !ok {
            "connected, but the database did NOT refuse a write on this read-only connection".into()
        } else if read_only {
            format!("connected read-only: {} traces, {} spans", report.trace_count, report.span_count)
        } else {
            format!("connected read-write: {} traces, {} spans", report.trace_count, report.span_count)
        },
        server_version: Some(report.server_version.clone()),
        tables_found: vec![report.traces_table.clone(), report.spans_table.clone()],
        trace_count: Some(report.trace_count),
        read_only_verified: verified,
        read_only_detail: detail,
        detected_schema,
    }
}

/// Compile-time guard: these futures run in spawned tasks and HTTP handlers, so they must be
/// `Send` (a `&Pool` passed to sqlx's migrator once broke that, see the store's migrations).
#[cfg(test)]
#[allow(dead_code)]
fn futures_are_send(
    c: &'static Connections,
    d: &'static ConnectionDraft,
    cfg: &'static StoreConfig,
    s: &'static Secrets,
) {
    fn send<T: Send>(_: T) {}
    send(s.put("k", "v", true));
    send(s.get("k"));
    send(Connections::created_by_tracedeck(cfg));
    send(test_config(cfg));
    send(c.store(Some("x")));
    send(c.activate("x"));
    send(c.get("x"));
    send(c.list());
    send(c.test_draft(d));
    send(c.delete("x"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_leave_the_url() {
        let (u, p) = split_password("postgres://alice:s%40cret@db.example:5432/app?sslmode=require").unwrap();
        assert_eq!(u, "postgres://alice@db.example:5432/app?sslmode=require");
        assert_eq!(p.as_deref(), Some("s@cret"));
        assert_eq!(
            with_password(&u, Some("s@cret")).unwrap(),
            "postgres://alice:s%40cret@db.example:5432/app?sslmode=require"
        );
        assert_eq!(split_password("/tmp/x.db").unwrap(), ("/tmp/x.db".to_owned(), None));
        assert_eq!(split_password("mysql://root@h/").unwrap().1, None);
    }
}
