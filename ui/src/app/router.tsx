//! A tiny hash router: the current `Route` from `location.hash`, `navigate` (push or
//! replace), and `Link` for real anchors (so middle-click and copy-link work in web mode).

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { formatRoute, parseRoute, type Route } from "./route";

type Nav = (r: Route, opts?: { replace?: boolean }) => void;
const RouterContext = createContext<{ route: Route; navigate: Nav } | null>(null);

export function RouterProvider({ children }: { children: ReactNode }) {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    window.addEventListener("popstate", onChange);
    return () => {
      window.removeEventListener("hashchange", onChange);
      window.removeEventListener("popstate", onChange);
    };
  }, []);
  const navigate = useCallback<Nav>((r, opts) => {
    const hash = formatRoute(r);
    if (hash === window.location.hash) return;
    if (opts?.replace === true) window.history.replaceState(null, "", hash);
    else window.history.pushState(null, "", hash);
    setRoute(parseRoute(hash));
  }, []);
  const value = useMemo(() => ({ route, navigate }), [route, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useRouter(): { route: Route; navigate: Nav } {
  const r = useContext(RouterContext);
  if (r === null) throw new Error("useRouter outside RouterProvider");
  return r;
}

type LinkProps = { to: Route; children: ReactNode; className?: string; title?: string; "aria-current"?: "page" | undefined };

export function Link({ to, children, className, title, ...rest }: LinkProps) {
  const { navigate } = useRouter();
  return (
    <a
      href={formatRoute(to)}
      className={className}
      title={title}
      aria-current={rest["aria-current"]}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
