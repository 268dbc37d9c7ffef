//! `http_get`: fetches a URL from an allow-listed set of hosts. Off unless the config lists
//! hosts; other hosts, other schemes, and redirects leaving the list are refused. Bodies
//! are capped (the cut is said in the result) and requests time out.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::{Tool, ToolContext, ToolError, str_arg};
use crate::config::ToolConfig;

const DEFAULT_MAX_BYTES: u64 = 256 * 1024;

pub struct HttpGet {
    allowed: Arc<Vec<String>>,
    max_bytes: u64,
    timeout: Duration,
    client: reqwest::Client,
    description: String,
    schema: Value,
}

/// `example.com` matches that host; `.example.com` matches it and its subdomains.
pub(crate) fn host_allowed(allowed: &[String], host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    allowed.iter().any(|a| {
        let a = a.to_ascii_lowercase();
        match a.strip_prefix('.') {
            Some(base) => host == base || host.ends_with(&a),
            None => host == a,
        }
    })
}

impl HttpGet {
    pub fn new(cfg: &ToolConfig) -> Result<HttpGet, String> {
        let allowed = Arc::new(cfg.allowed_hosts.clone());
        let timeout = Duration::from_secs_f64(cfg.timeout_secs.unwrap_or(10.0));
        let policy_hosts = allowed.clone();
        // A redirect is a new request: it must stay on the list too.
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            let ok = matches!(attempt.url().scheme(), "http" | "https")
                && attempt.url().host_str().is_some_and(|h| host_allowed(&policy_hosts, h));
            if attempt.previous().len() >= 5 {
                attempt.error("too many redirects")
            } else if ok {
                attempt.follow()
            } else {
                let msg = format!("redirect to a host that is not allowed: {}", attempt.url());
                attempt.error(msg)
            }
        });
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(crate::model::openai::tls_config()?)
            .redirect(policy)
            .timeout(timeout)
            .user_agent(concat!("tracedeck/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("http_get client: {e}"))?;
        Ok(HttpGet {
            description: cfg.description.clone().unwrap_or_else(|| {
                format!("Fetch a web page with HTTP GET. Allowed hosts: {}.", cfg.allowed_hosts.join(", "))
            }),
            allowed,
            max_bytes: cfg.max_bytes.unwrap_or(DEFAULT_MAX_BYTES),
            timeout,
            client,
            schema: json!({"type": "object", "properties": {"url": {"type": "string",
                "description": "An http(s) URL on an allowed host."}}, "required": ["url"]}),
        })
    }

    async fn get(&self, raw: &str) -> Result<String, ToolError> {
        if self.allowed.is_empty() {
            return Err(ToolError::new("PermissionError", "http_get is off: no allowed hosts are configured"));
        }
        let url =
            reqwest::Url::parse(raw).map_err(|e| ToolError::invalid_args(format!("`{raw}` is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ToolError::new(
                "PermissionError",
                format!("scheme `{}` is not allowed (http, https)", url.scheme()),
            ));
        }
        let host = url.host_str().unwrap_or("");
        if !host_allowed(&self.allowed, host) {
            return Err(ToolError::new(
                "PermissionError",
                format!("host `{host}` is not allowed (allowed: {})", self.allowed.join(", ")),
            ));
        }
        let net = |e: reqwest::Error| {
            let kind = if e.is_timeout() { "TimeoutError" } else { "ConnectionError" };
            let msg = if e.is_timeout() { format!("no answer within {:?}", self.timeout) } else { e.to_string() };
            ToolError::new(kind, msg)
        };
        let resp = self.client.get(url).send().await.map_err(net)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(ToolError::new("HTTPError", format!("HTTP {status}")));
        }
        let mut body = Vec::new();
        let mut truncated = false;
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(net)?;
            let room = self.max_bytes as usize - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        let mut text = String::from_utf8_lossy(&body).into_owned();
        if truncated {
            text.push_str(&format!("\n[truncated at {} bytes]", self.max_bytes));
        }
        Ok(text)
    }
}

impl Tool for HttpGet {
    fn name(&self) -> &str {
        "http_get"
    }
    fn description(&self) -> &str {
        &self.description
    }
    fn parameters(&self) -> &Value {
        &self.schema
    }
    fn call<'a>(&'a self, args: Value, _ctx: &'a ToolContext) -> BoxFuture<'a, Result<String, ToolError>> {
        Box::pin(async move { self.get(str_arg(&args, "url")?).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_matching() {
        let a = vec!["example.com".to_owned(), ".wikipedia.org".to_owned()];
        assert!(host_allowed(&a, "example.com"));
        assert!(host_allowed(&a, "EXAMPLE.com."));
        assert!(!host_allowed(&a, "api.example.com"));
        assert!(!host_allowed(&a, "evilexample.com"));
        assert!(host_allowed(&a, "en.wikipedia.org"));
        assert!(host_allowed(&a, "wikipedia.org"));
        assert!(!host_allowed(&a, "notwikipedia.org"));
    }

    #[tokio::test]
    async fn refuses_before_any_request() {
        let cfg = ToolConfig { allowed_hosts: vec!["127.0.0.1".into()], ..Default::default() };
        let t = HttpGet::new(&cfg).unwrap();
        assert_eq!(t.get("file:///etc/passwd").await.unwrap_err().kind, "PermissionError");
        assert!(t.get("http://example.org/").await.unwrap_err().message.contains("not allowed"));
        assert_eq!(t.get("not a url").await.unwrap_err().kind, "InvalidArguments");
        let off = HttpGet::new(&ToolConfig::default()).unwrap();
        assert!(off.get("http://127.0.0.1/").await.unwrap_err().message.contains("is off"));
    }
}
