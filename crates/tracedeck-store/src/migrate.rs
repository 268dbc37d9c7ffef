//! Tracedeck's embedded migrations (`migrations/{sqlite,postgres,mysql}`), templated with the
//! configured schema and table names and run by sqlx's migrator, which records them in
//! `tracedeck_migrations` and verifies the checksums of applied ones. The checksum kept is
//! the template's, so renaming tables does not look like an edited migration.
//!
//! Only databases Tracedeck created are migrated; the presence of `tracedeck_migrations`
//! is how we know. A database whose applied migrations include versions this build does not
//! know was written by a newer Tracedeck: it is refused for writing, never touched.

use std::borrow::Cow;

use sqlx::migrate::{Migration, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};

use crate::StoreConfig;

pub const MIGRATIONS_TABLE: &str = "tracedeck_migrations";

pub fn templated(base: &Migrator, cfg: &StoreConfig, qualified_table: String) -> Migrator {
    let now = tracedeck_model::time::format_iso(tracedeck_model::time::now_ns());
    // Agno writes naive ISO times in the versions table.
    let now = now.trim_end_matches("+00:00").to_owned();
    let migrations: Vec<Migration> = base
        .iter()
        .map(|m| {
            let sql = m
                .sql
                .as_str()
                .replace("{{schema}}", cfg.schema.as_deref().unwrap_or("main"))
                .replace("{{traces}}", &cfg.traces_table)
                .replace("{{spans}}", &cfg.spans_table)
                .replace("{{versions}}", &cfg.versions_table)
                .replace("{{now}}", &now);
            Migration {
                sql: AssertSqlSafe(sql).into_sql_str(),
                checksum: m.checksum.clone(),
                description: m.description.clone(),
                ..m.clone()
            }
        })
        .collect();
    let mut out = Migrator {
        migrations: Cow::Owned(migrations),
        ignore_missing: false,
        locking: base.locking,
        no_tx: base.no_tx,
        table_name: Cow::Owned(qualified_table),
        create_schemas: Cow::Owned(Vec::new()),
    };
    if let Some(schema) = cfg.schema.as_deref() {
        out.create_schema(schema.to_owned());
    }
    out
}

/// Highest migration version this build knows.
pub fn latest(m: &Migrator) -> i64 {
    m.iter().map(|m| m.version).max().unwrap_or(0)
}

pub fn newer_schema_message(found: i64, known: i64) -> String {
    format!(
        "this database was created by a newer Tracedeck (schema version {found}, this build knows up to {known}); \
         it can be opened read-only, but writing is refused so that it is never damaged. Upgrade Tracedeck to write to it."
    )
}
