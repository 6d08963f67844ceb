/**
 * The five product examples on the real Pulumi engine, run as their READMEs tell a user: in `examples/<product>`
 * (whose Pulumi.yaml runs the program at the repository root), `pulumi stack init`, the external secrets set with
 * `pulumi config set --secret --path`, `pulumi preview` with the policy pack and the examples' policy config, and
 * `pulumi up`, which deploys as many resources as the offline plan lists, keeps secrets out of plain state and
 * leaves no perpetual diff.
 */
import { execFileSync } from "node:child_process";
import { cpSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EXAMPLES,
  EXAMPLE_STACKS,
  type Example,
  type ExampleStack,
  exampleExternalSecrets,
} from "../support/examples";
import { startPostgres } from "./postgres";
import { exportStack, repoRoot, Workspace } from "./support";

/**
 * The stacks each example deploys with `pulumi up` (every stack previews). Staging everywhere; production where its
 * shape differs most from the root stacks the stacks suite already deploys: the agentic ecosystem's Standard Static
 * Web App with a custom domain and no Vercel. (The MVP's production previews only, to keep the suite inside CI's
 * 90 minutes on two cores.)
 */
const UP: Record<Example, readonly ExampleStack[]> = {
  "supply-chain": ["staging"],
  "policy-mvp": ["staging"],
  agentic: ["staging", "production"],
  "shopify-dashboard": ["staging"],
  erp: ["staging"],
};

const policyArgs = (stack: ExampleStack): string[] => [
  "--policy-pack",
  "../../policies",
  "--policy-pack-config",
  `../policy-config/${stack}.json`,
];

/** The offline plan's resource count of an example stack (`npm run plan -- -C examples/<e> --stack <s> --json`). */
function planTotal(example: Example, stack: ExampleStack): number {
  const out = execFileSync(
    "npx",
    ["tsx", "tools/plan.ts", "-C", `examples/${example}`, "--stack", stack, "--json"],
    { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  return (JSON.parse(out) as { total: number }).total;
}

/** State resources the offline plan also lists: everything but the stack and default providers. */
const planned = (resources: { urn: string; type: string }[]): { urn: string; type: string }[] =>
  resources.filter(
    (r) =>
      r.type !== "pulumi:pulumi:Stack" &&
      !(r.type.startsWith("pulumi:providers:") && r.urn.includes("::default")),
  );

describe.each(EXAMPLES)("example %s on the real engine", (example) => {
  let ws: Workspace;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    ws = new Workspace(`example-${example}`);
    cpSync(path.join(repoRoot, "examples"), path.join(ws.dir, "examples"), { recursive: true });
    ws.cwd = path.join(ws.dir, "examples", example);
    for (const stack of EXAMPLE_STACKS) {
      await ws.ok(["stack", "init", stack]);
      for (const name of exampleExternalSecrets(example, stack)) {
        secrets[name] ??= `engine-${example}-${name.toLowerCase()}-7c1e9a`;
        await ws.ok([
          "config",
          "set",
          "--secret",
          "--path",
          `webapp-platform:externalSecrets.${name}`,
          secrets[name],
          "--stack",
          stack,
        ]);
      }
    }
  });
  afterAll(() => ws.remove());

  it.each(EXAMPLE_STACKS)("%s previews with the policy pack, with no mandatory violation", async (stack) => {
    const r = await ws.ok(["preview", "--stack", stack, ...policyArgs(stack)]);
    expect(r.stdout).toContain("webapp-platform-security@v0.1.0 (local: ../../policies)");
    expect(r.stdout).not.toContain("[mandatory]");
    expect(r.stdout).toMatch(new RegExp(`\\+ ${planTotal(example, stack) + 1} to create`));
  });

  it.each(UP[example])(
    "%s deploys with `pulumi up`: the offline plan's resources, no secret in plain state, no perpetual diff",
    async (stack) => {
      const pg = await startPostgres();
      try {
        ws.usePostgres(pg);
        await ws.ok(["up", "--yes", "--stack", stack, ...policyArgs(stack)]);
        const { resources, text } = await exportStack(ws, stack);
        expect(planned(resources).length).toBe(planTotal(example, stack));
        for (const name of exampleExternalSecrets(example, stack)) expect(text).not.toContain(secrets[name]);
        await ws.ok(["preview", "--expect-no-changes", "--stack", stack]);
      } finally {
        await pg.stop();
      }
    },
  );
});
