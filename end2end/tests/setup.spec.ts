import { expect } from "@playwright/test";
import { spawn, ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test, waitForHydration } from "./helpers";

// The first run, as a new owner meets it: `quire serve` on an empty database prints a setup
// address; the blog says it is being set up until someone opens that address, names it and
// makes the first admin account; then the address is gone. A quire of its own (SQLite), so
// the shared demo blogs stay as they are.

test.beforeEach(({}, testInfo) => {
  test.skip(testInfo.project.name !== "sqlite", "the first run is the same on every backend");
});

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

/// Starts quire over a fresh database and answers its printed setup address.
async function startFresh(): Promise<{ server: ChildProcess; base: string; setup: string }> {
  const root = resolve("..");
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "quire-setup-"));
  const server = spawn(process.env.QUIRE_BIN ?? "target/debug/quire", ["serve"], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: `sqlite://${dir}/quire.db`,
      QUIRE_ADDR: `127.0.0.1:${port}`,
      QUIRE_MEDIA_DIR: join(dir, "media"),
      RUST_LOG: "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const setup = await new Promise<string>((done, fail) => {
    let printed = "";
    const timer = setTimeout(() => fail(new Error(`no setup address printed: ${printed}`)), 60_000);
    server.stdout!.on("data", (chunk) => {
      printed += chunk.toString();
      const found = printed.match(/http:\/\/\S+\/setup\?token=\S+/);
      if (found) {
        clearTimeout(timer);
        done(found[0]);
      }
    });
    server.on("exit", (code) => fail(new Error(`quire exited with ${code}: ${printed}`)));
  });
  return { server, base: `http://127.0.0.1:${port}`, setup };
}

test("the owner claims a fresh blog with the printed address, once", async ({ page }) => {
  test.setTimeout(120_000);
  const { server, base, setup } = await startFresh();
  try {
    const visitor = await page.context().browser()!.newPage();
    const home = await visitor.goto(base + "/");
    expect(home?.status()).toBe(503);
    await expect(visitor.getByRole("heading", { name: "This blog is being set up" })).toBeVisible();
    const guessed = await visitor.goto(base + "/setup?token=guessed");
    expect(guessed?.status()).toBe(403);
    await expect(visitor.getByText("This setup address is not valid")).toBeVisible();

    await page.goto(setup);
    await waitForHydration(page);
    await page.getByLabel("Blog name").fill("Harbour Notes");
    await page.getByLabel("Your email").fill("harbour@example.com");
    await page.getByLabel("Username").fill("harbour");
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create the blog" }).click();
    // A mistake is said next to its field, and what was typed stays.
    await expect(page.getByText("Password must be at least 12 characters long")).toBeVisible();
    await expect(page.getByLabel("Blog name")).toHaveValue("Harbour Notes");
    await page.getByLabel("Password").fill("a long and memorable passphrase");
    await page.getByRole("button", { name: "Create the blog" }).click();
    await expect(page).toHaveURL(/\/admin\?tab=settings/);
    await expect(page.getByTestId("site-title")).toHaveText("Harbour Notes");
    await expect(page.getByTestId("account-name")).toBeVisible();

    await visitor.goto(base + "/");
    await expect(visitor).toHaveTitle("Harbour Notes");
    const again = await visitor.goto(setup);
    expect(again?.status()).toBe(404);
    await visitor.close();
  } finally {
    server.kill();
  }
});
