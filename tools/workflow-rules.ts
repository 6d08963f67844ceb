/**
 * The repository's own rules for GitHub workflow files, on top of actionlint: every action pinned to a full commit
 * SHA with its version in a comment, `permissions:` on every job, secrets only in jobs that run in an environment,
 * and no `pull_request_target`. `tools/lint-workflows.ts` runs them with actionlint; test/workflows.test.ts
 * proves each rule fires.
 */
import * as YAML from "yaml";

/** One rule violation in a workflow file. */
export interface WorkflowViolation {
  /** The file, as given. */
  readonly file: string;
  /** The job id, when the violation is inside a job. */
  readonly job?: string;
  /** What is wrong and what to do instead. */
  readonly message: string;
}

const PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;
const DOCKER_PINNED = /^docker:\/\/[^@\s]+@sha256:[0-9a-f]{64}$/;
const VERSION_COMMENT = /^\s*v?\d+(\.\d+)*\b/;
const SECRET_REFERENCE = /\bsecrets\s*(\.|\[)|^inherit$/;

/** Every `uses:` value in the document with its trailing comment (reusable-workflow calls included). */
function usesOf(doc: YAML.Document): { ref: string; comment: string | undefined }[] {
  const found: { ref: string; comment: string | undefined }[] = [];
  YAML.visit(doc, {
    Pair(_, pair) {
      if (YAML.isScalar(pair.key) && pair.key.value === "uses" && YAML.isScalar(pair.value)) {
        found.push({ ref: String(pair.value.value), comment: pair.value.comment ?? undefined });
      }
    },
  });
  return found;
}

function pinViolation(ref: string, comment: string | undefined): string | undefined {
  if (ref.startsWith("./")) return undefined;
  if (ref.startsWith("docker://")) {
    return DOCKER_PINNED.test(ref)
      ? undefined
      : `"${ref}" must pin the image by digest (docker://IMAGE@sha256:...)`;
  }
  if (!PINNED.test(ref)) {
    return `"${ref}" is not pinned: use the release's full 40-character commit SHA (owner/repo@<sha> # vX.Y.Z)`;
  }
  if (comment === undefined || !VERSION_COMMENT.test(comment)) {
    return `"${ref}" needs the version it pins in a trailing comment, e.g. "# v4.2.2"`;
  }
  return undefined;
}

/** Strings anywhere inside a value (keys and values), to find `secrets.*` references. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  }
  return [];
}

function triggers(on: unknown): string[] {
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.map(String);
  return on !== null && typeof on === "object" ? Object.keys(on) : [];
}

/** Checks one workflow file's text against the rules; an empty list means it passes. */
export function workflowViolations(file: string, text: string): WorkflowViolation[] {
  const doc = YAML.parseDocument(text);
  const out: WorkflowViolation[] = [];
  if (doc.errors.length > 0) return [{ file, message: `is not valid YAML: ${doc.errors[0].message}` }];
  const workflow = (doc.toJS() ?? {}) as Record<string, unknown>;

  if (triggers(workflow["on"]).includes("pull_request_target")) {
    out.push({
      file,
      message:
        "uses pull_request_target, which runs with the base repository's secrets and a write token next to " +
        "pull-request code: use pull_request",
    });
  }
  for (const { ref, comment } of usesOf(doc)) {
    const problem = pinViolation(ref, comment);
    if (problem !== undefined) out.push({ file, message: problem });
  }
  const outsideJobs = Object.entries(workflow).filter(([k]) => k !== "jobs");
  if (strings(Object.fromEntries(outsideJobs)).some((s) => SECRET_REFERENCE.test(s))) {
    out.push({
      file,
      message: "references secrets outside a job: secrets belong to jobs that run in an environment",
    });
  }
  const jobs = (workflow["jobs"] ?? {}) as Record<string, Record<string, unknown>>;
  for (const [job, def] of Object.entries(jobs)) {
    if (!("permissions" in def)) {
      out.push({ file, job, message: "has no permissions: block: grant each job only what it needs" });
    }
    if (!("environment" in def) && strings(def).some((s) => SECRET_REFERENCE.test(s))) {
      out.push({
        file,
        job,
        message:
          "uses secrets without an environment: put the secret in the staging/production (or preview) environment " +
          "and set environment: on the job (use github.token instead of secrets.GITHUB_TOKEN)",
      });
    }
  }
  return out;
}

/** One line per violation, `file: job "id": message`. */
export function formatViolation(v: WorkflowViolation): string {
  return `${v.file}: ${v.job === undefined ? "" : `job "${v.job}" `}${v.message}`;
}
