// The product directories ship product code only: the policy pack (policies/) and the promotion controller
// (promotion/) neither import from the offline home (offline/) or the tests nor declare simulator/emulator code.
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = path.join(__dirname, "..");
const product = ["policies", "promotion"];
const offHome = ["offline", "test", "tools"];

/** TypeScript files under `dir`, repo-relative, without installed packages. */
function sources(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.split(path.sep).includes("node_modules"))
    .map((f) => path.join(dir, f))
    .sort();
}

/** What in one product file breaks the boundary: imports into non-product homes, stand-in declarations. */
export function boundaryProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  const { importedFiles } = ts.preProcessFile(text, true, true);
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith(".")) continue;
    const target = path.normalize(path.join(path.dirname(file), fileName));
    const home = offHome.find((h) => target === h || target.startsWith(`${h}${path.sep}`));
    if (home !== undefined) problems.push(`${file} imports ${fileName} (${home}/ is not product code)`);
  }
  const declared =
    /\b(?:class|function|const|let|interface|type)\s+((?:Fake|Mock|Memory|Virtual|Scripted|Simulated|Emulat)\w*)/g;
  for (const m of text.matchAll(declared)) problems.push(`${file} declares stand-in ${m[1]}`);
  const engineStandIns = /\b(MockMonitor|setMocks|setMockOptions|unknownCheckingProxy|runtime\/mocks)\b/g;
  for (const m of text.matchAll(engineStandIns)) problems.push(`${file} uses engine stand-in ${m[1]}`);
  return problems;
}

describe("policies/ and promotion/ ship product code only", () => {
  it.each(product)("%s/ imports nothing from offline/, test/ or tools/ and declares no stand-ins", (dir) => {
    const files = sources(dir);
    expect(files.length).toBeGreaterThan(5);
    const problems = files.flatMap((f) => boundaryProblems(f, fs.readFileSync(path.join(root, f), "utf8")));
    expect(problems).toEqual([]);
  });

  it("the scan catches an import of the offline home, a fake and the SDK's mocks", () =>
    expect(
      boundaryProblems(
        path.join("promotion", "gates", "x.ts"),
        [
          'import { buildScenario } from "../../offline/promotion-sim/sim";',
          'const m = await import("../../test/promotion/helpers");',
          'import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";',
          "export class FakeStack {}",
          'import { evaluatePack } from "../lib/rule";',
        ].join("\n"),
      ),
    ).toEqual([
      `${path.join("promotion", "gates", "x.ts")} imports ../../offline/promotion-sim/sim (offline/ is not product code)`,
      `${path.join("promotion", "gates", "x.ts")} imports ../../test/promotion/helpers (test/ is not product code)`,
      `${path.join("promotion", "gates", "x.ts")} declares stand-in FakeStack`,
      `${path.join("promotion", "gates", "x.ts")} uses engine stand-in MockMonitor`,
      `${path.join("promotion", "gates", "x.ts")} uses engine stand-in runtime/mocks`,
    ]));

  it("the offline home says what it is", () =>
    expect(fs.readFileSync(path.join(root, "offline", "README.md"), "utf8").split("\n")[2]).toMatch(
      /^Everything that stands in for the engine, the clouds or time/,
    ));
});
