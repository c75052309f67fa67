import { describe, expect, it } from "vitest";

import { formatAmount, mask } from "./format";

describe("format", () => {
  it("masks like dd-domain: last 4 from 7 characters up, everything below", () => {
    expect(mask("")).toBe("");
    expect(mask("123456")).toBe("******");
    expect(mask("1234567")).toBe("***4567");
    expect(mask("12345678901234567")).toBe("*************4567");
  });

  it("shows amounts as money, percent or Remainder", () => {
    expect(formatAmount("Flat", 1250.5)).toBe("$1,250.50");
    expect(formatAmount("Percentage", 12.5)).toBe("12.5%");
    expect(formatAmount("Balance Remainder", null)).toBe("Remainder");
  });
});
