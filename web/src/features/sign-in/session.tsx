// Who is signed in: the token (sessionStorage), the API client that sends it, and the
// user's profile from `GET /tenants/{t}/me`, where the app starts.

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

import { createApiClient, unwrap, type Client } from "../../api/client";
import type { Me } from "../../api/types";
import type { AppConfig } from "../../app/config";
import { forgetToken, readClaims, storedToken, storeToken, type TokenClaims } from "./token";

interface SessionValue {
  config: AppConfig;
  client: Client;
  token: string | null;
  claims: TokenClaims | null;
  /** Why the user was signed out, shown on the sign-in page. */
  notice: string | null;
  signIn: (token: string) => void;
  signOut: (notice?: string) => void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState<string | null>(() => storedToken());
  const [notice, setNotice] = useState<string | null>(null);
  // The client reads the token at request time, so it is created once.
  const tokenRef = useRef(token);
  tokenRef.current = token;
  const expiredRef = useRef<() => void>(() => {});
  const client = useMemo(
    () => createApiClient(config.apiBaseUrl, () => tokenRef.current, () => expiredRef.current()),
    [config.apiBaseUrl],
  );

  const signIn = useCallback((next: string) => {
    storeToken(next);
    tokenRef.current = next;
    setNotice(null);
    setToken(next);
  }, []);

  const signOut = useCallback(
    (why?: string) => {
      forgetToken();
      tokenRef.current = null;
      // Nothing of the previous user may remain in memory for the next one.
      queryClient.clear();
      setNotice(why ?? null);
      setToken(null);
    },
    [queryClient],
  );

  // An expired or revoked token on any call: back to "Sign in", with the reason.
  useEffect(() => {
    expiredRef.current = () => signOut("Your session has ended. Sign in again.");
  }, [signOut]);

  const claims = useMemo(() => (token ? readClaims(token) : null), [token]);
  const value = useMemo(
    () => ({ config, client, token, claims, notice, signIn, signOut }),
    [config, client, token, claims, notice, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

/** The signed-in user's profile (`GET /tenants/{t}/me`). */
export function useMeQuery() {
  const { client, claims, token } = useSession();
  return useQuery({
    queryKey: ["me", token],
    enabled: Boolean(claims),
    staleTime: Infinity,
    queryFn: async (): Promise<Me> =>
      unwrap(
        await client.GET("/tenants/{tenantId}/me", {
          params: { path: { tenantId: claims?.tenantId ?? "" } },
        }),
      ),
  });
}

/** The profile, for pages rendered inside {@link RequireSession}. */
const MeContext = createContext<Me | null>(null);
export const MeProvider = MeContext.Provider;

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error("useMe outside a signed-in page");
  return me;
}
