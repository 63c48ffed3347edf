import { expect, Page } from "@playwright/test";
import { PASSWORD, signUp, waitForHydration, test } from "./helpers";

// On a phone on a slow network an island's code arrives seconds after its HTML, and people
// start typing at once. Each test holds the islands' JS and wasm back for 3 s, types into the
// server's HTML meanwhile, and checks that hydration keeps it and that it is then saved or sent.

const DELAY_MS = 3_000;

// Each test waits out the delay once or twice, on top of signing up and saving.
test.describe.configure({ timeout: 90_000 });

async function slowIslands(page: Page) {
  await page.route(/\/pkg\/.*\.(js|wasm)$/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, DELAY_MS));
    await route.continue();
  });
}

/// Opens a page without waiting for its scripts, which are held back.
async function openUnhydrated(page: Page, path: string) {
  await slowIslands(page);
  await page.goto(path, { waitUntil: "domcontentloaded" });
}

/// The typing above really happened before hydration, or the test proves nothing.
async function expectNotHydrated(page: Page) {
  await expect(page.locator("body[data-hydrated]")).toHaveCount(0);
}

async function signIn(page: Page, login: string, password: string) {
  await page.goto("/signin");
  await waitForHydration(page);
  await page.getByLabel("Email or username").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-name")).toBeVisible();
}

test("the editor keeps a title and text typed before it hydrated, and autosaves them", async ({ page }) => {
  const username = `early${Date.now() % 1_000_000}`;
  await signUp(page, username);

  await openUnhydrated(page, "/editor/new");
  const title = `Typed in a hurry ${username}`;
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Text (markdown)").fill("Words written while the editor was still loading.");
  await expectNotHydrated(page);

  await waitForHydration(page);
  await expect(page.getByLabel("Title")).toHaveValue(title);
  await expect(page.getByLabel("Text (markdown)")).toHaveValue("Words written while the editor was still loading.");
  // Taken as an unsaved change: autosave stores it without a click.
  await expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });
  await expect(page).toHaveURL(/\/editor\/\d+$/);

  await page.unrouteAll({ behavior: "ignoreErrors" });
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByLabel("Title")).toHaveValue(title);
  await expect(page.getByLabel("Text (markdown)")).toHaveValue("Words written while the editor was still loading.");
});

test("sign-up and sign-in keep what was typed before they hydrated", async ({ page }) => {
  const username = `hasty${Date.now() % 1_000_000}`;
  await openUnhydrated(page, "/signup");
  await page.getByLabel("Email").fill(`${username}@example.com`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("First name (optional)").fill("Hasty");
  await expectNotHydrated(page);
  await waitForHydration(page);
  await expect(page.getByLabel("Username")).toHaveValue(username);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("account-name")).toHaveText("Hasty");

  await page.getByLabel(/Account menu for/).click();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();

  await openUnhydrated(page, "/signin");
  await page.getByLabel("Email or username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await expectNotHydrated(page);
  await waitForHydration(page);
  await expect(page.getByLabel("Email or username")).toHaveValue(username);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-name")).toHaveText("Hasty");
});

test("a sign-in refused before it hydrated comes back with the login typed", async ({ page }) => {
  const username = `rushed${Date.now() % 1_000_000}`;
  await signUp(page, username);
  await page.context().clearCookies();

  await openUnhydrated(page, "/signin");
  await page.getByLabel("Email or username").fill(username);
  await page.getByLabel("Password").fill("not the password at all");
  await expectNotHydrated(page);
  // Sent as a plain form: the page comes back from the server with the error.
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email, username or password")).toBeVisible();
  await expect(page.getByLabel("Email or username")).toHaveValue(username);
  await expect(page.getByLabel("Password")).toHaveValue("");

  await waitForHydration(page);
  await expect(page.getByLabel("Email or username")).toHaveValue(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-name")).toBeVisible();
});

test("a comment and the settings keep what was typed before they hydrated", async ({ page }) => {
  const username = `quick${Date.now() % 1_000_000}`;
  await signUp(page, username);

  await openUnhydrated(page, "/posts/writing-accessible-forms");
  const text = `Typed before the thread loaded, ${username}`;
  await page.getByLabel("Add a comment").fill(text);
  await expectNotHydrated(page);
  await waitForHydration(page);
  await expect(page.getByLabel("Add a comment")).toHaveValue(text);
  await page.getByRole("button", { name: "Post comment" }).click();
  await expect(page.getByRole("article", { name: `Comment by ${username}` })).toContainText(text);

  await openUnhydrated(page, "/settings");
  const bio = `Bio typed early by ${username}`;
  await page.getByLabel("Bio").fill(bio);
  await expectNotHydrated(page);
  await waitForHydration(page);
  await expect(page.getByLabel("Bio")).toHaveValue(bio);
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Profile saved.")).toBeVisible();
  await page.goto(`/u/${username}`);
  await expect(page.getByTestId("bio")).toHaveText(bio);
});

test("an admin's category form keeps what was typed before it hydrated", async ({ page }) => {
  await signIn(page, "owner", "administering is careful work");
  await openUnhydrated(page, "/admin?tab=categories");
  const name = `Early birds ${Date.now() % 1_000_000}`;
  const form = page.getByRole("region", { name: "New category" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Description").fill("Posts written before breakfast.");
  await expectNotHydrated(page);
  await waitForHydration(page);
  await expect(form.getByLabel("Name", { exact: true })).toHaveValue(name);
  await form.getByRole("button", { name: "Create category" }).click();
  await expect(page.locator("summary", { hasText: name })).toContainText(`/categories/early-birds-`);
});
