// An employee (Alice, Acme) manages her own deposits in the browser: add (form → review →
// submit), see it pending, edit the amount, delete with a confirmation; errors in an error
// summary that takes focus; the paycheck preview from the server; no token in localStorage.

import { ACME, choose, expect, expectAccessible, signIn, test, tokenFor } from "./fixtures";

test.describe.configure({ mode: "serial" });

test("sign-in page lists the demo users and is accessible", async ({ page }) => {
  await page.goto("/app/");
  await expect(page).toHaveTitle(/Sign in/);
  for (const email of ["alice@acme.example", "bob@acme.example", "hr@acme.example", "carol@globex.example"]) {
    await expect(page.getByRole("button", { name: email, exact: true })).toBeVisible();
  }
  await expectAccessible(page, "sign-in");
});

test("Alice adds, edits and deletes a deposit", async ({ page }) => {
  await signIn(page, "alice@acme.example");
  await expect(page.getByRole("heading", { level: 1, name: "Direct deposits" })).toBeFocused();
  await expect(page).toHaveTitle(/Direct deposits/);
  await expectAccessible(page, "deposits (empty)");

  // The token lives in sessionStorage only.
  const storage = await page.evaluate(() => ({
    local: JSON.stringify(localStorage),
    session: Object.keys(sessionStorage),
    cookie: document.cookie,
  }));
  expect(storage.local).toBe("{}");
  expect(storage.cookie).toBe("");
  expect(storage.session).toEqual(["dd.token"]);

  await page.getByRole("button", { name: "Add direct deposit" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Add direct deposit" })).toBeFocused();

  // Invalid input: an error summary that takes focus, nothing sent.
  await page.getByLabel("Routing number").fill("021000022");
  await page.getByLabel("Account number", { exact: true }).fill("12345678");
  await page.getByLabel("Confirm account number").fill("12345679");
  await page.getByRole("button", { name: "Continue" }).click();
  const summary = page.getByRole("alert");
  await expect(summary).toBeFocused();
  await expect(summary).toContainText("Routing number fails the ABA checksum.");
  await expect(summary).toContainText("Confirm account number must match the account number.");
  await expectAccessible(page, "add form with errors");

  await page.getByLabel("Routing number").fill("021000021");
  await page.getByLabel("Account number", { exact: true }).fill("123456789");
  await page.getByLabel("Confirm account number").fill("123456789");
  await choose(page, "Savings");
  await choose(page, "Flat amount");
  await page.getByLabel("Amount", { exact: true }).fill("250");
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page.getByRole("heading", { level: 1, name: "Review your direct deposit" })).toBeFocused();
  await expect(page.getByText("123456789")).toHaveCount(0);
  await expectAccessible(page, "review");
  await page.getByRole("button", { name: "Submit" }).click();

  await expect(page.getByRole("heading", { level: 1, name: "Direct deposits" })).toBeVisible();
  await expect(page.getByRole("status")).toContainText("Deposit added");
  const table = page.getByRole("table");
  const row = table.getByRole("row").filter({ hasText: "6789" });
  await expect(row).toContainText("Savings");
  await expect(row).toContainText("$250.00");
  await expect(row).toContainText("Pending");
  await expect(table).not.toContainText("123456789");
  await expectAccessible(page, "deposits (one pending)");

  // Edit the amount.
  await row.getByRole("button", { name: "Edit" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Edit direct deposit" })).toBeFocused();
  await expectAccessible(page, "edit");
  await page.getByLabel("Amount", { exact: true }).fill("300.5");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Review your change" })).toBeVisible();
  await page.getByRole("button", { name: "Submit" }).click();
  await expect(table.getByRole("row").filter({ hasText: "6789" })).toContainText("$300.50");

  // Delete, with a confirmation.
  await table.getByRole("row").filter({ hasText: "6789" }).getByRole("button", { name: "Delete" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await expectAccessible(page, "delete confirmation");
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("status")).toContainText("Deposit deleted");
  await expect(page.getByText("No direct deposits yet")).toBeVisible();
});

test("API errors (duplicate) appear in an error summary that takes focus", async ({ page }) => {
  await signIn(page, "alice@acme.example");
  for (let attempt = 0; attempt < 2; attempt += 1) {
    await page.getByRole("button", { name: "Add direct deposit" }).click();
    await page.getByLabel("Routing number").fill("011000015");
    await page.getByLabel("Account number", { exact: true }).fill("555000111");
    await page.getByLabel("Confirm account number").fill("555000111");
    await choose(page, "Checking");
    await choose(page, "Balance remainder");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("button", { name: "Submit" }).click();
    if (attempt === 0) await expect(page.getByRole("status")).toContainText("Deposit added");
  }
  const summary = page.getByRole("alert");
  await expect(summary).toBeFocused();
  await expect(summary).toContainText("You already have a deposit to this bank account.");
  await expectAccessible(page, "review with an API error");
});

test("paycheck preview shows what lands where, computed by the server", async ({ page }) => {
  await signIn(page, "alice@acme.example");
  // From the previous test: a Balance Remainder to 555000111. Add a flat $400.
  await page.getByRole("button", { name: "Add direct deposit" }).click();
  await page.getByLabel("Routing number").fill("021000021");
  await page.getByLabel("Account number", { exact: true }).fill("99887766");
  await page.getByLabel("Confirm account number").fill("99887766");
  await choose(page, "Checking");
  await choose(page, "Flat amount");
  await page.getByLabel("Amount", { exact: true }).fill("400");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("button", { name: "Submit" }).click();
  await expect(page.getByRole("status")).toContainText("Deposit added");

  await page.getByLabel("Net pay").fill("1000");
  await page.getByRole("button", { name: "Show preview" }).click();
  const preview = page.getByRole("table", { name: /net pay of \$1,000.00/ });
  await expect(preview.getByRole("row").filter({ hasText: "7766" })).toContainText("$400.00");
  await expect(preview.getByRole("row").filter({ hasText: "0111" })).toContainText("$600.00");
  await expect(preview).toContainText("Left over, paid by check");
  await expectAccessible(page, "paycheck preview");

  // A net pay too small for the flat amount: the note says why.
  await page.getByLabel("Net pay").fill("300");
  await page.getByRole("button", { name: "Show preview" }).click();
  const small = page.getByRole("table", { name: /net pay of \$300.00/ });
  await expect(small.getByRole("row").filter({ hasText: "7766" })).toContainText("$300.00");
  await expect(small.getByRole("row").filter({ hasText: "7766" })).toContainText(/only/i);
});

test("keyboard only: add a deposit without a mouse", async ({ page }) => {
  await signIn(page, "alice@acme.example");
  await page.getByRole("button", { name: "Add direct deposit" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Add direct deposit" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Routing number")).toBeFocused();
  await page.keyboard.type("211000019");
  await page.keyboard.press("Tab");
  await page.keyboard.type("KB12345678");
  await page.keyboard.press("Tab");
  await page.keyboard.type("KB12345678");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("radio", { name: "Checking" })).toBeFocused();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("radio", { name: "Savings" })).toBeChecked();
  await page.keyboard.press("Tab");
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("radio", { name: "Percentage" })).toBeChecked();
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Amount", { exact: true })).toBeFocused();
  await page.keyboard.type("5");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Continue" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Review your direct deposit" })).toBeFocused();
  const submit = page.getByRole("button", { name: "Submit" });
  for (let i = 0; i < 10 && !(await submit.evaluate((el) => el === document.activeElement)); i += 1) {
    await page.keyboard.press("Tab");
  }
  await expect(submit).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toContainText("Deposit added");
  await expect(page.getByRole("row").filter({ hasText: "5678" })).toContainText("5%");
});

test("an employee who opens an admin page gets a clear not-allowed page", async ({ page }) => {
  await signIn(page, "alice@acme.example");
  await page.goto("/app/approvals");
  await expect(page.getByRole("heading", { level: 1, name: "Not allowed" })).toBeVisible();
  await expectAccessible(page, "not allowed");
});

test("a token handed over in the URL fragment (single sign-on) signs in and leaves the URL", async ({ page, request }) => {
  const token = await tokenFor(request, "alice@acme.example");
  await page.goto(`/app/deposits#token=${token}`);
  await expect(page.getByRole("heading", { level: 1, name: "Direct deposits" })).toBeVisible();
  expect(page.url()).not.toContain("token");
  expect(await page.evaluate(() => JSON.stringify(localStorage))).toBe("{}");
});

test("a token the API no longer accepts sends the user back to Sign in", async ({ page }) => {
  await page.goto("/app/");
  // Well-formed, for Alice, but not signed by this server (as after a key rotation).
  const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const forged = `${encode({ alg: "HS256" })}.${encode({ account: { tenantId: ACME, email: "alice@acme.example" }, exp: 4102444800 })}.c2ln`;
  await page.evaluate((token) => sessionStorage.setItem("dd.token", token), forged);
  await page.goto("/app/deposits");
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("status")).toContainText("Your session has ended");
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
});

test("signing out forgets the token", async ({ page }) => {
  await signIn(page, "alice@acme.example");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
  await page.goto("/app/deposits");
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
});
