// Reports the bundle size (gzip) and the first-load time of the app from `ddctl serve`
// (fresh browser context each run, so nothing is cached): median of 5 loads of /app/ until
// the "Sign in" heading is on screen. A measurement, not a test: nothing asserts on time.
//   node web/scripts/measure-first-load.mjs   (DDCTL=path/to/ddctl, default $CARGO_TARGET_DIR/debug/ddctl)
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

import { chromium } from "@playwright/test";

const assets = join(import.meta.dirname, "..", "dist", "assets");
let raw = 0;
let gz = 0;
for (const name of readdirSync(assets)) {
  const bytes = readFileSync(join(assets, name));
  raw += bytes.length;
  gz += gzipSync(bytes, { level: 9 }).length;
}
console.log(`bundle (dist/assets): ${(raw / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzip`);
// What the first page needs: the assets index.html names (the feature pages load later).
const index = readFileSync(join(assets, "..", "index.html"), "utf8");
const first = [...index.matchAll(/\/app\/assets\/([^"]+)/g)].map((m) => m[1]);
const firstGz = first.reduce((sum, name) => sum + gzipSync(readFileSync(join(assets, name)), { level: 9 }).length, 0);
console.log(`first load (${first.join(", ")}): ${(firstGz / 1024).toFixed(1)} KiB gzip`);

const ddctl = process.env.DDCTL ?? join(process.env.CARGO_TARGET_DIR ?? join(import.meta.dirname, "..", "..", "target"), "debug", "ddctl");
const dataDir = mkdtempSync(join(tmpdir(), "dd-measure-"));
const server = spawn(ddctl, ["serve", "--port", "0", "--data-dir", join(dataDir, "data")], { stdio: ["ignore", "pipe", "ignore"] });
const url = await new Promise((done) => {
  let banner = "";
  server.stdout.on("data", (chunk) => {
    banner += chunk.toString();
    const found = /listening on (http:\/\/\S+)/.exec(banner);
    if (found && banner.includes("Ready.")) done(found[1]);
  });
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const times = [];
try {
  for (let run = 0; run < 5; run += 1) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(`${url}/app/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByRole("button", { name: "alice@acme.example" }).waitFor();
    times.push(Date.now() - started);
    await context.close();
  }
} finally {
  await browser.close();
  server.kill();
  rmSync(dataDir, { recursive: true, force: true });
}
times.sort((a, b) => a - b);
console.log(`first load to an interactive sign-in page, cold cache: median ${times[2]} ms (runs: ${times.join(", ")} ms)`);
