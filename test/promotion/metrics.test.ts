import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  appendEntry,
  deliveryMetrics,
  entryFor,
  readEntries,
  type DeploymentEntry,
} from "../../promotion/deploylog";
import { faultAtStage, runCli, scenario, tempDir } from "./helpers";

const day = 86_400_000;
const now = Date.parse("2026-11-30T12:00:00Z");

function entry(
  outcome: string,
  endOffsetDays: number,
  extra: Partial<DeploymentEntry> = {},
): DeploymentEntry {
  const endedAt = new Date(now - endOffsetDays * day).toISOString();
  return {
    kind: "promotion",
    stack: "production",
    outcome,
    startedAt: endedAt,
    endedAt,
    reason: "",
    ...extra,
  };
}

describe("delivery metrics from the deployment log", () => {
  it("computes frequency, lead time, failure rate, time to restore and success rate against the targets", () => {
    const entries = [
      ...Array.from({ length: 8 }, (_, i) =>
        entry("promoted", i + 0.5, {
          leadTimeFrom: new Date(now - (i + 0.5) * day - 3 * 3_600_000).toISOString(),
        }),
      ),
      entry("rolled-back", 2, {
        failureStartedAt: new Date(now - 2 * day - 6 * 60_000).toISOString(),
        restoredAt: new Date(now - 2 * day).toISOString(),
      }),
      entry("refused", 3),
      entry("promoted", 40),
      { ...entry("promoted", 1), stack: "staging" },
    ];
    const m = deliveryMetrics(entries, { stack: "production", days: 7, now });

    expect(m.map((x) => [x.name, x.value, x.met])).toEqual([
      ["Deployment frequency", "1.00 / day (7 in 7 d)", true],
      ["Lead time (median)", "3.0 h", true],
      ["Change failure rate", "12.5% (1 of 8)", false],
      ["Time to restore (mean)", "6.0 min", true],
      ["Deployment success rate", "77.8% (7 of 9)", false],
    ]);
  });

  it("an undone promotion counts as a change failure, never as a run of its own or a second deployment", () => {
    const entries = [
      ...Array.from({ length: 7 }, (_, i) => entry("promoted", i + 0.5, { runId: `run-${i}` })),
      // The undo's line carries the run id of the promotion it reverted.
      entry("undone", 0.2, { runId: "run-3" }),
    ];
    const m = deliveryMetrics(entries, { stack: "production", days: 7, now });

    expect(m.map((x) => [x.name, x.value])).toEqual([
      ["Deployment frequency", "1.00 / day (7 in 7 d)"],
      ["Lead time (median)", "n/a"],
      ["Change failure rate", "14.3% (1 of 7)"],
      ["Time to restore (mean)", "n/a"],
      ["Deployment success rate", "100.0% (7 of 7)"],
    ]);
  });

  it("a rolled-back run's log line carries the failure start and restore time", async () => {
    const s = scenario();
    faultAtStage(s, "health", 50);
    const result = await s.controller.promote({ from: "staging", to: "production" });
    const path = join(tempDir(), "deployments.jsonl");
    await appendEntry(
      path,
      entryFor(result, { stack: "production", from: "staging", now: new Date(s.clock.now()).toISOString() }),
    );
    const { entries } = await readEntries(path);

    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ outcome: "rolled-back", version: "2.0.0", from: "staging" });
    expect(Date.parse(entries[0]!.restoredAt!) - Date.parse(entries[0]!.failureStartedAt!)).toBe(120_000);
  });
});

describe("command line", () => {
  const cli = (...args: string[]) => runCli(args);

  it("rejects a bad stack name with exit 2, naming the option and what is allowed", () => {
    const r = cli("--from", "staging", "--to", "Prod");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `error: option '--to <stack>' argument 'Prod' is invalid. "Prod" must be a stack name: lowercase letters, digits and '-', e.g. staging or production.`,
    );
  });

  it("prints the metrics table from a log file", async () => {
    const dir = tempDir();
    await appendEntry(
      join(dir, "deployments.jsonl"),
      entry("promoted", 0, { endedAt: new Date().toISOString() }),
    );
    const r = cli("metrics", "--state-dir", dir, "--days", "1");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("| Deployment frequency | 1.00 / day (1 in 1 d) | >= 1 / day | met |");
  });

  it("without a Pulumi CLI on PATH, run, rollback and status say so and exit 1", () => {
    const env = { ...process.env, PATH: tempDir() };
    const dir = tempDir();
    for (const args of [
      ["--from", "staging", "--to", "production"],
      ["rollback", "--stack", "production"],
      ["status", "--stack", "production"],
    ]) {
      const r = runCli([...args, "--state-dir", dir], env);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stderr).toBe(
        "promote: the Pulumi CLI (`pulumi`) is not on PATH: this tool drives the stacks through it (Automation API). " +
          "Install the pulumi CLI and put it on PATH (in CI: the pulumi/actions step), then rerun\n",
      );
      expect(r.stdout).toBe("");
    }
  }, 90_000);
});
