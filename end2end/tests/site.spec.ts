import { expect, Page } from "@playwright/test";
import { signInAsOwner, signUp, test, waitForHydration } from "./helpers";

// The blog's settings in the admin's Settings tab, as its owner uses them. Each test puts
// back what it changed: the other tests share this blog.

async function openSettings(page: Page) {
  await page.goto("/admin?tab=settings");
  await waitForHydration(page);
}

test("a new title shows at once in the header, the page title and the feed", async ({ page, request }) => {
  await signInAsOwner(page);
  await openSettings(page);
  const before = await page.getByLabel("Title").inputValue();
  const title = `Field Notes ${Date.now() % 1_000_000}`;
  await page.getByLabel("Title").fill(title);
  await page.getByRole("textbox", { name: "Footer", exact: true }).fill("Letters from the workshop");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Settings saved.")).toBeVisible();
  await expect(page.getByTestId("site-title")).toHaveText(title);

  // A visitor's copy of the home page (kept by the page cache) has changed too.
  const visitor = await page.context().browser()!.newContext();
  const home = await visitor.newPage();
  await home.goto(new URL("/", page.url()).toString());
  await expect(home).toHaveTitle(title);
  await expect(home.getByTestId("site-title")).toHaveText(title);
  await expect(home.getByTestId("site-footer")).toHaveText("Letters from the workshop");
  await visitor.close();
  const feed = await request.get("/feed.xml");
  expect(await feed.text()).toContain(`<title>${title}</title>`);

  // Bad input is named next to its field and keeps what was typed.
  await page.getByLabel("Title").fill("   ");
  await page.getByLabel("Language").fill("english");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Give the blog a name of 1 to 80 characters")).toBeVisible();
  await expect(page.getByText("Use a language tag like en, fr or pt-BR")).toBeVisible();
  await expect(page.getByLabel("Language")).toHaveValue("english");

  await openSettings(page);
  await page.getByLabel("Title").fill(before);
  await page.getByRole("textbox", { name: "Footer", exact: true }).fill("");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByTestId("site-title")).toHaveText(before);
});

test("when only authors write, a reader has no editor and is told why", async ({ browser, page }) => {
  const reader = await browser.newPage();
  await signUp(reader, `reader${Date.now() % 1_000_000}`);
  await signInAsOwner(page);
  await openSettings(page);
  await page.getByLabel("Authors, moderators and admins; other users read, comment and like").check();
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Settings saved.")).toBeVisible();
  try {
    await reader.goto("/");
    await reader.getByTestId("account-name").click();
    await expect(reader.getByRole("link", { name: "Settings" })).toBeVisible();
    await expect(reader.getByRole("link", { name: "Write a post" })).toHaveCount(0);
    await reader.goto("/editor/new");
    await expect(reader.getByText("Only authors write on this blog; an admin can make you one")).toBeVisible();
  } finally {
    await openSettings(page);
    await page.getByLabel("Every signed-in user").check();
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText("Settings saved.")).toBeVisible();
  }
  await reader.goto("/editor/new");
  await expect(reader.getByLabel("Title")).toBeVisible();
  await reader.close();
});

test("an invitation link makes an author", async ({ browser, page }) => {
  await signInAsOwner(page);
  await page.goto("/admin?tab=invitations");
  await waitForHydration(page);
  await page.getByLabel("Role").selectOption("AUTHOR");
  await page.getByRole("button", { name: "Make an invitation link" }).click();
  const link = await page.getByTestId("invitation-link").inputValue();
  expect(link).toContain("/signup?invitation=");

  const invited = await browser.newPage();
  await invited.goto(new URL(link).pathname + new URL(link).search);
  await expect(invited.getByTestId("invitation")).toContainText("as an author");
  await waitForHydration(invited);
  const username = `invited${Date.now() % 1_000_000}`;
  await invited.getByLabel("Email").fill(`${username}@example.com`);
  await invited.getByLabel("Username").fill(username);
  await invited.getByLabel("Password").fill("a long and memorable passphrase");
  await invited.getByRole("button", { name: "Create account" }).click();
  await expect(invited.getByTestId("account-name")).toBeVisible();

  // The link was for one person.
  await invited.context().clearCookies();
  await invited.goto(new URL(link).pathname + new URL(link).search);
  await expect(invited.getByText("This invitation has been used already")).toBeVisible();
  await invited.close();

  await page.goto("/admin?tab=invitations");
  await expect(page.getByText(`Used by @${username}`)).toBeVisible();
});

test("a page written in the editor goes in the menu and opens from a phone's menu button", async ({ browser, page }) => {
  await signInAsOwner(page);
  await page.goto("/editor/new?kind=page");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "New page" })).toBeVisible();
  await expect(page.getByLabel("Tags, separated by commas")).toHaveCount(0);
  const n = Date.now() % 1_000_000;
  const title = `Colophon ${n}`;
  await page.getByLabel("Title").fill(title);
  await expect(page.getByText(`Will be at /colophon-${n}`)).toBeVisible();
  await page.getByLabel("Text (markdown)").fill("Set in **system fonts**.");
  await expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });
  await page.getByRole("button", { name: "Publish now" }).click();
  await expect(page.getByTestId("post-status")).toContainText("Published");

  await page.goto("/admin?tab=menu");
  await waitForHydration(page);
  const header = page.getByRole("region", { name: "Header" });
  await header.getByRole("button", { name: "Add a link to the header" }).click();
  // Choosing one of the blog's pages names the link after it.
  await header.getByLabel("Address").last().fill(`/colophon-${n}`);
  await expect(header.getByLabel("Name", { exact: true }).last()).toHaveValue(title);
  await header.getByRole("button", { name: `Move ${title} up` }).click();
  await page.getByRole("button", { name: "Save menus" }).click();
  await expect(page.getByTestId("menu-status")).toContainText("Menus saved");
  try {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const reader = await phone.newPage();
    await reader.goto(new URL("/", page.url()).toString());
    // The header's links sit behind the menu button, which the keyboard opens.
    await expect(reader.getByRole("link", { name: title })).toHaveCount(0);
    await reader.getByTestId("menu-button").locator("summary").focus();
    await reader.keyboard.press("Enter");
    await reader.getByRole("link", { name: title }).click();
    await expect(reader.getByRole("heading", { name: title })).toBeVisible();
    await expect(reader.locator("article strong")).toHaveText("system fonts");
    await phone.close();
  } finally {
    await page.goto("/admin?tab=menu");
    await waitForHydration(page);
    await page.getByRole("region", { name: "Header" }).getByRole("button", { name: `Remove ${title}` }).click();
    await page.getByRole("button", { name: "Save menus" }).click();
    await expect(page.getByTestId("menu-status")).toContainText("Menus saved");
  }
});

test("dates are written in the blog's language and zone, also when an island draws them again", async ({ page }) => {
  await signInAsOwner(page);
  const setLanguage = async (language: string, zone: string) => {
    await openSettings(page);
    await page.getByLabel("Language").fill(language);
    await page.getByLabel("Time zone").selectOption(zone);
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText("Settings saved.")).toBeVisible();
  };
  await setLanguage("fr", "Asia/Tokyo");
  try {
    const n = Date.now() % 1_000_000;
    await page.goto("/editor/new");
    await waitForHydration(page);
    await page.getByLabel("Title").fill(`Dates ${n}`);
    await page.getByLabel("Text (markdown)").fill("Quand ?");
    await expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });
    await expect(page.getByLabel("Or at (Asia/Tokyo)")).toBeVisible();
    // Today in Tokyo, as French writes it (Node's Intl and the server's tables agree on it).
    const today = new Intl.DateTimeFormat("fr", { timeZone: "Asia/Tokyo", year: "numeric", month: "long", day: "numeric" }).format(new Date());
    await page.goto("/dashboard");
    await waitForHydration(page);
    const row = page.getByRole("listitem").filter({ hasText: `Dates ${n}` });
    await expect(row).toContainText(`Edited ${today}`);
    // Publishing redraws the list in the browser: still French, still Tokyo.
    await row.getByRole("button", { name: /Publish/ }).click();
    await expect(page.getByRole("region", { name: "Published" }).getByRole("listitem").filter({ hasText: `Dates ${n}` })).toContainText(`Edited ${today}`);
  } finally {
    await setLanguage("en", "UTC");
  }
});
