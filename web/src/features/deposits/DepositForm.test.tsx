import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { DepositForm } from "./DepositForm";
import { EMPTY_DEPOSIT } from "./formSchema";

function setup() {
  const onContinue = vi.fn();
  render(<DepositForm initial={EMPTY_DEPOSIT} onContinue={onContinue} onCancel={() => {}} />);
  return { onContinue, user: userEvent.setup() };
}

describe("DepositForm", () => {
  it("has the contract's labels and numeric keyboards", () => {
    setup();
    expect(screen.getByLabelText("Routing number")).toHaveAttribute("inputmode", "numeric");
    expect(screen.getByLabelText("Account number")).toBeInTheDocument();
    expect(screen.getByLabelText("Confirm account number")).toBeInTheDocument();
    const accountType = screen.getByRole("radiogroup", { name: "Account type" });
    expect(accountType).toBeInTheDocument();
    for (const name of ["Checking", "Savings", "Money market"]) {
      expect(screen.getByRole("radio", { name })).toBeInTheDocument();
    }
    for (const name of ["Flat amount", "Percentage", "Balance remainder"]) {
      expect(screen.getByRole("radio", { name })).toBeInTheDocument();
    }
    expect(screen.getByLabelText("Amount")).toHaveAttribute("inputmode", "decimal");
  });

  it("shows an error summary that takes focus, and does not continue", async () => {
    const { user, onContinue } = setup();
    await user.type(screen.getByLabelText("Routing number"), "021000022");
    await user.click(screen.getByRole("button", { name: "Continue" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveFocus();
    expect(alert).toHaveTextContent("Routing number fails the ABA checksum.");
    expect(alert).toHaveTextContent("Enter the account number.");
    expect(screen.getByLabelText("Routing number")).toHaveAttribute("aria-invalid", "true");
    expect(onContinue).not.toHaveBeenCalled();
  });

  it("continues with valid values, trimmed", async () => {
    const { user, onContinue } = setup();
    await user.type(screen.getByLabelText("Routing number"), " 021000021 ");
    await user.type(screen.getByLabelText("Account number"), "123456789");
    await user.type(screen.getByLabelText("Confirm account number"), "123456789");
    await user.click(screen.getByRole("radio", { name: "Savings" }));
    await user.click(screen.getByRole("radio", { name: "Percentage" }));
    await user.type(screen.getByLabelText("Amount"), "12.5");
    await user.click(screen.getByRole("button", { name: "Continue" }));
    expect(onContinue).toHaveBeenCalledWith(
      expect.objectContaining({ routingNumber: "021000021", designation: "Savings", amountType: "Percentage", amount: "12.5" }),
    );
  });
});
