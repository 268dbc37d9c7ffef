//! Streaming export of a console result: rows go from the connection task through a small
//! buffer straight into the writer, so memory stays flat whatever the result's size.
//!
//! Formats:
//! - CSV (RFC 4180): a header line of column names, then one line per row. NULL is an empty
//!   field; an empty string is `""`; JSON is written compact; bytes as `\x` + hex; numbers,
//!   decimals and times as the database's text (exact, never through a float).
//! - JSON Lines: a first line `{"columns":[{"name":…,"db_type":…},…]}`, then one JSON array per
//!   row whose cells use the console cell encoding of `tracedeck_model::console` (NULL vs
//!   JSON vs text distinct, big integers and decimals exact), except that `$bytes` holds all
//!   the bytes, not only the first 4 KiB.
//!
//! The export writes the rows the query has not delivered yet: start a fresh query to export
//! everything, with a time limit long enough for the whole result.

use serde::Serialize;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::cell::write_csv_field;
use super::{ConsoleError, Query};
use crate::StoreError;

/// Bytes gathered before each write to the output.
const CHUNK: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    /// JSON Lines: a header line with the columns, then one array of cells per row.
    Json,
}

/// Streams the rest of `query` into `out` and returns the number of rows written. The query
/// is closed at the end (also on error).
pub async fn export<W: AsyncWrite + Unpin>(
    mut query: Query,
    format: ExportFormat,
    mut out: W,
) -> Result<u64, ConsoleError> {
    let result = write_all(&mut query, format, &mut out).await;
    query.close().await;
    result
}

async fn write_all<W: AsyncWrite + Unpin>(
    query: &mut Query,
    format: ExportFormat,
    out: &mut W,
) -> Result<u64, ConsoleError> {
    let io = |e: std::io::Error| ConsoleError::Store(StoreError::Invalid(format!("cannot write the export: {e}")));
    let mut buf = Vec::with_capacity(CHUNK + 4096);
    let mut rows = 0u64;
    let mut header_written = false;
    while let Some(row) = query.next_row().await? {
        if !header_written {
            write_header(query, format, &mut buf);
            header_written = true;
        }
        match format {
            ExportFormat::Csv => {
                for (i, cell) in row.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    write_csv_field(&mut buf, cell.text().as_deref());
                }
                buf.extend_from_slice(b"\r\n");
            }
            ExportFormat::Json => {
                buf.push(b'[');
                for (i, cell) in row.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    cell.write_json(&mut buf);
                }
                buf.extend_from_slice(b"]\n");
            }
        }
        rows += 1;
        if buf.len() >= CHUNK {
            out.write_all(&buf).await.map_err(io)?;
            buf.clear();
        }
    }
    if !header_written {
        // Columns are known by now even for an empty result.
        write_header(query, format, &mut buf);
    }
    out.write_all(&buf).await.map_err(io)?;
    out.flush().await.map_err(io)?;
    Ok(rows)
}

fn write_header(query: &Query, format: ExportFormat, buf: &mut Vec<u8>) {
    match format {
        ExportFormat::Csv => {
            for (i, c) in query.columns().iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                write_csv_field(buf, Some(&c.name));
            }
            buf.extend_from_slice(b"\r\n");
        }
        ExportFormat::Json => {
            // Serializing plain names and strings into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *buf, &serde_json::json!({ "columns": query.columns() }));
            buf.push(b'\n');
        }
    }
}
