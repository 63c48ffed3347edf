import { defineConfig } from "@playwright/test";

// Each backend gets its own quire, over a fresh database filled by `quire demo`.
const servers = [
  { name: "sqlite", port: 3101 },
  { name: "postgres", port: 3102 },
].filter((s) => (process.env.QUIRE_E2E_BACKENDS ?? "sqlite,postgres").split(",").includes(s.name));

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    // A failed test keeps its trace (test-results/), to find the cause.
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's Chromium: Playwright cannot download its own browser here.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: servers.map((s) => ({
    name: s.name,
    use: { baseURL: `http://127.0.0.1:${s.port}`, browserName: "chromium" as const },
  })),
  webServer: servers.map((s) => ({
    command: `bash ../scripts/e2e-server.sh ${s.name} ${s.port}`,
    url: `http://127.0.0.1:${s.port}/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "ignore" as const,
    stderr: "pipe" as const,
  })),
});
