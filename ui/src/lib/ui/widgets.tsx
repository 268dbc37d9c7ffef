//! Small shared widgets: a copy-to-clipboard button, an error box for `ApiFailure`s (a timed-out
//! read says how to make it cheaper; an abandoned one shows nothing), and a resizable two-pane
//! split (pointer and keyboard resizable, size remembered per key).

import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { ApiFailure, isCancelled } from "../ipc";

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Fallback for contexts without the async clipboard (e.g. plain http).
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand("copy");
    ta.remove();
    return ok;
  }
}

export function CopyButton({ text, label, children }: { text: string; label: string; children?: ReactNode }) {
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (!done) return;
    const t = window.setTimeout(() => setDone(false), 1200);
    return () => window.clearTimeout(t);
  }, [done]);
  return (
    <button type="button" className="btn small" aria-label={label} title={label} onClick={() => void copyText(text).then(setDone)}>
      {done ? "Copied" : (children ?? "Copy")}
    </button>
  );
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiFailure) {
    switch (e.type) {
      case "NotFound":
        return `Not found: ${e.data}`;
      case "Unavailable":
        return `Unavailable: ${e.data}`;
      case "ReadOnly":
        return `Read-only: ${e.data}`;
      case "Database":
        return `Database error: ${e.data}`;
      case "TimedOut":
        return `Timed out: ${e.data}`;
      default:
        return e.data;
    }
  }
  return e instanceof Error ? e.message : String(e);
}

const TIMED_OUT_HINT = "Narrow the filters or the time range, then retry.";

/** `timeoutHint` replaces the advice shown for a `TimedOut` read (the default suits lists). */
export function ErrorBox({ error, onRetry, timeoutHint = TIMED_OUT_HINT }: { error: unknown; onRetry?: () => void; timeoutHint?: string }) {
  // An abandoned request is not a failure: its caller has moved on.
  if (isCancelled(error)) return null;
  // The store's own message may already give this advice; say it once.
  const timedOut = error instanceof ApiFailure && error.type === "TimedOut" && !/narrow the filters/i.test(error.data);
  return (
    <div className="banner" role="alert" data-error-type={error instanceof ApiFailure ? error.type : undefined}>
      {errorMessage(error)}
      {timedOut && <span className="hint"> {timeoutHint}</span>}{" "}
      {onRetry && (
        <button type="button" className="btn small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

type SplitProps = {
  storageKey: string;
  /** Initial size of the first pane as a fraction of the width. */
  initial: number;
  min?: number;
  max?: number;
  first: ReactNode;
  second: ReactNode;
  label: string;
};

function stored(key: string, fallback: number): number {
  try {
    const v = Number(localStorage.getItem(`tracedeck.split.${key}`));
    return Number.isFinite(v) && v > 0 && v < 1 ? v : fallback;
  } catch {
    return fallback;
  }
}

export function Split({ storageKey, initial, min = 0.15, max = 0.85, first, second, label }: SplitProps) {
  const [frac, setFrac] = useState(() => stored(storageKey, initial));
  const box = useRef<HTMLDivElement>(null);
  const set = useCallback(
    (f: number) => {
      const v = Math.min(max, Math.max(min, f));
      setFrac(v);
      try {
        localStorage.setItem(`tracedeck.split.${storageKey}`, String(v));
      } catch {
        /* storage may be unavailable; the size just is not remembered */
      }
    },
    [min, max, storageKey],
  );
  const onPointerDown = (e: React.PointerEvent<HTMLButtonElement>) => {
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: React.PointerEvent<HTMLButtonElement>) => {
    if (!e.currentTarget.hasPointerCapture(e.pointerId) || box.current === null) return;
    const r = box.current.getBoundingClientRect();
    set((e.clientX - r.left) / r.width);
  };
  return (
    <div className="split" ref={box}>
      <div className="pane" style={{ flex: `0 0 ${(frac * 100).toFixed(2)}%` }}>
        {first}
      </div>
      <button
        type="button"
        className="splitter"
        role="separator"
        aria-orientation="vertical"
        aria-label={label}
        aria-valuenow={Math.round(frac * 100)}
        aria-valuemin={Math.round(min * 100)}
        aria-valuemax={Math.round(max * 100)}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onKeyDown={(e) => {
          if (e.key === "ArrowLeft") set(frac - 0.02);
          else if (e.key === "ArrowRight") set(frac + 0.02);
        }}
      />
      <div className="pane fill">{second}</div>
    </div>
  );
}
