import { useEffect, useRef, useState } from "react";
import { Button } from "react-aria-components";
import { useLocation, useNavigate } from "react-router";

import { describeError } from "../../api/errors";
import type { DirectDeposit } from "../../api/types";
import { ErrorSummary, type Problem } from "../../ui/ErrorSummary";
import { Page } from "../../ui/Page";
import { DeleteDepositDialog } from "./DeleteDepositDialog";
import { DepositTable } from "./DepositTable";
import { PaycheckPreview } from "./PaycheckPreview";
import { useDeposits, useOwnEmployee } from "./queries";

/** A message for the next page (e.g. "Deposit added"), passed in the navigation state. */
export interface Flash {
  flash?: string;
}

export function DepositsPage() {
  const who = useOwnEmployee();
  const deposits = useDeposits(who);
  const navigate = useNavigate();
  const location = useLocation();
  const [flash, setFlash] = useState((location.state as Flash | null)?.flash ?? null);
  const [deleting, setDeleting] = useState<DirectDeposit | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  // A deleted row takes its focused button with it: focus goes to the outcome instead.
  const statusBox = useRef<HTMLDivElement>(null);

  useEffect(() => {
    // Shown once: a reload or a later visit does not repeat it.
    if (location.state) navigate(location.pathname, { replace: true, state: null });
  }, [location, navigate]);

  const add = (
    <Button className="button button-primary" onPress={() => navigate("/deposits/new")} isDisabled={!who}>
      Add direct deposit
    </Button>
  );

  return (
    <Page title="Direct deposits" intro="Where your pay goes each payday. Changes take effect once HR approves them." actions={add}>
      <div className="status-box" role="status" tabIndex={-1} ref={statusBox}>
        {flash ? <p className="notice notice-success">{flash}</p> : null}
      </div>
      <ErrorSummary problems={problems} />
      {!who ? (
        <div className="panel empty">
          <p>Your sign-in is not linked to an employee record, so there are no deposits to manage here.</p>
        </div>
      ) : deposits.isPending ? (
        <p aria-busy="true">Loading your deposits…</p>
      ) : deposits.isError ? (
        <ErrorSummary problems={[{ message: describeError(deposits.error) }]} />
      ) : deposits.data.length === 0 ? (
        <div className="panel empty">
          <h2>No direct deposits yet</h2>
          <p>Your pay arrives by check until you add a bank account.</p>
        </div>
      ) : (
        <DepositTable
          deposits={deposits.data}
          onDelete={(deposit) => {
            setProblems([]);
            setDeleting(deposit);
          }}
        />
      )}
      {who && deposits.data && deposits.data.length > 0 ? (
        <PaycheckPreview
          who={who}
          accountFor={(id) => deposits.data.find((d) => d.id === id)?.bankAccount.accountNumber}
        />
      ) : null}
      {who ? (
        <DeleteDepositDialog
          who={who}
          deposit={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={(message) => {
            setDeleting(null);
            setFlash(message);
            requestAnimationFrame(() => statusBox.current?.focus());
          }}
          onFailed={(error) => {
            setDeleting(null);
            setProblems([{ message: describeError(error) }]);
          }}
        />
      ) : null}
    </Page>
  );
}
