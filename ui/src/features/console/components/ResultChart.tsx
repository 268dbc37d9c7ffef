//! The quick chart of a result: bar or line, one label column and one or more numeric series,
//! drawn with plain SVG elements (axes, ticks, bars or polylines, a legend). Every label is an
//! SVG <text> or React text, never markup; hovering a bar or point shows its value (<title>).

import { useEffect, useMemo, useRef, useState } from "react";
import { chartData, defaultSpec, labelStride, niceTicks, numericColumns, scale, tickText, type ChartKind, type ChartSpec } from "../model/chart";
import type { Run } from "./querySession";

const COLORS = ["var(--k-run)", "var(--k-tool)", "var(--k-llm)", "var(--k-retrieval)", "var(--k-hook)", "var(--k-delegation)", "var(--k-workflow)", "var(--k-embedding)"];
const H = 340;
const M = { top: 12, right: 16, bottom: 76, left: 56 };

function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [w, setW] = useState(800);
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const ro = new ResizeObserver(([e]) => setW(Math.max(320, Math.floor(e?.contentRect.width ?? 800))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

export function ResultChart({ run }: { run: Run }) {
  const { columns, rows, seq, version } = run;
  const [kind, setKind] = useState<ChartKind>("bar");
  const initial = useMemo(() => defaultSpec(columns, rows), [seq, columns, rows.length > 0]);
  const [spec, setSpec] = useState<ChartSpec | null>(initial);
  useEffect(() => setSpec(initial), [initial]);
  const numeric = useMemo(() => numericColumns(columns, rows), [seq, columns, rows.length > 0]);
  const data = useMemo(() => (spec === null ? null : chartData(columns, rows, spec, kind)), [spec, columns, rows, kind, version]);
  const [box, width] = useWidth();

  if (spec === null || data === null) {
    return (
      <div className="placeholder" data-testid="chart-empty">
        A chart needs a label column and at least one numeric column, e.g. <code>SELECT name, count(*) FROM agno_spans GROUP BY name</code>.
      </div>
    );
  }
  const bar = kind === "bar";
  const ticks = niceTicks(data.min, data.max, 5, bar);
  const y = scale(ticks[0]!, ticks[ticks.length - 1]!, H - M.bottom, M.top);
  const plotW = width - M.left - M.right;
  const n = data.labels.length;
  const band = n === 0 ? 0 : plotW / n;
  const x = (i: number) => M.left + band * i + band / 2;
  const stride = labelStride(n, plotW, 64);
  const groupW = band * 0.8;
  const barW = data.series.length === 0 ? 0 : groupW / data.series.length;
  const y0 = y(Math.max(ticks[0]!, Math.min(0, ticks[ticks.length - 1]!)));

  return (
    <div className="chart" data-testid="result-chart">
      <div className="toolbar chart-controls">
        <span role="group" aria-label="Chart type">
          {(["bar", "line"] as const).map((k) => (
            <button key={k} type="button" className="btn small" aria-pressed={kind === k} onClick={() => setKind(k)}>
              {k === "bar" ? "Bars" : "Line"}
            </button>
          ))}
        </span>
        <label>
          Label{" "}
          <select className="input" value={spec.label} onChange={(e) => setSpec({ label: Number(e.target.value), series: spec.series.filter((s) => s !== Number(e.target.value)) })}>
            {columns.map((c, i) => (
              <option key={i} value={i}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <span role="group" aria-label="Series" className="series-picks">
          {numeric
            .filter((i) => i !== spec.label)
            .map((i) => (
              <label key={i} className="check">
                <input
                  type="checkbox"
                  checked={spec.series.includes(i)}
                  onChange={(e) => setSpec({ ...spec, series: e.target.checked ? [...spec.series, i].sort((a, b) => a - b) : spec.series.filter((s) => s !== i) })}
                />
                <span className="swatch" style={{ background: COLORS[spec.series.indexOf(i) % COLORS.length] ?? "var(--fg-3)" }} aria-hidden="true" />
                {columns[i]?.name}
              </label>
            ))}
        </span>
        {data.truncated && <span className="muted">first {n.toLocaleString("en-US")} rows</span>}
      </div>
      <div ref={box} className="chart-box">
        <svg width={width} height={H} role="img" aria-label={`${bar ? "Bar" : "Line"} chart of ${data.series.map((s) => s.name).join(", ")} by ${columns[spec.label]?.name ?? ""}`}>
          {ticks.map((t) => (
            <g key={t}>
              <line x1={M.left} x2={width - M.right} y1={y(t)} y2={y(t)} className="grid-line" />
              <text x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end" className="tick">
                {tickText(t)}
              </text>
            </g>
          ))}
          <line x1={M.left} x2={width - M.right} y1={y0} y2={y0} className="axis" />
          {data.labels.map((l, i) =>
            i % stride === 0 ? (
              <g key={i}>
                <title>{l}</title>
                <text x={x(i)} y={H - M.bottom + 14} textAnchor="end" transform={`rotate(-35 ${x(i)} ${H - M.bottom + 14})`} className="tick">
                  {l.length > 16 ? `${l.slice(0, 15)}…` : l}
                </text>
              </g>
            ) : null,
          )}
          {data.series.map((s, si) => {
            const color = COLORS[si % COLORS.length]!;
            if (bar) {
              return (
                <g key={s.name + si} style={{ fill: color }}>
                  {s.values.map((v, i) =>
                    v === null ? null : (
                      <rect key={i} x={x(i) - groupW / 2 + si * barW} width={Math.max(1, barW - 1)} y={Math.min(y(v), y0)} height={Math.max(1, Math.abs(y0 - y(v)))}>
                        <title>{`${data.labels[i] ?? ""} · ${s.name}: ${v}`}</title>
                      </rect>
                    ),
                  )}
                </g>
              );
            }
            const pts = s.values.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter((p) => p !== null);
            return (
              <g key={s.name + si}>
                <polyline points={pts.join(" ")} fill="none" style={{ stroke: color }} strokeWidth={2} />
                {n <= 200 &&
                  s.values.map((v, i) =>
                    v === null ? null : (
                      <circle key={i} cx={x(i)} cy={y(v)} r={3} style={{ fill: color }}>
                        <title>{`${data.labels[i] ?? ""} · ${s.name}: ${v}`}</title>
                      </circle>
                    ),
                  )}
              </g>
            );
          })}
        </svg>
      </div>
    </div>
  );
}
