//! `read_file`: reads a text file inside one allowed folder. The requested path is resolved
//! and canonicalised (symlinks and `..` followed) and refused unless it is still inside the
//! canonical allowed folder, so neither `../` nor a symlink pointing out can escape. Files
//! over the size cap are refused rather than truncated silently.

use std::path::PathBuf;

use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::{Tool, ToolContext, ToolError, str_arg};

const DEFAULT_MAX_BYTES: u64 = 64 * 1024;

pub struct ReadFile {
    root: PathBuf,
    max_bytes: u64,
    description: String,
    schema: Value,
}

impl ReadFile {
    pub fn new(root: PathBuf, max_bytes: Option<u64>, description: Option<String>) -> ReadFile {
        ReadFile {
            description: description.unwrap_or_else(|| {
                "Read a text file (path relative to the allowed folder); a folder lists its entries.".into()
            }),
            root,
            max_bytes: max_bytes.unwrap_or(DEFAULT_MAX_BYTES),
            schema: json!({"type": "object", "properties": {"path": {"type": "string",
                "description": "Path relative to the allowed folder, e.g. \"notes/todo.md\"."}}, "required": ["path"]}),
        }
    }

    async fn read(&self, requested: &str) -> Result<String, ToolError> {
        let io = |kind: &str, e: std::io::Error| ToolError::new(kind, format!("{requested}: {e}"));
        let root = tokio::fs::canonicalize(&self.root)
            .await
            .map_err(|e| ToolError::new("FileNotFoundError", format!("the allowed folder is unavailable: {e}")))?;
        let candidate = root.join(requested.trim_start_matches(['/', '\\']));
        let real = tokio::fs::canonicalize(&candidate).await.map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ToolError::new("FileNotFoundError", format!("{requested}: no such file")),
            _ => io("OSError", e),
        })?;
        if !real.starts_with(&root) {
            return Err(ToolError::new("PermissionError", format!("{requested}: outside the allowed folder")));
        }
        let meta = tokio::fs::metadata(&real).await.map_err(|e| io("OSError", e))?;
        if meta.is_dir() {
            let mut names = Vec::new();
            let mut rd = tokio::fs::read_dir(&real).await.map_err(|e| io("OSError", e))?;
            while let Some(entry) = rd.next_entry().await.map_err(|e| io("OSError", e))? {
                let slash = if entry.file_type().await.is_ok_and(|t| t.is_dir()) { "/" } else { "" };
                names.push(format!("{}{slash}", entry.file_name().to_string_lossy()));
            }
            names.sort();
            return Ok(names.join("\n"));
        }
        if meta.len() > self.max_bytes {
            return Err(ToolError::new(
                "FileTooLargeError",
                format!("{requested}: {} bytes is over the {}-byte limit", meta.len(), self.max_bytes),
            ));
        }
        let bytes = tokio::fs::read(&real).await.map_err(|e| io("OSError", e))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

impl Tool for ReadFile {
    fn name(&self) -> &str {
        "read_file"
    }
    fn description(&self) -> &str {
        &self.description
    }
    fn parameters(&self) -> &Value {
        &self.schema
    }
    fn call<'a>(&'a self, args: Value, _ctx: &'a ToolContext) -> BoxFuture<'a, Result<String, ToolError>> {
        Box::pin(async move { self.read(str_arg(&args, "path")?).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stays_inside_the_folder() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("allowed");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/a.md"), "hello").unwrap();
        std::fs::write(outer.path().join("secret.txt"), "secret").unwrap();
        std::fs::write(root.join("big.txt"), "x".repeat(100)).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outer.path().join("secret.txt"), root.join("link.txt")).unwrap();

        let t = ReadFile::new(root.clone(), Some(50), None);
        assert_eq!(t.read("sub/a.md").await.unwrap(), "hello");
        assert_eq!(t.read("/sub/a.md").await.unwrap(), "hello");
        assert_eq!(t.read(".").await.unwrap(), "big.txt\nlink.txt\nsub/");
        assert_eq!(t.read("../secret.txt").await.unwrap_err().kind, "PermissionError");
        assert_eq!(t.read("sub/../../secret.txt").await.unwrap_err().kind, "PermissionError");
        #[cfg(unix)]
        assert_eq!(t.read("link.txt").await.unwrap_err().kind, "PermissionError");
        assert_eq!(t.read("nope.md").await.unwrap_err().kind, "FileNotFoundError");
        assert!(t.read("big.txt").await.unwrap_err().message.contains("over the 50-byte limit"));
    }
}
