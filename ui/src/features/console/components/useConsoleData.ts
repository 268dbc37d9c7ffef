//! Data the console page loads: the live schema of the connection (for autocomplete, cached
//! per connection for the session) and the saved queries.

import { useCallback, useEffect, useState } from "react";
import { getSchema, listQueries } from "../../../lib/ipc";
import type { SavedQuery, SchemaTable } from "../model/types";

const schemaCache = new Map<string, SchemaTable[]>();
const NO_TABLES: SchemaTable[] = [];

export function useSchema(connection: string | null): { tables: SchemaTable[]; error: unknown } {
  const key = connection ?? "";
  const [tables, setTables] = useState<SchemaTable[]>(schemaCache.get(key) ?? NO_TABLES);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let alive = true;
    setTables(schemaCache.get(key) ?? NO_TABLES);
    getSchema(connection)
      .then((t) => {
        schemaCache.set(key, t);
        if (alive) {
          setTables(t);
          setError(null);
        }
      })
      .catch((e: unknown) => alive && setError(e));
    return () => {
      alive = false;
    };
  }, [connection, key]);
  return { tables, error };
}

export function useSavedQueries(): { queries: SavedQuery[]; error: unknown; refresh: () => Promise<void> } {
  const [queries, setQueries] = useState<SavedQuery[]>([]);
  const [error, setError] = useState<unknown>(null);
  const refresh = useCallback(async () => {
    try {
      setQueries(await listQueries());
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return { queries, error, refresh };
}
