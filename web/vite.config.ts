/// <reference types="vitest/config" />
import optimizeLocales from "@react-aria/optimize-locales-plugin";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `ddctl serve` (the API, the local sign-in and the built app) on this address; `npm run
// dev` proxies the API to it so the app under development is same-origin, as in production.
const apiTarget = process.env.DD_API_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/app/",
  plugins: [
    react(),
    // React Aria ships its strings for ~30 locales; the app is in US English only.
    { ...optimizeLocales.vite({ locales: ["en-US"] }), enforce: "pre" },
  ],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The polyfill would be inlined into index.html; the CSP forbids inline script.
    modulePreload: { polyfill: false },
    sourcemap: false,
    // React + React Aria + the router in the first chunk; the feature pages load on first use.
    chunkSizeWarningLimit: 450,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      // ddctl serve's runtime config (local sign-in), not the bundle's (single sign-on).
      "/app/config.json": apiTarget,
      "/tenants": apiTarget,
      "/_local": apiTarget,
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    reporters: ["default", "./scripts/vitest-summary.ts"],
  },
});
