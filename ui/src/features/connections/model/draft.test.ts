import { describe, expect, it } from "vitest";
import type { ConnectionInfo } from "../../console/model/types";
import { dialectOf, EMPTY_FORM, fromInfo, needsSecret, secretNote, stripRedacted, suggestName, toDraft, urlHasPassword, validateForm } from "./draft";

describe("connection form", () => {
  it("knows the dialect of a URL or path", () => {
    expect(dialectOf("postgres://u@h/db")).toBe("postgres");
    expect(dialectOf("PostgreSQL://u@h/db")).toBe("postgres");
    expect(dialectOf("mysql://u@h/ai")).toBe("mysql");
    expect(dialectOf("mariadb://u@h/ai")).toBe("mysql");
    expect(dialectOf("sqlite:///tmp/a.db")).toBe("sqlite");
    expect(dialectOf("/home/me/agno.db")).toBe("sqlite");
    expect(dialectOf("C:\\data\\agno.db")).toBe("sqlite");
    expect(dialectOf("http://x")).toBeNull();
    expect(dialectOf("  ")).toBeNull();
  });

  it("spots and strips passwords", () => {
    expect(urlHasPassword("postgres://u:secret@h/db")).toBe(true);
    expect(urlHasPassword("postgres://u@h/db")).toBe(false);
    expect(urlHasPassword("postgres://h:5432/db")).toBe(false);
    expect(stripRedacted("postgres://u:***@h/db")).toBe("postgres://u@h/db");
    expect(stripRedacted("postgres://u:redacted@h/db")).toBe("postgres://u@h/db");
    expect(stripRedacted("/a/b.db")).toBe("/a/b.db");
  });

  it("validates", () => {
    expect(validateForm(EMPTY_FORM)).toMatchObject({ name: expect.any(String), url: expect.any(String) });
    const ok = { ...EMPTY_FORM, name: "prod", url: "postgres://u@h/db" };
    expect(validateForm(ok)).toEqual({});
    expect(validateForm({ ...ok, url: "mysql://u@h/db" }).url).toMatch(/MySQL/);
    expect(validateForm({ ...ok, schema: "ai; drop" }).schema).toBeDefined();
    expect(validateForm({ ...ok, tracesTable: "my traces" }).tracesTable).toBeDefined();
    expect(validateForm({ ...ok, dialect: "sqlite", url: "/x.db" })).toEqual({});
  });

  it("makes the draft: blanks are defaults, read-only explicit", () => {
    expect(toDraft({ ...EMPTY_FORM, name: " prod ", url: " postgres://u@h/db ", schema: " ", env: "production" })).toEqual({
      name: "prod",
      url: "postgres://u@h/db",
      schema: null,
      traces_table: null,
      spans_table: null,
      env: "production",
      read_only: true,
      password: null,
    });
    expect(toDraft({ ...EMPTY_FORM, dialect: "sqlite", schema: "ai", url: "/a.db", password: "p" })).toMatchObject({ schema: null, password: "p" });
  });

  const info: ConnectionInfo = {
    id: "c1",
    name: "prod",
    dialect: "postgres",
    location: "postgres://u:***@h/db",
    schema: "ai",
    traces_table: "agno_traces",
    spans_table: "my_spans",
    env: "production",
    read_only: true,
    created_by_tracedeck: false,
    builtin: false,
    active: false,
    secret: "missing",
  };

  it("edits a saved connection without its password", () => {
    expect(fromInfo(info)).toEqual({ dialect: "postgres", name: "prod", url: "postgres://u@h/db", password: "", schema: "ai", tracesTable: "", spansTable: "my_spans", env: "production", readOnly: true });
  });

  it("suggests names and explains secrets", () => {
    expect(suggestName("postgres://u:p@db.example.com:5432/agno?schema=ai")).toBe("agno@db.example.com");
    expect(suggestName("mysql://u@host")).toBe("host");
    expect(suggestName("/home/me/agno.db")).toBe("agno.db");
    expect(needsSecret(info)).toBe(true);
    expect(needsSecret({ ...info, secret: "keyring" })).toBe(false);
    expect(needsSecret(null)).toBe(false);
    expect(secretNote("session")).toMatch(/no OS keyring/i);
    expect(secretNote("none")).toBeNull();
  });
});
