/**
 * Both stacks on the real Pulumi engine, as the README's first deployment describes it: stack init, external
 * secrets set with `pulumi config set --secret --path`, preview with the policy pack and the stack's policy
 * config, `up`, no perpetual diff, no secret in plain state; production's policy enforcement, the PR diff of a
 * canary change, and the protection of stateful resources.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type PostgresServer } from "./postgres";
import { EXTERNAL_SECRETS, exportStack, initStack, planTotal, Workspace } from "./support";

const policyArgs = (stack: string): string[] => [
  "--policy-pack",
  "policies",
  "--policy-pack-config",
  `policies/config/${stack}.json`,
];

/** State resources that the offline plan also lists: everything but the stack and default providers. */
const planned = (resources: { urn: string; type: string }[]): { urn: string; type: string }[] =>
  resources.filter(
    (r) =>
      r.type !== "pulumi:pulumi:Stack" &&
      !(r.type.startsWith("pulumi:providers:") && r.urn.includes("::default")),
  );

describe.each(["staging", "production"])("%s on the real engine", (stack) => {
  let ws: Workspace;
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
    ws = new Workspace(stack);
    ws.usePostgres(pg);
    await initStack(ws, stack);
  });
  afterAll(async () => {
    ws.remove();
    await pg.stop();
  });

  it("previews with the policy pack and its stack config, with no mandatory violation", async () => {
    const r = await ws.ok(["preview", "--stack", stack, ...policyArgs(stack)]);
    expect(r.stdout).toContain("webapp-platform-security@v0.1.0");
    expect(r.stdout).not.toContain("[mandatory]");
  });

  it("deploys with `pulumi up`, as many resources as the offline plan lists", async () => {
    await ws.ok(["up", "--yes", "--stack", stack, ...policyArgs(stack)]);
    const { resources } = await exportStack(ws, stack);
    expect(planned(resources).length).toBe(planTotal(stack));
  });

  it("waits for role propagation before the first feature-flag write", async () => {
    const calls = ws.calls();
    const sleeps = calls.filter((c) => c.method === "sleep");
    expect(sleeps.map((c) => c.duration)).toContain("15m");
    const firstFlag = calls.findIndex(
      (c) => c.method === "create" && c.type === "azure-native:appconfiguration:KeyValue",
    );
    const lastSleep = calls.findLastIndex((c) => c.method === "sleep" && c.urn?.includes("flags"));
    expect(lastSleep).toBeGreaterThanOrEqual(0);
    expect(firstFlag).toBeGreaterThan(lastSleep);
  });

  it("shows no change on a second preview (no perpetual diff)", async () => {
    await ws.ok(["preview", "--expect-no-changes", "--stack", stack]);
  });

  it("keeps every generated password, external secret and connection string out of plain state", async () => {
    const plain = (await exportStack(ws, stack)).text;
    const revealed = JSON.parse((await exportStack(ws, stack, true)).text) as {
      deployment: { resources: { type: string; outputs?: Record<string, unknown> }[] };
    };
    const generated = revealed.deployment.resources
      .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
      .map((r) => String(r.outputs?.result));
    expect(generated.length).toBe(6);
    for (const value of [...generated, ...Object.values(EXTERNAL_SECRETS)]) {
      expect(value.length).toBeGreaterThan(8);
      expect(plain).not.toContain(value);
    }
    const connectionStrings = revealed.deployment.resources
      .filter((r) => r.type === "azure-native:applicationinsights:Component")
      .map((r) => String(r.outputs?.connectionString));
    expect(connectionStrings).toHaveLength(1);
    expect(plain).not.toContain(connectionStrings[0]);
    expect(plain).not.toMatch(/postgres(ql)?:\/\/[^"\s]*:[^"\s@]+@/);
  });
});

describe("production enforcement, PR diff and protection on the real engine", () => {
  let ws: Workspace;
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
    ws = new Workspace("production-ops");
    ws.usePostgres(pg);
    await initStack(ws, "production");
    await ws.ok(["up", "--yes", "--stack", "production", ...policyArgs("production")]);
  });
  afterAll(async () => {
    ws.remove();
    await pg.stop();
  });

  it("refuses a schema-valid config that breaks a mandatory policy, naming it, and changes nothing", async () => {
    const before = (await exportStack(ws, "production")).resources.length;
    await ws.ok([
      "config",
      "set",
      "--path",
      "webapp-platform:protectStateful",
      "false",
      "--stack",
      "production",
    ]);
    const r = await ws.pulumi(["preview", "--stack", "production", ...policyArgs("production")]);
    await ws.ok([
      "config",
      "set",
      "--path",
      "webapp-platform:protectStateful",
      "true",
      "--stack",
      "production",
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain("[mandatory]");
    expect(r.stdout).toContain("azure-stateful-enforce-protect");
    expect((await exportStack(ws, "production")).resources.length).toBe(before);
  });

  it("a canary change 0 -> 50 updates exactly one resource, the API site, and previews no create or delete", async () => {
    const candidate: Record<string, string> = {
      version: "1.5.0",
      apiPackageUrl: "https://releases.example.com/shop-api/1.5.0/api.zip",
      apiPackageSha256: "1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a",
      frontendRef: "2b3c4d5e6f708192a3b4c5d6e7f80912a3b4c5d6",
    };
    for (const [key, value] of Object.entries(candidate)) {
      await ws.ok([
        "config",
        "set",
        "--path",
        `webapp-platform:release.candidate.${key}`,
        value,
        "--stack",
        "production",
      ]);
    }
    await ws.ok(["up", "--yes", "--stack", "production", ...policyArgs("production")]);
    await ws.ok([
      "config",
      "set",
      "--path",
      "webapp-platform:release.canaryPercentage",
      "50",
      "--stack",
      "production",
    ]);
    const r = await ws.ok(["preview", "--json", "--stack", "production", ...policyArgs("production")]);
    const preview = JSON.parse(r.stdout) as { steps?: { op: string; urn: string }[] };
    const changes = (preview.steps ?? [])
      .filter((s) => s.op !== "same")
      .map((s) => `${s.op} ${s.urn.split("::").pop()}`);
    expect(changes).toContain("update api-site");
    expect(changes.filter((c) => /^(create|delete)/.test(c))).toEqual([]);
    // Known defect (issue 8 note): azure-native's preview of an update returns only inputs plus `name` and
    // `location` (provider/pkg/provider/provider.go, Update with req.GetPreview()), so the site's principal id
    // and host name read as unknown in preview and every grant and URL built from them shows as a change
    // there. Only the grants keyed on the site's principal may show as replacements; nothing stateful may.
    expect(
      changes.filter((c) => c.startsWith("replace") && !/^replace api-(site|canary)-[a-z-]+$/.test(c)),
    ).toEqual([]);
    // What `up` really does: exactly one update, the API site.
    const before = ws.calls().length;
    await ws.ok(["up", "--yes", "--stack", "production", ...policyArgs("production")]);
    const history = JSON.parse(
      (await ws.ok(["stack", "history", "--json", "--stack", "production"])).stdout,
    ) as {
      resourceChanges?: Record<string, number>;
    }[];
    const changed = Object.entries(history[0]?.resourceChanges ?? {}).filter(([op]) => op !== "same");
    expect(changed).toEqual([["update", 1]]);
    const updated = ws
      .calls()
      .slice(before)
      .filter((c) => c.method === "update");
    expect(updated.map((c) => c.urn?.split("::").pop())).toEqual(["api-site"]);
  });

  it("refuses `pulumi destroy` because stateful resources are protected", async () => {
    const before = (await exportStack(ws, "production")).resources.length;
    const r = await ws.pulumi(["destroy", "--yes", "--stack", "production"]);
    expect(r.code).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/protected/);
    expect((await exportStack(ws, "production")).resources.length).toBe(before);
  });
});
