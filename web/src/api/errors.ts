import type { ApiErrorBody } from "./types";

/**
 * A failed API call: the HTTP status and the API's error envelope (`code` 10 unauthenticated,
 * 11 not allowed, 30 invalid, 40 duplicate/conflict, 50 not found, 60 bad path, 0
 * unexpected). `message` never contains an account number: the server never echoes one.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly developerMessage: string;

  constructor(status: number, body: Partial<ApiErrorBody> | undefined) {
    super(body?.message ?? `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.code = typeof body?.code === "number" ? body.code : status >= 500 ? 0 : -1;
    this.developerMessage = body?.developerMessage ?? "";
  }

  /** The token is missing, malformed or expired: sign in again. */
  get isUnauthenticated(): boolean {
    return this.status === 401 && this.code === 10;
  }

  /** The caller may not do this (another employee, another tenant, not an HR admin). */
  get isNotAllowed(): boolean {
    return this.status === 401 && this.code === 11;
  }
}

/** Words a person can act on, for each kind of failure. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return "The server could not be reached. Check your connection and try again.";
  }
  switch (error.code) {
    case 10:
      return "Your session has ended. Sign in again.";
    case 11:
      return "You are not allowed to do that.";
    case 30:
      return `The server refused the details: ${error.developerMessage || error.message}.`;
    case 40:
      return conflictMessage(error.developerMessage || error.message);
    case 50:
      return "That deposit no longer exists. It may have been deleted or decided already.";
    default:
      return "Something went wrong on our side. Try again in a moment.";
  }
}

function conflictMessage(detail: string): string {
  if (/remainder/i.test(detail)) {
    return "You already have a Balance remainder deposit. An employee can have only one.";
  }
  if (/account/i.test(detail) || /duplicate/i.test(detail)) {
    return "You already have a deposit to this bank account.";
  }
  return `That change conflicts with the current state: ${detail}.`;
}
