import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/config";
import { EXAMPLES, exampleFolders } from "./support/examples";
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

describe("README examples table", () => {
  const table = readme.slice(
    readme.indexOf("## The five products as examples"),
    readme.indexOf("## Configuration reference"),
  );
  const rows = [...table.matchAll(/^\| ([^|`]+) \| `examples\/([a-z-]+)` \| ([^|]+) \| ([^|]+) \|$/gm)];

  it("has one row per example folder, in the examples' order, each with what it provisions and its numbers", () => {
    expect(rows.map((r) => r[2])).toEqual([...EXAMPLES]);
    expect([...EXAMPLES].sort()).toEqual(exampleFolders());
    for (const r of rows) {
      expect(r[3].trim().length, r[2]).toBeGreaterThan(20);
      expect(r[4], r[2]).toMatch(/\d/);
    }
  });
});
