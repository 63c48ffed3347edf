import * as fs from "fs";
import * as path from "path";
import { expect, Page } from "@playwright/test";
import { signUp, test, waitForHydration } from "./helpers";

const NEW_PASSWORD = "brass lanterns light the stair";

/// The link to `path` in the newest message scripts/e2e-server.sh's SMTP server got for `to`
/// holding one, waiting for it. Quoted-printable soft breaks and escapes are undone.
async function linkTo(project: string, to: string, path: string): Promise<string> {
  const pattern = new RegExp(`http://127\\.0\\.0\\.1:\\d+${path.replace("?", "\\?")}\\?token=[A-Za-z0-9_.-]+`);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const link = (await mailsTo(project, to)).map((mail) => mail.match(pattern)?.[0]).find(Boolean);
    if (link) return link;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} with a link to ${path}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/// Every message for `to` so far, newest first.
async function mailsTo(project: string, to: string): Promise<string[]> {
  const dir = path.join(__dirname, "../../target/e2e-mail", project);
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith(".eml")).sort().reverse() : [];
  return names
    .map((name) => fs.readFileSync(path.join(dir, name), "utf8"))
    .filter((raw) => raw.includes(`X-Envelope-To: ${to}\r\n`))
    .map((raw) => raw.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))));
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

  const link = await linkTo(testInfo.project.name, email, "/reset-password");
  await page.goto(link);
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
  await page.goto(link);
  await expect(page.getByTestId("reset-refused")).toContainText("used already");
  await expect(page.getByRole("link", { name: "Send me a new link" })).toBeVisible();
});

test("a new account confirms its address with the link mailed at sign-up", async ({ page }, testInfo) => {
  const username = `newcomer${Date.now()}`;
  const email = `${username}@example.com`;
  await signUp(page, username);
  await page.goto("/settings");
  await expect(page.getByTestId("address-unconfirmed")).toContainText(`${email} is not confirmed yet`);

  const link = await linkTo(testInfo.project.name, email, "/confirm-email");
  await page.goto(link);
  await waitForHydration(page);
  await expect(page.getByText(`Is ${email} your address?`)).toBeVisible();
  await page.getByRole("button", { name: "Confirm this address" }).click();
  await expect(page.getByTestId("email-confirmed")).toContainText("your address is confirmed");

  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "Email", exact: true })).toBeVisible();
  await expect(page.getByTestId("address-unconfirmed")).toHaveCount(0);
});
