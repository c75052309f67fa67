import { readFileSync, rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

import { STATE_FILE } from "./global-setup";

/** Whether `pid` is still running (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function globalTeardown(): Promise<void> {
  const { pid, dataDir } = JSON.parse(readFileSync(STATE_FILE, "utf8")) as { pid: number; dataDir: string };
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // Already gone.
  }
  // On SIGTERM the server drains and checkpoints SQLite's log: removing its directory before it
  // has exited races those writes (ENOTEMPTY). Wait up to 10 s for the exit.
  for (let waited = 0; waited < 10_000 && alive(pid); waited += 50) {
    await sleep(50);
  }
  rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  rmSync(STATE_FILE, { force: true });
}
