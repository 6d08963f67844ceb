/**
 * A local fake of the part of Vercel's REST API the promotion tool uses, listening on 127.0.0.1 only, for tests
 * and the real-engine scenarios. It follows the documented request and response shapes and refuses what Vercel
 * refuses: no bearer token (403), an unknown project or deployment id (404), a deployment of another project or
 * a malformed body (400). Errors have Vercel's shape `{"error": {"code", "message"}}`; the exact message texts
 * are this fake's own (Vercel does not document them).
 *
 * Endpoints and the docs they follow (https://vercel.com/docs/rest-api/...):
 * - GET  /v9/projects/{id}                            projects/find-a-project-by-id-or-name (`id`, `name`, `link`)
 * - GET  /v6/deployments?projectId=&target=           deployments/list-deployments (`deployments[]`: `uid`, `state`, `target`, `meta`)
 * - POST /v13/deployments                             deployments/create-a-new-deployment (`name` required; `project`,
 *                                                     `target`, `gitSource {type, repoId, ref, sha}`, `autoAssignCustomDomains`)
 * - GET  /v13/deployments/{id}                        deployments/get-a-deployment-by-id-or-url (`id`, `projectId`, `target`, `readyState`)
 * - GET  /v1/projects/{id}/rolling-release/config     rolling-release/get-rolling-release-configuration
 * - GET  /v1/projects/{id}/rolling-release            rolling-release/get-the-active-rolling-release-information-for-a-project
 * - POST /v1/projects/{id}/rolling-release/start      rolling-release/start-a-rolling-release-for-the-project (`canaryDeploymentId`)
 * - POST /v1/projects/{id}/rolling-release/approve-stage  ...update-the-active-rolling-release-to-the-next-stage... (`nextStageIndex`, `canaryDeploymentId`)
 * - POST /v1/projects/{id}/rolling-release/complete   rolling-release/complete-the-rolling-release-for-the-project (`canaryDeploymentId`)
 * - POST /v1/projects/{id}/rollback/{deploymentId}    projects/point-production-traffic-to-a-previous-production-deployment-by-id
 *                                                     (201; `deploymentId` is the deployment to roll back *to*; `?description=`
 *                                                     the reason). Instant Rollback returns only to a deployment that was
 *                                                     aliased to the production domains before (https://vercel.com/docs/instant-rollback,
 *                                                     "eligible deployments"): the fake answers 422 for one that never was,
 *                                                     e.g. a staged build that no rolling release completed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A deployment in the fake. */
export interface FakeVercelDeployment {
  id: string;
  projectId: string;
  target: "production" | null;
  sha: string;
  /** READY, or BUILDING for `buildPolls` more reads. */
  readyState: string;
  buildPolls: number;
  /** Whether it has served the production domains (only such a deployment is eligible for Instant Rollback). */
  servedProduction: boolean;
}

/** A project in the fake. */
export interface FakeVercelProject {
  id: string;
  name: string;
  link: { type: "github"; repoId: number; productionBranch: string };
  stages: number[];
  rollingRelease: null | { state: string; canaryDeploymentId: string; activeStageIndex: number };
  /** The deployment serving production traffic (the production alias). */
  production?: string;
  /** The descriptions of the rollbacks asked for, oldest first. */
  rollbacks?: { to: string; description: string | null }[];
}

type Reply = [status: number, body: unknown];

const fail = (status: number, code: string, message: string): Reply => [status, { error: { code, message } }];

/** The fake's state and a log of the requests it answered (`METHOD path status`). */
export class FakeVercelApi {
  readonly projects = new Map<string, FakeVercelProject>();
  readonly deployments = new Map<string, FakeVercelDeployment>();
  readonly log: string[] = [];
  private seq = 0;

  constructor(readonly token: string) {}

  /**
   * Adds a READY production deployment of `sha` to `projectId` that has served the production domains; the
   * project's first one becomes its production alias.
   */
  seed(projectId: string, sha: string, id = `dpl_seed${++this.seq}`): string {
    this.deployments.set(id, {
      id,
      projectId,
      target: "production",
      sha,
      readyState: "READY",
      buildPolls: 0,
      servedProduction: true,
    });
    const project = this.projects.get(projectId);
    if (project !== undefined) project.production ??= id;
    return id;
  }

  /** Points the project's production alias at `d`. */
  private alias(p: FakeVercelProject, d: FakeVercelDeployment): void {
    p.production = d.id;
    d.servedProduction = true;
  }

  private deployment(projectId: string | undefined, id: string): FakeVercelDeployment | Reply {
    const d = this.deployments.get(id);
    if (d === undefined) return fail(404, "not_found", `deployment ${id} not found`);
    if (projectId !== undefined && d.projectId !== projectId)
      return fail(400, "bad_request", `deployment ${id} belongs to project ${d.projectId}, not ${projectId}`);
    return d;
  }

  /** Answers one request; `body` is the raw text. */
  handle(method: string, url: URL, auth: string | undefined, body: string): Reply {
    if (auth !== `Bearer ${this.token}`) return fail(403, "forbidden", "Not authorized");
    let json: Record<string, unknown> = {};
    if (method === "POST" && body !== "") {
      try {
        const parsed = JSON.parse(body) as unknown;
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
          return fail(400, "bad_request", "Invalid request: the body must be a JSON object");
        json = parsed as Record<string, unknown>;
      } catch {
        return fail(400, "bad_request", "Invalid JSON body");
      }
    }
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (method === "POST" && path === "/v13/deployments") return this.create(json);
    if (method === "GET" && (m = /^\/v13\/deployments\/([^/]+)$/.exec(path))) {
      const d = this.deployment(undefined, decodeURIComponent(m[1]!));
      if (Array.isArray(d)) return d;
      if (d.buildPolls > 0 && --d.buildPolls === 0) d.readyState = "READY";
      return [200, { id: d.id, projectId: d.projectId, target: d.target, readyState: d.readyState }];
    }
    if (method === "GET" && path === "/v6/deployments") {
      const projectId = url.searchParams.get("projectId");
      const target = url.searchParams.get("target");
      const list = [...this.deployments.values()]
        .filter(
          (d) =>
            (projectId === null || d.projectId === projectId) && (target === null || d.target === target),
        )
        .reverse()
        .map((d) => ({ uid: d.id, state: d.readyState, target: d.target, meta: { githubCommitSha: d.sha } }));
      return [200, { deployments: list, pagination: { count: list.length, next: null, prev: null } }];
    }
    if ((m = /^\/v(?:1|9)\/projects\/([^/]+)(\/.*)?$/.exec(path))) {
      const project = this.projects.get(decodeURIComponent(m[1]!));
      if (project === undefined) return fail(404, "not_found", `project ${m[1]} not found`);
      return this.projectCall(method, path.startsWith("/v9/") ? "" : (m[2] ?? ""), project, json, url);
    }
    return fail(404, "not_found", `no route ${method} ${path}`);
  }

  private create(json: Record<string, unknown>): Reply {
    const git = json.gitSource as Record<string, unknown> | undefined;
    if (typeof json.name !== "string" || json.name === "")
      return fail(400, "bad_request", "Invalid request: missing required property `name`");
    const project = typeof json.project === "string" ? this.projects.get(json.project) : undefined;
    if (project === undefined) return fail(404, "not_found", `project ${String(json.project)} not found`);
    if (git?.type !== "github" || git.repoId !== project.link.repoId || typeof git.ref !== "string")
      return fail(
        400,
        "bad_request",
        "Invalid request: `gitSource` must name the project's repository and a ref",
      );
    if (typeof git.sha !== "string" || !/^[0-9a-f]{40}$/.test(git.sha))
      return fail(400, "bad_request", "Invalid request: `gitSource.sha` must be a full commit SHA");
    if (json.target !== undefined && json.target !== "production")
      return fail(
        400,
        "bad_request",
        "Invalid request: `target` should be equal to one of the allowed values",
      );
    const id = `dpl_new${++this.seq}`;
    const target = json.target === "production" ? "production" : null;
    this.deployments.set(id, {
      id,
      projectId: project.id,
      target,
      sha: git.sha,
      readyState: "BUILDING",
      buildPolls: 1,
      servedProduction: false,
    });
    return [200, { id, projectId: project.id, target, readyState: "QUEUED" }];
  }

  private projectCall(
    method: string,
    rest: string,
    p: FakeVercelProject,
    json: Record<string, unknown>,
    url: URL,
  ): Reply {
    if (method === "GET" && rest === "") return [200, { id: p.id, name: p.name, link: p.link }];
    if (method === "GET" && rest === "/rolling-release/config") {
      return [
        200,
        { rollingRelease: { target: "production", stages: p.stages.map((t) => ({ targetPercentage: t })) } },
      ];
    }
    const view = () =>
      p.rollingRelease === null
        ? null
        : {
            state: p.rollingRelease.state,
            canaryDeployment: { id: p.rollingRelease.canaryDeploymentId },
            activeStage: { index: p.rollingRelease.activeStageIndex },
          };
    if (method === "GET" && rest === "/rolling-release") return [200, { rollingRelease: view() }];
    const canaryId = json.canaryDeploymentId;
    if (
      method === "POST" &&
      (rest === "/rolling-release/start" ||
        rest === "/rolling-release/approve-stage" ||
        rest === "/rolling-release/complete")
    ) {
      if (typeof canaryId !== "string")
        return fail(400, "bad_request", "Invalid request: missing `canaryDeploymentId`");
      const d = this.deployment(p.id, canaryId);
      if (Array.isArray(d)) return d;
      if (d.readyState !== "READY" || d.target !== "production")
        return fail(400, "bad_request", `deployment ${d.id} is not a READY production deployment`);
      if (rest === "/rolling-release/start") {
        const same = p.rollingRelease?.state === "ACTIVE" && p.rollingRelease.canaryDeploymentId === d.id;
        if (!same) p.rollingRelease = { state: "ACTIVE", canaryDeploymentId: d.id, activeStageIndex: 0 };
        return [200, { rollingRelease: view() }];
      }
      const rr = p.rollingRelease;
      if (rest === "/rolling-release/complete") {
        if (rr?.state !== "ACTIVE" || rr.canaryDeploymentId !== d.id)
          return fail(400, "bad_request", `no active rolling release of ${d.id}`);
        Object.assign(rr, { state: "COMPLETE", activeStageIndex: p.stages.length - 1 });
        this.alias(p, d);
        return [200, { rollingRelease: view() }];
      }
      const next = json.nextStageIndex;
      if (typeof next !== "number" || !Number.isInteger(next))
        return fail(400, "bad_request", "Invalid request: `nextStageIndex` must be an integer");
      if (rr?.state !== "ACTIVE" || rr.canaryDeploymentId !== d.id)
        return fail(400, "bad_request", `no active rolling release of ${d.id}`);
      if (next !== rr.activeStageIndex + 1 || next >= p.stages.length)
        return fail(
          400,
          "bad_request",
          `nextStageIndex ${next} is not the stage after ${rr.activeStageIndex}`,
        );
      rr.activeStageIndex = next;
      if (next === p.stages.length - 1) {
        rr.state = "COMPLETE";
        this.alias(p, d);
      }
      return [200, { rollingRelease: view() }];
    }
    const rollback = /^\/rollback\/([^/]+)$/.exec(rest);
    if (method === "POST" && rollback !== null) {
      const d = this.deployment(p.id, decodeURIComponent(rollback[1]!));
      if (Array.isArray(d)) return d;
      if (d.target !== "production" || d.readyState !== "READY")
        return fail(422, "bad_request", `deployment ${d.id} cannot serve production`);
      if (!d.servedProduction)
        return fail(
          422,
          "bad_request",
          `deployment ${d.id} was never aliased to the production domains; Instant Rollback only returns to one that was`,
        );
      if (p.rollingRelease?.state === "ACTIVE") p.rollingRelease.state = "ABORTED";
      (p.rollbacks ??= []).push({ to: d.id, description: url.searchParams.get("description") });
      this.alias(p, d);
      return [201, {}];
    }
    return fail(404, "not_found", `no route ${method} ${rest}`);
  }
}

/** Starts the fake on 127.0.0.1 (a free port); `close` stops it. The server does not keep the process alive. */
export async function startVercelFake(
  api: FakeVercelApi,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const [status, body] = api.handle(
        req.method ?? "GET",
        url,
        req.headers.authorization,
        Buffer.concat(chunks).toString("utf8"),
      );
      api.log.push(`${req.method} ${url.pathname} ${status}`);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
