//! Pure formatting of durations, times, token counts and money for every view, so the same
//! quantity reads the same everywhere. No locale surprises: numbers use a fixed style.

/** 0.42 ms -> "420µs", 12.3 -> "12.3ms", 1530 -> "1.53s", 95000 -> "1m 35s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  if (ms === 0) return "0ms";
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 10) return `${trim(ms.toFixed(2))}ms`;
  if (ms < 1000) return `${trim(ms.toFixed(ms < 100 ? 1 : 0))}ms`;
  const s = ms / 1000;
  if (s < 60) return `${trim(s.toFixed(s < 10 ? 2 : 1))}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.floor(s - m * 60)}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m - h * 60}m`;
}

function trim(n: string): string {
  return n.includes(".") ? n.replace(/0+$/, "").replace(/\.$/, "") : n;
}

/** Offset from the trace start, e.g. "+12.3ms". */
export function formatOffset(us: number): string {
  return `+${formatDuration(us / 1000)}`;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** Local date and time with milliseconds: "2026-11-25 16:23:20.768". */
export function formatTimestamp(us: number): string {
  if (!Number.isFinite(us) || us <= 0) return "–";
  const d = new Date(Math.floor(us / 1000));
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

/** Short start time for lists: time only when today, else date and time. */
export function formatStart(us: number, nowMs: number = Date.now()): string {
  if (!Number.isFinite(us) || us <= 0) return "–";
  const d = new Date(Math.floor(us / 1000));
  const now = new Date(nowMs);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return sameDay ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Local day and minute for prose: "3 Dec 2026 14:05". */
export function formatDayTime(us: number): string {
  if (!Number.isFinite(us) || us <= 0) return "–";
  const d = new Date(Math.floor(us / 1000));
  return `${d.getDate()} ${MONTHS[d.getMonth()] ?? ""} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** 1234 -> "1,234"; 1_234_567 -> "1.23M". */
export function formatTokens(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  if (Math.abs(n) >= 1_000_000) return `${trim((n / 1_000_000).toFixed(2))}M`;
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Small amounts keep significant digits: 0.000123 -> "$0.000123". */
export function formatCost(amount: number, currency: string): string {
  if (!Number.isFinite(amount)) return "–";
  const symbol = currency === "USD" ? "$" : currency === "EUR" ? "€" : currency === "GBP" ? "£" : "";
  let digits: string;
  if (amount === 0) digits = "0";
  else if (Math.abs(amount) >= 1) digits = amount.toFixed(2);
  else if (Math.abs(amount) >= 0.01) digits = amount.toFixed(4);
  else digits = trim(amount.toPrecision(3));
  return symbol === "" ? `${digits} ${currency}` : `${symbol}${digits}`;
}

/** Signed difference for compare views: "+12ms", "−3.1s", "±0". */
export function formatDurationDelta(ms: number): string {
  if (ms === 0) return "±0";
  return `${ms > 0 ? "+" : "−"}${formatDuration(Math.abs(ms))}`;
}

export function formatTokensDelta(n: number): string {
  if (n === 0) return "±0";
  return `${n > 0 ? "+" : "−"}${formatTokens(Math.abs(n))}`;
}

/** Cuts text for one-line previews without splitting a surrogate pair. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const chars = Array.from(s.slice(0, max + 1));
  return `${chars.slice(0, max).join("")}…`;
}

/** Decimal units, as the retention limit's GB (10^9 bytes): 2_097_152 -> "2.1 MB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return "–";
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ["kB", "MB", "GB", "TB", "PB"];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${trim(v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0))} ${units[u] ?? ""}`;
}
