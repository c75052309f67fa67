// Shared fixtures: the server's URLs, a guard that fails any test whose page logged a CSP
// violation or an uncaught error, sign-in through the page, and axe-core (WCAG 2.2 AA).

import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";

export { expect };

export const ACME = "00000000-0000-4000-8000-000000000001";
export const GLOBEX = "00000000-0000-4000-8000-000000000002";

export function serverUrl(): string {
  const url = process.env.DD_E2E_URL;
  if (!url) throw new Error("DD_E2E_URL is not set (global setup did not run)");
  return url;
}

export function simUrl(): string {
  const url = process.env.DD_E2E_SIM;
  if (!url) throw new Error("DD_E2E_SIM is not set (global setup did not run)");
  return url;
}

export const test = base.extend<{ consoleProblems: string[] }>({
  baseURL: async ({}, use) => use(serverUrl()),
  consoleProblems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on("console", (message) => {
        const text = message.text();
        if (/Content[- ]Security[- ]Policy|Refused to (execute|apply|load|connect)/i.test(text)) problems.push(text);
      });
      page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
      await use(problems);
      expect(problems, "CSP violations or uncaught errors in the console").toEqual([]);
    },
    { auto: true },
  ],
});

/** Signs in on the local sign-in page with the demo user's button (named by the e-mail). */
export async function signIn(page: Page, email: string): Promise<void> {
  await page.goto("/app/");
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
  await page.getByRole("button", { name: email, exact: true }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

/** No WCAG 2.0–2.2 A/AA violations on the page as it is now. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  const summary = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  expect(summary, `axe violations on ${what}`).toEqual([]);
}

/** A token for a demo user, for API calls made outside the page. */
export async function tokenFor(request: APIRequestContext, email: string): Promise<string> {
  const response = await request.post(`${serverUrl()}/_local/sign-in`, { data: { email } });
  expect(response.ok()).toBeTruthy();
  return ((await response.json()) as { token: string }).token;
}

export function employeeApi(tenant: string, company: number, employee: number): string {
  return `${serverUrl()}/tenants/${tenant}/companies/${company}/employees/${employee}/direct-deposits`;
}

/** Picks a radio option the way a person does: by clicking its label. */
export async function choose(page: Page, name: string): Promise<void> {
  const radio = page.getByRole("radio", { name, exact: true });
  await page.locator("label", { has: radio }).click();
  await expect(radio).toBeChecked();
}
