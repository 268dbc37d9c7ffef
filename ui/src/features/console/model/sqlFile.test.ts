import { describe, expect, it } from "vitest";
import { MAGIC, parseSqlFile, sqlFileName, toSqlFile, toSqlFileMany } from "./sqlFile";

const q = { name: "Slowest traces", folder: "Latency/Daily", description: "The 20 slowest traces.\nOf the last day.", sql: "SELECT *\nFROM agno_traces\nORDER BY duration_ms DESC\nLIMIT 20;" };

describe(".sql files of saved queries", () => {
  it("writes the header, then the SQL", () => {
    expect(toSqlFile({ ...q, updated_at: "2026-11-25T16:00:00Z" })).toBe(
      [
        MAGIC,
        "-- name: Slowest traces",
        "-- folder: Latency/Daily",
        "-- description: The 20 slowest traces.",
        "-- description: Of the last day.",
        "-- updated: 2026-11-25T16:00:00Z",
        "SELECT *",
        "FROM agno_traces",
        "ORDER BY duration_ms DESC",
        "LIMIT 20;",
        "",
      ].join("\n"),
    );
  });

  it("omits an empty description, flattens names", () => {
    expect(toSqlFile({ name: "a\nb", folder: "", description: "", sql: "SELECT 1" })).toBe(`${MAGIC}\n-- name: a b\n-- folder: \nSELECT 1\n`);
  });

  it("reads the server's export (preamble, placeholders) and versioned magic lines", () => {
    const server = "-- Saved queries exported from Tracedeck. Placeholders such as {{spans}} are expanded\n-- for the connection a query runs on.\n\n-- tracedeck-query\n-- name: Errors\n-- folder: \nSELECT * FROM {{spans}}\n\n";
    expect(parseSqlFile(server)).toEqual([{ name: "Errors", folder: "", description: "", sql: "SELECT * FROM {{spans}}" }]);
    expect(parseSqlFile("-- tracedeck-query v2\n-- name: A\nSELECT 1").map((x) => x.name)).toEqual(["A"]);
  });

  it("reads back what it writes (round trip, several queries)", () => {
    const other = { name: "Errors", folder: "", description: "", sql: "-- a comment that is part of the query\nSELECT 1" };
    expect(parseSqlFile(toSqlFileMany([q, other]))).toEqual([q, other]);
  });

  it("imports a plain .sql file as one query named after the file", () => {
    expect(parseSqlFile("-- Count traces: per day\nSELECT count(*) FROM agno_traces;\n", "daily-count.sql")).toEqual([
      { name: "daily-count", folder: "", description: "", sql: "-- Count traces: per day\nSELECT count(*) FROM agno_traces;" },
    ]);
    expect(parseSqlFile("-- name: Named\n-- description: d\nSELECT 2", "x.sql")).toEqual([{ name: "Named", folder: "", description: "d", sql: "SELECT 2" }]);
  });

  it("tolerates CRLF, a BOM, case and empty blocks", () => {
    const text = `\uFEFF${MAGIC.toUpperCase()}\r\n-- Name: A\r\nSELECT 1\r\n\r\n${MAGIC}\r\n-- name: empty\r\n`;
    expect(parseSqlFile(text)).toEqual([{ name: "A", folder: "", description: "", sql: "SELECT 1" }]);
    expect(parseSqlFile("   \n")).toEqual([]);
  });

  it("names blocks without a name after the file", () => {
    expect(parseSqlFile(`${MAGIC}\nSELECT 1\n${MAGIC}\nSELECT 2`, "lib.sql").map((x) => x.name)).toEqual(["lib 1", "lib 2"]);
  });

  it("makes safe file names", () => {
    expect(sqlFileName("Slowest traces (p95) — día")).toBe("slowest-traces-p95-dia.sql");
    expect(sqlFileName("../../etc/passwd")).toBe("etc-passwd.sql");
    expect(sqlFileName("***")).toBe("query.sql");
  });
});
