//! Entry point: abandons the requests a previous page of this window left in flight (the
//! desktop app after a reload), then mounts the app shell, so no request of this page is
//! sent before that and none of them is abandoned by it.

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { abandonPreviousRequests } from "./lib/ipc";
import "./app/styles.css";
import "./app/views.css";
import "./app/console.css";

function mount() {
  const root = document.getElementById("root");
  if (root === null) return;
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void abandonPreviousRequests().finally(mount);
