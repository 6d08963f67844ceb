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
  /**
   * The id of the READY production deployment of `ref` in this project. `ref` is a commit SHA (the release's
   * `frontendRef`) or a deployment id, which must belong to this project. With `create`, a commit without one
   * gets a staged production deployment built from it (not assigned the production domains) and is waited
   * for; without, it is an error.
   */
  deploymentFor(ref: string, create: boolean): Promise<string>;
  /** Rolling-release stage percentages of the project's template, or undefined when none is configured. */
  templatePercentages(): Promise<number[] | undefined>;
  /** The current rolling release. */
  status(): Promise<FrontendStatus>;
  /** Starts the rolling release of `canaryDeploymentId` at stage 0 (idempotent for the same canary). */
  start(canaryDeploymentId: string): Promise<void>;
  /** Moves the rolling release to `nextStageIndex`. */
  approveStage(canaryDeploymentId: string, nextStageIndex: number): Promise<void>;
  /** Moves the rolling release of `canaryDeploymentId` to 100% at once (promote --full). */
  complete(canaryDeploymentId: string): Promise<void>;
  /** Points production traffic back at `stableDeploymentId` (Vercel instant rollback). */
  rollback(stableDeploymentId: string, description?: string): Promise<void>;
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
  /** How long a candidate's build may take before the preflight gives up, ms. Default 20 min. */
  readonly buildTimeoutMs?: number;
  /** How often a build's state is read, ms. Default 10 s. */
  readonly buildPollMs?: number;
}

/** A deployment as `GET /v13/deployments/{id}` returns it (the fields used). */
interface DeploymentBody {
  readonly id?: string;
  readonly projectId?: string;
  readonly target?: string | null;
  readonly readyState?: string;
  readonly meta?: Record<string, string>;
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
        if (!res.ok) {
          let detail = "";
          try {
            const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
            if (typeof message === "string") detail = `: ${message}`;
          } catch {
            // not JSON: the status says enough
          }
          throw new VercelApiError(
            `Vercel ${method} ${path} answered HTTP ${res.status}${detail}`,
            res.status,
          );
        }
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

  /** Reads a deployment and checks it is a production deployment of this project. */
  private async ownDeployment(id: string): Promise<DeploymentBody> {
    const d = (await this.call("GET", `/v13/deployments/${encodeURIComponent(id)}`)) as DeploymentBody;
    if (d.projectId !== this.options.projectId) {
      throw new Error(
        `Vercel deployment ${id} belongs to project ${d.projectId ?? "?"}, not ${this.options.projectId}: its NEXT_PUBLIC_* values were built for another stack`,
      );
    }
    if (d.target !== "production") throw new Error(`Vercel deployment ${id} is not a production deployment`);
    return d;
  }

  private async waitReady(id: string): Promise<string> {
    const deadline = Date.now() + (this.options.buildTimeoutMs ?? 20 * 60_000);
    for (;;) {
      const state = (await this.ownDeployment(id)).readyState;
      if (state === "READY") return id;
      if (state === "ERROR" || state === "CANCELED")
        throw new Error(`Vercel deployment ${id} ended ${state}; it cannot be the candidate`);
      if (Date.now() > deadline)
        throw new Error(`Vercel deployment ${id} is still ${state ?? "unknown"} after the build timeout`);
      await new Promise((r) => setTimeout(r, this.options.buildPollMs ?? 10_000));
    }
  }

  async deploymentFor(ref: string, create: boolean): Promise<string> {
    if (ref.startsWith("dpl_")) return this.waitReady((await this.ownDeployment(ref)).id ?? ref);
    const list = (await this.call(
      "GET",
      `/v6/deployments?projectId=${encodeURIComponent(this.options.projectId)}&target=production&limit=100`,
    )) as { deployments?: { uid?: string; state?: string; meta?: Record<string, string> }[] } | null;
    const found = (list?.deployments ?? []).find(
      (d) => d.meta?.githubCommitSha === ref && d.state !== "ERROR" && d.state !== "CANCELED",
    );
    if (found?.uid !== undefined) return this.waitReady(found.uid);
    if (!create) {
      throw new Error(
        `project ${this.options.projectId} has no production deployment of commit ${ref} to return to`,
      );
    }
    const project = (await this.call(
      "GET",
      `/v9/projects/${encodeURIComponent(this.options.projectId)}`,
    )) as {
      name?: string;
      link?: { type?: string; repoId?: number | string; productionBranch?: string } | null;
    };
    if (project.link?.type === undefined || project.link.repoId === undefined) {
      throw new Error(
        `project ${this.options.projectId} is not linked to a Git repository; its candidate deployment cannot be built from commit ${ref}`,
      );
    }
    const created = (await this.call("POST", "/v13/deployments", {
      name: project.name,
      project: this.options.projectId,
      target: "production",
      // Staged: built with production's env, not given the production domains (what `vercel deploy --prod
      // --skip-domain` sends); the rolling release moves traffic to it.
      autoAssignCustomDomains: false,
      gitSource: {
        type: project.link.type,
        repoId: project.link.repoId,
        ref: project.link.productionBranch ?? "main",
        sha: ref,
      },
    })) as DeploymentBody;
    if (created.id === undefined) throw new Error("Vercel created a deployment without an id");
    return this.waitReady(created.id);
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

  async complete(canaryDeploymentId: string): Promise<void> {
    await this.call("POST", `${this.project()}/rolling-release/complete`, { canaryDeploymentId });
  }

  async rollback(stableDeploymentId: string, description = "canary rollback"): Promise<void> {
    await this.call(
      "POST",
      `${this.project()}/rollback/${encodeURIComponent(stableDeploymentId)}?description=${encodeURIComponent(description)}`,
      {},
    );
  }
}
