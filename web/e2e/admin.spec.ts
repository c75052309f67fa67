// The HR admin (hr@acme.example): pending approvals for the company, approve (the deposit
// reaches the payroll simulator), reject with a required reason (the employee sees it), and
// the full account number on request.

import { ACME, employeeApi, expect, expectAccessible, signIn, simUrl, test, tokenFor } from "./fixtures";

test.describe.configure({ mode: "serial" });

async function bobAdds(request: import("@playwright/test").APIRequestContext, account: string, amount: number) {
  const token = await tokenFor(request, "bob@acme.example");
  const response = await request.post(employeeApi(ACME, 1, 2), {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      amountType: "Flat",
      amount,
      bankAccount: { routingNumber: "021000021", accountNumber: account, designation: "Checking" },
    },
  });
  expect(response.status()).toBe(201);
}

test("HR approves a pending deposit and payroll receives it", async ({ page, request }) => {
  await bobAdds(request, "4400112233", 125);
  await signIn(page, "hr@acme.example");
  await expect(page.getByRole("heading", { level: 1, name: "Pending approvals" })).toBeFocused();
  const row = page.getByRole("row").filter({ hasText: "2233" });
  await expect(row).toContainText("$125.00");
  await expect(row).not.toContainText("4400112233");
  await expectAccessible(page, "pending approvals");

  // The full number on request (audited by the server).
  await row.getByRole("button", { name: "Show full number" }).click();
  await expect(row).toContainText("4400112233");
  await row.getByRole("button", { name: "Hide" }).click();

  await row.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status")).toContainText("Approved");
  await expect(page.getByRole("row").filter({ hasText: "2233" })).toHaveCount(0);

  // Delivered from the outbox to the payroll simulator (asynchronously).
  await expect
    .poll(
      async () => {
        const eds = (await (await request.get(`${simUrl()}/_sim/eds`)).json()) as { tenantId: string; ed: unknown }[];
        return eds.filter((e) => e.tenantId === ACME && JSON.stringify(e.ed).includes("2233")).length;
      },
      { timeout: 20_000 },
    )
    .toBe(1);
});

test("HR rejects with a required reason, and the employee sees it", async ({ page, request, browser }) => {
  await bobAdds(request, "7700998877", 80);
  await signIn(page, "hr@acme.example");
  const row = page.getByRole("row").filter({ hasText: "8877" });
  await row.getByRole("button", { name: "Reject" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: "Reject" }).click();
  const summary = dialog.getByRole("alert");
  await expect(summary).toBeFocused();
  await expect(summary).toContainText("Enter the reason");
  await expectAccessible(page, "reject dialog with an error");
  await dialog.getByLabel("Reason").fill("This account belongs to someone else.");
  await dialog.getByRole("button", { name: "Reject" }).click();
  await expect(page.getByRole("status")).toContainText("Rejected");
  await expect(page.getByRole("row").filter({ hasText: "8877" })).toHaveCount(0);

  const bob = await browser.newPage({ baseURL: process.env.DD_E2E_URL });
  await signIn(bob, "bob@acme.example");
  const bobRow = bob.getByRole("row").filter({ hasText: "8877" });
  await expect(bobRow).toContainText("Rejected");
  await expect(bobRow).toContainText("This account belongs to someone else.");
  await bob.close();
});
