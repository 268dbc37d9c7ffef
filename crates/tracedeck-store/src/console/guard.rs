//! The statement screen: a small SQL lexer (strings, quoted identifiers, comments, PostgreSQL
//! dollar quotes, MySQL executable comments) used for three things the database cannot do
//! for us: refusing several statements in one SQLite request (sqlx would run them all),
//! refusing statement kinds and side-effecting functions on read-only connections as defense
//! in depth on top of the database's own read-only mechanisms (never instead of them), and
//! turning MySQL / SQLite "near '…'" messages into a character position.
//!
//! It does not parse SQL; it only needs to find where tokens are, so it errs towards
//! refusing: text it cannot classify on a read-only connection is refused, never run.

use tracedeck_model::console::SqlError;

use super::ConsoleError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Sqlite,
    Postgres,
    /// `backslash_escapes` is false under `NO_BACKSLASH_ESCAPES`.
    MySql {
        backslash_escapes: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Keyword or unquoted identifier, upper-cased.
    Word(String),
    /// Quoted identifier, as written between the quotes.
    Quoted(String),
    Literal,
    Punct(char),
}

#[derive(Debug)]
pub(crate) struct Statement {
    /// Byte offset of the first token.
    pub start: usize,
    pub toks: Vec<Tok>,
}

/// Splits `sql` into statements at top-level semicolons; empty statements are dropped.
pub(crate) fn split(sql: &str, flavor: Flavor) -> Vec<Statement> {
    let b = sql.as_bytes();
    let n = b.len();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mysql = matches!(flavor, Flavor::MySql { .. });
    let mut out = Vec::new();
    let mut cur = Statement { start: 0, toks: Vec::new() };
    let mut exec_comments = 0usize;
    let mut i = 0;
    let push = |cur: &mut Statement, tok: Tok, pos: usize| {
        if cur.toks.is_empty() {
            cur.start = pos;
        }
        cur.toks.push(tok);
    };
    while i < n {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => i += 1,
            // MySQL wants whitespace after `--`; otherwise it is two minus signs.
            b'-' if at(i + 1) == b'-' && (!mysql || at(i + 2) <= b' ') => i = skip_line(b, i),
            b'#' if mysql => i = skip_line(b, i),
            b'/' if at(i + 1) == b'*' => {
                // MySQL runs the text of `/*! … */` and `/*M! … */`: lex it as code.
                let bang = if at(i + 2) == b'!' {
                    Some(i + 3)
                } else if at(i + 2) == b'M' && at(i + 3) == b'!' {
                    Some(i + 4)
                } else {
                    None
                };
                match bang {
                    Some(mut j) if mysql => {
                        while at(j).is_ascii_digit() {
                            j += 1;
                        }
                        exec_comments += 1;
                        i = j;
                    }
                    _ => i = skip_block_comment(b, i, flavor == Flavor::Postgres),
                }
            }
            b'*' if exec_comments > 0 && at(i + 1) == b'/' => {
                exec_comments -= 1;
                i += 2;
            }
            b'\'' => {
                i = skip_quoted(b, i, b'\'', matches!(flavor, Flavor::MySql { backslash_escapes: true }));
                push(&mut cur, Tok::Literal, start);
            }
            b'"' if mysql => {
                i = skip_quoted(b, i, b'"', matches!(flavor, Flavor::MySql { backslash_escapes: true }));
                push(&mut cur, Tok::Literal, start);
            }
            b'"' | b'`' | b'['
                if c == b'"' || (c == b'`' && flavor != Flavor::Postgres) || flavor == Flavor::Sqlite =>
            {
                let close = if c == b'[' { b']' } else { c };
                let end = skip_quoted(b, i, close, false);
                push(&mut cur, Tok::Quoted(unquote(&sql[i..end], close)), start);
                i = end;
            }
            b'$' if flavor == Flavor::Postgres => {
                if at(i + 1).is_ascii_digit() {
                    i += 1;
                    while at(i).is_ascii_digit() {
                        i += 1;
                    }
                    push(&mut cur, Tok::Literal, start);
                } else if let Some(end) = dollar_quote(b, i) {
                    i = end;
                    push(&mut cur, Tok::Literal, start);
                } else {
                    i += 1;
                    push(&mut cur, Tok::Punct('$'), start);
                }
            }
            b';' => {
                i += 1;
                if in_trigger_body(&cur, flavor) {
                    push(&mut cur, Tok::Punct(';'), start);
                } else if !cur.toks.is_empty() {
                    out.push(std::mem::replace(&mut cur, Statement { start: i, toks: Vec::new() }));
                }
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80) {
                    i += 1;
                }
                let word = &sql[start..i];
                // PostgreSQL E'…' strings take backslash escapes.
                if flavor == Flavor::Postgres && word.eq_ignore_ascii_case("e") && at(i) == b'\'' {
                    i = skip_quoted(b, i, b'\'', true);
                    push(&mut cur, Tok::Literal, start);
                } else {
                    push(&mut cur, Tok::Word(word.to_ascii_uppercase()), start);
                }
            }
            _ if c.is_ascii_digit() => {
                while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_') {
                    // An exponent sign belongs to the number: 1e+5.
                    if (b[i] == b'e' || b[i] == b'E') && matches!(at(i + 1), b'+' | b'-') {
                        i += 1;
                    }
                    i += 1;
                }
                push(&mut cur, Tok::Literal, start);
            }
            _ => {
                i += 1;
                push(&mut cur, Tok::Punct(c as char), start);
            }
        }
    }
    if !cur.toks.is_empty() {
        out.push(cur);
    }
    out
}

/// The name inside a quoted identifier `text` (opening quote included), doubled quotes undone.
fn unquote(text: &str, close: u8) -> String {
    let inner = &text[1..];
    let inner = inner.strip_suffix(close as char).unwrap_or(inner);
    if close == b']' {
        return inner.to_owned();
    }
    let q = (close as char).to_string();
    inner.replace(&q.repeat(2), &q)
}

fn skip_line(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i] != b'\n' {
        i += 1;
    }
    i
}

/// Past the end of a `/* … */` comment (unterminated: to the end). PostgreSQL nests them.
fn skip_block_comment(b: &[u8], mut i: usize, nested: bool) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            if depth == 0 || nested {
                depth += 1;
            }
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// Past the closing quote of a quoted run starting at `i` (a doubled quote stays inside).
fn skip_quoted(b: &[u8], mut i: usize, close: u8, backslash: bool) -> usize {
    i += 1;
    while i < b.len() {
        if backslash && b[i] == b'\\' {
            i += 2;
        } else if b[i] == close {
            if close != b']' && b.get(i + 1) == Some(&close) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// `$tag$ … $tag$` starting at `i`: the end offset, or `None` when `$` does not open one.
fn dollar_quote(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if j < b.len() && !(b[j].is_ascii_alphabetic() || b[j] == b'_' || b[j] == b'$' || b[j] >= 0x80) {
        return None;
    }
    while j < b.len() && b[j] != b'$' {
        if !(b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] >= 0x80) {
            return None;
        }
        j += 1;
    }
    if j >= b.len() {
        return None;
    }
    let tag = &b[i..=j];
    let body = j + 1;
    let end = b[body..].windows(tag.len()).position(|w| w == tag).map(|p| body + p + tag.len());
    Some(end.unwrap_or(b.len()))
}

/// SQLite ends `CREATE TRIGGER … BEGIN …; END` only at a semicolon right after `END`, like
/// `sqlite3_complete`.
fn in_trigger_body(cur: &Statement, flavor: Flavor) -> bool {
    if flavor != Flavor::Sqlite {
        return false;
    }
    let words: Vec<&str> = cur
        .toks
        .iter()
        .take(3)
        .map(|t| match t {
            Tok::Word(w) => w.as_str(),
            _ => "",
        })
        .collect();
    let trigger = matches!(words.as_slice(), ["CREATE", "TRIGGER", ..] | ["CREATE", "TEMP" | "TEMPORARY", "TRIGGER"]);
    trigger && cur.toks.last() != Some(&Tok::Word("END".into()))
}

/// 1-based character position of byte offset `byte` in `sql`.
pub(crate) fn char_position(sql: &str, byte: usize) -> u32 {
    let byte = byte.min(sql.len());
    let chars = sql.char_indices().take_while(|(i, _)| *i < byte).count();
    u32::try_from(chars + 1).unwrap_or(u32::MAX)
}

fn sql_error(message: String, position: Option<u32>) -> ConsoleError {
    ConsoleError::Sql(SqlError { message, position, code: None })
}

/// Statement kinds a read-only console runs, by first keyword.
fn allowed_first(flavor: Flavor, word: &str) -> bool {
    match flavor {
        Flavor::Postgres => matches!(word, "SELECT" | "WITH" | "VALUES" | "TABLE" | "SHOW" | "EXPLAIN"),
        Flavor::MySql { .. } => {
            matches!(word, "SELECT" | "WITH" | "VALUES" | "TABLE" | "SHOW" | "EXPLAIN" | "DESCRIBE" | "DESC")
        }
        Flavor::Sqlite => matches!(word, "SELECT" | "WITH" | "VALUES" | "EXPLAIN" | "PRAGMA"),
    }
}

/// Functions refused on read-only connections: they act outside the transaction (files,
/// other sessions, server state, other connections) or run SQL text of their own, which a
/// privileged login can use to switch identity back first. The database refuses most of them
/// already for a least-privileged role; this list is the extra layer for privileged logins.
fn denied_function(flavor: Flavor, name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    match flavor {
        Flavor::Postgres => {
            const EXACT: &[&str] = &[
                "set_config",
                "pg_terminate_backend",
                "pg_cancel_backend",
                "pg_reload_conf",
                "pg_rotate_logfile",
                "pg_switch_wal",
                "pg_create_restore_point",
                "pg_logical_emit_message",
                "pg_promote",
                "pg_checkpoint",
                "lo_import",
                "lo_export",
                "lo_create",
                "lo_creat",
                "lo_unlink",
                "lo_from_bytea",
                "lo_put",
                "lowrite",
                "lo_truncate",
                "lo_truncate64",
                "cursor_to_xml",
                "ts_stat",
                "ts_rewrite",
            ];
            const PREFIX: &[&str] = &[
                "pg_stat_reset",
                "pg_replication_origin_",
                "pg_create_physical_replication_slot",
                "pg_create_logical_replication_slot",
                "pg_drop_replication_slot",
                "pg_copy_",
                "pg_file_",
                "dblink",
                "query_to_xml",
            ];
            EXACT.contains(&name.as_str()) || PREFIX.iter().any(|p| name.starts_with(p))
        }
        Flavor::MySql { .. } => matches!(name.as_str(), "load_file" | "sys_exec" | "sys_eval"),
        Flavor::Sqlite => matches!(name.as_str(), "load_extension" | "writefile" | "edit" | "fts3_tokenizer"),
    }
}

/// SQLite pragmas that only read; the ones taking a table / index name may have `(arg)`.
const SQLITE_READ_PRAGMAS: &[&str] = &[
    "application_id",
    "auto_vacuum",
    "busy_timeout",
    "cache_size",
    "collation_list",
    "compile_options",
    "data_version",
    "database_list",
    "encoding",
    "foreign_key_check",
    "foreign_key_list",
    "foreign_keys",
    "freelist_count",
    "function_list",
    "index_info",
    "index_list",
    "index_xinfo",
    "integrity_check",
    "journal_mode",
    "module_list",
    "page_count",
    "page_size",
    "pragma_list",
    "query_only",
    "quick_check",
    "schema_version",
    "table_info",
    "table_list",
    "table_xinfo",
    "user_version",
];
const SQLITE_ARG_PRAGMAS: &[&str] = &[
    "foreign_key_check",
    "foreign_key_list",
    "index_info",
    "index_list",
    "index_xinfo",
    "integrity_check",
    "quick_check",
    "table_info",
    "table_list",
    "table_xinfo",
];

/// Checks `sql` before it reaches the database: one statement (SQLite always, others on
/// read-only connections) and, on read-only connections, a statement kind that only reads.
pub(crate) fn screen(sql: &str, flavor: Flavor, read_only: bool) -> Result<(), ConsoleError> {
    let stmts = split(sql, flavor);
    let Some(first) = stmts.first() else {
        return Err(sql_error("there is no statement to run".into(), None));
    };
    if stmts.len() > 1 && (read_only || flavor == Flavor::Sqlite) {
        return Err(sql_error(
            format!("run one statement at a time: this text holds {} (the second starts here)", stmts.len()),
            Some(char_position(sql, stmts[1].start)),
        ));
    }
    if !read_only {
        return Ok(());
    }
    let toks = &first.toks;
    let lead = toks.iter().position(|t| *t != Tok::Punct('(')).unwrap_or(0);
    let kind = match &toks[lead] {
        Tok::Word(w) => w.clone(),
        _ => String::new(),
    };
    if !allowed_first(flavor, &kind) {
        let shown = if kind.is_empty() { "this statement".to_owned() } else { format!("{kind} statements") };
        let allowed = match flavor {
            Flavor::Postgres => "SELECT, WITH, VALUES, TABLE, SHOW and EXPLAIN",
            Flavor::MySql { .. } => "SELECT, WITH, VALUES, TABLE, SHOW, EXPLAIN and DESCRIBE",
            Flavor::Sqlite => "SELECT, WITH, VALUES, EXPLAIN and reading PRAGMAs",
        };
        return Err(ConsoleError::ReadOnly(format!("{shown} cannot run here; only {allowed} do")));
    }
    let word = |i: usize| match toks.get(i) {
        Some(Tok::Word(w)) => w.as_str(),
        _ => "",
    };
    for (i, t) in toks.iter().enumerate() {
        let name = match t {
            Tok::Word(w) => w.as_str(),
            Tok::Quoted(q) => q.as_str(),
            _ => continue,
        };
        if toks.get(i + 1) == Some(&Tok::Punct('(')) && denied_function(flavor, name) {
            return Err(ConsoleError::ReadOnly(format!(
                "{}() acts outside a read-only transaction and is refused on read-only connections",
                name.to_ascii_lowercase()
            )));
        }
        if let Flavor::MySql { .. } = flavor {
            let next = word(i + 1);
            if name == "INTO" && matches!(next, "OUTFILE" | "DUMPFILE") {
                return Err(ConsoleError::ReadOnly(format!("SELECT … INTO {next} writes a file on the server")));
            }
            let locking = (name == "FOR" && matches!(next, "UPDATE" | "SHARE"))
                || (name == "LOCK" && next == "IN" && word(i + 2) == "SHARE");
            if locking {
                return Err(ConsoleError::ReadOnly(
                    "locking reads (FOR UPDATE, LOCK IN SHARE MODE) block writers".into(),
                ));
            }
        }
    }
    if flavor == Flavor::Sqlite && kind == "PRAGMA" {
        check_sqlite_pragma(&toks[lead..])?;
    }
    Ok(())
}

/// `PRAGMA [schema.]name` or `PRAGMA [schema.]name(arg)` for reading pragmas only.
fn check_sqlite_pragma(toks: &[Tok]) -> Result<(), ConsoleError> {
    let name_at = if toks.get(2) == Some(&Tok::Punct('.')) { 3 } else { 1 };
    let name = match toks.get(name_at) {
        Some(Tok::Word(w)) => w.to_ascii_lowercase(),
        Some(Tok::Quoted(q)) => q.to_ascii_lowercase(),
        _ => String::new(),
    };
    let rest = &toks[(name_at + 1).min(toks.len())..];
    let ok = SQLITE_READ_PRAGMAS.contains(&name.as_str())
        && match rest.first() {
            None => true,
            Some(Tok::Punct('(')) => SQLITE_ARG_PRAGMAS.contains(&name.as_str()),
            _ => false,
        };
    if ok {
        Ok(())
    } else {
        Err(ConsoleError::ReadOnly(format!(
            "PRAGMA {name} in this form can change the connection or the file; only reading pragmas run here"
        )))
    }
}

/// Position from a MySQL `… near '<rest of statement>' at line N` message.
pub(crate) fn mysql_near_position(sql: &str, message: &str) -> Option<u32> {
    let start = message.find("near '")? + "near '".len();
    let tail = &message[start..];
    let end = tail.rfind("' at line ")?;
    let near = &tail[..end];
    let line: usize = tail[end + "' at line ".len()..].trim().parse().ok()?;
    if near.is_empty() {
        return Some(char_position(sql, sql.trim_end().len()));
    }
    let line_start = if line <= 1 { 0 } else { sql.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1).unwrap_or(0) };
    let at = sql[line_start..].find(near).map(|p| p + line_start).or_else(|| sql.find(near))?;
    Some(char_position(sql, at))
}

/// Position from a SQLite `near "<token>": syntax error`, when the token occurs once.
pub(crate) fn sqlite_near_position(sql: &str, message: &str) -> Option<u32> {
    if message.contains("incomplete input") {
        return Some(char_position(sql, sql.trim_end().len()));
    }
    let start = message.find("near \"")? + "near \"".len();
    let token = &message[start..start + message[start..].find("\":")?];
    let mut hits = sql.match_indices(token);
    let (first, _) = hits.next()?;
    hits.next().is_none().then(|| char_position(sql, first))
}
