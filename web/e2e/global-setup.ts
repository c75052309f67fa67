// Starts `ddctl serve` on a fresh data directory and a free port (port 0), reads the API and
// payroll-simulator URLs from its banner, and hands them to the tests through the
// environment. The binary is the shared debug build ($DDCTL, else $CARGO_TARGET_DIR or
// ../target, debug/ddctl).

import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const STATE_FILE = join(tmpdir(), "dd-web-e2e-server.json");

export function ddctlPath(): string {
  if (process.env.DDCTL) return process.env.DDCTL;
  const target = process.env.CARGO_TARGET_DIR ?? resolve(import.meta.dirname, "../../target");
  return join(target, "debug", "ddctl");
}

export default async function globalSetup(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "dd-web-e2e-"));
  const child = spawn(ddctlPath(), ["serve", "--port", "0", "--data-dir", join(dataDir, "data")], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  let banner = "";
  let logs = "";
  child.stderr.on("data", (chunk: Buffer) => {
    logs += chunk.toString();
  });
  const urls = await new Promise<{ api: string; sim: string }>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`ddctl serve did not start:\n${banner}\n${logs}`)), 60_000);
    child.on("exit", (code) => fail(new Error(`ddctl serve exited (${code}):\n${banner}\n${logs}`)));
    child.stdout.on("data", (chunk: Buffer) => {
      banner += chunk.toString();
      const api = /listening on (http:\/\/\S+)/.exec(banner)?.[1];
      const sim = /payroll simulator:\s+(http:\/\/\S+)/.exec(banner)?.[1];
      if (api && sim && banner.includes("Ready.")) {
        clearTimeout(timer);
        done({ api, sim });
      }
    });
  });
  child.removeAllListeners("exit");
  process.env.DD_E2E_URL = urls.api;
  process.env.DD_E2E_SIM = urls.sim;
  writeFileSync(STATE_FILE, JSON.stringify({ pid: child.pid, dataDir }));
  child.unref();
}
