import { test as base, expect, Page } from "@playwright/test";

/// Playwright's `test`, failing any test in which a page's code panicked, even if the page
/// still looked right: a hydration mismatch panics, and the page then stops answering.
export const test = base.extend<{ panics: string[] }>({
  panics: [
    async ({ context }, use) => {
      const panics: string[] = [];
      context.on("console", (message) => {
        if (message.type() === "error" && message.text().includes("panicked")) panics.push(message.text());
      });
      context.on("weberror", (error) => panics.push(String(error.error())));
      await use(panics);
      expect(panics, "code in the page panicked").toEqual([]);
    },
    { auto: true },
  ],
});

/// The page answers clicks in place once this marker is set (see `hydrate()` in src/lib.rs).
export async function waitForHydration(page: Page) {
  await page.waitForSelector("body[data-hydrated=true]");
}

export const PASSWORD = "a long and memorable passphrase";

/// Signs up a new account in the browser and waits until the header shows it.
export async function signUp(page: Page, username: string, names?: { first: string; last: string }) {
  await page.goto("/signup");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(`${username}@example.com`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  if (names) {
    await page.getByLabel("First name (optional)").fill(names.first);
    await page.getByLabel("Last name (optional)").fill(names.last);
  }
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("account-name")).toBeVisible();
}

/// Signs in as the admin scripts/e2e-server.sh makes, and waits until the header shows it.
export async function signInAsOwner(page: Page) {
  await page.goto("/signin");
  await waitForHydration(page);
  await page.getByLabel("Email or username").fill("owner");
  await page.getByLabel("Password").fill("administering is careful work");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-name")).toBeVisible();
}
