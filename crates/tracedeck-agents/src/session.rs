//! Session history: what a follow-up run of the same (agent or team, session) sees. A
//! [`SessionStore`] keeps, per owner and session, the user inputs and final answers of
//! earlier runs (not the tool-call internals, which would make providers reject replayed
//! tool ids). [`FileSessionStore`] keeps one JSON file per (owner, session) so the history
//! survives separate CLI processes; writes are atomic (temp file + rename). The runtime
//! decides how much history to replay.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::message::Message;

#[derive(Debug, thiserror::Error)]
#[error("session history {what} ({path}): {source}")]
pub struct SessionError {
    pub what: &'static str,
    pub path: String,
    #[source]
    pub source: std::io::Error,
}

/// Where session history lives. Calls are blocking (small files); the runtime calls them on
/// the blocking pool.
pub trait SessionStore: Send + Sync + 'static {
    /// Messages of earlier runs, oldest first (empty for a new session).
    fn load(&self, owner: &str, session_id: &str) -> Result<Vec<Message>, SessionError>;
    /// Appends the messages of one finished run.
    fn append(&self, owner: &str, session_id: &str, messages: &[Message]) -> Result<(), SessionError>;
}

/// In memory, for tests, benchmarks and embedders that keep nothing on disk.
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    map: Mutex<HashMap<(String, String), Vec<Message>>>,
}

impl SessionStore for MemorySessionStore {
    fn load(&self, owner: &str, session_id: &str) -> Result<Vec<Message>, SessionError> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        Ok(map.get(&(owner.to_owned(), session_id.to_owned())).cloned().unwrap_or_default())
    }

    fn append(&self, owner: &str, session_id: &str, messages: &[Message]) -> Result<(), SessionError> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.entry((owner.to_owned(), session_id.to_owned())).or_default().extend_from_slice(messages);
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct SessionFile {
    version: u32,
    owner: String,
    session_id: String,
    messages: Vec<Message>,
}

/// `<dir>/<owner>/<session>.json`, names percent-encoded so no id can escape `dir`.
#[derive(Debug)]
pub struct FileSessionStore {
    dir: PathBuf,
    /// Serialises read-modify-write within this process; across processes the last writer
    /// wins, but a file is never half-written.
    lock: Mutex<()>,
}

fn encode(id: &str) -> String {
    let mut s = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_') || (b == b'.' && !s.is_empty()) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    if s.is_empty() { "%".to_owned() } else { s }
}

impl FileSessionStore {
    pub fn new(dir: impl Into<PathBuf>) -> FileSessionStore {
        FileSessionStore { dir: dir.into(), lock: Mutex::new(()) }
    }

    pub fn path_for(&self, owner: &str, session_id: &str) -> PathBuf {
        self.dir.join(encode(owner)).join(format!("{}.json", encode(session_id)))
    }

    fn read(path: &Path) -> Result<Option<SessionFile>, SessionError> {
        let err = |what, source| SessionError { what, path: path.display().to_string(), source };
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| err("is not valid JSON", std::io::Error::new(std::io::ErrorKind::InvalidData, e))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(err("cannot be read", e)),
        }
    }
}

impl SessionStore for FileSessionStore {
    fn load(&self, owner: &str, session_id: &str) -> Result<Vec<Message>, SessionError> {
        Ok(Self::read(&self.path_for(owner, session_id))?.map(|f| f.messages).unwrap_or_default())
    }

    fn append(&self, owner: &str, session_id: &str, messages: &[Message]) -> Result<(), SessionError> {
        let _g = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let path = self.path_for(owner, session_id);
        let mut file = Self::read(&path)?.unwrap_or(SessionFile {
            version: 1,
            owner: owner.to_owned(),
            session_id: session_id.to_owned(),
            messages: Vec::new(),
        });
        file.messages.extend_from_slice(messages);
        let bytes = serde_json::to_vec_pretty(&file).expect("messages serialise");
        write_atomic(&path, &bytes).map_err(|source| SessionError {
            what: "cannot be written",
            path: path.display().to_string(),
            source,
        })
    }
}

/// Writes `bytes` to a temp file beside `path`, syncs it, then renames it over `path`, so
/// readers see the old or the new content, never a torn file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.{}.{:08x}.tmp", std::process::id(), rand::random::<u32>()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_survives_a_new_store_and_ids_cannot_escape() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileSessionStore::new(dir.path());
        s.append("weather", "s1", &[Message::user("hi"), Message::assistant("hello")]).unwrap();
        s.append("weather", "s1", &[Message::user("again")]).unwrap();
        let s2 = FileSessionStore::new(dir.path());
        let m = s2.load("weather", "s1").unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[2].content_str(), "again");
        assert!(s2.load("weather", "other").unwrap().is_empty());

        let p = s.path_for("../evil", "../../etc/passwd");
        assert!(p.starts_with(dir.path()), "{}", p.display());
        assert_eq!(p.parent().unwrap().parent().unwrap(), dir.path());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("weather"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileSessionStore::new(dir.path());
        let p = s.path_for("a", "b");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "{oops").unwrap();
        let e = s.load("a", "b").unwrap_err().to_string();
        assert!(e.contains("is not valid JSON") && e.contains("b.json"), "{e}");
    }
}
