import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { rules } from "../../policies/rules";
import { docPath, renderPolicyDocs } from "../../tools/policy-docs";

describe("docs/policies.md", () => {
  it("matches what tools/policy-docs.ts generates from the pack (run `npx tsx tools/policy-docs.ts` when this fails)", () => {
    expect(fs.readFileSync(docPath, "utf8")).toBe(renderPolicyDocs());
  });

  it("documents every rule with a section", () => {
    const doc = renderPolicyDocs();
    for (const rule of rules) {
      expect(doc).toContain(`### ${rule.name}\n`);
    }
  });
});
