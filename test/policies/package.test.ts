/**
 * The policy pack is its own package (`pulumi preview --policy-pack policies` installs and loads it from its folder):
 * its package.json must declare, at the program's exact versions, every package its TypeScript imports.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { builtinModules } from "node:module";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "../..");
const PACK = path.join(ROOT, "policies");
const readJson = (file: string) =>
  JSON.parse(fs.readFileSync(file, "utf8")) as { dependencies?: Record<string, string> };

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(full);
    return e.name.endsWith(".ts") ? [full] : [];
  });
}

/** The npm package an import specifier names (`@scope/name/sub` -> `@scope/name`), or undefined for relative/builtin. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier))
    return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

describe("policy pack package.json", () => {
  const imported = new Set(
    sources(PACK).flatMap((file) =>
      ts
        .preProcessFile(fs.readFileSync(file, "utf8"), true, true)
        .importedFiles.map((f) => packageOf(f.fileName))
        .filter((p): p is string => p !== undefined),
    ),
  );
  const declared = readJson(path.join(PACK, "package.json")).dependencies ?? {};

  it("declares every package the rules import, and nothing else", () => {
    expect(Object.keys(declared).sort()).toEqual([...imported].sort());
  });

  it("pins each at the exact version the program uses", () => {
    const program = readJson(path.join(ROOT, "package.json")).dependencies ?? {};
    for (const [name, version] of Object.entries(declared)) {
      if (name === "@pulumi/policy") expect(version).toMatch(/^\d+\.\d+\.\d+$/);
      else expect([name, version]).toEqual([name, program[name]]);
    }
  });
});
