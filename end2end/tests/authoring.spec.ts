import { expect } from "@playwright/test";
import { deflateSync } from "node:zlib";
import { signUp, waitForHydration, test } from "./helpers";

/// A small valid PNG (solid colour), made here so the test needs no fixture files.
function png(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x4f)]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

test("write a post with code and an image, watch it autosave, publish it, read it signed out", async ({ page, browser }) => {
  const username = `author${Date.now() % 1_000_000}`;
  await signUp(page, username);

  await page.goto("/editor/new");
  await waitForHydration(page);
  const title = `Notes on borrowing ${username}`;
  await page.getByLabel("Title").fill(title);
  await expect(page.getByText(`Will be at /posts/notes-on-borrowing-${username}`)).toBeVisible();
  const body = page.getByLabel("Text (markdown)");
  await body.fill("Ownership in one example:\n\n```rust\nfn main() {\n    let s = String::from(\"hi\");\n}\n```\n\n");
  // The preview follows, rendered as the post page will be.
  await expect(page.getByTestId("preview").locator("pre")).toContainText("String::from");

  // Autosave: nothing clicked, and the status line says so.
  await expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });
  await expect(page).toHaveURL(/\/editor\/\d+$/);

  // An image, with progress, written where the cursor is.
  await body.press("End");
  await page.locator("#image-upload").setInputFiles({ name: "diagram.png", mimeType: "image/png", buffer: png(64, 32) });
  await expect(body).toHaveValue(/!\[diagram\]\(\/media\/images\/[^)]+\.(png|jpg)\)/, { timeout: 15_000 });
  await expect(page.getByTestId("preview").locator("img")).toBeVisible();
  await expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });

  await page.getByRole("button", { name: "Publish now" }).click();
  await expect(page.getByTestId("post-status")).toContainText("Published");

  const reader = await browser.newPage();
  await reader.goto(`/posts/notes-on-borrowing-${username}`);
  await expect(reader.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await expect(reader.locator("article pre")).toContainText("String::from");
  await expect(reader.locator("article img[src^='/media/images/']")).toBeVisible();

  // The dashboard lists it as published.
  await page.goto("/dashboard");
  await expect(page.getByRole("region", { name: "Published" }).getByRole("link", { name: title })).toBeVisible();
});

test("a published post given a new address still answers at the old one", async ({ page, browser }) => {
  const username = `mover${Date.now() % 1_000_000}`;
  await signUp(page, username);
  await page.goto("/editor/new");
  await waitForHydration(page);
  await page.getByLabel("Title").fill(`Moving day ${username}`);
  // With code, as the newest post on the home page, which home.spec.ts opens, has.
  await page.getByLabel("Text (markdown)").fill("Boxes everywhere.\n\n```sh\nmv old-home new-home\n```\n");
  await expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });
  await page.getByRole("button", { name: "Publish now" }).click();
  await expect(page.getByTestId("post-status")).toContainText("Published");

  const reader = await browser.newPage();
  await reader.goto(`/posts/moving-day-${username}`);
  await expect(reader.getByRole("heading", { name: `Moving day ${username}`, level: 1 })).toBeVisible();

  await page.getByLabel("Address (slug)").fill(`settled-in-${username}`);
  await expect(page.getByText(`Will be at /posts/settled-in-${username}`)).toBeVisible();
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByTestId("save-state")).toHaveText("Saved", { timeout: 15_000 });

  // A reader with the old link lands on the post at its new address.
  await reader.goto(`/posts/moving-day-${username}`);
  await expect(reader).toHaveURL(new RegExp(`/posts/settled-in-${username}$`));
  await expect(reader.getByRole("heading", { name: `Moving day ${username}`, level: 1 })).toBeVisible();
  await reader.close();
});
