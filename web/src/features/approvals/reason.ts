/** The server's rule for a rejection reason: 1–500 characters after trimming. */
export const MAX_REASON_LEN = 500;

export function checkReason(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed.length === 0) return "Enter the reason for rejecting this deposit.";
  if ([...trimmed].length > MAX_REASON_LEN) return `Reason must be at most ${MAX_REASON_LEN} characters.`;
  return null;
}
