//! Markdown for untrusted text (LLM output, tool results): parsed by markdown-it with raw
//! HTML disabled and turned into React elements token by token, so no string ever becomes
//! HTML. Links keep only http(s)/mailto targets; images are shown as links, never loaded.

import MarkdownIt, { type Token } from "markdown-it";
import { createElement, type ReactNode } from "react";

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

/** Largest text rendered as markdown; longer text is shown raw. */
export const MARKDOWN_LIMIT = 200_000;

export function safeHref(href: string | null | undefined): string | null {
  if (href === null || href === undefined) return null;
  const h = href.trim();
  return /^(https?:|mailto:)/i.test(h) ? h : null;
}

const BLOCK_TAGS = new Set(["p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "em", "strong", "s"]);

function attr(t: Token, name: string): string | null {
  const v = t.attrGet(name);
  return v === null ? null : String(v);
}

/** Renders tokens [from, to) and returns the elements. */
function renderTokens(tokens: Token[], key: { n: number }): ReactNode[] {
  const out: ReactNode[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    const k = key.n++;
    if (t.nesting === 1) {
      // Find the matching close token at the same level.
      let depth = 1;
      let j = i + 1;
      while (j < tokens.length && depth > 0) {
        depth += tokens[j]!.nesting;
        if (depth > 0) j++;
      }
      const inner = renderTokens(tokens.slice(i + 1, j), key);
      out.push(openElement(t, inner, k));
      i = j + 1;
      continue;
    }
    out.push(leaf(t, key, k));
    i++;
  }
  return out;
}

function openElement(t: Token, children: ReactNode[], key: number): ReactNode {
  const tag = t.tag;
  if (t.type === "link_open") {
    const href = safeHref(attr(t, "href"));
    if (href === null) return createElement("span", { key, className: "md-link-blocked", title: "link removed" }, ...children);
    return createElement("a", { key, href, target: "_blank", rel: "noopener noreferrer nofollow" }, ...children);
  }
  if (t.type === "ordered_list_open") {
    const start = Number(attr(t, "start") ?? "1");
    return createElement("ol", { key, start: Number.isFinite(start) ? start : 1 }, ...children);
  }
  if ((tag === "th" || tag === "td") && attr(t, "style") !== null) {
    const m = /text-align:(left|right|center)/.exec(attr(t, "style") ?? "");
    return createElement(tag, { key, style: m ? { textAlign: m[1] as "left" | "right" | "center" } : undefined }, ...children);
  }
  if (t.type === "paragraph_open" && t.hidden) return createElement("span", { key }, ...children);
  return createElement(BLOCK_TAGS.has(tag) ? tag : "div", { key }, ...children);
}

function leaf(t: Token, key: { n: number }, k: number): ReactNode {
  switch (t.type) {
    case "inline":
      return createElement("span", { key: k }, ...renderTokens(t.children ?? [], key));
    case "text":
    case "html_inline":
    case "html_block":
      return t.content;
    case "softbreak":
      return "\n";
    case "hardbreak":
      return createElement("br", { key: k });
    case "code_inline":
      return createElement("code", { key: k }, t.content);
    case "code_block":
    case "fence":
      return createElement("pre", { key: k }, createElement("code", null, t.content));
    case "hr":
      return createElement("hr", { key: k });
    case "image": {
      const src = safeHref(attr(t, "src"));
      const alt = t.content === "" ? "image" : t.content;
      return src === null
        ? `[${alt}]`
        : createElement("a", { key: k, href: src, target: "_blank", rel: "noopener noreferrer nofollow" }, `[image: ${alt}]`);
    }
    default:
      return t.content;
  }
}

export function Markdown({ text }: { text: string }) {
  if (text.length > MARKDOWN_LIMIT) return <pre className="raw">{text}</pre>;
  const tokens = md.parse(text, {});
  return <div className="md">{renderTokens(tokens, { n: 0 })}</div>;
}
