import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import type { z } from "zod";
import { controlCharacterIn } from "./rules";
import { STACK_CONFIG_KEYS, type StackConfig, stackConfigSchema } from "./schema";
import { isSecureValue, readStackFileConfig, securePaths, type StackFileConfig } from "./stack-file";

/** The Pulumi project name; every key of ours is `webapp-platform:<key>`. */
export const PROJECT = "webapp-platform";
/** The secret config key holding externally issued secrets (`externalSecrets.<NAME>`). */
export const EXTERNAL_SECRETS_KEY = "externalSecrets";
/** The provider's default region; when set, it must equal `environment.location`. */
export const AZURE_LOCATION_KEY = "azure-native:location";
/** How a validation message shows a value that is (or holds) a secret. */
export const REDACTED = "[secret]";

/** Thrown for invalid stack config; Pulumi prints a RunError's message without a stack trace. */
export class ConfigValidationError extends pulumi.RunError {
  /** One line per problem, each naming the key path, the bad value (unless secret) and what is allowed. */
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

/** Options of {@link parseStackConfig}. */
export interface ParseOptions {
  /**
   * Paths (`key.a[0].b`, without the project prefix) whose values are secrets: their values, and any text equal to
   * them, never appear in a message. A top-level key alone marks everything under it.
   */
  readonly secretPaths?: readonly string[];
}

type Path = readonly PropertyKey[];

function valueAt(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** A key as a message shows it: JSON-quoted when it holds anything but a plain identifier's characters. */
const showKey = (key: string) => (/^[A-Za-z0-9_.-]+$/.test(key) ? key : JSON.stringify(key));

/** `a.b[0].c` for a path. */
export function formatPath(path: Path): string {
  return path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${showKey(String(p))}`))
    .join("")
    .replace(/^\./, "");
}

/** Hides secret values: whole values at or under a secret path, and any message text equal to a secret leaf. */
class Redactor {
  private readonly leaves: string[];

  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly secretPaths: readonly string[],
  ) {
    const texts = new Set<string>();
    const collect = (v: unknown) => {
      if (typeof v === "string" || typeof v === "number") texts.add(String(v));
      else if (v !== null && typeof v === "object") Object.values(v).forEach(collect);
    };
    for (const p of secretPaths) collect(valueAt(raw, parsePath(p)));
    // Longest first, so a secret containing another is hidden whole.
    this.leaves = [...texts].filter((t) => t !== "").sort((a, b) => b.length - a.length);
  }

  /** The value at `path`, with every secret inside it replaced by {@link REDACTED}. */
  valueAt(path: Path): unknown {
    const at = formatPath(path);
    const redact = (v: unknown, p: string): unknown => {
      if (this.isSecret(p)) return REDACTED;
      if (Array.isArray(v)) return v.map((x, i) => redact(x, `${p}[${i}]`));
      if (v !== null && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, `${p}.${showKey(k)}`)]));
      }
      return v;
    };
    return redact(valueAt(this.raw, path), at);
  }

  /** `text` with every secret value that stands in it as a whole word replaced by {@link REDACTED}. */
  scrub(text: string): string {
    let out = text;
    for (const leaf of this.leaves) {
      const escaped = leaf.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      out = out.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, "g"), REDACTED);
    }
    return out;
  }

  private isSecret(path: string): boolean {
    return this.secretPaths.some((s) => path === s || path.startsWith(`${s}.`) || path.startsWith(`${s}[`));
  }
}

/** Splits `a.b[0].c` back into path parts. */
function parsePath(path: string): PropertyKey[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Formats zod issues as `webapp-platform:<path>: got <value>; <what is allowed>` lines, secrets redacted. */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: Record<string, unknown>,
  secretPaths: readonly string[] = [],
): string[] {
  const redactor = new Redactor(raw, secretPaths);
  const lines: string[] = [];
  for (const i of issues) {
    if (i.code === "unrecognized_keys") {
      for (const key of i.keys) {
        const where = `${PROJECT}:${formatPath([...i.path, key])}`;
        const allowed =
          i.path.length === 0
            ? STACK_CONFIG_KEYS.join(", ")
            : Object.keys(valueAt(raw, i.path) ?? {})
                .filter((k) => k !== key)
                .map(showKey)
                .join(", ");
        lines.push(
          `${where}: unknown key; ${i.path.length === 0 ? "allowed keys" : "other keys here"}: ${allowed || "(none)"}`,
        );
      }
      continue;
    }
    const where = `${PROJECT}:${formatPath(i.path)}`;
    if (i.code === "invalid_key") {
      lines.push(
        `${where}: got key ${JSON.stringify(String(i.path.at(-1)))}; ${i.issues[0]?.message ?? i.message}`,
      );
      continue;
    }
    const value = valueAt(raw, i.path);
    if (value === undefined && (i.code === "invalid_type" || i.code === "invalid_union")) {
      lines.push(
        `${where}: is required but missing; ${i.code === "invalid_type" ? `expected ${i.expected}` : i.message}`,
      );
    } else if (value === undefined && i.code === "custom") {
      lines.push(`${where}: ${i.message}`);
    } else {
      const hidden =
        i.code === "custom" && (i.params as { hideValue?: boolean } | undefined)?.hideValue === true;
      const shown = hidden ? REDACTED : redactor.valueAt(i.path);
      lines.push(`${where}: got ${shown === REDACTED ? REDACTED : show(shown)}; ${i.message}`);
    }
  }
  return lines.map((l) => redactor.scrub(l));
}

/** Every name or string value of the raw config that holds a control character (external secret values aside). */
function controlCharacterProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const walk = (v: unknown, path: PropertyKey[]) => {
    if (typeof v === "string") {
      const found = controlCharacterIn(v);
      if (found !== undefined) {
        problems.push(`${PROJECT}:${formatPath(path)}: contains the control character ${found}; remove it`);
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        const found = controlCharacterIn(k);
        if (found !== undefined) {
          problems.push(
            `${PROJECT}:${formatPath([...path, k])}: the key contains the control character ${found}; rename it`,
          );
        }
        walk(x, [...path, k]);
      }
    }
  };
  walk(raw, []);
  return problems;
}

/**
 * Validates raw stack config (top-level keys without the project prefix, values already JSON-decoded) against the
 * schema, the names in `externalSecrets` and control characters. Throws {@link ConfigValidationError} listing every
 * problem at once; no message shows a value under `options.secretPaths`.
 */
export function parseStackConfig(
  raw: Record<string, unknown>,
  externalSecretNames: readonly string[] = [],
  options: ParseOptions = {},
): StackConfig {
  const secretPaths = options.secretPaths ?? [];
  const result = stackConfigSchema.safeParse(raw);
  const problems = [
    ...controlCharacterProblems(raw),
    ...(result.success ? [] : formatIssues(result.error.issues, raw, secretPaths)),
  ];
  if (result.success) {
    const wanted = new Set([...result.data.secrets.external, ...result.data.vercel.sensitiveEnv]);
    for (const name of wanted) {
      if (!externalSecretNames.includes(name)) {
        problems.push(
          `${PROJECT}:${EXTERNAL_SECRETS_KEY}.${name}: is required by ${result.data.secrets.external.includes(name) ? "secrets.external" : "vercel.sensitiveEnv"} but missing; set it with ` +
            `pulumi config set --secret --path '${EXTERNAL_SECRETS_KEY}.${name}' <value>`,
        );
      }
    }
    for (const name of externalSecretNames) {
      if (!wanted.has(name)) {
        problems.push(
          `${PROJECT}:${EXTERNAL_SECRETS_KEY}.${showKey(name)}: is not listed in secrets.external or vercel.sensitiveEnv; add it there or remove it`,
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
 * Paths of the secret values under one secret top-level key: the `secure:` values the stack file shows, or the
 * whole key when the file does not show which (config from an ESC environment).
 */
function secretPathsOf(key: string, file: StackFileConfig | undefined): string[] {
  const inFile = file?.[`${PROJECT}:${key}`];
  const paths = inFile === undefined ? [] : securePaths(inFile);
  return paths.length === 0 || paths.includes("")
    ? [key]
    : paths.map((p) => `${key}${p.startsWith("[") ? "" : "."}${p}`);
}

/** Checks `externalSecrets`: a map of names to non-empty strings, each stored `secure:`. Never shows a value. */
function externalSecretProblems(
  decoded: unknown,
  keySecret: boolean,
  file: StackFileConfig | undefined,
): { problems: string[]; values: Record<string, string> } {
  const key = `${PROJECT}:${EXTERNAL_SECRETS_KEY}`;
  const setIt = (name: string) =>
    `set it with pulumi config set --secret --path '${EXTERNAL_SECRETS_KEY}.${name}' <value>`;
  const howTo = `set each value with pulumi config set --secret --path '${EXTERNAL_SECRETS_KEY}.<NAME>'`;
  if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded)) {
    return { problems: [`${key}: must be a map of NAME to secret value; ${howTo}`], values: {} };
  }
  const fromFile = file?.[key];
  const fileEntries =
    fromFile !== null && typeof fromFile === "object" && !Array.isArray(fromFile)
      ? (fromFile as Record<string, unknown>)
      : undefined;
  const problems: string[] = [];
  const values: Record<string, string> = {};
  if (!keySecret) problems.push(`${key}: is stored in plain text; remove it and ${howTo}`);
  for (const [name, value] of Object.entries(decoded as Record<string, unknown>)) {
    const where = `${key}.${showKey(name)}`;
    if (typeof value !== "string" || value === "") {
      const got = Array.isArray(value)
        ? "a list"
        : value === null
          ? "null"
          : value === ""
            ? "an empty string"
            : `a ${typeof value}`;
      problems.push(`${where}: must be a non-empty string, got ${got}; ${setIt(name)}`);
      continue;
    }
    if (keySecret && fileEntries !== undefined && name in fileEntries && !isSecureValue(fileEntries[name])) {
      problems.push(
        `${where}: is stored in plain text beside secure values; remove it from the stack file and ${setIt(name)}`,
      );
      continue;
    }
    values[name] = value;
  }
  return { problems, values };
}

/**
 * Reads this project's stack config once, validates it, and returns it typed. Called only from index.ts,
 * before any resource is registered: every check on config happens here, so a bad value never leaves a partial
 * deployment behind.
 */
export function loadConfig(): LoadedConfig {
  const all = pulumi.runtime.allConfig();
  const file = readStackFileConfig();
  const raw: Record<string, unknown> = {};
  const secretPaths: string[] = [];
  let external: ReturnType<typeof externalSecretProblems> = { problems: [], values: {} };
  let externalNames: string[] = [];
  for (const [fullKey, text] of Object.entries(all)) {
    const [ns, key] = fullKey.split(":", 2);
    if (ns !== PROJECT || key === undefined) continue;
    const decoded = decode(text);
    if (key === EXTERNAL_SECRETS_KEY) {
      external = externalSecretProblems(decoded, isConfigSecret(fullKey), file);
      if (decoded !== null && typeof decoded === "object") externalNames = Object.keys(decoded);
      continue;
    }
    raw[key] = decoded;
    if (isConfigSecret(fullKey)) secretPaths.push(...secretPathsOf(key, file));
  }
  const problems = [...external.problems];
  const location = all[AZURE_LOCATION_KEY];
  const envLocation = valueAt(raw, ["environment", "location"]);
  if (location !== undefined && typeof envLocation === "string" && location !== envLocation) {
    problems.push(
      `${AZURE_LOCATION_KEY}: got ${JSON.stringify(location)}; must equal ${PROJECT}:environment.location (${JSON.stringify(envLocation)}), the region every resource is placed in; set both to one region`,
    );
  }
  let config: StackConfig | undefined;
  try {
    config = parseStackConfig(raw, externalNames, { secretPaths });
  } catch (e) {
    if (!(e instanceof ConfigValidationError)) throw e;
    problems.push(...e.problems);
  }
  if (problems.length > 0 || config === undefined) throw new ConfigValidationError(problems);
  const externalSecrets: Record<string, pulumi.Output<string>> = {};
  for (const [name, value] of Object.entries(external.values)) externalSecrets[name] = pulumi.secret(value);
  return { config, externalSecrets };
}
