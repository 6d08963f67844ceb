// Reaching the database for in-database objects (issue 9, point 5): CI admits its own address for the run only,
// and the first deployment works from an empty subscription.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { ROOT, stackConfig } from "./support/config";

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
const workflow = YAML.parse(
  fs.readFileSync(path.join(ROOT, ".github/workflows/deploy-staging.yml"), "utf8"),
) as {
  jobs: { deploy: { steps: Step[] } };
};
const steps = workflow.jobs.deploy.steps;
const indexOf = (predicate: (s: Step) => boolean, what: string): number => {
  const i = steps.findIndex(predicate);
  if (i < 0) throw new Error(`deploy-staging.yml has no step that ${what}`);
  return i;
};

describe("staging from CI on hosted runners with changing addresses", () => {
  it("admits no fixed deployer range (a documentation range never matched the runners)", () => {
    expect(stackConfig("staging").network.deployerIpRanges).toEqual([]);
  });

  it("opens a firewall rule for this runner's address before pulumi up and closes it after, whatever happened", () => {
    const open = indexOf((s) => s.id === "db-access", "opens the rule");
    const up = indexOf(
      (s) => s.uses?.startsWith("pulumi/actions@") === true && s.if === undefined,
      "runs pulumi up",
    );
    const close = indexOf((s) => s.run?.includes("firewall-rule delete") === true, "closes the rule");
    expect(open).toBeLessThan(up);
    expect(up).toBeLessThan(close);
    expect(steps[open].run).toContain("https://api.ipify.org");
    expect(steps[open].run).toContain(
      '--rule-name "ci-run-${GITHUB_RUN_ID}" --start-ip-address "$ip" --end-ip-address "$ip"',
    );
    expect(steps[close].if).toBe("always() && steps.db-access.outputs.server != ''");
    expect(steps[close].run).toContain('--rule-name "ci-run-${GITHUB_RUN_ID}"');
  });

  it("from an empty subscription, deploys once without in-database objects, then admits the runner and deploys again", () => {
    const find = indexOf((s) => s.id === "db-server", "looks for the server");
    const first = indexOf((s) => s.if === "steps.db-server.outputs.first == 'true'", "runs the first phase");
    const open = indexOf((s) => s.id === "db-access", "opens the rule");
    expect(find).toBeLessThan(first);
    expect(first).toBeLessThan(open);
    expect(steps[find].run).toContain('d.setIn(["config","webapp-platform:database","manageObjects"],false)');
    expect(steps[first]).toMatchObject({
      uses: expect.stringMatching(/^pulumi\/actions@[0-9a-f]{40}$/),
      with: { command: "up", "stack-name": "staging", policyPacks: "policies" },
    });
    // The committed config (manageObjects true) is restored before the second deployment.
    expect(steps[open].run?.split("\n")[0]).toBe("git checkout -- Pulumi.staging.yaml");
  });
});
