// How `ddctl serve` serves the app: cache headers, CSP, SPA fallback under /app/ only, and
// no file outside the bundle whatever the path says.

import { request as httpRequest } from "node:http";

import { expect, serverUrl, test } from "./fixtures";

/** A raw GET: the path is sent exactly as written (fetch would resolve `..` first). */
function rawGet(path: string): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const url = new URL(serverUrl());
  return new Promise((done, fail) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => done({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", fail);
    req.end();
  });
}

test("index.html is no-cache with a strict CSP; hashed assets are immutable", async ({ request }) => {
  const index = await request.get("/app/");
  expect(index.status()).toBe(200);
  const headers = index.headers();
  expect(headers["cache-control"]).toBe("no-cache");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  const csp = headers["content-security-policy"] ?? "";
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).not.toContain("unsafe-eval");
  const html = await index.text();
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  const asset = /src="(\/app\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(asset).toBeTruthy();
  const js = await request.get(asset ?? "");
  expect(js.status()).toBe(200);
  expect(js.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  expect(js.headers()["content-type"]).toContain("javascript");
  expect(js.headers()["x-content-type-options"]).toBe("nosniff");
});

test("app routes fall back to index.html; unknown files and API paths do not", async ({ request }) => {
  const route = await request.get("/app/deposits/new");
  expect(route.status()).toBe(200);
  expect(await route.text()).toContain('<div id="root">');
  expect((await request.get("/app/assets/missing-abc.js")).status()).toBe(404);
  expect((await request.get("/app/nope.png")).status()).toBe(404);
  const api = await request.get("/tenants/x/unknown");
  expect(api.status()).toBe(404);
  expect(api.headers()["content-type"]).toContain("application/json");
  const root = await request.get("/", { maxRedirects: 0 });
  expect(root.status()).toBe(307);
  expect(root.headers()["location"]).toBe("/app/");
});

test("runtime config says same-origin API and local sign-in", async ({ request }) => {
  const config = await request.get("/app/config.json");
  expect(config.headers()["cache-control"]).toBe("no-cache");
  expect(await config.json()).toEqual({ apiBaseUrl: "", signIn: "local" });
});

test("path traversal under /app/ reaches nothing outside the bundle", async () => {
  for (const path of [
    "/app/../../etc/passwd",
    "/app/..%2f..%2fetc%2fpasswd",
    "/app/%2e%2e/%2e%2e/etc/passwd",
    "/app/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/app/assets/..%2f..%2f..%2fCargo.toml",
    "/app/..%5c..%5cetc%5cpasswd",
    "/app/....//....//etc/passwd",
    "/app/%252e%252e/etc/passwd",
  ]) {
    const response = await rawGet(path);
    expect(response.body, path).not.toContain("root:");
    expect(response.body, path).not.toContain("[workspace]");
    expect([200, 400, 404], path).toContain(response.status);
    if (response.status === 200) expect(response.body, path).toContain('<div id="root">');
  }
});

test("the app needs no CORS; --cors-origin allows exactly the origins named", async ({ request }) => {
  // Same origin by default: no CORS headers even for a foreign Origin.
  const plain = await request.fetch(`${serverUrl()}/tenants/x/companies/1/employees/1/direct-deposits`, {
    method: "OPTIONS",
    headers: { Origin: "http://127.0.0.1:5173", "Access-Control-Request-Method": "GET" },
  });
  expect(plain.headers()["access-control-allow-origin"]).toBeUndefined();

  const { spawn } = await import("node:child_process");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { ddctlPath } = await import("./global-setup");
  const dir = mkdtempSync(join(tmpdir(), "dd-web-cors-"));
  const child = spawn(ddctlPath(), ["serve", "--port", "0", "--data-dir", join(dir, "data"), "--cors-origin", "http://127.0.0.1:5173"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  try {
    const url = await new Promise<string>((done) => {
      let banner = "";
      child.stdout.on("data", (chunk: Buffer) => {
        banner += chunk.toString();
        const found = /listening on (http:\/\/\S+)/.exec(banner)?.[1];
        if (found && banner.includes("Ready.")) done(found);
      });
    });
    const path = `${url}/tenants/x/companies/1/employees/1/direct-deposits`;
    const allowed = await request.fetch(path, {
      method: "OPTIONS",
      headers: { Origin: "http://127.0.0.1:5173", "Access-Control-Request-Method": "GET" },
    });
    expect(allowed.headers()["access-control-allow-origin"]).toBe("http://127.0.0.1:5173");
    const other = await request.fetch(path, {
      method: "OPTIONS",
      headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "GET" },
    });
    expect(other.headers()["access-control-allow-origin"]).toBeUndefined();
  } finally {
    // Wait for the exit: on SIGTERM the server still checkpoints SQLite's log, and a removal
    // racing it finds new files in the directory (ENOTEMPTY).
    const exited = new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) done(undefined);
      else child.once("exit", () => done(undefined));
    });
    child.kill();
    await exited;
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
});
