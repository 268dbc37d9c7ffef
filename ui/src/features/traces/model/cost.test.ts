import { describe, expect, it } from "vitest";
import type { PriceTable } from "../../../bindings";
import { span } from "../../../test/fixtures";
import { callCost, findPrice, spanCost, traceCost } from "./cost";
import { attributeRows, filterAttributes, parseExceptions, parseRetrieval, parseTool } from "./spanInfo";

const table: PriceTable = {
  currency: "USD",
  models: [
    { model: "gpt-4o*", input_per_mtok: 2.5, output_per_mtok: 10 },
    { model: "gpt-4o-mini*", input_per_mtok: 0.15, output_per_mtok: 0.6 },
    { model: "exact-model", input_per_mtok: 1, output_per_mtok: 2 },
  ],
};

describe("cost", () => {
  it("prefers an exact match, then the longest prefix", () => {
    expect(findPrice(table, "gpt-4o-mini-2024-07-18")!.model).toBe("gpt-4o-mini*");
    expect(findPrice(table, "gpt-4o-2024")!.model).toBe("gpt-4o*");
    expect(findPrice(table, "EXACT-MODEL")!.model).toBe("exact-model");
    expect(findPrice(table, "exact-model-2")).toBeNull();
    expect(findPrice(table, null)).toBeNull();
  });

  it("prices input and output tokens per million", () => {
    const c = callCost(table, "gpt-4o", 1_000_000, 500_000)!;
    expect(c.input).toBeCloseTo(2.5);
    expect(c.output).toBeCloseTo(5);
    expect(c.total).toBeCloseTo(7.5);
    expect(callCost(table, "gpt-4o", null, null)).toBeNull();
    expect(callCost(table, "unknown", 10, 10)).toBeNull();
  });

  it("sums a trace and lists unpriced models", () => {
    const llm = span({ id: "a", kind: "LLM", model: "gpt-4o-mini", attributes: { "llm.token_count.prompt": 1000, "llm.token_count.completion": 1000 } });
    const other = span({ id: "b", kind: "LLM", model: "mystery", attributes: { "gen_ai.usage.input_tokens": 5 } });
    const tool = span({ id: "c", kind: "TOOL" });
    expect(spanCost(table, llm)!.total).toBeCloseTo(0.00075);
    expect(spanCost(table, tool)).toBeNull();
    const t = traceCost(table, [llm, other, tool]);
    expect(t.total).toBeCloseTo(0.00075);
    expect(t.priced).toBe(1);
    expect(t.unpriced).toEqual(["mystery"]);
  });
});

describe("span info", () => {
  it("reads tool arguments and results as JSON when they are JSON", () => {
    const t = parseTool(span({ id: "t", name: "divide", attributes: { "tool.name": "divide", "tool.parameters": '{"a": 1, "b": 0}', "output.value": "float division by zero" } }));
    expect(t.arguments).toEqual({ a: 1, b: 0 });
    expect(t.result).toBe("float division by zero");
  });

  it("reads exceptions from span events, else the status message", () => {
    const withEvent = span({
      id: "e",
      status: "ERROR",
      attributes: {
        "tracedeck.events": [
          { name: "tool failed", time: "2026-01-01T00:00:00+00:00", attributes: { "exception.type": "ZeroDivisionError", "exception.message": "boom", "exception.stacktrace": "line 1\nline 2" } },
          { name: "log", time: "", attributes: { level: "INFO" } },
        ],
      },
    });
    expect(parseExceptions(withEvent)).toEqual([{ type: "ZeroDivisionError", message: "boom", stacktrace: "line 1\nline 2", time: "2026-01-01T00:00:00+00:00" }]);
    expect(parseExceptions(span({ id: "x", status: "ERROR" }))[0]!.message).toBe("failed");
    expect(parseExceptions(span({ id: "y" }))).toEqual([]);
  });

  it("reads retrieved documents with scores", () => {
    const docs = parseRetrieval(span({ id: "r", attributes: { "retrieval.documents.0.document.content": "doc A", "retrieval.documents.0.document.score": "0.9", "retrieval.documents.1.document.id": "b", "retrieval.documents.1.document.score": 0.5 } }));
    expect(docs).toEqual([
      { id: null, score: 0.9, content: "doc A", metadata: undefined },
      { id: "b", score: 0.5, content: null, metadata: undefined },
    ]);
  });

  it("flattens and filters attributes", () => {
    const rows = attributeRows({ b: { x: 1 }, a: "text", c: 3 });
    expect(rows).toEqual([
      { key: "a", value: "text" },
      { key: "b", value: '{"x":1}' },
      { key: "c", value: "3" },
    ]);
    expect(filterAttributes(rows, "{\"X").map((r) => r.key)).toEqual(["b"]);
    expect(filterAttributes(rows, "")).toHaveLength(3);
  });
});
