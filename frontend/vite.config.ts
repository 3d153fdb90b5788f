/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` forwards the API routes to a running backend (`make dev` by default), so the
// app talks to its own origin exactly as it does when the local server or a CDN serves it.
const apiTarget = process.env.API_PROXY_TARGET ?? "http://127.0.0.1:8000";
const apiRoutes = [
  "/generate",
  "/status",
  "/jobs",
  "/enhance",
  "/gallery",
  "/images",
  "/models",
  "/usage",
  "/votes",
  "/leaderboard",
];

export default defineConfig({
  base: "/",
  plugins: [react()],
  server: {
    proxy: Object.fromEntries(apiRoutes.map((route) => [route, apiTarget])),
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
  },
});
