// Runs docs/validation-cases.json, the file dd-domain's test runs too
// (crates/domain/tests/validation_cases.rs): both sides accept and refuse the same values
// with the same reasons.

import { describe, expect, it } from "vitest";

import sharedCases from "../../../../docs/validation-cases.json";
import type { AmountType } from "../../api/types";
import {
  checkAccountNumber,
  checkAllocation,
  checkAmountType,
  checkDesignation,
  checkRoutingNumber,
  type Checked,
} from "./validation";

interface TextCase {
  value: string;
  valid: boolean;
  reason?: string;
}

interface AmountCase {
  amountType: AmountType;
  amount: number | null;
  valid: boolean;
  reason?: string;
  stored?: number | null;
}

const cases = sharedCases as unknown as {
  routingNumber: TextCase[];
  accountNumber: TextCase[];
  designation: TextCase[];
  amountType: TextCase[];
  amount: AmountCase[];
};

function outcome(checked: Checked<unknown>) {
  return checked.ok ? { valid: true } : { valid: false, reason: checked.reason };
}

function expected(c: { valid: boolean; reason?: string }) {
  return c.valid ? { valid: true } : { valid: false, reason: c.reason };
}

const textRules = {
  routingNumber: checkRoutingNumber,
  accountNumber: checkAccountNumber,
  designation: checkDesignation,
  amountType: checkAmountType,
} as const;

describe.each(Object.entries(textRules))("%s", (name, check) => {
  const list = cases[name as keyof typeof textRules];
  it("has cases", () => expect(list.length).toBeGreaterThan(0));
  it.each(list.map((c) => [JSON.stringify(c.value), c] as const))("%s", (_, c) => {
    expect(outcome(check(c.value))).toEqual(expected(c));
  });
});

describe("amount per amount type", () => {
  it.each(cases.amount.map((c) => [`${c.amountType} ${JSON.stringify(c.amount)}`, c] as const))("%s", (_, c) => {
    const checked = checkAllocation(c.amountType, c.amount);
    expect(outcome(checked)).toEqual(expected(c));
    if (checked.ok) expect(checked.value.stored).toBe(c.stored);
  });
});
