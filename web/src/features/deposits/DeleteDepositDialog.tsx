import type { DirectDeposit } from "../../api/types";
import { Account } from "../../ui/Account";
import { ConfirmDialog } from "../../ui/ConfirmDialog";
import { useDeleteDeposit, type EmployeeRef } from "./queries";

export function DeleteDepositDialog({
  who,
  deposit,
  onClose,
  onDeleted,
  onFailed,
}: {
  who: EmployeeRef;
  deposit: DirectDeposit | null;
  onClose: () => void;
  onDeleted: (message: string) => void;
  onFailed: (error: unknown) => void;
}) {
  const remove = useDeleteDeposit(who);
  const approved = deposit?.status === "Approved";
  return (
    <ConfirmDialog
      isOpen={deposit !== null}
      title="Delete this direct deposit?"
      confirmLabel="Delete"
      tone="danger"
      isPending={remove.isPending}
      onClose={onClose}
      onConfirm={() => {
        if (!deposit) return;
        remove.mutate(deposit.id, {
          onSuccess: () =>
            onDeleted(approved ? "Deposit deleted. Payroll stops paying into it from the next payday." : "Deposit deleted."),
          onError: onFailed,
        });
      }}
    >
      {deposit ? (
        <p>
          The deposit to account <Account number={deposit.bankAccount.accountNumber} /> will be removed.{" "}
          {approved
            ? "Payroll stops paying into it from the next payday; whatever it received goes to your other accounts."
            : "It has not been approved yet, so nothing changes in payroll."}
        </p>
      ) : null}
    </ConfirmDialog>
  );
}
