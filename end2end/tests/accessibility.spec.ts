import AxeBuilder from "@axe-core/playwright";
import { expect, Page } from "@playwright/test";
import { signInAsOwner, signUp, waitForHydration, test } from "./helpers";

// axe-core on every kind of page, visitors' and signed-in people's alike, in both colour
// themes and on a phone and a desktop screen: no violation of any of its rules. The markup is
// the same on both backends, so this runs against one.

test.beforeEach(({}, testInfo) => {
  test.skip(testInfo.project.name !== "sqlite", "pages are the same on every backend");
});

const VIEWPORTS = [
  { name: "mobile", width: 390, height: 844 },
  { name: "desktop", width: 1280, height: 800 },
];
const THEMES = ["light", "dark"] as const;

async function audit(page: Page, paths: string[]) {
  const found: string[] = [];
  for (const path of paths) {
    // Each page is opened once; the screen size and the theme change in place, as when a
    // reader turns a phone or presses the theme switch.
    const answer = await page.goto(path);
    expect(answer?.status(), path).toBeLessThan(500);
    await waitForHydration(page);
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      for (const theme of THEMES) {
        const dark = await page.evaluate(() => document.documentElement.classList.contains("dark"));
        if (dark !== (theme === "dark")) {
          await page.locator("[data-theme-toggle]").first().click();
        }
        await expect(page.locator("html")).toHaveClass(theme === "dark" ? /\bdark\b/ : /^(?!.*\bdark\b)/);
        const results = await new AxeBuilder({ page }).analyze();
        for (const violation of results.violations) {
          const where = violation.nodes.map((n) => `${n.target.join(" ")} ${n.html.slice(0, 160)}`).join(", ");
          found.push(`${path} (${viewport.name}, ${theme}): ${violation.id} [${violation.impact}] ${violation.help} at ${where}`);
        }
      }
    }
  }
  expect(found, found.join("\n")).toEqual([]);
}

/// Every kind of page a visitor reaches, with the demo content scripts/e2e-server.sh makes.
const VISITOR_PAGES = [
  "/",
  "/posts/writing-accessible-forms",
  // Moved in from WordPress (scripts/e2e-server.sh imports the fixture): converted blocks
  // and the ones kept as HTML.
  "/posts/hello-rust-ownership",
  "/posts/async-rust-blocks",
  "/tags",
  "/tags/accessibility",
  "/categories",
  "/categories/design",
  "/u/mira",
  "/about",
  "/search?q=accessible",
  "/search?q=nothing-matches-this-at-all",
  "/signin",
  "/signup",
  "/forgot-password",
  "/forgot-password?sent=1",
  "/reset-password?token=made-up",
  "/confirm-email?token=made-up",
  "/unsubscribe?token=made-up",
  "/subscribe",
  "/subscribe/confirm?token=made-up",
  "/no-such-page",
];

test("every page a visitor sees passes axe-core", async ({ page }) => {
  test.setTimeout(240_000);
  await audit(page, VISITOR_PAGES);
});

test("a post with wide code blocks and the signed-in pages pass axe-core", async ({ page }) => {
  test.setTimeout(300_000);
  const username = `axe${Date.now() % 1_000_000}`;
  await signUp(page, username);
  // A post whose code is wider than any screen: its blocks must scroll by keyboard too.
  await page.goto("/editor/new");
  await waitForHydration(page);
  const title = `Wide code ${username}`;
  await page.getByLabel("Title").fill(title);
  const wide = "const line = " + JSON.stringify("x".repeat(400)) + ";";
  await page.getByLabel("Text (markdown)").fill(`Before.\n\n\`\`\`js\n${wide}\n\`\`\`\n\nBetween.\n\n\`\`\`\n${"y".repeat(400)}\n\`\`\`\n`);
  await expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });
  await page.getByRole("button", { name: "Publish now" }).click();
  await expect(page.getByTestId("post-status")).toContainText("Published");
  const editor = new URL(page.url()).pathname;
  const slug = `/posts/wide-code-${username}`;

  await audit(page, [slug, editor, "/editor/new", "/dashboard", "/settings", `/u/${username}`]);
});

test("the page editor passes axe-core", async ({ page }) => {
  test.setTimeout(120_000);
  await signInAsOwner(page);
  await audit(page, ["/editor/new?kind=page"]);
});

test("every admin page passes axe-core", async ({ page }) => {
  test.setTimeout(240_000);
  await signInAsOwner(page);
  await audit(page, ["/admin", "/admin?tab=overview", "/admin?tab=users", "/admin?tab=invitations", "/admin?tab=subscribers", "/admin?tab=categories", "/admin?tab=home", "/admin?tab=menu", "/admin?tab=settings", "/admin?tab=redirects", "/admin?tab=import", "/admin?tab=import&error=Not+a+WordPress+export", "/admin?tab=audit"]);
});
