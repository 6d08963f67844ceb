import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/config";
import { schemaPaths } from "./support/schema-paths";

const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const reference = readme.slice(readme.indexOf("## Configuration reference"), readme.indexOf("## Benchmarks"));
const documented = [...reference.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);

describe("README configuration reference", () => {
  it("documents every key of the config schema", () => {
    const missing = schemaPaths().filter((p) => !documented.includes(p));
    expect(missing).toEqual([]);
  });

  it("documents no key the schema lacks", () => {
    const known = new Set(schemaPaths());
    expect(documented.filter((p) => !known.has(p))).toEqual([]);
  });

  it("names the two newcomer commands that CI runs", () => {
    expect(readme).toContain("npm ci && npm run plan -- --stack staging");
    expect(readme).toContain("\nnpm test\n");
    const ci = fs.readFileSync(path.join(ROOT, ".ci", "checks"), "utf8");
    expect(ci).toContain("npm test");
    expect(ci).toContain("npm run plan -- --stack staging");
  });
});
