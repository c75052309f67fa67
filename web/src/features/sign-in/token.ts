// The bearer token: kept in sessionStorage (this tab only, gone when it closes), never in
// localStorage or a cookie (docs/architecture.md §2.6).

const KEY = "dd.token";

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

/**
 * Takes a token handed over by the single sign-on in the URL fragment (`#token=…`), stores
 * it and removes it from the address bar and the history entry, so it cannot be
 * bookmarked, shared or sent on in a Referer.
 */
export function adoptTokenFromLocation(location: Location, history: History): void {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = params.get("token");
  if (!token) return;
  storeToken(token);
  history.replaceState(history.state, "", location.pathname + location.search);
}

/** What the app needs from the token's claims (it does not verify them: the API does). */
export interface TokenClaims {
  tenantId: string;
  email: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export function readClaims(token: string): TokenClaims | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(json) as { account?: { tenantId?: unknown; email?: unknown }; exp?: unknown };
    const tenantId = claims.account?.tenantId;
    const email = claims.account?.email;
    if (typeof tenantId !== "string" || typeof email !== "string") return null;
    return { tenantId, email, exp: typeof claims.exp === "number" ? claims.exp : 0 };
  } catch {
    return null;
  }
}
