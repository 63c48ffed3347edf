import * as fs from "fs";
import * as path from "path";
import { expect } from "@playwright/test";
import { signInAsOwner, test } from "./helpers";

// scripts/e2e-server.sh imports tests/fixtures/import/wordpress (a real WordPress 6.1 export)
// before the server starts.

test("a post moved in from WordPress answers at its old address, with its code, picture and thread", async ({ page }) => {
  await page.goto("/2023/03/14/hello-rust-ownership/");
  await expect(page).toHaveURL(/\/posts\/hello-rust-ownership$/);
  await expect(page.getByRole("heading", { level: 1, name: "Hello, Rust: ownership in five minutes" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "The three rules" })).toBeVisible();
  await expect(page.locator("pre code.language-rust")).toContainText("fn length(s: &str) -> usize");

  const picture = page.getByRole("img", { name: "Boxes and arrows showing a move" });
  await picture.scrollIntoViewIfNeeded();
  await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

  const thread = page.getByRole("list", { name: "Comments" });
  await expect(thread).toContainText("Margaret Hamilton");
  await expect(thread).toContainText("Thanks, that makes sense now.");
  await expect(thread).not.toContainText("waiting for moderation");

  // WordPress's own short addresses, and its sections, lead to the same places.
  await page.goto("/?p=4");
  await expect(page).toHaveURL(/\/posts\/hello-rust-ownership$/);
  await page.goto("/category/programming/");
  await expect(page).toHaveURL(/\/categories\/programming$/);
  await expect(page.getByRole("link", { name: "Hello, Rust: ownership in five minutes" }).first()).toBeVisible();
});

test("an admin imports a WordPress export on the admin page and sees how it went", async ({ page }, testInfo) => {
  await signInAsOwner(page);
  await page.goto("/admin?tab=import");
  const field = page.getByLabel("WordPress or Ghost export (.xml, .json)");

  // Not an export: refused next to the field, nothing imported.
  const notes = testInfo.outputPath("notes.xml");
  fs.writeFileSync(notes, "<notes>just notes</notes>");
  await field.setInputFiles(notes);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("notes.xml");
  await expect(page.getByLabel("WordPress or Ghost export (.xml, .json)")).toHaveAttribute("aria-invalid", "true");

  // The same export the server started with: everything is found again and brought up to date.
  await page.getByLabel("WordPress or Ghost export (.xml, .json)").setInputFiles(path.join(__dirname, "../../tests/fixtures/import/wordpress/export.xml"));
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page).toHaveURL(/tab=import$/);
  const status = page.getByTestId("import-status");
  await expect(status).toContainText("export.xml is imported", { timeout: 30_000 });
  await expect(status).toContainText("Updated:");
  await expect(status).not.toContainText("Created: ");
});
