// The one API client: openapi-fetch over the generated paths, with the session's bearer
// token added to every call. Base URL from the runtime config (`/app/config.json`), so one
// build serves every stage.

import createClient, { type Middleware } from "openapi-fetch";

import { ApiError } from "./errors";
import type { paths } from "./schema.gen";

export type Client = ReturnType<typeof createClient<paths>>;

/**
 * @param token the current bearer token, read at request time
 * @param onExpired called when the API says the token is no longer valid (401, code 10)
 */
export function createApiClient(baseUrl: string, token: () => string | null, onExpired: () => void): Client {
  const client = createClient<paths>({ baseUrl });
  const auth: Middleware = {
    onRequest({ request }) {
      const value = token();
      if (value) request.headers.set("Authorization", `Bearer ${value}`);
      return request;
    },
    async onResponse({ response }) {
      if (response.status === 401) {
        const body = (await response.clone().json().catch(() => null)) as { code?: unknown } | null;
        if (body?.code === 10) onExpired();
      }
      return response;
    },
  };
  client.use(auth);
  return client;
}

/**
 * The body of a successful openapi-fetch result, or an {@link ApiError}. A 204 (an empty
 * list) comes back as `undefined`.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  throw new ApiError(result.response.status, result.error as Record<string, never> | undefined);
}

/** A new key per submit: a retried POST (double click, flaky network) creates one deposit. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
