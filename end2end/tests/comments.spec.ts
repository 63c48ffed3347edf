import { expect, Page } from "@playwright/test";
import { signUp, waitForHydration, test } from "./helpers";

const POST = "/posts/writing-accessible-forms";

/// Mona, the moderator that scripts/e2e-server.sh creates.
async function signInAsModerator(page: Page) {
  await page.goto("/signin");
  await waitForHydration(page);
  await page.getByLabel("Email or username").fill("mona");
  await page.getByLabel("Password").fill("moderating is careful work");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-name")).toHaveText("Mona");
}

test("a reader comments, a moderator approves it in /admin, and a visitor then sees it", async ({ browser }) => {
  // Three people, each loading and hydrating pages: more than the default time on a busy machine.
  test.slow();
  const reader = await browser.newPage();
  const username = `talker${Date.now() % 1_000_000}`;
  await signUp(reader, username);

  const text = `Labels matter, thanks ${username}!`;
  await reader.goto(POST);
  await waitForHydration(reader);
  await reader.getByLabel("Add a comment").fill(`${text} *Really*.`);
  await reader.getByRole("button", { name: "Post comment" }).click();
  // The thread comes back with the reader's own comment, marked as waiting.
  const mine = reader.getByRole("article", { name: `Comment by ${username}` });
  await expect(mine).toContainText(text);
  await expect(mine.getByText("Waiting for approval")).toBeVisible();
  await expect(mine.locator("em")).toHaveText("Really");

  // Nobody else sees it yet.
  const visitor = await browser.newPage();
  await visitor.goto(POST);
  await expect(visitor.getByRole("heading", { name: /Comments/ })).toBeVisible();
  await expect(visitor.getByText(text)).toHaveCount(0);

  // The moderator sees the badge, opens the queue and approves it.
  const moderator = await browser.newPage();
  await signInAsModerator(moderator);
  await expect(moderator.getByTestId("pending-badge")).toBeVisible();
  await moderator.getByRole("link", { name: /^Admin/ }).click();
  await expect(moderator.getByRole("heading", { name: "Admin", level: 1 })).toBeVisible();
  await waitForHydration(moderator);
  const entry = moderator.getByRole("article", { name: `Comment by ${username}` });
  await expect(entry).toContainText(text);
  await entry.getByRole("button", { name: `Approve the comment by ${username}` }).click();
  await expect(entry).toHaveCount(0);

  // Now everybody sees it, with a permalink.
  await visitor.reload();
  const shown = visitor.getByRole("article", { name: `Comment by ${username}` });
  await expect(shown).toContainText(text);
  await expect(shown.getByText("Waiting for approval")).toHaveCount(0);
  await expect(shown.getByRole("link", { name: /just now|minute/ })).toHaveAttribute("href", /#comment-\d+$/);
});

test("replies nest under their parent and can be edited and deleted", async ({ page }) => {
  await signInAsModerator(page);

  await page.goto(POST);
  await waitForHydration(page);
  const top = `Top-level note ${Date.now()}`;
  await page.getByLabel("Add a comment").fill(top);
  await page.getByRole("button", { name: "Post comment" }).click();
  const parent = page.locator("li", { has: page.getByText(top) }).last();
  await expect(parent).toBeVisible();
  await parent.getByText("Reply", { exact: true }).click();
  await parent.getByLabel("Your reply").fill("A reply from Mona");
  await parent.getByRole("button", { name: "Post reply" }).click();
  const reply = page.locator("li", { has: page.getByText("A reply from Mona") }).last();
  await expect(reply).toHaveClass(/ml-4/);

  await reply.getByText("Edit", { exact: true }).click();
  await reply.getByLabel("Edit your comment").fill("A reply from Mona, edited");
  await reply.getByRole("button", { name: "Save changes" }).click();
  const edited = page.getByRole("paragraph").filter({ hasText: "A reply from Mona, edited" });
  await expect(edited).toBeVisible();
  await expect(page.locator("li", { has: edited }).last().getByText("(edited)")).toBeVisible();

  const again = page.locator("li", { has: page.getByText(top) }).last();
  await again.getByText("Delete", { exact: true }).first().click();
  await again.getByRole("button", { name: "Yes, delete it" }).first().click();
  await expect(page.getByText("This comment was deleted.").first()).toBeVisible();
  await expect(edited).toBeVisible();
});
