import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { JsonView } from "./JsonView";
import { Markdown, safeHref } from "./Markdown";

const PAYLOADS = [
  '<img src=x onerror="window.__xss=1">',
  "<script>window.__xss=1</script>",
  '<a href="javascript:window.__xss=1">click</a>',
  "[click me](javascript:window.__xss=1)",
  "[data](data:text/html;base64,PHNjcmlwdD4=)",
  '![img](javascript:alert(1) "t")',
  '<svg onload="window.__xss=1"></svg>',
  "<iframe src=\"javascript:alert(1)\"></iframe>",
  "[x](JaVaScRiPt:alert(1))",
  "[x](  javascript:alert(1))",
];

/** The element tags and attributes present in rendered markup (text content excluded). */
function elements(html: string): string[] {
  return [...html.matchAll(/<([a-z0-9]+)([^>]*)>/gi)].map((m) => `${m[1]!.toLowerCase()}${m[2]!.toLowerCase()}`);
}

describe("untrusted text rendering", () => {
  it.each(PAYLOADS)("markdown keeps %s inert", (p) => {
    const html = renderToStaticMarkup(<Markdown text={`# Title ${p}\n\nSome **bold** ${p} and \`code ${p}\`\n\n- item ${p}`} />);
    for (const el of elements(html)) {
      expect(el).not.toMatch(/^(script|img|svg|iframe|object|embed)/);
      expect(el).not.toMatch(/\son[a-z]+=/);
      expect(el).not.toMatch(/href="\s*(javascript|data|vbscript):/);
    }
    expect(html).toContain("<strong>bold</strong>");
  });

  it("keeps safe links and shows images as links", () => {
    const html = renderToStaticMarkup(<Markdown text={"[docs](https://example.com/a) ![logo](https://example.com/x.png)"} />);
    expect(html).toContain('href="https://example.com/a"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
    expect(html).not.toContain("<img");
    expect(safeHref("mailto:a@b.c")).toBe("mailto:a@b.c");
    expect(safeHref("/relative")).toBeNull();
    expect(safeHref("javascript:alert(1)")).toBeNull();
  });

  it("JSON values are text", () => {
    const html = renderToStaticMarkup(<JsonView value={{ "<img src=x onerror=alert(1)>": ["<script>alert(1)</script>"] }} />);
    expect(elements(html).some((e) => /^(img|script)/.test(e))).toBe(false);
  });

  it("no source file injects HTML strings", () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|tsx)$/.test(f) && !f.endsWith(".test.tsx") && !f.endsWith(".test.ts")) files.push(p);
      }
    };
    walk(join(__dirname, "..", ".."));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const src = readFileSync(f, "utf8");
      expect(src, f).not.toMatch(/dangerouslySetInnerHTML|\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|new Function\(|\beval\(/);
    }
  });
});
