// Tenant isolation and role checks, in the browser and at the API.

import { ACME, employeeApi, expect, expectAccessible, GLOBEX, serverUrl, signIn, test, tokenFor } from "./fixtures";

test("a Globex user sees nothing of Acme", async ({ page, request }) => {
  // Acme data exists (Bob's deposit) ...
  const bob = await tokenFor(request, "bob@acme.example");
  const created = await request.post(employeeApi(ACME, 1, 2), {
    headers: { Authorization: `Bearer ${bob}` },
    data: {
      amountType: "Percentage",
      amount: 10,
      bankAccount: { routingNumber: "011000015", accountNumber: "3141592653", designation: "Savings" },
    },
  });
  expect(created.status()).toBe(201);

  // ... and Carol (Globex) sees none of it in the app.
  await signIn(page, "carol@globex.example");
  await expect(page.getByRole("heading", { level: 1, name: "Direct deposits" })).toBeVisible();
  await expect(page.getByText("No direct deposits yet")).toBeVisible();
  await expect(page.locator("body")).not.toContainText("2653");
  await expect(page.locator("body")).not.toContainText("Acme");
  await expectAccessible(page, "Globex employee, empty");

  // Her token opens nothing of Acme at the API either.
  const carol = await tokenFor(request, "carol@globex.example");
  const auth = { Authorization: `Bearer ${carol}` };
  for (const url of [
    employeeApi(ACME, 1, 2),
    employeeApi(ACME, 1, 1),
    `${serverUrl()}/tenants/${ACME}/me`,
    `${serverUrl()}/tenants/${ACME}/companies/1/pending-direct-deposits`,
  ]) {
    const response = await request.get(url, { headers: auth });
    expect(response.status(), url).toBe(401);
    expect(await response.text(), url).not.toContain("2653");
  }
  expect((await request.get(`${serverUrl()}/tenants/${GLOBEX}/me`, { headers: auth })).status()).toBe(200);
});

test("an employee's token cannot list the company's pending approvals", async ({ request }) => {
  const alice = await tokenFor(request, "alice@acme.example");
  const response = await request.get(`${serverUrl()}/tenants/${ACME}/companies/1/pending-direct-deposits`, {
    headers: { Authorization: `Bearer ${alice}` },
  });
  expect(response.status()).toBe(401);
  expect(((await response.json()) as { code: number }).code).toBe(11);
});
