import { defineConfig } from "vitest/config";

// Two pages, one bundle folder. Assets are referenced as `/assets/...` (absolute): the dashboard is
// served under many bases (`/`, `/vj/{project}/{job}/`) and the server mounts the assets once at
// `/assets/*`. Data URLs in the code stay relative to the page (see README.md).
export default defineConfig({
  base: "/",
  build: {
    outDir: process.env.VIZJOBS_WEB_OUT_DIR ?? "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2020",
    rollupOptions: {
      input: {
        dashboard: "dashboard.html",
        console: "console.html",
      },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
  },
});
