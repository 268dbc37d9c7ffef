//! Performance marks the benchmark reads: a click that opens a trace marks the start, the
//! trace view marks when the data arrived, when the model was built and when its first rows
//! were painted, and measures click -> first paint (`tracedeck:trace-first-paint`).

export const OPEN_MARK = "tracedeck:open-trace";
export const FETCHED_MARK = "tracedeck:trace-fetched";
export const MODEL_MARK = "tracedeck:trace-model";
export const PAINT_MARK = "tracedeck:trace-painted";
export const PAINT_MEASURE = "tracedeck:trace-first-paint";

let pendingOpen: string | null = null;

/** Called on the click (or key) that opens a trace. */
export function markOpenTrace(traceId: string): void {
  pendingOpen = traceId;
  performance.clearMarks(OPEN_MARK);
  performance.mark(OPEN_MARK, { detail: { traceId } });
}

export function markStep(name: typeof FETCHED_MARK | typeof MODEL_MARK, traceId: string): void {
  if (pendingOpen === traceId) performance.mark(name, { detail: { traceId } });
}

/** Called once the first rows of a trace are on screen (after the browser painted them). */
export function markTracePainted(traceId: string, spans: number): void {
  if (pendingOpen !== traceId) return;
  pendingOpen = null;
  // rAF runs before the paint; the task after it runs once the frame is out.
  requestAnimationFrame(() => {
    setTimeout(() => {
      performance.mark(PAINT_MARK, { detail: { traceId, spans } });
      try {
        performance.measure(PAINT_MEASURE, { start: OPEN_MARK, end: PAINT_MARK, detail: { traceId, spans } });
      } catch {
        /* the start mark was cleared; nothing to measure */
      }
    }, 0);
  });
}

export const SQL_RUN_MARK = "tracedeck:sql-run";
export const SQL_PAINT_MARK = "tracedeck:sql-rows-painted";
export const SQL_PAINT_MEASURE = "tracedeck:sql-first-rows";

let pendingSql: number | null = null;

/** Called when a console statement is sent. */
export function markSqlRun(seq: number): void {
  pendingSql = seq;
  performance.clearMarks(SQL_RUN_MARK);
  performance.mark(SQL_RUN_MARK, { detail: { seq } });
}

/** Called once the first rows of that statement are on screen. */
export function markSqlPainted(seq: number, rows: number): void {
  if (pendingSql !== seq) return;
  pendingSql = null;
  requestAnimationFrame(() => {
    setTimeout(() => {
      performance.mark(SQL_PAINT_MARK, { detail: { seq, rows } });
      try {
        performance.measure(SQL_PAINT_MEASURE, { start: SQL_RUN_MARK, end: SQL_PAINT_MARK, detail: { seq, rows } });
      } catch {
        /* the start mark was cleared */
      }
    }, 0);
  });
}
