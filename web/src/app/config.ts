// The runtime config (`/app/config.json`): one build serves every stage. `ddctl serve`
// answers `{"apiBaseUrl":"","signIn":"local"}`; in AWS the file names the HR product's
// single sign-on, which sends the browser back to `/app/#token=…`.

import { z } from "zod/mini";

const configSchema = z.object({
  apiBaseUrl: z.string(),
  signIn: z.union([z.literal("local"), z.object({ ssoUrl: z.string().check(z.minLength(1)) })]),
});

export type AppConfig = z.infer<typeof configSchema>;

export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: "no-cache" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return configSchema.parse(await response.json());
}
