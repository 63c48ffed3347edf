import { expect } from "@playwright/test";
import { PASSWORD as password, waitForHydration, test } from "./helpers";

test("sign up, sign out, sign in, edit the bio and see it on the profile", async ({ page }) => {
  const username = `rosa${Date.now() % 1_000_000}`;
  await page.goto("/signup");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(`${username}@example.com`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByLabel("First name (optional)").fill("Rosa");
  await page.getByLabel("Last name (optional)").fill("Lind");
  await page.getByRole("button", { name: "Create account" }).click();

  const menu = page.getByLabel("Account menu for Rosa Lind");
  await expect(menu).toBeVisible();
  await expect(page.getByTestId("account-name")).toHaveText("Rosa Lind");

  await menu.click();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect(menu).toHaveCount(0);

  await page.getByRole("link", { name: "Sign in" }).click();
  // This test is about the signed-in flow; a submit before hydration (a plain form post, which
  // comes back without the login typed) is typing-before-hydration.spec.ts's business.
  await waitForHydration(page);
  await page.getByLabel("Email or username").fill(username);
  await page.getByLabel("Password").fill("not the password at all");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email, username or password")).toBeVisible();
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-name")).toHaveText("Rosa Lind");

  await page.getByLabel("Account menu for Rosa Lind").click();
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel("Bio").fill("Writes about rivers and the people who map them.");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Profile saved.")).toBeVisible();

  await page.getByRole("link", { name: "View your public profile" }).click();
  await expect(page.getByRole("heading", { name: "Rosa Lind", level: 1 })).toBeVisible();
  await expect(page.getByTestId("bio")).toHaveText("Writes about rivers and the people who map them.");
});

test("sign-in works as a plain form before any script runs", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await context.newPage();
  await page.goto("/signin");
  await page.getByLabel("Email or username").fill("nobody-at-all");
  await page.getByLabel("Password").fill("wrong password here");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email, username or password")).toBeVisible();
  // What was typed comes back with the error; the password does not.
  await expect(page.getByLabel("Email or username")).toHaveValue("nobody-at-all");
  await expect(page.getByLabel("Password")).toHaveValue("");
  await context.close();
});
