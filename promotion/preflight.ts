import type { Artifact } from "../config/release";
import type { GateConfig, MaintenanceWindow } from "../config/rollout";
import type { HealthProbe } from "./gates/health";
import type { MetricsSource } from "./gates/metrics";
import { artifactId, type StackDriver, type UpdateRecord } from "./stack";

const days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return h! * 60 + m!;
}

/**
 * Whether a rollout of `durationMinutes` starting at `now` fits in the weekly window. Returns undefined when
 * it does, else the reason naming the window and when it next opens.
 */
export function maintenanceWindowRefusal(
  window: MaintenanceWindow,
  now: number,
  durationMinutes: number,
): string | undefined {
  const d = new Date(now);
  const minute = d.getUTCHours() * 60 + d.getUTCMinutes();
  const [start, end] = [minutesOf(window.start), minutesOf(window.end)];
  const today = days[d.getUTCDay()]!;
  const label = `${window.day} ${window.start}-${window.end} UTC`;
  if (today === window.day && minute >= start && minute + durationMinutes <= end) return undefined;
  const dayOffset = (days.indexOf(window.day) - d.getUTCDay() + 7) % 7;
  const opens = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + dayOffset, 0, start);
  const next = opens > now ? opens : opens + 7 * 86_400_000;
  const nowLabel = `${today} ${d.toISOString().slice(11, 16)} UTC`;
  if (today === window.day && minute >= start && minute < end) {
    return `the rollout needs at least ${durationMinutes} min but the maintenance window (${label}) closes at ${window.end}; next window opens ${new Date(next).toISOString()}`;
  }
  return `it is ${nowLabel}, outside the maintenance window (${label}); next window opens ${new Date(next).toISOString()}`;
}

/** What the candidate check found. */
export type CandidateCheck =
  | { readonly ok: true; readonly candidate: Artifact; readonly since: number; readonly detail: string }
  | {
      readonly ok: false;
      readonly reason: string;
      /** Set only when nothing is wrong but the soak time: how long until it is reached, ms. */
      readonly soakRemainingMs?: number;
    };

/** Inputs of the candidate check. */
export interface CandidateCheckInput {
  /** The stack the candidate comes from (staging). */
  readonly source: StackDriver;
  /** The source stack's gates: the thresholds its soak must have held. */
  readonly gates: GateConfig;
  /** Minutes the source must have run the candidate. */
  readonly soakMinutes: number;
  /** The version the caller expects, if any. */
  readonly expectVersion?: string;
  /** Probe and metrics used to check the soak. */
  readonly health: HealthProbe;
  readonly metrics: MetricsSource;
  /** Now, ms since the epoch. */
  readonly now: number;
  /** Per-request timeout, ms. */
  readonly timeoutMs: number;
}

/** The start of the newest unbroken run of successful updates that ran `digest`, if the newest update did. */
function runningSince(history: UpdateRecord[], digest: string): number | undefined {
  let since: number | undefined;
  for (const u of history.filter((h) => h.kind === "update")) {
    if (u.result !== "succeeded" || u.release?.stable.apiPackageSha256 !== digest) break;
    since = u.endTime ?? u.startTime;
  }
  return since;
}

/**
 * Production accepts only the release the source stack runs now, whose last update there succeeded, and whose
 * health gates held for the soak time: the source's `/health` answers ok and its error rate and p95 over the
 * soak window are within the source's gates, with enough requests to judge.
 */
export async function checkCandidate(input: CandidateCheckInput): Promise<CandidateCheck> {
  const { source } = input;
  const outputs = await source.outputs();
  const candidate = outputs.release.stable;
  const history = await source.history(50);
  if (input.expectVersion !== undefined && input.expectVersion !== candidate.version) {
    const ranBefore = history.some((u) => u.release?.stable.version === input.expectVersion);
    return {
      ok: false,
      reason: ranBefore
        ? `${source.name} ran ${input.expectVersion} before but now runs ${candidate.version}; production only accepts the release ${source.name} runs now`
        : `${source.name} never ran release ${input.expectVersion} (it runs ${candidate.version}); production only accepts a release ${source.name} ran`,
    };
  }
  const last = history.find((u) => u.kind === "update");
  if (last === undefined) return { ok: false, reason: `${source.name} has no update in its history` };
  if (last.result !== "succeeded") {
    return {
      ok: false,
      reason: `the last ${source.name} update ${last.result}; production needs a release whose last ${source.name} update succeeded`,
    };
  }
  if (last.release !== undefined && artifactId(last.release.stable) !== artifactId(candidate)) {
    return {
      ok: false,
      reason: `${source.name}'s outputs name ${candidate.version} but its last update ran ${last.release.stable.version}`,
    };
  }
  const since = runningSince(history, candidate.apiPackageSha256);
  if (since === undefined)
    return {
      ok: false,
      reason: `${source.name}'s history does not show when ${candidate.version} started running`,
    };
  const ranMinutes = Math.floor((input.now - since) / 60_000);
  if (ranMinutes < input.soakMinutes) {
    return {
      ok: false,
      reason: `${source.name} has run ${candidate.version} for ${ranMinutes} min; the soak time is ${input.soakMinutes} min`,
      soakRemainingMs: since + input.soakMinutes * 60_000 - input.now,
    };
  }
  const health = await input.health.probe(
    outputs.api.healthUrl,
    input.timeoutMs,
    outputs.api.healthCheckBody,
  );
  if (!health.ok) return { ok: false, reason: `${source.name} /health fails now: ${health.detail}` };
  const windowMinutes = Math.max(input.soakMinutes, 1);
  const metrics = await input.metrics.query({
    workspaceId: outputs.monitoring.logAnalyticsWorkspaceId,
    canaryRole: outputs.api.functionAppName,
    stableRole: outputs.api.functionAppName,
    from: input.now - windowMinutes * 60_000,
    to: input.now,
    timeoutMs: input.timeoutMs,
  });
  if (metrics.status !== "ok")
    return { ok: false, reason: `${source.name} metrics unavailable: ${metrics.reason}` };
  const stats = metrics.canary;
  const g = input.gates;
  if (stats === undefined || stats.requests < g.minRequests) {
    return {
      ok: false,
      reason: `${source.name} served ${stats?.requests ?? 0} requests in the last ${windowMinutes} min, fewer than minRequests ${g.minRequests}: no data is not success`,
    };
  }
  if (stats.errorRatePercent > g.maxErrorRatePercent) {
    return {
      ok: false,
      reason: `${source.name} error rate over the soak was ${stats.errorRatePercent.toFixed(2)}% > ${g.maxErrorRatePercent}%`,
    };
  }
  if (g.maxP95LatencyMs !== null && stats.p95Ms > g.maxP95LatencyMs) {
    return {
      ok: false,
      reason: `${source.name} p95 over the soak was ${Math.round(stats.p95Ms)} ms > ${g.maxP95LatencyMs} ms`,
    };
  }
  if (g.maxP99LatencyMs !== null && stats.p99Ms > g.maxP99LatencyMs) {
    return {
      ok: false,
      reason: `${source.name} p99 over the soak was ${Math.round(stats.p99Ms)} ms > ${g.maxP99LatencyMs} ms`,
    };
  }
  return {
    ok: true,
    candidate,
    since,
    detail:
      `${source.name} has run ${candidate.version} for ${ranMinutes} min (soak ${input.soakMinutes} min): ` +
      `${stats.requests} requests, error rate ${stats.errorRatePercent.toFixed(2)}%, p95 ${Math.round(stats.p95Ms)} ms, /health ok`,
  };
}
