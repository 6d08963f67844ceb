import { existsSync } from "node:fs";
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { styleText } from "node:util";
import { Command, InvalidArgumentError, Option } from "commander";
import { systemClock } from "./clock";
import { PromotionController, exitCodes, type RunResult } from "./controller";
import { operatorName, type ControlAction } from "./controls";
import { appendEntry, deliveryMetrics, entryFor, metricsTable, parseEntries, readEntries } from "./deploylog";
import { GitDeployLog } from "./deploylog-git";
import type { GateSample } from "./gates/evaluate";
import { httpHealthProbe } from "./gates/health";
import { httpPackageDigester } from "./integrity";
import { AzureTokenProvider, LogAnalyticsMetrics } from "./gates/metrics";
import { PulumiStackDriver, requirePulumiCli } from "./pulumi-driver";
import { WebhookNotifier, type PromotionEvent } from "./notify";
import { decisionRecord } from "./report";
import { timeline } from "./timeline";
import type { PolicyOptions, StackOutputs } from "./stack";
import { VercelRollingRelease } from "./vercel";

function stackName(value: string): string {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(value)) {
    throw new InvalidArgumentError(
      `"${value}" must be a stack name: lowercase letters, digits and '-', e.g. staging or production.`,
    );
  }
  return value;
}

function days(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 366)
    throw new InvalidArgumentError(`"${value}" must be a whole number of days from 1 to 366.`);
  return n;
}

function minutes(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 10080)
    throw new InvalidArgumentError(`"${value}" must be a whole number of minutes from 0 to 10080.`);
  return n;
}

function reasonText(value: string): string {
  if (value.trim() === "" || value.length > 500)
    throw new InvalidArgumentError(
      `"${value}" must be a reason of 1 to 500 characters, for the decision record.`,
    );
  return value.trim();
}

function isoTime(value: string): string {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t)) {
    throw new InvalidArgumentError(`"${value}" must be an ISO 8601 time such as 2026-11-20T14:03:00Z.`);
  }
  return new Date(t).toISOString();
}

/** Options every command takes. */
export interface Common {
  workDir: string;
  stateDir: string;
  policyPack: string;
  policyPackConfigDir?: string;
  vercel: boolean;
}

/** The pack and the stack's policy config (`<dir>/<stack>.json`, the file `pulumi up` of that stack uses). */
export function policyFor(common: Common, workDir: string): (stack: string) => PolicyOptions {
  const pack = resolve(workDir, common.policyPack);
  const dir = resolve(workDir, common.policyPackConfigDir ?? join(common.policyPack, "config"));
  return (stack) => {
    const config = join(dir, `${stack}.json`);
    if (!existsSync(config)) {
      throw new Error(
        `the policy config of stack ${stack}, ${config}, does not exist; --policy-pack-config-dir must name the folder holding <stack>.json for each stack`,
      );
    }
    return { policyPacks: [pack], policyPackConfigs: [config] };
  };
}

function color(style: Parameters<typeof styleText>[0], text: string): string {
  return process.stderr.isTTY ? styleText(style, text) : text;
}

function printSample(sample: GateSample, healthy: number, required: number): void {
  const c = sample.canary;
  const parts = [
    `stage ${sample.stage + 1} (${sample.percentage}%)`,
    `healthy ${healthy}/${required}`,
    `health ${sample.health.ok ? "ok" : sample.health.detail}`,
    c
      ? `err ${c.errorRatePercent.toFixed(2)}% p95 ${Math.round(c.p95Ms)} ms`
      : `no data (${sample.noData ?? "-"})`,
    ...(sample.baselineP95Ms !== undefined ? [`stable p95 ${Math.round(sample.baselineP95Ms)} ms`] : []),
  ];
  const verdict =
    sample.verdict === "healthy"
      ? color("green", "healthy")
      : sample.verdict === "inconclusive"
        ? color("yellow", "no data")
        : color(
            "red",
            `unhealthy: ${
              [
                ...sample.breaches,
                ...(sample.custom ?? [])
                  .filter((c) => c.kind === "smoke" && c.outcome !== "pass")
                  .map((c) => `smoke ${c.name} ${c.detail}`),
              ].join("; ") || sample.health.detail
            }`,
          );
  process.stderr.write(`  ${sample.at.slice(11, 19)} ${parts.join(" | ")} -> ${verdict}\n`);
}

/** Webhooks from PROMOTION_WEBHOOK_URLS (a secret: newline- or comma-separated URLs), if set. */
const notifier = (() => {
  const urls = (process.env.PROMOTION_WEBHOOK_URLS ?? "")
    .split(/[\n,]/)
    .map((u) => u.trim())
    .filter((u) => u !== "");
  return urls.length === 0
    ? undefined
    : new WebhookNotifier({ urls, onError: (line) => process.stderr.write(`${line}\n`) });
})();

function controller(common: Common): PromotionController {
  const workDir = resolve(common.workDir);
  const logAnalytics = new LogAnalyticsMetrics(
    new AzureTokenProvider(),
    process.env.PROMOTION_LOG_ANALYTICS_ENDPOINT,
  );
  return new PromotionController({
    ...(notifier !== undefined ? { notify: (event: PromotionEvent) => notifier.send(event) } : {}),
    clock: systemClock,
    driver: (stack) => new PulumiStackDriver({ workDir, stackName: stack }),
    health: httpHealthProbe,
    packages: httpPackageDigester,
    metrics: logAnalytics,
    queries: logAnalytics,
    frontend: (outputs: StackOutputs) => {
      const projectId = outputs.vercel?.projectId;
      if (!common.vercel || projectId === undefined || projectId === null) return undefined;
      const token = process.env.VERCEL_API_TOKEN;
      if (token === undefined || token === "") {
        throw new Error(
          "the stack exports vercel.projectId but VERCEL_API_TOKEN is not set; set it, or pass --no-vercel to leave the frontend alone",
        );
      }
      const teamId = process.env.VERCEL_TEAM_ID ?? outputs.vercel?.teamId ?? undefined;
      return new VercelRollingRelease({
        token,
        projectId,
        ...(teamId !== undefined ? { teamId } : {}),
        ...(process.env.PROMOTION_VERCEL_ENDPOINT !== undefined
          ? { endpoint: process.env.PROMOTION_VERCEL_ENDPOINT }
          : {}),
      });
    },
    stateDir: resolve(common.stateDir),
    policy: policyFor(common, workDir),
    onLine: (line) => process.stderr.write(`${line}\n`),
    onSample: printSample,
  });
}

async function report(
  result: RunResult,
  common: Common,
  context: { stack: string; from?: string; operatorCommand?: boolean },
): Promise<void> {
  const quiet = ["requested", "applied", ...(context.operatorCommand === true ? ["refused"] : [])];
  if (quiet.includes(result.outcome)) {
    // A request handed to the running controller, a pause recorded, or an operator command refused: nothing
    // was deployed; the run's own record tells the rest, and the deployment log counts deployments only.
    process.stderr.write(
      `${color(result.exitCode === 0 ? "green" : "yellow", `${result.outcome}: ${result.reason}`)}\n`,
    );
    process.exitCode = result.exitCode;
    return;
  }
  const now = new Date().toISOString();
  const record = decisionRecord(result, {
    to: context.stack,
    ...(context.from !== undefined ? { from: context.from } : {}),
  });
  const stateDir = resolve(common.stateDir);
  await mkdir(join(stateDir, "records"), { recursive: true });
  const file = join(
    stateDir,
    "records",
    `${result.state?.runId ?? `${context.stack}-${now.replace(/[-:.]/g, "").slice(0, 15)}`}${result.state?.undo !== undefined ? "-undo" : ""}.md`,
  );
  await writeFile(file, record);
  if (process.env.GITHUB_STEP_SUMMARY !== undefined && process.env.GITHUB_STEP_SUMMARY !== "") {
    await appendFile(process.env.GITHUB_STEP_SUMMARY, record);
  }
  if (result.outcome !== "nothing-to-do" && result.outcome !== "interrupted") {
    await appendEntry(join(stateDir, "deployments.jsonl"), entryFor(result, { ...context, now }));
  }
  const style = result.exitCode === 0 ? "green" : result.exitCode === exitCodes.refused ? "yellow" : "red";
  process.stderr.write(`${color(style, `${result.outcome}: ${result.reason}`)}\ndecision record: ${file}\n`);
  process.exitCode = result.exitCode;
  // Notifications never delayed the run; give those still under way a bounded moment before exit.
  await notifier?.flush(20_000);
}

function withAbort(): AbortSignal {
  const ac = new AbortController();
  const stop = (signal: string) => {
    if (ac.signal.aborted) process.exit(exitCodes.interrupted);
    process.stderr.write(`\n${signal}: stopping after the current step (again to quit at once)\n`);
    ac.abort(new Error(signal));
  };
  process.once("SIGINT", () => stop("SIGINT")).once("SIGTERM", () => stop("SIGTERM"));
  return ac.signal;
}

/** Builds the `promote` command line. */
export function buildProgram(): Command {
  const program = new Command("promote")
    .description(
      "Canary promotion of a release from staging to production, with health gates and automatic rollback.",
    )
    .option("--work-dir <dir>", "directory holding Pulumi.yaml", ".")
    .option("--state-dir <dir>", "state, lock, decision records and deployment log", ".promotion")
    .option("--policy-pack <dir>", "policy pack for the preview and every stage up", "policies")
    .option(
      "--policy-pack-config-dir <dir>",
      "folder of the per-stack policy config files <stack>.json (default <policy-pack>/config)",
    )
    .option("--no-vercel", "leave the Vercel rolling release alone (API canary only)")
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : exitCodes.usage))
    .showHelpAfterError()
    // Every command but `metrics` and `log-sync` (the deployment log only) reads or changes stacks through the CLI.
    .hook("preAction", async (_program, action) => {
      const { full, reason } = action.opts<{ full?: boolean; reason?: string }>();
      if (action.name() === "run" && (full === true) !== (reason !== undefined))
        program.error("error: --full and --reason go together: promote --full --reason <text>", {
          exitCode: exitCodes.usage,
        });
      if (action.name() !== "metrics" && action.name() !== "log-sync") await requirePulumiCli();
    });

  program
    .command("run", { isDefault: true })
    .description("promote (or resume an unfinished promotion)")
    .requiredOption("--from <stack>", "stack whose release is the candidate", stackName)
    .requiredOption("--to <stack>", "stack to roll the candidate out to", stackName)
    .option("--release <version>", "refuse unless the source stack runs this version")
    .option("--lead-time-from <time>", "commit time of the release (ISO 8601), for lead time", isoTime)
    .option("--ignore-maintenance-window", "promote outside the maintenance window (recorded)")
    .option(
      "--soak-wait-minutes <n>",
      "longest wait for the source to finish its soak time (default the target's rollout.soakMinutes; 0 refuses at once)",
      minutes,
    )
    .addOption(
      new Option("--on-unfinished <action>", "what to do with an unfinished run in state")
        .choices(["resume", "rollback"])
        .default("resume"),
    )
    .option(
      "--full",
      "skip the remaining stages of the promotion under way and make the candidate stable now (needs --reason)",
    )
    .option("--reason <text>", "why --full, for the decision record", reasonText)
    .action(
      async (opts: {
        from: string;
        to: string;
        release?: string;
        leadTimeFrom?: string;
        ignoreMaintenanceWindow?: boolean;
        onUnfinished: "resume" | "rollback";
        soakWaitMinutes?: number;
        full?: boolean;
        reason?: string;
      }) => {
        if (opts.from === opts.to)
          program.error(`error: --from and --to are both "${opts.to}"; they must name two stacks`, {
            exitCode: exitCodes.usage,
          });
        const common = program.opts<Common>();
        if (opts.full === true && opts.reason !== undefined) {
          const result = await controller(common).control(opts.to, "full", operatorName(), opts.reason);
          await report(result, common, { stack: opts.to, from: opts.from, operatorCommand: true });
          return;
        }
        const result = await controller(common).promote({
          from: opts.from,
          to: opts.to,
          ...(opts.release !== undefined ? { expectVersion: opts.release } : {}),
          ...(opts.leadTimeFrom !== undefined ? { leadTimeFrom: opts.leadTimeFrom } : {}),
          ...(opts.soakWaitMinutes !== undefined ? { soakWaitMinutes: opts.soakWaitMinutes } : {}),
          ignoreMaintenanceWindow: opts.ignoreMaintenanceWindow === true,
          onUnfinished: opts.onUnfinished,
          signal: withAbort(),
        });
        await report(result, common, { stack: opts.to, from: opts.from });
      },
    );

  program
    .command("rollback")
    .description("roll the stack back to its stable release at 0% canary")
    .requiredOption("--stack <stack>", "stack to roll back", stackName)
    .option("--reason <text>", "why, for the decision record", "manual rollback")
    .action(async (opts: { stack: string; reason: string }) => {
      const common = program.opts<Common>();
      await report(await controller(common).rollback(opts.stack, opts.reason), common, { stack: opts.stack });
    });

  program
    .command("undo")
    .description(
      "after a completed promotion, return the stack to the release it ran before (API config only, Vercel Instant Rollback)",
    )
    .requiredOption("--stack <stack>", "stack to return", stackName)
    .requiredOption("--reason <text>", "why, for the decision record and the deployment log", reasonText)
    .action(async (opts: { stack: string; reason: string }) => {
      const common = program.opts<Common>();
      const result = await controller(common).undo(opts.stack, operatorName(), opts.reason);
      await report(result, common, { stack: opts.stack, operatorCommand: true });
    });

  const controls: [ControlAction, string, boolean][] = [
    [
      "pause",
      "hold the promotion under way at its current stage (gates keep sampling and still roll back)",
      false,
    ],
    ["resume", "let a paused promotion go on", false],
    ["abort", "roll the promotion under way back now", true],
  ];
  for (const [action, description, needsReason] of controls) {
    const command = program
      .command(action)
      .description(description)
      .requiredOption("--stack <stack>", "stack whose promotion to control", stackName);
    if (needsReason) command.requiredOption("--reason <text>", "why, for the decision record", reasonText);
    else command.option("--reason <text>", "why, for the decision record", reasonText);
    command.action(async (opts: { stack: string; reason?: string }) => {
      const common = program.opts<Common>();
      const result = await controller(common).control(opts.stack, action, operatorName(), opts.reason);
      await report(result, common, { stack: opts.stack, operatorCommand: true });
    });
  }

  program
    .command("status")
    .description("show the last run, the lock and what the stack deploys")
    .requiredOption("--stack <stack>", "stack to inspect", stackName)
    .option("--json", "print JSON")
    .action(async (opts: { stack: string; json?: boolean }) => {
      const status = await controller(program.opts<Common>()).status(opts.stack);
      if (opts.json === true) {
        process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        return;
      }
      const s = status.state;
      const lines = [
        `stack ${opts.stack}`,
        `  deployed: ${status.deployed ? `${status.deployed.stable.version} stable, ${status.deployed.canaryPercentage}% to ${status.deployed.candidate?.version ?? "no candidate"}` : `unknown (${status.deployedError ?? "-"})`}`,
        `  lock: ${status.lock ? `run ${status.lock.runId}, pid ${status.lock.pid} on ${status.lock.host}${status.lock.stale ? " (stale)" : ""}` : "free"}`,
        s
          ? `  last run: ${s.runId} ${s.candidate.version} phase ${s.phase} stage ${s.stageIndex + 1}/${s.stages.length}${s.paused ? `, paused by ${s.paused.operator} since ${s.paused.at}` : ""}${s.outcome ? `, ${s.outcome}` : ""}: ${s.reason ?? ""}`
          : "  last run: none",
      ];
      process.stdout.write(`${lines.join("\n")}\n${s ? `\n${timeline(s)}\n` : ""}`);
    });

  program
    .command("metrics")
    .description("deployment frequency, lead time, change failure rate, time to restore and success rate")
    .option("--stack <stack>", "stack to report", stackName, "production")
    .option("--days <n>", "window in days", days, 30)
    .option("--log <file>", "deployment log (default <state-dir>/deployments.jsonl)")
    .option("--log-git <repository>", "read the log from the deploy-log branch of this repository instead")
    .option("--log-branch <branch>", "branch of --log-git", "deploy-log")
    .option("--json", "print JSON")
    .action(
      async (opts: {
        stack: string;
        days: number;
        log?: string;
        logGit?: string;
        logBranch: string;
        json?: boolean;
      }) => {
        const common = program.opts<Common>();
        const { entries, skipped } =
          opts.logGit !== undefined && opts.log === undefined
            ? parseEntries(await new GitDeployLog({ remote: opts.logGit, branch: opts.logBranch }).read())
            : await readEntries(opts.log ?? join(resolve(common.stateDir), "deployments.jsonl"));
        const metrics = deliveryMetrics(entries, { stack: opts.stack, days: opts.days, now: Date.now() });
        if (opts.json === true) process.stdout.write(`${JSON.stringify({ metrics, skipped }, null, 2)}\n`);
        else
          process.stdout.write(
            `${metricsTable(metrics)}\n${skipped > 0 ? `${skipped} unreadable log lines skipped\n` : ""}`,
          );
      },
    );

  program
    .command("log-sync")
    .description(
      "append the local deployment log's entries that the deploy-log branch lacks (never rewrites it)",
    )
    .requiredOption(
      "--remote <repository>",
      "repository holding the deploy-log branch (no credentials in it)",
    )
    .option("--branch <branch>", "branch", "deploy-log")
    .option("--log <file>", "local deployment log (default <state-dir>/deployments.jsonl)")
    .action(async (opts: { remote: string; branch: string; log?: string }) => {
      const { entries } = await readEntries(
        opts.log ?? join(resolve(program.opts<Common>().stateDir), "deployments.jsonl"),
      );
      const r = await new GitDeployLog({ remote: opts.remote, branch: opts.branch }).sync(entries);
      process.stderr.write(
        r.appended === 0
          ? `deploy-log: all ${entries.length} entries already on ${opts.branch}\n`
          : `deploy-log: appended ${r.appended} entries to ${opts.branch} (commit ${r.commit?.slice(0, 12) ?? "-"}, attempt ${r.attempts})\n`,
      );
    });

  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`promote: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = exitCodes.error;
    });
}
