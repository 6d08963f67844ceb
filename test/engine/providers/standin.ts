/**
 * The generic stand-in resource provider the real Pulumi engine talks to in place of a cloud provider plugin
 * (azure-native, vercel, random): it checks inputs against the SDK's own argument types, creates resources with
 * realistic computed outputs, tells update from replace, keeps state across read/update/delete, answers the
 * program's invokes, and appends every call to a JSON-lines log (`STANDIN_LOG`) so tests can assert what the
 * engine asked for.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import type * as provider from "@pulumi/pulumi/provider";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

export type Props = Record<string, unknown>;

/** What a type's create adds to its inputs: the values the cloud computes (ids, host names, principal ids). */
export interface TypeSpec {
  /** Computed outputs; `prior` is the state before an update (so generated ids stay stable). */
  readonly computed?: (ctx: CreateContext) => Props;
  /** The resource id (default: the provider's `defaultId`). */
  readonly id?: (ctx: CreateContext) => string;
  /** Top-level inputs whose change replaces the resource, besides the provider's defaults. */
  readonly replaceOn?: readonly string[];
  /** Extra checks the provider runs on inputs before any API call (refused in preview and up). */
  readonly validate?: (inputs: Props) => provider.CheckFailure[];
  /** Side effects of a successful create or update on a real local service (e.g. the PostgreSQL admin role). */
  readonly apply?: (ctx: CreateContext, op: "create" | "update") => Promise<void>;
  /** What the cloud API refuses when the request is sent (at create or update, never in preview): the error. */
  readonly refuse?: (inputs: Props) => string | undefined;
}

export interface CreateContext {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly inputs: Props;
  readonly prior?: Props;
}

export interface StandInOptions {
  /** Package name as the engine loads it (`pulumi-resource-<name>`). */
  readonly name: string;
  /** The plugin version the SDK package asks for (its package.json `pulumi.version`). */
  readonly version: string;
  /** Where the SDK's .d.ts files live (for required-argument checks). */
  readonly sdkDir: string;
  /** Maps a type token to its .d.ts path relative to `sdkDir`. */
  readonly dtsPath: (type: string) => string;
  readonly types: Record<string, TypeSpec>;
  readonly invokes?: Record<string, (args: Props) => Props>;
  /** Inputs whose change replaces every type of this provider (for azure-native: location and name parts). */
  readonly replaceOn: (type: string, key: string) => boolean;
  readonly defaultId: (ctx: CreateContext) => string;
}

/** Whether `v` is the SDK's secret wrapper, as the engine hands secrets to a provider that accepts them. */
export function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Props)[specialSigKey] === specialSecretSig;
}

/** Removes the secret wrapper (for reading an input's plain value inside the stand-in). */
export function reveal(v: unknown): unknown {
  return isSecret(v) ? v.value : v;
}

/** A copy of `v` with every secret replaced by "[secret]", for the call log. */
export function redact(v: unknown): unknown {
  if (isSecret(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(redact);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
  }
  return v;
}

/** Appends one call to the JSON-lines log named by STANDIN_LOG (nothing when unset). */
export function logCall(entry: Props): void {
  const file = process.env.STANDIN_LOG;
  if (file === undefined || file === "") return;
  appendFileSync(file, `${JSON.stringify(redact({ time: new Date().toISOString(), ...entry }))}\n`);
}

/** `urn:pulumi:stack::project::parent$type::name` -> type and name. */
export function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const name = parts[parts.length - 1] ?? "";
  const typeChain = parts[parts.length - 2] ?? "";
  const type = typeChain.split("$").pop() ?? "";
  return { type, name };
}

/** A GUID derived from a seed: stable for one resource, different between resources. */
export function guidFrom(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Whether an input is unchanged: the new value's leaves equal the old state's. Keys the cloud added inside an
 * input object (a vault's `vaultUri` inside `properties`) are not changes, as azure-native diffs against old
 * inputs; a top-level input that disappeared is caught separately in `diff`.
 */
function sameInput(next: unknown, prior: unknown): boolean {
  const a = reveal(next);
  const b = reveal(prior);
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameInput(x, b[i]));
  }
  if (typeof a === "object" && a !== null) {
    if (typeof b !== "object" || b === null || Array.isArray(b)) return false;
    return Object.entries(a).every(([k, v]) => sameInput(v, (b as Props)[k]));
  }
  return a === b;
}

const requiredCache = new Map<string, string[] | undefined>();

/** Required top-level arguments of a resource, read from the `<Type>Args` interface in the SDK's .d.ts. */
export function requiredArgs(dtsFile: string, typeName: string): string[] | undefined {
  const key = `${dtsFile}#${typeName}`;
  if (requiredCache.has(key)) return requiredCache.get(key);
  let result: string[] | undefined;
  if (existsSync(dtsFile)) {
    const text = readFileSync(dtsFile, "utf8");
    const start = text.indexOf(`export interface ${typeName}Args {`);
    if (start >= 0) {
      const end = text.indexOf("\n}", start);
      const body = text.slice(start, end);
      result = [...body.matchAll(/^ {4}(\w+):/gm)].map((m) => m[1] as string);
    }
  }
  requiredCache.set(key, result);
  return result;
}

export class StandInProvider implements provider.Provider {
  readonly version: string;

  constructor(private readonly opts: StandInOptions) {
    this.version = opts.version;
  }

  private spec(type: string): TypeSpec {
    const spec = this.opts.types[type];
    if (spec === undefined) {
      throw new Error(`stand-in ${this.opts.name} does not model resource type ${type}; add it to its spec`);
    }
    return spec;
  }

  async check(urn: string, _olds: Props, news: Props): Promise<provider.CheckResult> {
    const { type } = parseUrn(urn);
    logCall({ provider: this.opts.name, method: "check", type, urn, news });
    const spec = this.spec(type);
    const failures: provider.CheckFailure[] = [];
    const typeName = type.split(":").pop() ?? "";
    const required = requiredArgs(path.join(this.opts.sdkDir, this.opts.dtsPath(type)), typeName) ?? [];
    for (const key of required) {
      if (news[key] === undefined || news[key] === null) {
        failures.push({ property: key, reason: `missing required property '${key}'` });
      }
    }
    failures.push(...(spec.validate?.(news) ?? []));
    return { inputs: news, failures };
  }

  async diff(id: string, urn: string, olds: Props, news: Props): Promise<provider.DiffResult> {
    const { type } = parseUrn(urn);
    const spec = this.spec(type);
    const computedKeys = new Set(Object.keys(spec.computed?.(this.context(urn, news, olds)) ?? {}));
    const changed = new Set<string>();
    for (const key of Object.keys(news)) {
      if (!sameInput(news[key], olds[key])) changed.add(key);
    }
    for (const key of Object.keys(olds)) {
      if (!(key in news) && !computedKeys.has(key) && key !== "id") changed.add(key);
    }
    const replaces = [...changed].filter(
      (k) => (spec.replaceOn ?? []).includes(k) || this.opts.replaceOn(type, k),
    );
    logCall({ provider: this.opts.name, method: "diff", type, urn, id, changed: [...changed], replaces });
    return { changes: changed.size > 0, replaces, deleteBeforeReplace: false };
  }

  private context(urn: string, inputs: Props, prior?: Props): CreateContext {
    const { type, name } = parseUrn(urn);
    return { urn, type, name, inputs, prior };
  }

  async create(urn: string, inputs: Props): Promise<provider.CreateResult> {
    const ctx = this.context(urn, inputs);
    const spec = this.spec(ctx.type);
    const id = spec.id?.(ctx) ?? this.opts.defaultId(ctx);
    logCall({ provider: this.opts.name, method: "create", type: ctx.type, urn, id, inputs });
    const refusal = spec.refuse?.(inputs);
    if (refusal !== undefined) throw new Error(refusal);
    await spec.apply?.(ctx, "create");
    const outs = { ...inputs, ...(spec.computed?.(ctx) ?? {}) };
    return { id, outs };
  }

  async read(id: string, urn: string, props?: Props): Promise<provider.ReadResult> {
    const { type } = parseUrn(urn);
    const drift = driftFor(urn);
    logCall({ provider: this.opts.name, method: "read", type, urn, id, drift: Object.keys(drift) });
    return { id, props: { ...(props ?? {}), ...drift } };
  }

  async update(id: string, urn: string, olds: Props, news: Props): Promise<provider.UpdateResult> {
    const ctx = this.context(urn, news, olds);
    const spec = this.spec(ctx.type);
    logCall({ provider: this.opts.name, method: "update", type: ctx.type, urn, id, news });
    const refusal = spec.refuse?.(news);
    if (refusal !== undefined) throw new Error(refusal);
    await spec.apply?.(ctx, "update");
    return { outs: { ...news, ...(spec.computed?.(ctx) ?? {}) } };
  }

  async delete(id: string, urn: string): Promise<void> {
    const { type } = parseUrn(urn);
    logCall({ provider: this.opts.name, method: "delete", type, urn, id });
  }

  async invoke(token: string, inputs: Props): Promise<provider.InvokeResult> {
    logCall({ provider: this.opts.name, method: "invoke", token, inputs });
    const fn = this.opts.invokes?.[token];
    if (fn === undefined) {
      return {
        failures: [{ property: "", reason: `stand-in ${this.opts.name} does not model invoke ${token}` }],
      };
    }
    return { outputs: fn(inputs) };
  }
}

/**
 * Out-of-band changes a test injects for `pulumi refresh`: STANDIN_DRIFT is a JSON object from a URN suffix
 * (e.g. `::api-site`) to the properties `read` reports changed, as if someone edited the resource in the portal.
 */
function driftFor(urn: string): Props {
  const raw = process.env.STANDIN_DRIFT;
  if (raw === undefined || raw === "") return {};
  const table = JSON.parse(raw) as Record<string, Props>;
  for (const [suffix, props] of Object.entries(table)) {
    if (urn.endsWith(suffix)) return props;
  }
  return {};
}
