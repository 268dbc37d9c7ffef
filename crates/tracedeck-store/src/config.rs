//! Where the traces live: a parsed database URL plus the Agno schema/table names.
//!
//! Accepted forms (`--db` / `TRACEDECK_DB`):
//! - `sqlite://path/to/file.db`, `sqlite:///abs/path.db`, `sqlite:path.db`, or a bare path;
//! - `postgres://user[:pass]@host[:port]/db` (`postgresql://` too);
//! - `mysql://user[:pass]@host[:port][/db]` (`mariadb://` too).
//!
//! Tracedeck's own query parameters are removed before the URL reaches the driver:
//! `schema` (PostgreSQL schema / MySQL database holding the tables, default `ai`),
//! `traces_table`, `spans_table`, `versions_table` (defaults `agno_traces`, `agno_spans`,
//! `agno_schema_versions`), and `mode=ro` / `read_only=true`.

use std::fmt;
use std::path::PathBuf;

use crate::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Agno's default PostgreSQL schema / MySQL database.
pub const DEFAULT_SCHEMA: &str = "ai";
pub const DEFAULT_TRACES_TABLE: &str = "agno_traces";
pub const DEFAULT_SPANS_TABLE: &str = "agno_spans";
pub const DEFAULT_VERSIONS_TABLE: &str = "agno_schema_versions";

#[derive(Clone, PartialEq, Eq)]
pub struct StoreConfig {
    pub backend: Backend,
    /// Driver URL without Tracedeck's parameters (may hold a password: never print it, use
    /// [`StoreConfig::redacted`]).
    url: String,
    /// SQLite file path.
    pub sqlite_path: Option<PathBuf>,
    /// PostgreSQL schema / MySQL database holding the tables; `None` for SQLite.
    pub schema: Option<String>,
    pub traces_table: String,
    pub spans_table: String,
    pub versions_table: String,
    pub read_only: bool,
}

impl fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreConfig")
            .field("url", &self.redacted())
            .field("schema", &self.schema)
            .field("traces_table", &self.traces_table)
            .field("spans_table", &self.spans_table)
            .field("read_only", &self.read_only)
            .finish()
    }
}

/// A SQL identifier we interpolate into statements: letters, digits, `_`, `$`, max 63 chars,
/// not starting with a digit. Anything else is refused rather than quoted.
pub fn validate_ident(kind: &str, s: &str) -> Result<(), StoreError> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && !s.as_bytes()[0].is_ascii_digit()
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Config(format!("invalid {kind} name {s:?}: use letters, digits and '_' (max 63 characters)")))
    }
}

fn split_query(s: &str) -> (&str, Vec<(String, String)>) {
    match s.split_once('?') {
        None => (s, Vec::new()),
        Some((base, q)) => {
            let params = q
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.to_owned(), v.to_owned()),
                    None => (p.to_owned(), String::new()),
                })
                .collect();
            (base, params)
        }
    }
}

fn truthy(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "" | "1" | "true" | "yes" | "on" | "ro")
}

impl StoreConfig {
    pub fn parse(input: &str) -> Result<StoreConfig, StoreError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(StoreError::Config("empty database URL".into()));
        }
        let lower = input.to_ascii_lowercase();
        let backend = if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Backend::Postgres
        } else if lower.starts_with("mysql://") || lower.starts_with("mariadb://") {
            Backend::MySql
        } else if lower.starts_with("sqlite:") || !lower.contains("://") {
            Backend::Sqlite
        } else {
            let scheme = input.split("://").next().unwrap_or_default();
            return Err(StoreError::Config(format!(
                "unsupported database URL scheme {scheme:?}: use sqlite://, postgres:// or mysql://"
            )));
        };
        let (base, params) = split_query(input);
        let mut cfg = StoreConfig {
            backend,
            url: String::new(),
            sqlite_path: None,
            schema: match backend {
                Backend::Sqlite => None,
                _ => Some(DEFAULT_SCHEMA.to_owned()),
            },
            traces_table: DEFAULT_TRACES_TABLE.into(),
            spans_table: DEFAULT_SPANS_TABLE.into(),
            versions_table: DEFAULT_VERSIONS_TABLE.into(),
            read_only: false,
        };
        let mut passthrough = Vec::new();
        for (k, v) in params {
            match k.as_str() {
                "schema" | "db_schema" => {
                    validate_ident("schema", &v)?;
                    if backend == Backend::Sqlite {
                        return Err(StoreError::Config("SQLite has no schemas: drop '?schema=' from the URL".into()));
                    }
                    cfg.schema = Some(v);
                }
                "traces_table" => {
                    validate_ident("table", &v)?;
                    cfg.traces_table = v;
                }
                "spans_table" => {
                    validate_ident("table", &v)?;
                    cfg.spans_table = v;
                }
                "versions_table" => {
                    validate_ident("table", &v)?;
                    cfg.versions_table = v;
                }
                "read_only" | "readonly" => cfg.read_only = truthy(&v),
                "mode" if backend == Backend::Sqlite => cfg.read_only = v == "ro",
                _ => passthrough.push(if v.is_empty() { k } else { format!("{k}={v}") }),
            }
        }
        match backend {
            Backend::Sqlite => {
                let path = base.strip_prefix("sqlite://").or_else(|| base.strip_prefix("sqlite:")).unwrap_or(base);
                if path.is_empty() {
                    return Err(StoreError::Config("sqlite URL has no file path".into()));
                }
                if path == ":memory:" {
                    return Err(StoreError::Config(
                        "in-memory SQLite is not supported: traces must outlive the process".into(),
                    ));
                }
                cfg.sqlite_path = Some(expand_home(path));
                cfg.url = format!("sqlite://{path}");
            }
            _ => {
                let mut url = base.to_owned();
                if !passthrough.is_empty() {
                    url.push('?');
                    url.push_str(&passthrough.join("&"));
                }
                if backend == Backend::MySql && lower.starts_with("mariadb://") {
                    url = format!("mysql://{}", &url["mariadb://".len()..]);
                }
                cfg.url = url;
            }
        }
        Ok(cfg)
    }

    /// SQLite file at `path`, default table names.
    pub fn sqlite(path: impl Into<PathBuf>) -> StoreConfig {
        let path = path.into();
        StoreConfig {
            backend: Backend::Sqlite,
            url: format!("sqlite://{}", path.display()),
            sqlite_path: Some(path),
            schema: None,
            traces_table: DEFAULT_TRACES_TABLE.into(),
            spans_table: DEFAULT_SPANS_TABLE.into(),
            versions_table: DEFAULT_VERSIONS_TABLE.into(),
            read_only: false,
        }
    }

    pub fn with_read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    pub fn with_schema(mut self, schema: &str) -> Result<Self, StoreError> {
        validate_ident("schema", schema)?;
        self.schema = Some(schema.to_owned());
        Ok(self)
    }

    /// The driver URL (contains the password if one was given).
    pub fn driver_url(&self) -> &str {
        &self.url
    }

    /// The URL with any password replaced by `***`, safe for logs and error messages.
    pub fn redacted(&self) -> String {
        redact_url(&self.url)
    }

    /// Is this the same database (ignoring read-only and credentials)?
    pub fn describe(&self) -> String {
        match self.backend {
            Backend::Sqlite => {
                format!("sqlite {}", self.sqlite_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default())
            }
            _ => format!(
                "{} {} (schema {})",
                self.backend,
                self.redacted(),
                self.schema.as_deref().unwrap_or(DEFAULT_SCHEMA)
            ),
        }
    }
}

fn expand_home(path: &str) -> PathBuf {
    if let Some(rest) = path.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    PathBuf::from(path)
}

/// Replaces the password in `scheme://user:password@host` with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = userinfo.split(':').next().unwrap_or_default();
    let masked = if userinfo.contains(':') { format!("{user}:***") } else { user.to_owned() };
    // Also mask password-like query parameters.
    let tail = tail
        .split('&')
        .map(|p| {
            let lp = p.to_ascii_lowercase();
            if lp.contains("password=") || lp.contains("sslpassword=") {
                let (k, _) = p.split_once('=').unwrap_or((p, ""));
                format!("{k}=***")
            } else {
                p.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{scheme}://{masked}@{host}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_backends_and_options() {
        let c =
            StoreConfig::parse("postgres://u:secret@127.0.0.1:5432/db?schema=traces&sslmode=disable&traces_table=t1")
                .unwrap();
        assert_eq!(c.backend, Backend::Postgres);
        assert_eq!(c.schema.as_deref(), Some("traces"));
        assert_eq!(c.traces_table, "t1");
        assert_eq!(c.driver_url(), "postgres://u:secret@127.0.0.1:5432/db?sslmode=disable");
        assert!(!c.redacted().contains("secret"));
        assert!(!format!("{c:?}").contains("secret"));

        let m = StoreConfig::parse("mariadb://root@127.0.0.1:3306/?read_only=1").unwrap();
        assert_eq!(m.backend, Backend::MySql);
        assert!(m.read_only);
        assert_eq!(m.schema.as_deref(), Some("ai"));
        assert!(m.driver_url().starts_with("mysql://"));

        let s = StoreConfig::parse("sqlite:///tmp/x.db?mode=ro").unwrap();
        assert_eq!(s.sqlite_path.as_deref(), Some(std::path::Path::new("/tmp/x.db")));
        assert!(s.read_only);
        assert_eq!(StoreConfig::parse("traces.db").unwrap().backend, Backend::Sqlite);
    }

    #[test]
    fn refuses_bad_input() {
        assert!(StoreConfig::parse("").is_err());
        assert!(StoreConfig::parse("redis://x").is_err());
        assert!(StoreConfig::parse("postgres://x/db?schema=a;drop").is_err());
        assert!(StoreConfig::parse("sqlite::memory:").is_err());
        assert!(StoreConfig::parse("sqlite://x.db?schema=ai").is_err());
    }

    #[test]
    fn redaction() {
        assert_eq!(redact_url("mysql://root:pw@h:1/db"), "mysql://root:***@h:1/db");
        assert_eq!(redact_url("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(redact_url("postgres://u@h/db?password=x"), "postgres://u@h/db?password=***");
    }
}
