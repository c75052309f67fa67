// Fails when src/api/schema.gen.ts is not what openapi-typescript makes of docs/openapi.yaml
// today (the app's API types are generated, never edited). Fix: `npm run gen:api`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "dd-openapi-"));
const fresh = join(dir, "schema.gen.ts");
try {
  execFileSync("npx", ["openapi-typescript", "../docs/openapi.yaml", "-o", fresh], { stdio: "ignore" });
  const committed = readFileSync("src/api/schema.gen.ts", "utf8");
  if (readFileSync(fresh, "utf8") !== committed) {
    console.error("src/api/schema.gen.ts is stale: run `npm run gen:api` in web/ and commit it.");
    process.exit(1);
  }
  console.log("src/api/schema.gen.ts matches docs/openapi.yaml");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
