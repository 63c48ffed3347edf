import * as fs from "fs";
import * as path from "path";
import { expect, Page } from "@playwright/test";
import { signUp, test, waitForHydration } from "./helpers";

const NEW_PASSWORD = "brass lanterns light the stair";

/// The text part of the newest message scripts/e2e-server.sh's SMTP server got for `to`,
/// waiting for it. Quoted-printable soft breaks and escapes are undone.
async function mailTo(project: string, to: string): Promise<string> {
  const dir = path.join(__dirname, "../../target/e2e-mail", project);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith(".eml")).sort() : [];
    for (const name of names.reverse()) {
      const raw = fs.readFileSync(path.join(dir, name), "utf8");
      if (raw.includes(`X-Envelope-To: ${to}\r\n`)) {
        return raw.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
      }
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function signInWith(page: Page, login: string, password: string) {
  await page.goto("/signin");
  await waitForHydration(page);
  await page.getByLabel("Email or username").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a forgotten password is reset with the link from the mail", async ({ page }, testInfo) => {
  const username = `forgetful${Date.now()}`;
  const email = `${username}@example.com`;
  await signUp(page, username);
  await page.context().clearCookies();

  await page.goto("/signin");
  await waitForHydration(page);
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await waitForHydration(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a link" }).click();
  await expect(page.getByTestId("reset-requested")).toContainText("on its way");

  const mail = await mailTo(testInfo.project.name, email);
  const link = mail.match(/http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=[A-Za-z0-9_-]+/)?.[0];
  expect(link, mail).toBeTruthy();
  await page.goto(link!);
  await waitForHydration(page);
  const field = page.getByLabel("New password");
  await field.fill("too short");
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await field.fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page).toHaveURL(/\/signin\?reset=1/);
  await expect(page.getByRole("status").first()).toContainText("Your new password is set");

  await signInWith(page, username, NEW_PASSWORD);
  await expect(page.getByTestId("account-name")).toBeVisible();

  // The link works once; the page says so and offers a new one.
  await page.goto(link!);
  await expect(page.getByTestId("reset-refused")).toContainText("used already");
  await expect(page.getByRole("link", { name: "Send me a new link" })).toBeVisible();
});
