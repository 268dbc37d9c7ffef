//! Pretty, collapsible JSON for tool arguments, results and parameters. Values are rendered
//! as text; large arrays/objects show their first items with a "show more" button.

import { useState } from "react";
import type { Value as JsonValue } from "../../bindings";

const PAGE = 100;

function Scalar({ v }: { v: JsonValue }) {
  if (v === null) return <span className="jb">null</span>;
  if (typeof v === "string") return <span className="js">{JSON.stringify(v)}</span>;
  if (typeof v === "number") return <span className="jn">{String(v)}</span>;
  if (typeof v === "boolean") return <span className="jb">{String(v)}</span>;
  return null;
}

function Node({ name, v, depth, openDepth }: { name: string | null; v: JsonValue; depth: number; openDepth: number }) {
  const isArr = Array.isArray(v);
  const isObj = typeof v === "object" && v !== null;
  const [open, setOpen] = useState(depth < openDepth);
  const [shown, setShown] = useState(PAGE);
  const label = name === null ? null : <span className="jk">{JSON.stringify(name)}: </span>;
  if (!isObj) {
    return (
      <li>
        {label}
        <Scalar v={v} />
      </li>
    );
  }
  const entries: [string, JsonValue][] = isArr ? v.map((x, i) => [String(i), x]) : Object.entries(v);
  const [o, c] = isArr ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) {
    return (
      <li>
        {label}
        {o}
        {c}
      </li>
    );
  }
  return (
    <li>
      <button type="button" className="jt" aria-expanded={open} aria-label={open ? "Collapse" : "Expand"} onClick={() => setOpen(!open)}>
        {open ? "▾" : "▸"}
      </button>
      {label}
      {o}
      {!open && (
        <button type="button" className="jt" onClick={() => setOpen(true)}>
          {` ${entries.length} ${isArr ? "items" : "keys"} `}
        </button>
      )}
      {open && (
        <ul>
          {entries.slice(0, shown).map(([k, x]) => (
            <Node key={k} name={isArr ? null : k} v={x} depth={depth + 1} openDepth={openDepth} />
          ))}
          {entries.length > shown && (
            <li>
              <button type="button" className="btn small" onClick={() => setShown(shown + PAGE * 5)}>
                Show more ({entries.length - shown} left)
              </button>
            </li>
          )}
        </ul>
      )}
      {c}
    </li>
  );
}

export function JsonView({ value, openDepth = 2 }: { value: JsonValue; openDepth?: number }) {
  if (typeof value === "string") return <pre className="block">{value}</pre>;
  return (
    <ul className="json" style={{ paddingLeft: 0, listStyle: "none", margin: 0 }}>
      <Node name={null} v={value} depth={0} openDepth={openDepth} />
    </ul>
  );
}
