//! One chart of the Metrics page over the scanned range: bars (optionally stacked) or lines,
//! one value per time bucket, drawn with plain SVG. Axis labels and hover titles are SVG
//! `<text>`/`<title>`, the legend is React text; the part of the range not scanned yet is
//! shaded. Scales, ticks and paths come from `model/chart`.

import { useEffect, useRef, useState } from "react";
import { formatDayTime } from "../../../lib/format";
import { linePath, linear, maxOf, tickLabel, timeTicks, valueTicks } from "../model/chart";

export type ChartSeries = {
  name: string;
  /** One per slot; null: no value (a gap in a line). */
  values: readonly (number | null)[];
  /** CSS class giving the colour (`tone-ok`, `tone-err`, …). */
  tone: string;
};

type Props = {
  title: string;
  /** Bucket starts (µs), oldest first. */
  slots: readonly number[];
  bucketUs: number;
  kind: "bars" | "lines";
  series: readonly ChartSeries[];
  /** Bars of the series stacked on each other (else side by side is not supported: one series). */
  stacked?: boolean;
  /** Axis and title text of a value. */
  format: (v: number) => string;
  /** Scanned back to here (µs); the older part of the chart is shaded. */
  scannedFromUs: number | null;
  /** Read by screen readers in place of the drawing. */
  summary: string;
  testId?: string;
};

const H = 170;
const M = { top: 8, right: 10, bottom: 22, left: 52 };

function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [w, setW] = useState(480);
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const ro = new ResizeObserver(([e]) => setW(Math.max(240, Math.floor(e?.contentRect.width ?? 480))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

export function TimeChart({ title, slots, bucketUs, kind, series, stacked = false, format, scannedFromUs, summary, testId }: Props) {
  const [box, width] = useWidth();
  const n = slots.length;
  const from = slots[0] ?? 0;
  const to = (slots[n - 1] ?? 0) + bucketUs;
  const x = linear(from, to, M.left, width - M.right);
  const sums = stacked ? slots.map((_, i) => series.reduce((a, s) => a + (s.values[i] ?? 0), 0)) : [];
  const ticks = valueTicks(stacked ? maxOf(sums) : maxOf(...series.map((s) => s.values)));
  const top = ticks[ticks.length - 1] ?? 1;
  const y = linear(0, top, H - M.bottom, M.top);
  const time = timeTicks(from, to, Math.max(2, Math.floor((width - M.left - M.right) / 90)), new Date().getTimezoneOffset());
  const barW = (i: number) => Math.max(1, x((slots[i] ?? 0) + bucketUs) - x(slots[i] ?? 0) - (n > 60 ? 0.5 : 2));
  const shadeTo = scannedFromUs === null ? from : Math.min(Math.max(scannedFromUs, from), to);

  return (
    <figure className="mchart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div ref={box} className="mchart-box">
        <svg width={width} height={H} role="img" aria-label={`${title}: ${summary}`}>
          {shadeTo > from && (
            <g className="unscanned">
              <title>Not scanned yet</title>
              <rect x={x(from)} y={M.top} width={x(shadeTo) - x(from)} height={H - M.bottom - M.top} />
            </g>
          )}
          {ticks.map((t) => (
            <g key={t}>
              <line x1={M.left} x2={width - M.right} y1={y(t)} y2={y(t)} className="grid-line" />
              <text x={M.left - 5} y={y(t)} dy="0.32em" textAnchor="end" className="tick-text">
                {format(t)}
              </text>
            </g>
          ))}
          {time.ticks.map((t) => (
            <text key={t} x={x(t)} y={H - 6} textAnchor="middle" className="tick-text">
              {tickLabel(t, time.step)}
            </text>
          ))}
          <line x1={M.left} x2={width - M.right} y1={y(0)} y2={y(0)} className="axis" />
          {kind === "bars"
            ? slots.map((s, i) => {
                let base = 0;
                return (
                  <g key={s}>
                    {series.map((ser) => {
                      const v = ser.values[i] ?? 0;
                      if (v <= 0) return null;
                      const y1 = y(base + v);
                      const y0 = y(base);
                      base = stacked ? base + v : 0;
                      return <rect key={ser.name} className={ser.tone} x={x(s) + (n > 60 ? 0 : 1)} width={barW(i)} y={y1} height={Math.max(1, y0 - y1)} />;
                    })}
                  </g>
                );
              })
            : series.map((ser) => (
                <g key={ser.name} className={ser.tone}>
                  <path d={linePath(ser.values.map((v, i) => (v === null ? null : { x: x((slots[i] ?? 0) + bucketUs / 2), y: y(v) })))} className="line" />
                  {ser.values.map((v, i) => (v === null ? null : <circle key={i} cx={x((slots[i] ?? 0) + bucketUs / 2)} cy={y(v)} r={n > 90 ? 1.2 : 2} />))}
                </g>
              ))}
          {/* Hover targets: one per bucket, its values as a tooltip. */}
          {slots.map((s, i) => (
            <rect key={`h${s}`} className="hover" x={x(s)} width={Math.max(1, x(s + bucketUs) - x(s))} y={M.top} height={H - M.bottom - M.top}>
              <title>{`${formatDayTime(s)}\n${series.map((ser) => `${ser.name}: ${ser.values[i] === null || ser.values[i] === undefined ? "–" : format(ser.values[i] ?? 0)}`).join("\n")}`}</title>
            </rect>
          ))}
        </svg>
      </div>
      <ul className="legend mchart-legend">
        {series.map((s) => (
          <li key={s.name}>
            <span className={`swatch ${s.tone}`} aria-hidden="true" />
            {s.name}
          </li>
        ))}
      </ul>
    </figure>
  );
}
