import { expect, Page } from "@playwright/test";
import { waitForHydration, test } from "./helpers";

/** Console errors (a failed hydration shows up there) fail the test. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(err.message));
  return errors;
}

test("the home page lists posts and the theme toggle works after hydration", async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Latest posts" })).toBeVisible();
  await expect(page.getByRole("article").first()).toBeVisible();
  await expect(page.getByRole("banner")).toBeVisible();
  await expect(page.getByRole("main")).toBeVisible();
  await expect(page.getByRole("contentinfo")).toBeVisible();
  await waitForHydration(page);

  const html = page.locator("html");
  const startedDark = await html.evaluate((el) => el.classList.contains("dark"));
  await page.getByRole("button", { name: "Toggle dark mode" }).click();
  if (startedDark) {
    await expect(html).not.toHaveClass(/dark/);
  } else {
    await expect(html).toHaveClass(/dark/);
  }
  // The choice is remembered: after a reload the page starts in the chosen theme.
  await page.reload();
  await waitForHydration(page);
  const nowDark = await html.evaluate((el) => el.classList.contains("dark"));
  expect(nowDark).toBe(!startedDark);
  expect(errors).toEqual([]);
});

test("a reader opens a post from the home page", async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto("/");
  await waitForHydration(page);
  const firstLink = page.getByRole("article").first().getByRole("link").first();
  const title = (await firstLink.textContent())!.trim();
  await firstLink.click();
  await expect(page).toHaveURL(/\/posts\//);
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page).toHaveTitle(`${title} · quire demo`);
  await expect(page.locator("article pre").first()).toBeVisible();
  expect(errors).toEqual([]);
});

test("an unknown address shows the 404 page", async ({ page }) => {
  const res = await page.goto("/certainly/not/here");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("assets have hashed names, long cache lifetimes and compression", async ({ page, request }) => {
  await page.goto("/");
  const cssHref = await page.locator('link[rel="stylesheet"]').first().getAttribute("href");
  expect(cssHref).toMatch(/^\/pkg\/quire\.[\w-]+\.css$/);
  for (const encoding of ["br", "gzip"]) {
    const res = await request.get(cssHref!, { headers: { "Accept-Encoding": encoding } });
    expect(res.status()).toBe(200);
    expect(res.headers()["cache-control"]).toContain("immutable");
    expect(res.headers()["content-encoding"]).toBe(encoding);
  }
  // A visitor's home page has nothing to hydrate and loads no wasm; the sign-in form does.
  await expect(page.locator('link[type="application/wasm"], script[type="module"]')).toHaveCount(0);
  await page.goto("/signin");
  const wasm = await page.locator('link[rel="preload"][type="application/wasm"]').getAttribute("href");
  expect(wasm).toMatch(/^\/pkg\/quire\.[\w-]+\.wasm$/);
  const res = await request.get(wasm!, { headers: { "Accept-Encoding": "br" } });
  expect(res.status()).toBe(200);
  expect(res.headers()["cache-control"]).toContain("max-age=31536000");
});
