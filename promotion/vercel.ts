import { backOff } from "exponential-backoff";

/** The state of a project's rolling release, as far as the controller needs it. */
export interface FrontendStatus {
  /** "ACTIVE", "COMPLETE", "ABORTED", or "NONE" when no rolling release exists. */
  readonly state: string;
  /** The canary deployment id, when one is rolling out. */
  readonly canaryDeploymentId?: string;
  /** Zero-based index of the active stage, when known. */
  readonly stageIndex?: number;
}

/** Drives the frontend's share of traffic in step with the API canary. */
export interface FrontendRollout {
  /** Rolling-release stage percentages of the project's template, or undefined when none is configured. */
  templatePercentages(): Promise<number[] | undefined>;
  /** The current rolling release. */
  status(): Promise<FrontendStatus>;
  /** Starts the rolling release of `canaryDeploymentId` at stage 0 (idempotent for the same canary). */
  start(canaryDeploymentId: string): Promise<void>;
  /** Moves the rolling release to `nextStageIndex`. */
  approveStage(canaryDeploymentId: string, nextStageIndex: number): Promise<void>;
  /** Points production traffic back at `stableDeploymentId` (Vercel instant rollback). */
  rollback(stableDeploymentId: string): Promise<void>;
}

/** Where and how to reach the Vercel REST API. */
export interface VercelOptions {
  /** API token (env VERCEL_API_TOKEN); never logged. */
  readonly token: string;
  /** The project id (stack output `vercel.projectId`). */
  readonly projectId: string;
  /** The team id, when the project belongs to a team. */
  readonly teamId?: string;
  /** API root; default `https://api.vercel.com`. */
  readonly endpoint?: string;
  /** Attempts per call for 429 / 5xx / network errors. Default 4. */
  readonly attempts?: number;
  /** First retry delay in ms, doubling. Default 1000. */
  readonly retryDelayMs?: number;
}

class VercelApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The Vercel rolling-release REST API (`/v1/projects/{id}/rolling-release/...`). */
export class VercelRollingRelease implements FrontendRollout {
  private readonly base: string;

  constructor(private readonly options: VercelOptions) {
    this.base = (options.endpoint ?? "https://api.vercel.com").replace(/\/$/, "");
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = new URL(`${this.base}${path}`);
    if (this.options.teamId !== undefined) url.searchParams.set("teamId", this.options.teamId);
    return backOff(
      async () => {
        const res = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${this.options.token}`, "content-type": "application/json" },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        if (!res.ok)
          throw new VercelApiError(`Vercel ${method} ${path} answered HTTP ${res.status}`, res.status);
        return text === "" ? null : (JSON.parse(text) as unknown);
      },
      {
        numOfAttempts: this.options.attempts ?? 4,
        startingDelay: this.options.retryDelayMs ?? 1000,
        retry: (err: unknown) => !(err instanceof VercelApiError) || err.status === 429 || err.status >= 500,
      },
    );
  }

  private project(): string {
    return `/v1/projects/${encodeURIComponent(this.options.projectId)}`;
  }

  async templatePercentages(): Promise<number[] | undefined> {
    const body = (await this.call("GET", `${this.project()}/rolling-release/config`)) as {
      rollingRelease?: { stages?: { targetPercentage?: number }[] } | null;
    } | null;
    const stages = body?.rollingRelease?.stages;
    return stages?.map((s) => s.targetPercentage ?? -1);
  }

  async status(): Promise<FrontendStatus> {
    const body = (await this.call("GET", `${this.project()}/rolling-release`)) as {
      rollingRelease?: {
        state?: string;
        canaryDeployment?: { id?: string };
        activeStage?: { index?: number };
      } | null;
    } | null;
    const rr = body?.rollingRelease;
    if (rr === undefined || rr === null) return { state: "NONE" };
    return {
      state: rr.state ?? "UNKNOWN",
      ...(rr.canaryDeployment?.id !== undefined ? { canaryDeploymentId: rr.canaryDeployment.id } : {}),
      ...(rr.activeStage?.index !== undefined ? { stageIndex: rr.activeStage.index } : {}),
    };
  }

  async start(canaryDeploymentId: string): Promise<void> {
    await this.call("POST", `${this.project()}/rolling-release/start`, { canaryDeploymentId });
  }

  async approveStage(canaryDeploymentId: string, nextStageIndex: number): Promise<void> {
    await this.call("POST", `${this.project()}/rolling-release/approve-stage`, {
      nextStageIndex,
      canaryDeploymentId,
    });
  }

  async rollback(stableDeploymentId: string): Promise<void> {
    await this.call(
      "POST",
      `${this.project()}/rollback/${encodeURIComponent(stableDeploymentId)}?description=canary%20rollback`,
      {},
    );
  }
}
