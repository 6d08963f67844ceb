/**
 * The durable deployment log (issue 12 point 5) against real git: a bare repository on disk is the remote; appends
 * create the orphan `deploy-log` branch, concurrent appends all land as a linear fast-forward history that only
 * ever grows, and what a fresh clone reads back is what `metrics` reports from.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DeploymentEntry } from "../../promotion/deploylog";
import { GitDeployLog } from "../../promotion/deploylog-git";
import { runCli, tempDir } from "./helpers";

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" });

function bareRemote(): string {
  const dir = join(tempDir(), "origin.git");
  execFileSync("git", ["init", "--bare", "--quiet", dir]);
  return dir;
}

/** A fresh clone of the `deploy-log` branch: its file and its commits, oldest first. */
function cloneLog(remote: string): { text: string; commits: string[]; dir: string } {
  const dir = join(tempDir(), "clone");
  execFileSync("git", ["clone", "--quiet", "--branch", "deploy-log", remote, dir]);
  return {
    text: readFileSync(join(dir, "deployments.jsonl"), "utf8"),
    commits: git(dir, "rev-list", "--reverse", "HEAD").trim().split("\n"),
    dir,
  };
}

const entry = (i: number, outcome = "promoted"): DeploymentEntry => ({
  kind: "promotion",
  stack: "production",
  from: "staging",
  runId: `production-run-${i}`,
  version: `1.${i}.0`,
  outcome,
  startedAt: new Date(Date.UTC(2026, 10, 20, 10, i)).toISOString(),
  endedAt: new Date(Date.UTC(2026, 10, 20, 10, i + 30)).toISOString(),
  leadTimeFrom: new Date(Date.UTC(2026, 10, 20, 9, i)).toISOString(),
  reason: `1.${i}.0 is stable on production`,
});

describe("the deployment log on an orphan git branch", () => {
  it("the first append creates deploy-log as an orphan branch holding only the log; a fresh clone reads it back", async () => {
    const remote = bareRemote();
    const log = new GitDeployLog({ remote });
    expect(await log.read()).toBe("");
    expect(await log.sync([entry(1)])).toMatchObject({ appended: 1, attempts: 1 });
    expect(await log.sync([entry(1), entry(2)])).toMatchObject({ appended: 1, attempts: 1 });
    expect(await log.sync([entry(2)])).toEqual({ appended: 0, attempts: 1 });

    const clone = cloneLog(remote);
    expect(clone.text).toBe(`${JSON.stringify(entry(1))}\n${JSON.stringify(entry(2))}\n`);
    expect(clone.commits).toHaveLength(2);
    expect(git(clone.dir, "rev-list", "--max-parents=0", "HEAD").trim()).toBe(clone.commits[0]);
    expect(git(clone.dir, "ls-tree", "--name-only", "HEAD").trim()).toBe("deployments.jsonl");
    expect(git(clone.dir, "log", "--format=%s", "-1")).toBe("deploy-log: production 1.2.0 promoted\n");
    expect(await new GitDeployLog({ remote }).read()).toBe(clone.text);
  });

  it("eight concurrent appends all land: linear history, each commit only adds lines to its parent's file", async () => {
    const remote = bareRemote();
    await new GitDeployLog({ remote }).sync([entry(0)]);
    const results = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7, 8].map((i) =>
        new GitDeployLog({ remote, retryDelayMs: 50, attempts: 20 }).sync([entry(i)]),
      ),
    );
    expect(results.map((r) => r.appended)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    const retried = results.filter((r) => r.attempts > 1).length;
    process.stderr.write(
      `[measure] 8 concurrent appends: ${retried} retried, attempts ${results.map((r) => r.attempts).join(",")}\n`,
    );

    const clone = cloneLog(remote);
    const lines = clone.text.trim().split("\n");
    expect(lines).toHaveLength(9);
    expect(new Set(lines.map((l) => (JSON.parse(l) as DeploymentEntry).runId))).toEqual(
      new Set([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => `production-run-${i}`)),
    );
    expect(clone.commits).toHaveLength(9);
    expect(git(clone.dir, "rev-list", "--min-parents=2", "HEAD")).toBe("");
    for (let k = 1; k < clone.commits.length; k++) {
      const parent = git(clone.dir, "show", `${clone.commits[k - 1]}:deployments.jsonl`);
      const child = git(clone.dir, "show", `${clone.commits[k]}:deployments.jsonl`);
      expect(child.startsWith(parent)).toBe(true);
      expect(child.length).toBeGreaterThan(parent.length);
    }
  }, 120_000);

  it("a failing remote is an error that never shows the credentials in its URL", async () => {
    const remote = "https://x-access-token:ghs_secret123@127.0.0.1:9/owner/repo.git";
    const err = await new GitDeployLog({ remote }).read().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^git ls-remote failed: /);
    expect(err?.message).not.toContain("ghs_secret123");
  });

  it("`metrics --log-git` reports from the branch, as a fresh runner would", async () => {
    const remote = bareRemote();
    const now = Date.now();
    const recent = (i: number, outcome: string): DeploymentEntry => ({
      ...entry(i, outcome),
      startedAt: new Date(now - (i + 2) * 3_600_000).toISOString(),
      endedAt: new Date(now - (i + 1) * 3_600_000).toISOString(),
      leadTimeFrom: new Date(now - (i + 3) * 3_600_000).toISOString(),
      ...(outcome === "rolled-back"
        ? {
            failureStartedAt: new Date(now - (i + 1) * 3_600_000 - 300_000).toISOString(),
            restoredAt: new Date(now - (i + 1) * 3_600_000).toISOString(),
          }
        : {}),
    });
    await new GitDeployLog({ remote }).sync([
      recent(1, "promoted"),
      recent(2, "promoted"),
      recent(3, "rolled-back"),
    ]);
    const r = runCli(["metrics", "--stack", "production", "--days", "1", "--log-git", remote, "--json"]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as { metrics: { name: string; value: string }[]; skipped: number };
    expect(out.skipped).toBe(0);
    expect(out.metrics.map((m) => [m.name, m.value])).toEqual([
      ["Deployment frequency", "2.00 / day (2 in 1 d)"],
      ["Lead time (median)", "2.0 h"],
      ["Change failure rate", "33.3% (1 of 3)"],
      ["Time to restore (mean)", "5.0 min"],
      ["Deployment success rate", "66.7% (2 of 3)"],
    ]);
  }, 60_000);
});
