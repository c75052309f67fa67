// A modal confirmation on React Aria (focus trapped, Escape closes, focus returns to the
// button that opened it). Buttons are disabled while the request runs, not "pending": React
// Aria's pending announcement points at the button by id, and the button is gone once the
// request succeeds (a dangling label that axe rightly reports).

import type { ReactNode } from "react";
import { Button, Dialog, Heading, Modal, ModalOverlay } from "react-aria-components";

export function ConfirmDialog({
  isOpen,
  title,
  children,
  confirmLabel,
  tone = "primary",
  isPending,
  onConfirm,
  onClose,
}: {
  isOpen: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  tone?: "primary" | "danger";
  isPending?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <ModalOverlay
      className="modal-overlay"
      isOpen={isOpen}
      onOpenChange={(open) => (open ? undefined : onClose())}
      isDismissable={!isPending}
    >
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title" className="dialog-title">
            {title}
          </Heading>
          <div className="dialog-body">{children}</div>
          <div className="dialog-actions">
            <Button className="button" onPress={onClose} isDisabled={isPending}>
              Cancel
            </Button>
            <Button
              className={`button ${tone === "danger" ? "button-danger" : "button-primary"}`}
              onPress={onConfirm}
              isDisabled={isPending}
            >
              {confirmLabel}
            </Button>
          </div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
