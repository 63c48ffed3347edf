import { expect } from "@playwright/test";
import { signUp, waitForHydration, test } from "./helpers";

const POST_TITLE = "Keyset Pagination: Stop Paying for Rows You Skip";

test("read a post, follow its table of contents, like it and find it by search", async ({ page }) => {
  await signUp(page, `reader${Date.now() % 1_000_000}`);

  await page.goto("/");
  await waitForHydration(page);
  await page.getByRole("link", { name: POST_TITLE }).first().click();
  await expect(page.getByRole("heading", { name: POST_TITLE, level: 1 })).toBeVisible();
  await expect(page).toHaveTitle(`${POST_TITLE} · quire demo`);
  // Links are plain links: the post is a new page, whose islands hydrate anew.
  await waitForHydration(page);

  // The table of contents jumps to the heading.
  const toc = page.getByRole("navigation", { name: "Table of contents" });
  await toc.getByRole("link", { name: "Breaking ties" }).click();
  await expect(page).toHaveURL(/#breaking-ties$/);
  await expect(page.getByRole("heading", { name: "Breaking ties" })).toBeInViewport();

  // Like: the count moves at once and stays after a reload.
  const like = page.getByRole("button", { name: /^Like/ });
  const before = Number(await page.getByTestId("like-count").textContent());
  await like.click();
  const liked = page.getByRole("button", { name: /^Liked/ });
  await expect(liked).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("like-count")).toHaveText(String(before + 1));
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByRole("button", { name: /^Liked/ })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("like-count")).toHaveText(String(before + 1));

  // Search from the header.
  const search = page.getByRole("searchbox", { name: "Search posts" }).first();
  await search.fill("keyset cursor");
  await search.press("Enter");
  await expect(page).toHaveURL(/\/search\?q=keyset/);
  const results = page.getByRole("list", { name: "Results" });
  await expect(results.getByRole("link", { name: POST_TITLE })).toBeVisible();
  await expect(results.locator("mark").first()).toBeVisible();
  await results.getByRole("link", { name: POST_TITLE }).click();
  await expect(page.getByRole("heading", { name: POST_TITLE, level: 1 })).toBeVisible();
});

test("tags and categories lead to their posts, and visitors are asked to sign in to like", async ({ page }) => {
  await page.goto("/tags");
  await waitForHydration(page);
  await page.getByRole("link", { name: /#databases/ }).click();
  await expect(page.getByRole("heading", { name: "#databases", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: POST_TITLE })).toBeVisible();

  await page.goto("/categories");
  await expect(page.getByRole("heading", { name: "Categories", level: 1 })).toBeVisible();
  await page.locator("main ul a").first().click();
  await expect(page.locator("main h1")).toBeVisible();

  await page.goto("/posts/keyset-pagination-in-sql");
  await expect(page.getByRole("link", { name: /Sign in to like/ })).toBeVisible();
  // A visitor can only read here: the page is HTML and CSS, with no wasm to fetch.
  await expect(page.locator('script[type="module"], link[type="application/wasm"]')).toHaveCount(0);
});
