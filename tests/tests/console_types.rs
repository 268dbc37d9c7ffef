//! Console type decoding on real servers: integers above 2^53, decimals, floats, timestamps
//! with and without zones, JSON (also MariaDB's LONGTEXT JSON), bytes, NULL, duplicate
//! column names, arrays, ranges and records; errors with positions; the schema listing and
//! the export formats on typed rows.

mod console_support;

use std::time::Duration;

use console_support::{Seeded, mysql_admin, opts, run_all};
use serde_json::{Value, json};
use sqlx::Executor;
use tracedeck_model::console::Dialect;
use tracedeck_store::{Backend, ConsoleError, ExportFormat, export};

const LIMIT: Duration = Duration::from_secs(10);

/// Runs `sql` and checks column names, database types and the cells of the first row.
async fn check(s: &Seeded, sql: &str, expected: &[(&str, &str, Value)]) {
    let mut q = s.ro.console_query(sql, opts(LIMIT)).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    let page = q.next_page(10).await.unwrap();
    let got: Vec<(String, String, Value)> =
        page.columns.iter().zip(&page.rows[0]).map(|(c, v)| (c.name.clone(), c.db_type.clone(), v.clone())).collect();
    let want: Vec<(String, String, Value)> =
        expected.iter().map(|(n, t, v)| ((*n).to_owned(), (*t).to_owned(), v.clone())).collect();
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "column {}", w.0);
    }
    assert_eq!(got.len(), want.len());
    q.close().await;
}

#[tokio::test]
async fn postgres_types() {
    let Some(s) = Seeded::new(Backend::Postgres).await else { return };
    let sql = "SELECT 9007199254740993::int8 AS big, (-9007199254740993)::int8 AS neg, 42::int2 AS small, \
        2147483647 AS i4, 12.50::numeric AS dec, '-0.000123'::numeric AS tiny, 'NaN'::numeric AS nan, \
        123456789012345678901234567890.5::numeric AS huge, 1.5::float4 AS f4, 0.1::float4 AS f4b, 0.1::float8 AS f8, \
        'Infinity'::float8 AS inf, true AS b, 'text'::text AS t, 'v'::varchar AS v, 'n'::name AS nm, \
        '{\"a\": [1, 2], \"b\": null}'::jsonb AS jb, '{\"z\": 1}'::json AS j, 'null'::jsonb AS jnull, \
        '\\x00ff10'::bytea AS by, '2026-11-25 16:23:21.224222+00'::timestamptz AS tz, \
        '2026-11-25 16:23:21.5'::timestamp AS ts, '2026-11-25'::date AS d, '16:23:21.224'::time AS tm, \
        '16:23:21+02'::timetz AS ttz, '1 year 2 mons 3 days 04:05:06.5'::interval AS iv, \
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u, ARRAY[1, 2, NULL] AS arr, ARRAY['a', 'b c'] AS tarr, \
        ARRAY[[1, 2], [3, 4]] AS arr2, ARRAY[1.5::numeric, NULL] AS narr, '192.168.0.1/24'::inet AS ip, \
        '10.0.0.1'::inet AS ip1, '[1,10)'::int4range AS r, ROW(1, 'a b', NULL) AS rec, NULL::text AS nul, \
        B'101' AS bits, '(1,2)'::point AS pt, 'infinity'::timestamptz AS tinf, 1 AS dup, 2 AS dup";
    check(
        &s,
        sql,
        &[
            ("big", "int8", json!({"$int": "9007199254740993"})),
            ("neg", "int8", json!({"$int": "-9007199254740993"})),
            ("small", "int2", json!(42)),
            ("i4", "int4", json!(2_147_483_647)),
            ("dec", "numeric", json!({"$decimal": "12.50"})),
            ("tiny", "numeric", json!({"$decimal": "-0.000123"})),
            ("nan", "numeric", json!({"$decimal": "NaN"})),
            ("huge", "numeric", json!({"$decimal": "123456789012345678901234567890.5"})),
            ("f4", "float4", json!(1.5)),
            ("f4b", "float4", json!(0.1)),
            ("f8", "float8", json!(0.1)),
            ("inf", "float8", json!({"$float": "Infinity"})),
            ("b", "bool", json!(true)),
            ("t", "text", json!("text")),
            ("v", "varchar", json!("v")),
            ("nm", "name", json!("n")),
            ("jb", "jsonb", json!({"$json": {"a": [1, 2], "b": null}})),
            ("j", "json", json!({"$json": {"z": 1}})),
            ("jnull", "jsonb", json!({"$json": null})),
            ("by", "bytea", json!({"$bytes": "00ff10", "len": 3})),
            ("tz", "timestamptz", json!({"$ts": "2026-11-25T16:23:21.224222+00:00"})),
            ("ts", "timestamp", json!({"$ts": "2026-11-25T16:23:21.5"})),
            ("d", "date", json!({"$date": "2026-11-25"})),
            ("tm", "time", json!({"$time": "16:23:21.224"})),
            ("ttz", "timetz", json!({"$time": "16:23:21+02:00"})),
            ("iv", "interval", json!({"$other": "1 year 2 mons 3 days 04:05:06.5"})),
            ("u", "uuid", json!("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
            ("arr", "int4[]", json!({"$json": [1, 2, null]})),
            ("tarr", "text[]", json!({"$json": ["a", "b c"]})),
            ("arr2", "int4[]", json!({"$json": [[1, 2], [3, 4]]})),
            ("narr", "numeric[]", json!({"$other": "{1.5,NULL}"})),
            ("ip", "inet", json!({"$other": "192.168.0.1/24"})),
            ("ip1", "inet", json!({"$other": "10.0.0.1"})),
            ("r", "int4range", json!({"$other": "[1,10)"})),
            ("rec", "record", json!({"$other": "(1,\"a b\",)"})),
            ("nul", "text", json!(null)),
            ("bits", "bit", json!({"$other": "101"})),
            ("pt", "point", json!({"$other": "(1,2)"})),
            ("tinf", "timestamptz", json!({"$ts": "infinity"})),
            ("dup", "int4", json!(1)),
            ("dup", "int4", json!(2)),
        ],
    )
    .await;
    // The Agno tables, through the search path set to the store's schema.
    let rows = run_all(&s.ro, "SELECT attributes, duration_ms FROM agno_spans LIMIT 1", LIMIT).await.unwrap();
    assert!(rows[0][0]["$json"].is_object(), "{:?}", rows[0][0]);
    assert!(rows[0][1].is_i64());
    assert_eq!(s.ro.dialect(), Dialect::Postgres);
    s.cleanup().await;
}

#[tokio::test]
async fn mariadb_types() {
    let Some(s) = Seeded::new(Backend::MySql).await else { return };
    let mut admin = mysql_admin().await;
    let t = format!("`{}`.types", s.schema());
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE {t} (id INT PRIMARY KEY, ti TINYINT, su SMALLINT UNSIGNED, mi MEDIUMINT, bu BIGINT UNSIGNED, \
               bs BIGINT, de DECIMAL(30, 6), fl FLOAT, db DOUBLE, da DATE, dt DATETIME(6), ts TIMESTAMP(6) NULL, \
               tm TIME(3), yr YEAR, js JSON, bl BLOB, vb VARBINARY(8), bi BIT(10), en ENUM('a', 'b'), st SET('x', 'y'), \
               ch CHAR(3), vbin VARCHAR(10) COLLATE utf8mb4_bin, tx TEXT); \
             INSERT INTO {t} VALUES (1, -128, 65535, -8388608, 18446744073709551615, -9007199254740993, \
               123456789012345678901234.123456, 1.5, 0.1, '2026-11-25', '2026-11-25 16:23:21.224222', \
               '2026-11-25 16:23:21.5', '-838:59:59.5', 2026, '{{\"a\": [1, 2]}}', X'00FF', X'0102', b'1000000001', \
               'b', 'x,y', 'abc', 'Bin', 'héllo'); \
             INSERT INTO {t} (id) VALUES (2)"
        )))
        .await
        .unwrap();
    check(
        &s,
        &format!("SELECT * FROM {t} ORDER BY id"),
        &[
            ("id", "INT", json!(1)),
            ("ti", "TINYINT", json!(-128)),
            ("su", "SMALLINT UNSIGNED", json!(65535)),
            ("mi", "MEDIUMINT", json!(-8_388_608)),
            ("bu", "BIGINT UNSIGNED", json!({"$int": "18446744073709551615"})),
            ("bs", "BIGINT", json!({"$int": "-9007199254740993"})),
            ("de", "DECIMAL", json!({"$decimal": "123456789012345678901234.123456"})),
            ("fl", "FLOAT", json!(1.5)),
            ("db", "DOUBLE", json!(0.1)),
            ("da", "DATE", json!({"$date": "2026-11-25"})),
            ("dt", "DATETIME", json!({"$ts": "2026-11-25T16:23:21.224222"})),
            ("ts", "TIMESTAMP", json!({"$ts": "2026-11-25T16:23:21.5+00:00"})),
            ("tm", "TIME", json!({"$time": "-838:59:59.5"})),
            ("yr", "YEAR", json!(2026)),
            ("js", "JSON", json!({"$json": {"a": [1, 2]}})),
            ("bl", "BLOB", json!({"$bytes": "00ff", "len": 2})),
            ("vb", "VARBINARY", json!({"$bytes": "0102", "len": 2})),
            ("bi", "BIT", json!(513)),
            ("en", "ENUM", json!("b")),
            ("st", "CHAR", json!("x,y")),
            ("ch", "CHAR", json!("abc")),
            ("vbin", "VARCHAR", json!("Bin")),
            ("tx", "TEXT", json!("héllo")),
        ],
    )
    .await;
    let rows = run_all(&s.ro, &format!("SELECT * FROM {t} WHERE id = 2"), LIMIT).await.unwrap();
    assert!(rows[0][1..].iter().all(Value::is_null), "NULLs: {:?}", rows[0]);
    check(
        &s,
        "SELECT CAST(18446744073709551615 AS UNSIGNED) AS u, 9007199254740991 AS safe, 12.50 AS lit, \
         JSON_OBJECT('a', 1) AS jf, X'00FF' AS bin, NULL AS n, 1 AS dup, 2 AS dup",
        &[
            ("u", "BIGINT UNSIGNED", json!({"$int": "18446744073709551615"})),
            ("safe", "BIGINT", json!(9_007_199_254_740_991i64)),
            ("lit", "DECIMAL", json!({"$decimal": "12.50"})),
            // A JSON value computed by a MariaDB function is LONGTEXT without a check: text.
            ("jf", "VARCHAR", json!("{\"a\": 1}")),
            ("bin", "VARBINARY", json!({"$bytes": "00ff", "len": 2})),
            ("n", "NULL", json!(null)),
            ("dup", "INT", json!(1)),
            ("dup", "INT", json!(2)),
        ],
    )
    .await;
    // Agno's attributes column (MariaDB JSON = LONGTEXT + json_valid) is JSON, through the
    // default database set to the store's schema.
    let mut q = s.ro.console_query("SELECT attributes FROM agno_spans LIMIT 1", opts(LIMIT)).await.unwrap();
    assert_eq!(q.columns()[0].db_type, "JSON");
    let p = q.next_page(1).await.unwrap();
    assert!(p.rows[0][0]["$json"].is_object(), "{:?}", p.rows[0][0]);
    // SHOW only describes its columns when it runs.
    let mut q = s.ro.console_query("SHOW TABLES", opts(LIMIT)).await.unwrap();
    let p = q.next_page(100).await.unwrap();
    assert_eq!(p.columns.len(), 1);
    assert!(p.rows.iter().any(|r| r[0] == json!("agno_spans")), "{:?}", p.rows);
    assert_eq!(s.ro.dialect(), Dialect::Mysql);
    s.cleanup().await;
}

#[tokio::test]
async fn sqlite_types() {
    let Some(s) = Seeded::new(Backend::Sqlite).await else { return };
    check(
        &s,
        "SELECT 9007199254740993 AS big, -1 AS neg, 0.1 AS r, 'x' AS t, x'00ff' AS b, NULL AS n, \
         json_object('a', 1) AS j, 1 AS dup, 2 AS dup",
        &[
            ("big", "", json!({"$int": "9007199254740993"})),
            ("neg", "", json!(-1)),
            ("r", "", json!(0.1)),
            ("t", "", json!("x")),
            ("b", "", json!({"$bytes": "00ff", "len": 2})),
            ("n", "", json!(null)),
            // SQLite JSON is text by storage class.
            ("j", "", json!("{\"a\":1}")),
            ("dup", "", json!(1)),
            ("dup", "", json!(2)),
        ],
    )
    .await;
    let mut q =
        s.ro.console_query("SELECT duration_ms, attributes FROM agno_spans LIMIT 1", opts(LIMIT)).await.unwrap();
    assert_eq!(q.columns()[0].db_type, "INTEGER");
    let p = q.next_page(1).await.unwrap();
    assert!(p.rows[0][0].is_i64() && p.rows[0][1].is_string());
    s.cleanup().await;
}

#[tokio::test]
async fn errors_carry_positions() {
    for (backend, sql, position) in [
        (Backend::Postgres, "SELECT * FROMM agno_traces", 10),
        (Backend::MySql, "SELECT *\nFROMM agno_traces", 10),
        (Backend::Sqlite, "SELECT * FROMM agno_traces", 10),
    ] {
        let Some(s) = Seeded::new(backend).await else { continue };
        let e = run_all(&s.ro, sql, LIMIT).await.unwrap_err();
        let ConsoleError::Sql(err) = &e else { panic!("{backend}: {e}") };
        assert_eq!(err.position, Some(position), "{backend}: {err:?}");
        assert!(err.code.is_some(), "{backend}");
        assert!(e.to_string().contains(&format!("at character {position}")), "{e}");
        // Runtime errors come after the statement started, through next_page.
        let e = run_all(&s.ro, "SELECT 1 / (SELECT count(*) - count(*) FROM agno_traces) + 'x'", LIMIT).await;
        if backend == Backend::Postgres {
            assert!(matches!(e, Err(ConsoleError::Sql(_))), "{e:?}");
        }
        let e = run_all(&s.ro, "SELECT * FROM no_such_table", LIMIT).await.unwrap_err();
        assert!(matches!(e, ConsoleError::Sql(_)), "{backend}: {e}");
        assert!(!e.to_string().contains("postgres://") && !e.to_string().contains("mysql://"));
        s.cleanup().await;
    }
}

#[tokio::test]
async fn schema_for_autocomplete() {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
        let Some(s) = Seeded::new(backend).await else { continue };
        let tables = s.ro.console_schema().await.unwrap();
        let first: Vec<_> = tables.iter().take(3).map(|t| t.name.as_str()).collect();
        assert_eq!(first, ["agno_traces", "agno_spans", "agno_schema_versions"], "{backend}");
        let spans = &tables[1];
        let attrs = spans.columns.iter().find(|c| c.name == "attributes").unwrap();
        let want = match backend {
            Backend::Sqlite => "JSON",
            Backend::Postgres => "jsonb",
            Backend::MySql => "json",
        };
        assert_eq!(attrs.db_type, want, "{backend}");
        if backend != Backend::Sqlite {
            assert_eq!(spans.schema.as_deref(), Some(s.schema()));
        }
        s.cleanup().await;
    }
}

#[tokio::test]
async fn export_typed_rows() {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
        let Some(s) = Seeded::new(backend).await else { continue };
        if backend == Backend::MySql {
            let one = format!("`{}`.one", s.schema());
            let create = format!("CREATE TABLE {one} (j JSON); INSERT INTO {one} VALUES ('{{\"a\": 1}}')");
            mysql_admin().await.execute(sqlx::AssertSqlSafe(create)).await.unwrap();
        }
        let sql = match backend {
            Backend::Postgres => {
                "SELECT 9007199254740993::int8 AS big, NULL::text AS n, '' AS e, '{\"a\": 1}'::jsonb AS j, 'a,\"b\"' AS q"
            }
            Backend::MySql => "SELECT 9007199254740993 AS big, NULL AS n, '' AS e, j, 'a,\"b\"' AS q FROM one",
            Backend::Sqlite => "SELECT 9007199254740993 AS big, NULL AS n, '' AS e, '{\"a\":1}' AS j, 'a,\"b\"' AS q",
        };
        let mut csv = Vec::new();
        let n = export(s.ro.console_query(sql, opts(LIMIT)).await.unwrap(), ExportFormat::Csv, &mut csv).await.unwrap();
        assert_eq!(n, 1, "{backend}");
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "big,n,e,j,q\r\n9007199254740993,,\"\",\"{\"\"a\"\":1}\",\"a,\"\"b\"\"\"\r\n",
            "{backend}"
        );
        let mut js = Vec::new();
        export(s.ro.console_query(sql, opts(LIMIT)).await.unwrap(), ExportFormat::Json, &mut js).await.unwrap();
        let lines: Vec<Value> =
            String::from_utf8(js).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let j = if backend == Backend::Sqlite { json!("{\"a\":1}") } else { json!({"$json": {"a": 1}}) };
        assert_eq!(lines[1], json!([{"$int": "9007199254740993"}, null, "", j, "a,\"b\""]), "{backend}");
        s.cleanup().await;
    }
}
