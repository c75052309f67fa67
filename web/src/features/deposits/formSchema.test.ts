import { describe, expect, it } from "vitest";

import { depositSchema, EMPTY_DEPOSIT, parseAmountText, toNewDeposit, type DepositValues } from "./formSchema";

const good: DepositValues = {
  routingNumber: "021000021",
  accountNumber: "123456789",
  confirmAccountNumber: "123456789",
  designation: "Checking",
  amountType: "Flat",
  amount: "$1,250.50",
};

function messages(values: DepositValues): Record<string, string> {
  const result = depositSchema.safeParse(values);
  if (result.success) return {};
  return Object.fromEntries(result.error.issues.map((i) => [String(i.path[0]), i.message]));
}

describe("deposit form", () => {
  it("turns good values into the create body", () => {
    expect(messages(good)).toEqual({});
    expect(toNewDeposit(good)).toEqual({
      amountType: "Flat",
      amount: 1250.5,
      bankAccount: { routingNumber: "021000021", accountNumber: "123456789", designation: "Checking" },
    });
  });

  it("asks for every field of an empty form", () => {
    expect(messages(EMPTY_DEPOSIT)).toEqual({
      routingNumber: "Enter the routing number.",
      accountNumber: "Enter the account number.",
      confirmAccountNumber: "Enter the account number again.",
      designation: "Choose an account type.",
      amountType: "Choose an amount type.",
    });
  });

  it("names the field and the server's reason", () => {
    expect(messages({ ...good, routingNumber: "021000022" })).toEqual({
      routingNumber: "Routing number fails the ABA checksum.",
    });
    expect(messages({ ...good, amountType: "Percentage", amount: "150" })).toEqual({
      amount: "Amount must be at most 100 for Percentage.",
    });
  });

  it("requires the account number twice, identical", () => {
    expect(messages({ ...good, confirmAccountNumber: "123456780" })).toEqual({
      confirmAccountNumber: "Confirm account number must match the account number.",
    });
  });

  it("sends no amount for a Balance remainder", () => {
    const remainder = { ...good, amountType: "Balance Remainder" as const, amount: "ignored" };
    expect(messages(remainder)).toEqual({});
    expect(toNewDeposit(remainder)).not.toHaveProperty("amount");
  });

  it("reads amounts as people type them, and nothing else", () => {
    expect(parseAmountText("250")).toBe(250);
    expect(parseAmountText(" $1,000.25 ")).toBe(1000.25);
    expect(parseAmountText("12.5%")).toBe(12.5);
    expect(parseAmountText(".5")).toBe(0.5);
    for (const text of ["", "abc", "1e3", "1.2.3", "-5", "Infinity", "0x10"]) {
      expect(parseAmountText(text)).toBeNull();
    }
  });
});
