import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the API to a `tracedeck serve` on TRACEDECK_URL (default the
// standard port), so the UI can be developed against real data with hot reload.
const backend = process.env.TRACEDECK_URL ?? "http://127.0.0.1:4318";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 1024 },
  server: {
    proxy: {
      "/api": { target: backend, changeOrigin: true },
      "/v1": { target: backend, changeOrigin: true },
    },
  },
  test: { include: ["src/**/*.test.ts", "src/**/*.test.tsx"], environment: "node" },
});
