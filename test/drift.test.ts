/**
 * Drift detection: parsing of preview-only refresh engine events into a drift report (event shapes from
 * `@pulumi/pulumi/automation/events.d.ts`, 3.248), its text/Markdown/JSON renderings, and the CLI's exit codes
 * and messages when it cannot run.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import {
  DiffKind,
  type EngineEvent,
  type OpType,
  type StepEventMetadata,
  type StepEventStateMetadata,
} from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { engineError } from "../tools/drift";
import { driftReport, formatMarkdown, formatText } from "../tools/drift-report";

const ROOT = path.join(__dirname, "..");
const PREFIX = "urn:pulumi:staging::webapp-platform::";
const APP = `${PREFIX}webapp:api:Api$azure-native:web:WebApp::api-app`;
const SECRET = `${PREFIX}webapp:secrets:Secrets$azure-native:keyvault:Secret::secrets-jwt`;
const VAULT = `${PREFIX}webapp:secrets:Secrets$azure-native:keyvault:Vault::secrets-vault`;
const PROJECT = `${PREFIX}webapp:vercel:VercelSite$vercel:index/project:Project::vercel-project`;
const STACK = `${PREFIX}pulumi:pulumi:Stack::webapp-platform-staging`;
const PROVIDER = `${PREFIX}pulumi:providers:azure-native::default_3_28_0`;

let sequence = 0;

function typeOf(urn: string): string {
  const qualified = urn.split("::")[2];
  return qualified.slice(qualified.lastIndexOf("$") + 1);
}

function state(urn: string, outputs: Record<string, unknown>): StepEventStateMetadata {
  return {
    type: typeOf(urn),
    urn,
    id: `/subscriptions/0000/${urn.length}`,
    parent: STACK,
    inputs: {},
    outputs,
    provider: PROVIDER,
  };
}

function meta(op: OpType, urn: string, extra: Partial<StepEventMetadata> = {}): StepEventMetadata {
  return { op, urn, type: typeOf(urn), provider: PROVIDER, ...extra };
}

/** The pair of events the engine sends for one refresh step: the announcement, then the outcome. */
function refreshStep(urn: string, outcome: StepEventMetadata): EngineEvent[] {
  const before = outcome.old ?? state(urn, {});
  return [
    {
      sequence: sequence++,
      timestamp: 0,
      resourcePreEvent: { metadata: meta("refresh", urn, { old: before }) },
    },
    { sequence: sequence++, timestamp: 0, resOutputsEvent: { metadata: outcome } },
  ];
}

function summary(resourceChanges: Partial<Record<OpType, number>>): EngineEvent {
  return {
    sequence: sequence++,
    timestamp: 0,
    summaryEvent: { maybeCorrupt: false, durationSeconds: 3, resourceChanges, policyPacks: {} },
  };
}

const appOld = state(APP, {
  httpsOnly: true,
  siteConfig: { minTlsVersion: "1.2" },
  tags: { owner: "platform" },
});
const appNew = state(APP, {
  httpsOnly: true,
  siteConfig: { minTlsVersion: "1.0" },
  tags: { owner: "platform" },
});

describe("drift report from refresh events", () => {
  it("names the resource and the detailed-diff property paths of an update outcome", () => {
    const events = [
      ...refreshStep(STACK, meta("same", STACK)),
      ...refreshStep(PROVIDER, meta("same", PROVIDER)),
      ...refreshStep(
        APP,
        meta("update", APP, {
          old: appOld,
          new: appNew,
          diffs: ["siteConfig", "tags"],
          detailedDiff: {
            "siteConfig.minTlsVersion": { diffKind: DiffKind.update, inputDiff: false },
            'tags["cost-center"]': { diffKind: DiffKind.add, inputDiff: false },
            "siteConfig.ftpsState": { diffKind: DiffKind.delete, inputDiff: false },
          },
        }),
      ),
      ...refreshStep(
        VAULT,
        meta("same", VAULT, { old: state(VAULT, { a: 1 }), new: state(VAULT, { a: 1 }) }),
      ),
      summary({ same: 3, update: 1 }),
    ];
    const report = driftReport("staging", events);
    expect(report).toEqual({
      stack: "staging",
      checked: 2,
      summary: { same: 3, update: 1 },
      drifted: [
        {
          urn: APP,
          type: "azure-native:web:WebApp",
          name: "api-app",
          kind: "changed",
          properties: [
            { path: "siteConfig.ftpsState", kind: "delete" },
            { path: "siteConfig.minTlsVersion", kind: "update" },
            { path: 'tags["cost-center"]', kind: "add" },
          ],
        },
      ],
    });
  });

  it("falls back to the top-level diff keys when the engine sends no detailed diff", () => {
    const report = driftReport(
      "staging",
      refreshStep(APP, meta("update", APP, { old: appOld, new: appNew, diffs: ["siteConfig"] })),
    );
    expect(report.drifted[0].properties).toEqual([{ path: "siteConfig", kind: "update" }]);
  });

  it("compares old and new outputs itself when the outcome keeps op refresh and names no keys", () => {
    const newer = state(APP, {
      httpsOnly: false,
      siteConfig: { minTlsVersion: "1.2" },
      tags: { owner: "platform" },
      kind: "app",
      __meta: "x",
    });
    const report = driftReport(
      "staging",
      refreshStep(APP, meta("refresh", APP, { old: appOld, new: newer })),
    );
    expect(report.drifted).toHaveLength(1);
    expect(report.drifted[0].properties).toEqual([
      { path: "httpsOnly", kind: "update" },
      { path: "kind", kind: "add" },
    ]);
  });

  it("finds the properties when the outcome carries detailedDiff null and no diffs (what CLI 3.248 sends)", () => {
    // Observed with pulumi v3.248.0 and a stand-in provider whose read changed `length`: the pre-event is
    // op "refresh" with old and new state, the outputs event op "update" with `detailedDiff: null`, no `diffs`.
    const old = state(APP, { length: 16, special: false, result: "[secret]" });
    const read = state(APP, { length: 20, special: false, result: "[secret]" });
    const events: EngineEvent[] = [
      {
        sequence: sequence++,
        timestamp: 0,
        resourcePreEvent: { metadata: meta("refresh", APP, { old, new: old }) },
      },
      {
        sequence: sequence++,
        timestamp: 0,
        resOutputsEvent: {
          metadata: meta("update", APP, { old, new: read, detailedDiff: null as unknown as undefined }),
        },
      },
    ];
    expect(driftReport("dev", events).drifted[0].properties).toEqual([{ path: "length", kind: "update" }]);
  });

  it("reports a resource deleted outside Pulumi, by a delete outcome or a refresh with no new state", () => {
    const events = [
      ...refreshStep(SECRET, meta("delete", SECRET, { old: state(SECRET, { name: "jwt" }) })),
      ...refreshStep(PROJECT, meta("refresh", PROJECT, { old: state(PROJECT, { name: "web" }) })),
    ];
    const report = driftReport("staging", events);
    expect(report.drifted.map((r) => [r.name, r.kind, r.properties.length])).toEqual([
      ["secrets-jwt", "deleted", 0],
      ["vercel-project", "deleted", 0],
    ]);
  });

  it("does not take the refresh announcement (pre-event without new state) for a deletion", () => {
    const pre: EngineEvent = {
      sequence: sequence++,
      timestamp: 0,
      resourcePreEvent: { metadata: meta("refresh", SECRET, { old: state(SECRET, { name: "jwt" }) }) },
    };
    const report = driftReport("staging", [pre, ...refreshStep(SECRET, meta("same", SECRET))]);
    expect(report).toMatchObject({ checked: 1, drifted: [] });
  });

  it("counts an update outcome as drift even when the engine names no property", () => {
    const report = driftReport("staging", refreshStep(APP, meta("update", APP)));
    expect(report.drifted[0]).toMatchObject({ kind: "changed", properties: [] });
    expect(formatText(report)).toContain("(the engine reported a change without naming properties)");
  });

  it("ignores the stack resource and providers even when their outcome changes", () => {
    const events = [
      ...refreshStep(STACK, meta("update", STACK, { diffs: ["outputs"] })),
      ...refreshStep(PROVIDER, meta("update", PROVIDER, { diffs: ["version"] })),
    ];
    expect(driftReport("staging", events)).toEqual({
      stack: "staging",
      checked: 0,
      drifted: [],
      summary: {},
    });
  });
});

describe("drift report rendering", () => {
  const drifted = driftReport("production", [
    ...refreshStep(
      APP,
      meta("update", APP, {
        detailedDiff: { "siteConfig.minTlsVersion": { diffKind: DiffKind.update, inputDiff: false } },
      }),
    ),
    ...refreshStep(SECRET, meta("delete", SECRET)),
    ...refreshStep(VAULT, meta("same", VAULT)),
  ]);

  it("prints one line per drifted resource and its properties, never a value", () => {
    expect(formatText(drifted)).toBe(
      [
        "drift in stack production: 2 of 3 resource(s) differ from the cloud",
        "  ~ azure-native:web:WebApp  api-app",
        "      ~ siteConfig.minTlsVersion",
        "  - azure-native:keyvault:Secret  secrets-jwt  (deleted outside Pulumi)",
        "",
      ].join("\n"),
    );
    expect(formatText(drifted)).not.toContain("1.0");
  });

  it("prints a one-line all-clear for a clean stack", () => {
    const clean = driftReport("staging", refreshStep(VAULT, meta("same", VAULT)));
    expect(formatText(clean)).toBe("no drift in stack staging: 1 resource(s) match the cloud\n");
    expect(formatMarkdown(clean)).toBe(
      "## No drift in stack `staging`\n\n```\nno drift in stack staging: 1 resource(s) match the cloud\n```\n",
    );
  });

  it("renders the issue body with the URNs and the run link", () => {
    const body = formatMarkdown(drifted, "https://github.com/o/r/actions/runs/7");
    expect(
      body.startsWith("## Drift detected in stack `production`\n\n```\ndrift in stack production: 2 of 3"),
    ).toBe(true);
    expect(body).toContain(`- \`${APP}\``);
    expect(body).toContain(`- \`${SECRET}\``);
    expect(body.endsWith("Checked by https://github.com/o/r/actions/runs/7\n")).toBe(true);
  });

  it("serializes to JSON with the report's fields only", () => {
    expect(Object.keys(JSON.parse(JSON.stringify(drifted)) as object)).toEqual([
      "stack",
      "checked",
      "drifted",
      "summary",
    ]);
  });
});

describe("drift command", () => {
  it("reduces an Automation API CommandError to the CLI's error lines (message as CLI 3.248 produced it)", () => {
    const message = [
      "code: -2",
      " stdout: ",
      " stderr: Command failed with exit code 6: pulumi stack select --stack nosuch --non-interactive",
      "error: no stack named 'nosuch' found",
      " err?: Error: Command failed with exit code 6: pulumi stack select --stack nosuch --non-interactive",
      "error: no stack named 'nosuch' found",
      "",
    ].join("\n");
    expect(engineError(new Error(message))).toBe("no stack named 'nosuch' found");
    expect(engineError(new Error("spawn failed\nsomething else"))).toBe("spawn failed\nsomething else");
  });

  /** Runs the CLI with node itself (absolute path), so PATH can be emptied of `pulumi`. */
  function drift(args: string[], env: NodeJS.ProcessEnv = process.env) {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "tools/drift.ts", ...args],
      {
        cwd: ROOT,
        env,
        encoding: "utf8",
      },
    );
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it("exits 2 with a clear message when no pulumi CLI is on PATH", () => {
    const r = drift(["--stack", "staging"], { ...process.env, PATH: "/nonexistent" });
    expect(r).toEqual({
      status: 2,
      stdout: "",
      stderr:
        "drift: the pulumi CLI was not found on PATH: install Pulumi CLI 3.248.0 (https://www.pulumi.com/docs/install/) and put it on PATH\n",
    });
  }, 30_000);

  it("exits 2 naming --program-dir when it holds no Pulumi project", () => {
    const r = drift(["--stack", "staging", "--program-dir", "docs"]);
    expect(r).toEqual({
      status: 2,
      stdout: "",
      stderr: `drift: --program-dir ${path.join(ROOT, "docs")} has no Pulumi.yaml: point it at a Pulumi project directory\n`,
    });
  }, 30_000);

  it("exits 2 naming --run-url when it is not an http(s) URL", () => {
    const r = drift(["--stack", "staging", "--markdown", "--run-url", "javascript:alert(1)"]);
    expect(r).toEqual({
      status: 2,
      stdout: "",
      stderr: `error: option '--run-url <url>' argument 'javascript:alert(1)' is invalid. "javascript:alert(1)" is not an http(s) URL.\n`,
    });
  }, 30_000);

  it("exits 2 naming --stack when it is missing or not a stack name", () => {
    expect(drift([])).toMatchObject({
      status: 2,
      stderr: "error: required option '--stack <name>' not specified\n",
    });
    const bad = drift(["--stack", "prod;rm"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`"prod;rm" is not a stack name: use letters, digits, "-", "_" and "."`);
  }, 30_000);
});
