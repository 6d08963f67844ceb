/**
 * The CI workflows: actionlint, the repository's workflow rules (pinned actions, per-job permissions, secrets only
 * in environments, no pull_request_target) on the real files and on broken examples, and what each workflow must
 * do (checks shared with .ci/run, read-only previews, exact-commit promotion from main, drift issues).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { knownFalsePositives, lintWorkflows, workflowFiles } from "../tools/lint-workflows";
import { formatViolation, workflowViolations } from "../tools/workflow-rules";

const root = path.join(__dirname, "..");
const read = (name: string) => fs.readFileSync(path.join(root, name), "utf8");
const load = (name: string) => YAML.parse(read(`.github/workflows/${name}`)) as Record<string, unknown>;
type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = {
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  environment?: string;
  "runs-on"?: string;
  if?: string;
  steps: Step[];
};
const jobsOf = (name: string) => load(name)["jobs"] as Record<string, Job>;
const violations = (text: string) => workflowViolations("w.yml", text).map(formatViolation);

/** A minimal valid workflow with one job; `job` replaces the job body. */
const workflow = (job: string, on = "push") => `on: ${on}\njobs:\n  a:\n    runs-on: ubuntu-latest\n${job}`;
const CHECKOUT = "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd";

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

  it("follow the workflow rules: every action SHA-pinned with its version, permissions per job, secrets in environments", () => {
    const files = workflowFiles(root);
    expect(files.map((f) => path.basename(f))).toEqual([
      "deploy-staging.yml",
      "drift.yml",
      "pr.yml",
      "promote.yml",
    ]);
    expect(files.flatMap((f) => workflowViolations(path.basename(f), fs.readFileSync(f, "utf8")))).toEqual(
      [],
    );
  });

  it("set no workflow-wide permissions: each job grants its own", () => {
    for (const f of workflowFiles(root)) {
      expect([path.basename(f), YAML.parse(fs.readFileSync(f, "utf8")).permissions]).toEqual([
        path.basename(f),
        {},
      ]);
    }
  });

  it("pin the Pulumi CLI to the SDK's version wherever pulumi/actions runs", () => {
    const sdk = (JSON.parse(read("package.json")) as { dependencies: Record<string, string> }).dependencies[
      "@pulumi/pulumi"
    ];
    const pulumiSteps = workflowFiles(root).flatMap((f) =>
      Object.values((YAML.parse(fs.readFileSync(f, "utf8")) as { jobs: Record<string, Job> }).jobs)
        .flatMap((j) => j.steps)
        .filter((s) => s.uses?.startsWith("pulumi/actions@")),
    );
    // pr (preview), deploy-staging (the first, object-free deployment and the deployment), promote, drift.
    expect(pulumiSteps).toHaveLength(5);
    for (const s of pulumiSteps) expect(s.with?.["pulumi-version"]).toBe(sdk);
  });

  it("grant contents: write only to the job that pushes", () => {
    const writers = workflowFiles(root).flatMap((f) =>
      Object.entries((YAML.parse(fs.readFileSync(f, "utf8")) as { jobs: Record<string, Job> }).jobs)
        .filter(([, j]) => j.permissions?.["contents"] === "write")
        .map(([id, j]) => [path.basename(f), id, j.steps.some((s) => /git push /.test(s.run ?? ""))]),
    );
    expect(writers).toEqual([["promote.yml", "promote", true]]);
  });
});

describe("workflow rules catch", () => {
  const pinned = `    permissions: {}\n    steps:\n      - uses: ${CHECKOUT} # v6.0.2\n`;

  it("accepts a pinned action with its version comment and local actions", () => {
    expect(violations(workflow(`${pinned}      - uses: ./.github/actions/setup\n`))).toEqual([]);
  });

  it("an action pinned to a tag or a branch", () => {
    expect(
      violations(workflow("    permissions: {}\n    steps:\n      - uses: actions/checkout@v4\n")),
    ).toEqual([
      'w.yml: "actions/checkout@v4" is not pinned: use the release\'s full 40-character commit SHA (owner/repo@<sha> # vX.Y.Z)',
    ]);
    expect(
      violations(workflow("    permissions: {}\n    steps:\n      - uses: pulumi/actions@main # v6\n")),
    ).toHaveLength(1);
  });

  it("a SHA without the version it pins, and an unpinned container image", () => {
    expect(violations(workflow(`    permissions: {}\n    steps:\n      - uses: ${CHECKOUT}\n`))).toEqual([
      `w.yml: "${CHECKOUT}" needs the version it pins in a trailing comment, e.g. "# v4.2.2"`,
    ]);
    expect(
      violations(workflow("    permissions: {}\n    steps:\n      - uses: docker://alpine:3\n")),
    ).toEqual(['w.yml: "docker://alpine:3" must pin the image by digest (docker://IMAGE@sha256:...)']);
  });

  it("a reusable workflow from another repository that is not pinned", () => {
    const text =
      "on: push\njobs:\n  a:\n    permissions: {}\n    uses: org/repo/.github/workflows/x.yml@main\n";
    expect(violations(text)).toEqual([
      'w.yml: "org/repo/.github/workflows/x.yml@main" is not pinned: use the release\'s full 40-character commit SHA (owner/repo@<sha> # vX.Y.Z)',
    ]);
  });

  it("a job without permissions", () => {
    expect(violations(workflow(`    steps:\n      - uses: ${CHECKOUT} # v6.0.2\n`))).toEqual([
      'w.yml: job "a" has no permissions: block: grant each job only what it needs',
    ]);
  });

  it("a secret in a job without an environment, in workflow-wide env, and secrets.GITHUB_TOKEN", () => {
    const inJob = workflow(
      `${pinned}      - run: deploy\n        env:\n          T: \${{ secrets.VERCEL_API_TOKEN }}\n`,
    );
    expect(violations(inJob)).toEqual([
      'w.yml: job "a" uses secrets without an environment: put the secret in the staging/production (or preview) environment and set environment: on the job (use github.token instead of secrets.GITHUB_TOKEN)',
    ]);
    expect(violations(`env:\n  T: \${{ secrets['X'] }}\n${workflow(pinned)}`)).toEqual([
      "w.yml: references secrets outside a job: secrets belong to jobs that run in an environment",
    ]);
    expect(
      violations(workflow(`${pinned}        with:\n          token: \${{ secrets.GITHUB_TOKEN }}\n`)),
    ).toHaveLength(1);
    expect(
      violations(workflow(`    environment: staging\n${pinned}      - run: x \${{ secrets.T }}\n`)),
    ).toEqual([]);
  });

  it("pull_request_target in any trigger form", () => {
    const expected = [
      "w.yml: uses pull_request_target, which runs with the base repository's secrets and a write token next to pull-request code: use pull_request",
    ];
    expect(violations(workflow(pinned, "pull_request_target"))).toEqual(expected);
    expect(violations(workflow(pinned, "[push, pull_request_target]"))).toEqual(expected);
    expect(violations(workflow(pinned, "\n  pull_request_target:\n    types: [opened]"))).toEqual(expected);
  });
});

describe("pull requests", () => {
  const jobs = jobsOf("pr.yml");

  it("upload the production policy findings as SARIF to code scanning", () => {
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
  });

  it("run the same checks as .ci/run: one script, .ci/checks", () => {
    expect(jobs["checks"].steps.map((s) => s.run).filter(Boolean)).toEqual([
      "npm ci --no-audit --no-fund",
      ".ci/checks",
      "npm run policy-check -- --stack production --format sarif --output policy-production.sarif",
    ]);
    const run = read(".ci/run");
    expect(run).toContain("npm ci --no-audit --no-fund\n");
    expect(run).toContain("\n.ci/checks\n");
    // After the shared checks, CI alone runs the real-engine suite (it needs Go and PostgreSQL).
    expect(run.trimEnd().endsWith("\nnpm run test:engine")).toBe(true);
    const checks = read(".ci/checks");
    for (const cmd of [
      "npx prettier --check .",
      "npx eslint .",
      "npx tsc --noEmit -p tsconfig.json",
      "npx tsc --noEmit -p policies/tsconfig.json",
      "npx tsx tools/lint-workflows.ts",
      "npx tsx tools/policy-docs.ts --check",
      "npm test",
      "npm run policy-check -- --stack staging",
      "npm run policy-check -- --stack production",
    ]) {
      expect(checks).toContain(`\n${cmd}\n`);
    }
  });

  it("preview each stack with its policy config, the read-only identity and never the production runner", () => {
    const preview = jobs["preview"] as Job & { strategy?: { matrix: { stack: string[] } } };
    expect(preview.strategy?.matrix.stack).toEqual(["staging", "production"]);
    expect(preview["runs-on"]).toBe("ubuntu-latest");
    expect(preview.environment).toBe("preview");
    expect(preview.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
    expect(preview.env).toEqual({
      ARM_USE_OIDC: "true",
      ARM_CLIENT_ID: "${{ vars.AZURE_PREVIEW_CLIENT_ID }}",
      ARM_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
      ARM_SUBSCRIPTION_ID: "${{ vars.AZURE_SUBSCRIPTION_ID }}",
      PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
      VERCEL_API_TOKEN: "${{ secrets.VERCEL_API_TOKEN }}",
    });
    const action = preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(action?.with).toMatchObject({
      command: "preview",
      "comment-on-pr": true,
      "github-token": "${{ github.token }}",
      policyPacks: "policies",
      policyPackConfigs: "policies/config/${{ matrix.stack }}.json",
    });
  });

  it("never reach the deploying environments, their identity or the production runner", () => {
    const text = read(".github/workflows/pr.yml");
    expect(text).not.toMatch(/environment: (staging|production)|vars\.AZURE_CLIENT_ID|PRODUCTION_RUNNER/);
    expect(Object.values(jobs).map((j) => j.environment)).toEqual([undefined, "preview"]);
  });

  it("check out without keeping the token in .git/config", () => {
    for (const job of Object.values(jobs)) {
      expect(job.steps[0]).toMatchObject({ with: { "persist-credentials": false } });
    }
  });
});

describe("deployments", () => {
  it("pushes to main deploy staging with the pack, in the staging environment", () => {
    const workflow = load("deploy-staging.yml");
    expect(workflow["on"]).toEqual({ push: { branches: ["main"] } });
    const job = (workflow["jobs"] as Record<string, Job>)["deploy"];
    expect(job.environment).toBe("staging");
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    const action = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(action?.with).toMatchObject({
      command: "up",
      "stack-name": "staging",
      policyPacks: "policies",
      policyPackConfigs: "policies/config/staging.json",
    });
  });

  it("promotion runs only from main and checks out the exact commit it was triggered for", () => {
    const job = jobsOf("promote.yml")["promote"];
    expect(job.if).toBe(
      "(github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main') || " +
        "(github.event_name == 'workflow_run' && github.event.workflow_run.conclusion == 'success' && " +
        "github.event.workflow_run.event == 'push' && github.event.workflow_run.head_branch == 'main')",
    );
    expect(job.environment).toBe("production");
    expect(job.permissions).toEqual({ contents: "write", "id-token": "write" });
    expect(job.steps[0].with).toEqual({
      ref: "${{ github.event_name == 'workflow_run' && github.event.workflow_run.head_sha || github.sha }}",
      "persist-credentials": false,
    });
    const push = job.steps.find((s) => s.run?.includes("git push"));
    expect(push?.env).toEqual({ GH_TOKEN: "${{ github.token }}" });
    expect(push?.run).toContain('git push "$remote" HEAD:refs/heads/main');
  });

  it("promotion appends its deployment log to the deploy-log branch and reads the metrics back from there", () => {
    const steps = jobsOf("promote.yml")["promote"].steps;
    const log = steps.find((s) => s.run?.includes("log-sync"));
    expect((log as { if?: string } | undefined)?.if).toBe("always()");
    expect(log?.env).toEqual({ GH_TOKEN: "${{ github.token }}" });
    expect(log?.run).toContain('npm run -s promote -- log-sync --remote "$repo"');
    expect(log?.run).toContain('metrics --stack production --days 30 --log-git "$repo"');
    // The token goes in an extra header, never into the repository URL.
    expect(log?.run).toContain('repo="https://github.com/${GITHUB_REPOSITORY}.git"');
    expect(log?.run).not.toMatch(/x-access-token:\$\{?GH_TOKEN\}?@/);
    expect(steps.filter((s) => s.run?.includes("promote -- metrics"))).toEqual([log]);
  });
});

describe("drift workflow", () => {
  const jobs = jobsOf("drift.yml");

  it("runs on a schedule per stack with the deployment's environment and identity, without issue rights", () => {
    expect(Object.keys(load("drift.yml")["on"] as object)).toEqual(["schedule", "workflow_dispatch"]);
    const detect = jobs["detect"] as Job & { strategy?: { matrix: { stack: string[] } } };
    expect(detect.strategy?.matrix.stack).toEqual(["staging", "production"]);
    expect(detect.environment).toBe("${{ matrix.stack }}");
    expect(detect.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(detect.env?.["ARM_CLIENT_ID"]).toBe("${{ vars.AZURE_CLIENT_ID }}");
    expect(detect.steps.map((s) => s.run ?? "").join("\n")).toContain(
      'npm run -s drift -- --stack "$STACK" --markdown --run-url "$RUN_URL" > drift/report.md',
    );
  });

  it("opens, updates and closes one issue per stack from a job that can write issues and holds no credentials", () => {
    const issue = jobs["issue"];
    expect(issue.permissions).toEqual({ contents: "read", issues: "write" });
    expect(issue.environment).toBeUndefined();
    expect(issue.if).toBe("${{ !cancelled() }}");
    const keeper = issue.steps.find((s) => s.run !== undefined);
    expect(keeper?.run).toBe('.ci/drift-issue "$STACK" "$(cat drift/exit-code)" drift/report.md');
    expect(keeper?.env).toEqual({
      GH_TOKEN: "${{ github.token }}",
      GH_REPO: "${{ github.repository }}",
      STACK: "${{ matrix.stack }}",
    });
  });
});
