//! The kind glyph with its colour and an accessible label, and the colour legend.

import { DISPLAY_KINDS, KIND_INFO, type DisplayKind } from "../model/kinds";

export function KindIcon({ kind }: { kind: DisplayKind }) {
  const info = KIND_INFO[kind];
  return (
    <span className={`kind-icon kind-${kind}`} role="img" aria-label={info.label} title={info.label}>
      {info.glyph}
    </span>
  );
}

export function KindLegend() {
  return (
    <div className="legend" aria-label="Span kinds">
      {DISPLAY_KINDS.filter((k) => k !== "missing" && k !== "embedding").map((k) => (
        <span key={k}>
          <KindIcon kind={k} />
          {KIND_INFO[k].label}
        </span>
      ))}
    </div>
  );
}
