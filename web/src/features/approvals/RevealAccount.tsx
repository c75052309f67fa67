import { useState } from "react";
import { Button } from "react-aria-components";

import type { PendingDeposit } from "../../api/types";
import { Account } from "../../ui/Account";
import { useReveal, type CompanyRef } from "./queries";

/** The masked number, and the full one on request (each reveal is audited by the server). */
export function RevealAccount({ company, deposit }: { company: CompanyRef; deposit: PendingDeposit }) {
  const reveal = useReveal(company);
  const [full, setFull] = useState<string | null>(null);
  if (full) {
    return (
      <span className="reveal">
        <span className="account account-full">{full}</span>
        <Button className="link-button" onPress={() => setFull(null)}>
          Hide
        </Button>
      </span>
    );
  }
  return (
    <span className="reveal">
      <Account number={deposit.bankAccount.accountNumber} />
      <Button
        className="link-button"
        isDisabled={reveal.isPending}
        onPress={() => reveal.mutate(deposit, { onSuccess: setFull })}
      >
        Show full number
      </Button>
      {reveal.isError ? <span className="field-error">Could not show the number.</span> : null}
    </span>
  );
}
