//! Saving a file the browser received (web mode): with the File System Access API the user
//! picks the file first and the response body is streamed straight into it; elsewhere the body
//! is collected and handed to the browser's download. Also the file name from a
//! `Content-Disposition` header. No backend calls here (ipc.ts makes them).

type Writable = { write(chunk: Uint8Array): Promise<void>; close(): Promise<void>; abort(): Promise<void> };
type FileHandle = { name: string; createWritable(): Promise<Writable> };
type Picker = (opts: { suggestedName: string; types?: { description: string; accept: Record<string, string[]> }[] }) => Promise<FileHandle>;

/** Where a download goes: a picked file (streamed), or the browser's downloads. */
export type SaveTarget = { kind: "file"; handle: FileHandle } | { kind: "browser"; name: string } | { kind: "cancelled" };

const MIME: Record<string, string> = { csv: "text/csv", json: "application/json", jsonl: "application/x-ndjson", sql: "application/sql" };

function picker(): Picker | null {
  const w = window as unknown as { showSaveFilePicker?: Picker };
  return typeof w.showSaveFilePicker === "function" ? w.showSaveFilePicker.bind(window) : null;
}

/** Asks where to save (must run in the click handler, before any await on the network). */
export async function pickSaveTarget(suggestedName: string): Promise<SaveTarget> {
  const pick = picker();
  if (pick === null) return { kind: "browser", name: suggestedName };
  const ext = suggestedName.split(".").pop() ?? "";
  try {
    const handle = await pick({ suggestedName, types: MIME[ext] ? [{ description: ext.toUpperCase(), accept: { [MIME[ext]!]: [`.${ext}`] } }] : undefined });
    return { kind: "file", handle };
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") return { kind: "cancelled" };
    // Not allowed here (no user gesture, sandbox): fall back to a normal download.
    return { kind: "browser", name: suggestedName };
  }
}

/** `attachment; filename="x.csv"` -> "x.csv" (RFC 6266, including `filename*=UTF-8''…`). */
export function dispositionName(header: string | null): string | null {
  if (header === null) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star?.[1] !== undefined) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through to the plain form */
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/.exec(header);
  const name = (plain?.[1] ?? plain?.[2] ?? "").trim();
  return name === "" ? null : name.replace(/[\\/]/g, "_");
}

export type Saved = { name: string; bytes: number };

/** Writes a response body to the target, reporting bytes as they arrive. */
export async function saveResponse(res: Response, target: Exclude<SaveTarget, { kind: "cancelled" }>, onProgress?: (bytes: number) => void): Promise<Saved> {
  const reader = res.body?.getReader();
  let bytes = 0;
  if (target.kind === "file") {
    const out = await target.handle.createWritable();
    try {
      for (;;) {
        const { done, value } = reader === undefined ? { done: true, value: undefined } : await reader.read();
        if (done || value === undefined) break;
        await out.write(value);
        bytes += value.byteLength;
        onProgress?.(bytes);
      }
      await out.close();
    } catch (e) {
      await out.abort().catch(() => undefined);
      throw e;
    }
    return { name: target.handle.name, bytes };
  }
  const parts: BlobPart[] = [];
  for (;;) {
    const { done, value } = reader === undefined ? { done: true, value: undefined } : await reader.read();
    if (done || value === undefined) break;
    parts.push(value);
    bytes += value.byteLength;
    onProgress?.(bytes);
  }
  const name = dispositionName(res.headers.get("content-disposition")) ?? target.name;
  saveBlob(new Blob(parts, { type: res.headers.get("content-type") ?? "application/octet-stream" }), name);
  return { name, bytes };
}

/** Hands a blob to the browser's downloads. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Saves text (a `.sql` export) as a download. */
export function saveText(text: string, name: string, type = "text/plain"): void {
  saveBlob(new Blob([text], { type: `${type};charset=utf-8` }), name);
}
