import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { ErrorSummary } from "./ErrorSummary";

describe("ErrorSummary", () => {
  it("is an alert that takes focus and links to the field", async () => {
    render(
      <>
        <label htmlFor="routing">Routing number</label>
        <input id="routing" />
        <ErrorSummary problems={[{ fieldId: "routing", message: "Routing number fails the ABA checksum." }]} />
      </>,
    );
    const alert = screen.getByRole("alert");
    expect(alert).toHaveFocus();
    expect(alert).toHaveTextContent("There is a problem");
    await userEvent.click(screen.getByRole("link", { name: "Routing number fails the ABA checksum." }));
    expect(screen.getByLabelText("Routing number")).toHaveFocus();
  });

  it("renders nothing without problems", () => {
    const { container } = render(<ErrorSummary problems={[]} />);
    expect(container).toBeEmptyDOMElement();
  });
});
