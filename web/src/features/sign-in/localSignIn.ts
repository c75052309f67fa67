// The local-only sign-in routes of `ddctl serve` (never in AWS): `GET /_local/demo-users`
// and `POST /_local/sign-in`. Not part of the API spec, so typed here with a schema check.

import { z } from "zod/mini";

const demoUser = z.object({
  email: z.string(),
  role: z.enum(["employee", "admin"]),
  tenantName: z.string(),
  name: z.string(),
});

export type DemoUser = z.infer<typeof demoUser>;

export async function fetchDemoUsers(): Promise<DemoUser[]> {
  const response = await fetch("/_local/demo-users");
  if (!response.ok) throw new Error(`demo users: HTTP ${response.status}`);
  return z.array(demoUser).parse(await response.json());
}

export async function signInAsDemoUser(email: string): Promise<string> {
  const response = await fetch("/_local/sign-in", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email }),
  });
  if (!response.ok) throw new Error(`sign-in: HTTP ${response.status}`);
  return z.object({ token: z.string() }).parse(await response.json()).token;
}
