import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import type { z } from "zod";
import { STACK_CONFIG_KEYS, type StackConfig, stackConfigSchema } from "./schema";

/** The Pulumi project name; every key of ours is `webapp-platform:<key>`. */
export const PROJECT = "webapp-platform";
/** The secret config key holding externally issued secrets (`externalSecrets.<NAME>`). */
export const EXTERNAL_SECRETS_KEY = "externalSecrets";

/** Thrown for invalid stack config; Pulumi prints a RunError's message without a stack trace. */
export class ConfigValidationError extends pulumi.RunError {
  /** One line per problem, each naming the key path, the bad value and what is allowed. */
  readonly problems: string[];

  constructor(problems: string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`,
    );
    this.problems = problems;
  }
}

/** The validated config and the external secrets, still Outputs. */
export interface LoadedConfig {
  /** The validated, defaulted config. */
  readonly config: StackConfig;
  /** External secret values by name (from `externalSecrets`), always Pulumi secrets. */
  readonly externalSecrets: Record<string, pulumi.Output<string>>;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Formats zod issues as `webapp-platform:<path>: got <value>; <what is allowed>` lines. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], raw: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (const i of issues) {
    if (i.code === "unrecognized_keys") {
      for (const key of i.keys) {
        const at = [...i.path, key];
        const where = at.length === 1 ? `${PROJECT}:${key}` : `${PROJECT}:${at.join(".")}`;
        const allowed =
          i.path.length === 0
            ? STACK_CONFIG_KEYS.join(", ")
            : Object.keys(valueAt(raw, i.path) ?? {})
                .filter((k) => k !== key)
                .join(", ");
        lines.push(
          `${where}: unknown key; ${i.path.length === 0 ? "allowed keys" : "other keys here"}: ${allowed || "(none)"}`,
        );
      }
      continue;
    }
    if (i.code === "invalid_key") {
      const key = String(i.path.at(-1));
      const where = `${PROJECT}:${i.path.map(String).join(".")}`;
      lines.push(`${where}: got key ${JSON.stringify(key)}; ${i.issues[0]?.message ?? i.message}`);
      continue;
    }
    const path = i.path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .replace(/^\./, "");
    const value = valueAt(raw, i.path);
    const where = `${PROJECT}:${path}`;
    if (value === undefined && (i.code === "invalid_type" || i.code === "invalid_union")) {
      lines.push(
        `${where}: is required but missing; ${i.code === "invalid_type" ? `expected ${i.expected}` : i.message}`,
      );
    } else {
      lines.push(`${where}: got ${show(value)}; ${i.message}`);
    }
  }
  return lines;
}

/**
 * Validates raw stack config (top-level keys without the project prefix, values already JSON-decoded).
 * Throws {@link ConfigValidationError} listing every problem at once.
 */
export function parseStackConfig(
  raw: Record<string, unknown>,
  externalSecretNames: readonly string[] = [],
): StackConfig {
  const result = stackConfigSchema.safeParse(raw);
  const problems = result.success ? [] : formatIssues(result.error.issues, raw);
  if (result.success) {
    const wanted = new Set(result.data.secrets.external);
    for (const name of wanted) {
      if (!externalSecretNames.includes(name)) {
        problems.push(
          `${PROJECT}:${EXTERNAL_SECRETS_KEY}.${name}: is required by secrets.external but missing; set it with ` +
            `pulumi config set --secret --path '${EXTERNAL_SECRETS_KEY}.${name}' <value>`,
        );
      }
    }
    for (const name of externalSecretNames) {
      if (!wanted.has(name)) {
        problems.push(
          `${PROJECT}:${EXTERNAL_SECRETS_KEY}.${name}: is not listed in secrets.external; add it there or remove it`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return (result as { data: StackConfig }).data;
}

// The SDK marks which keys were `secure:` but keeps the check internal; the SDK version is pinned.
const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret;

function decode(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Reads this project's stack config once, validates it, and returns it typed. Called only from index.ts,
 * before any resource is registered.
 */
export function loadConfig(): LoadedConfig {
  const all = pulumi.runtime.allConfig();
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  let secretsObject: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    const [ns, key] = fullKey.split(":", 2);
    if (ns !== PROJECT || key === undefined) continue;
    if (key === EXTERNAL_SECRETS_KEY) {
      if (!isConfigSecret(fullKey)) {
        problems.push(
          `${fullKey}: is stored in plain text; remove it and set each value with pulumi config set --secret --path '${EXTERNAL_SECRETS_KEY}.<NAME>'`,
        );
      }
      const decoded = decode(text);
      if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded)) {
        problems.push(`${fullKey}: must be a map of NAME to secret value`);
      } else {
        secretsObject = decoded as Record<string, unknown>;
      }
      continue;
    }
    raw[key] = decode(text);
  }
  let config: StackConfig;
  try {
    config = parseStackConfig(raw, Object.keys(secretsObject));
  } catch (e) {
    if (e instanceof ConfigValidationError) throw new ConfigValidationError([...problems, ...e.problems]);
    throw e;
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  const externalSecrets: Record<string, pulumi.Output<string>> = {};
  for (const [name, value] of Object.entries(secretsObject))
    externalSecrets[name] = pulumi.secret(String(value));
  return { config, externalSecrets };
}
