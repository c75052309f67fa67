// Every page at 1280 and 320 px wide: checked with axe at both widths (reflow, WCAG 1.4.10)
// and photographed into test-results/screenshots/. With DD_SCREENSHOTS=docs the pictures
// also go to docs/screenshots/ (the README's).

import { mkdirSync } from "node:fs";
import { join } from "node:path";

import type { Page } from "@playwright/test";

import { choose, expect, expectAccessible, signIn, test } from "./fixtures";

const OUT = join(import.meta.dirname, "..", "test-results", "screenshots");
const DOCS = join(import.meta.dirname, "..", "..", "docs", "screenshots");

async function shoot(page: Page, name: string, width: number): Promise<void> {
  await expectAccessible(page, `${name} at ${width}px`);
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, `${name}-${width}.png`), fullPage: true });
  if (process.env.DD_SCREENSHOTS === "docs") {
    mkdirSync(DOCS, { recursive: true });
    await page.screenshot({ path: join(DOCS, `${name}-${width}.png`), fullPage: true });
  }
}

for (const width of [1280, 320]) {
  test.describe(`${width}px`, () => {
    test.use({ viewport: { width, height: width > 600 ? 800 : 640 } });

    test("employee pages", async ({ page }) => {
      await page.goto("/app/");
      await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
      await shoot(page, "sign-in", width);

      await signIn(page, "alice@acme.example");
      await page.getByLabel("Net pay").fill("2400");
      await page.getByRole("button", { name: "Show preview" }).click();
      await expect(page.getByRole("table", { name: /net pay/ })).toBeVisible();
      await shoot(page, "deposits", width);

      await page.getByRole("button", { name: "Add direct deposit" }).click();
      await page.getByLabel("Routing number").fill("12345");
      await page.getByRole("button", { name: "Continue" }).click();
      await expect(page.getByRole("alert")).toBeFocused();
      await shoot(page, "add-errors", width);

      await page.getByLabel("Routing number").fill("322271627");
      await page.getByLabel("Account number", { exact: true }).fill("246813579");
      await page.getByLabel("Confirm account number").fill("246813579");
      await choose(page, "Money market");
      await choose(page, "Percentage");
      await page.getByLabel("Amount", { exact: true }).fill("15");
      await page.getByRole("button", { name: "Continue" }).click();
      await expect(page.getByRole("heading", { level: 1, name: "Review your direct deposit" })).toBeVisible();
      await expect(page.getByRole("table", { name: /net pay/ })).toBeVisible();
      await shoot(page, "review", width);

      await page.goto("/app/approvals");
      await expect(page.getByRole("heading", { level: 1, name: "Not allowed" })).toBeVisible();
      await shoot(page, "not-allowed", width);
    });

    test("HR admin pages", async ({ page }) => {
      await signIn(page, "hr@acme.example");
      await expect(page.getByRole("heading", { level: 1, name: "Pending approvals" })).toBeVisible();
      await expect(page.getByRole("table")).toBeVisible();
      await shoot(page, "approvals", width);
      await page.getByRole("button", { name: "Reject" }).first().click();
      await page.getByRole("dialog").getByRole("button", { name: "Reject" }).click();
      await expect(page.getByRole("dialog").getByRole("alert")).toBeFocused();
      await shoot(page, "reject-dialog", width);
    });
  });
}
