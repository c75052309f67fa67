import { useState } from "react";
import { Button, Dialog, Form, Heading, Modal, ModalOverlay } from "react-aria-components";

import { describeError } from "../../api/errors";
import type { PendingDeposit } from "../../api/types";
import { Account } from "../../ui/Account";
import { ErrorSummary, type Problem } from "../../ui/ErrorSummary";
import { TextAreaField } from "../../ui/fields";
import { useReject, type CompanyRef } from "./queries";
import { checkReason, MAX_REASON_LEN } from "./reason";

/** Reject with a required reason, which the employee sees. */
export function RejectDialog({
  company,
  deposit,
  onClose,
  onRejected,
}: {
  company: CompanyRef;
  deposit: PendingDeposit | null;
  onClose: () => void;
  onRejected: (deposit: PendingDeposit) => void;
}) {
  const reject = useReject(company);
  const [reason, setReason] = useState("");
  const [problems, setProblems] = useState<Problem[]>([]);
  const close = () => {
    setReason("");
    setProblems([]);
    reject.reset();
    onClose();
  };
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!deposit) return;
    const problem = checkReason(reason);
    if (problem) {
      setProblems([{ fieldId: "reject-reason", message: problem }]);
      return;
    }
    setProblems([]);
    reject.mutate(
      { deposit, reason: reason.trim() },
      {
        onSuccess: () => {
          setReason("");
          onRejected(deposit);
        },
        onError: (error) => setProblems([{ message: describeError(error) }]),
      },
    );
  };
  return (
    <ModalOverlay className="modal-overlay" isOpen={deposit !== null} onOpenChange={(open) => (open ? undefined : close())} isDismissable={!reject.isPending}>
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title" className="dialog-title">
            Reject this direct deposit?
          </Heading>
          {deposit ? (
            <Form onSubmit={submit} validationBehavior="aria" className="form">
              <ErrorSummary problems={problems} />
              <p>
                {deposit.employeeName}&rsquo;s deposit to account <Account number={deposit.bankAccount.accountNumber} /> will not go to
                payroll.
              </p>
              <TextAreaField
                id="reject-reason"
                label="Reason"
                value={reason}
                onChange={setReason}
                error={problems.find((p) => p.fieldId)?.message}
                description={`The employee sees this. Up to ${MAX_REASON_LEN} characters.`}
              />
              <div className="dialog-actions">
                <Button className="button" onPress={close} isDisabled={reject.isPending}>
                  Cancel
                </Button>
                <Button type="submit" className="button button-danger" isDisabled={reject.isPending}>
                  Reject
                </Button>
              </div>
            </Form>
          ) : null}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
