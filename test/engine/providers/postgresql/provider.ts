/**
 * The postgresql stand-in provider (plugin version 3.18.1, what @pulumi/postgresql asks for): a
 * `provider.Provider` that applies to a real PostgreSQL server what terraform-provider-postgresql (cyrilgdn)
 * issues for Role, Grant, DefaultPrivileges, Schema, Extension and Database, connecting with the configuration the
 * program gives `new postgresql.Provider(...)`. Every call is appended to the JSON-lines log named by STANDIN_LOG.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as provider from "@pulumi/pulumi/provider";
import { databaseResource, extension, schema } from "./objects";
import { defaultPrivileges } from "./default-privileges";
import { grant } from "./grant";
import { role } from "./role";
import type { Props, ResourceHandler } from "./resource";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { typeSchema } from "./schema";
import { isSecret, isSensitive, redact, reveal, secret } from "./secrets";
import { Connector, parseConfig, type PgConfig } from "./session";

/** Plugin version the SDK requests (`pulumi.version` in node_modules/@pulumi/postgresql/package.json). */
export const PLUGIN_VERSION = "3.18.1";

const HANDLERS: Readonly<Record<string, ResourceHandler>> = {
  "postgresql:index/role:Role": role,
  "postgresql:index/grant:Grant": grant,
  "postgresql:index/defaultPrivileges:DefaultPrivileges": defaultPrivileges,
  "postgresql:index/schema:Schema": schema,
  "postgresql:index/extension:Extension": extension,
  "postgresql:index/database:Database": databaseResource,
};

/** The bridge's list of inputs filled in by defaulting (`defaultsKey` in pulumi-terraform-bridge). */
const DEFAULTS_KEY = "__defaults";

/** The type token of a URN (`urn:pulumi:stack::project::parent$type::name`). */
const urnType = (urn: string): string => urn.split("::")[2]?.split("$").pop() ?? "";
const urnName = (urn: string): string => urn.split("::").slice(3).join("::");

/** Options of {@link PostgresqlStandIn}. */
export interface StandInOptions {
  /** JSON-lines call log; default the STANDIN_LOG environment variable, none when unset. */
  readonly logPath?: string;
  /**
   * `host:port` to connect to instead of the configured host and port (default the STANDIN_POSTGRES_ADDRESS
   * environment variable): under the real engine the program's host is the Azure server's made-up FQDN and its port
   * is 5432, while the test's server listens on a free loopback port. Everything else comes from the configuration.
   */
  readonly address?: string;
}

/** The postgresql stand-in provider. */
export class PostgresqlStandIn implements provider.Provider {
  readonly version = PLUGIN_VERSION;
  /** Every statement sent to the server, in order, with password literals redacted. */
  readonly statements: string[] = [];
  private connector?: Connector;
  private unknownKeys: string[] = [];
  private readonly logPath?: string;
  private readonly address?: { host: string; port: number };

  constructor(options: StandInOptions = {}) {
    this.logPath = options.logPath ?? process.env.STANDIN_LOG;
    const address = options.address ?? process.env.STANDIN_POSTGRES_ADDRESS;
    if (address !== undefined && address !== "") {
      const match = /^([^:\s]+):(\d{1,5})$/.exec(address);
      if (match === null || Number(match[2]) < 1 || Number(match[2]) > 65535) {
        throw new Error(`STANDIN_POSTGRES_ADDRESS must be host:port (port 1-65535), got "${address}"`);
      }
      this.address = { host: match[1], port: Number(match[2]) };
    }
  }

  /**
   * Takes the provider configuration (the `postgresql.Provider` inputs, possibly JSON-encoded strings). A preview
   * may configure with values still unknown (the server's host name before it exists): then nothing is parsed
   * and any operation that needs a connection fails, naming the unknown keys.
   */
  configure(inputs: Readonly<Record<string, unknown>>, urn = ""): PgConfig | undefined {
    this.log("configure", "pulumi:providers:postgresql", urn, { inputs });
    const plain = reveal(inputs) as Record<string, unknown>;
    this.unknownKeys = Object.keys(plain).filter((k) => plain[k] === unknownValue);
    if (this.unknownKeys.length > 0) {
      this.connector = undefined;
      return undefined;
    }
    const config = parseConfig(plain);
    this.connector = new Connector({ ...config, ...this.address }, (s) => this.statements.push(s));
    return config;
  }

  async check(urn: string, _olds: unknown, news: Props): Promise<provider.CheckResult> {
    const type = urnType(urn);
    this.log("check", type, urn, { news });
    const schema = typeSchema(type);
    const inputs: Props = { ...news };
    for (const [key, value] of Object.entries(schema.defaults)) inputs[key] ??= value;
    const autoNamed = schema.autoName && (inputs.name === undefined || inputs.name === "");
    if (autoNamed) {
      // The bridge's auto-naming: the logical name plus a 7-character random suffix.
      inputs.name = `${urnName(urn)}-${randomBytes(4).toString("hex").slice(0, 7)}`;
    }
    // The bridge records which inputs its defaulting filled in; diff reads it to tell an auto-named name.
    inputs[DEFAULTS_KEY] = autoNamed ? ["name"] : [];
    const failures: provider.CheckFailure[] = [];
    for (const key of schema.required) {
      const v = inputs[key];
      if (
        v === undefined ||
        v === null ||
        v === "" ||
        (Array.isArray(v) && v.length === 0 && key !== "privileges")
      ) {
        failures.push({
          property: key,
          reason: `Missing required argument: "${key}" is required by ${type}`,
        });
      }
    }
    for (const [key, validate] of Object.entries(schema.validate)) {
      if (inputs[key] === undefined) continue;
      const reason = validate(reveal(inputs[key]));
      if (reason !== undefined) failures.push({ property: key, reason: `${type} "${key}": ${reason}` });
    }
    return failures.length > 0 ? { inputs, failures } : { inputs };
  }

  async diff(_id: string, urn: string, olds: Props, news: Props): Promise<provider.DiffResult> {
    const type = urnType(urn);
    this.log("diff", type, urn, { olds, news });
    const schema = typeSchema(type);
    const norm = (key: string, v: unknown) => {
      const plain = reveal(v) ?? null;
      return JSON.stringify(Array.isArray(plain) && schema.sets.includes(key) ? [...plain].sort() : plain);
    };
    const changedKeys = Object.keys(news).filter(
      (k) => k !== DEFAULTS_KEY && norm(k, olds[k]) !== norm(k, news[k]),
    );
    const replaces = changedKeys.filter((k) => schema.forceNew.includes(k));
    // pulumi-terraform-bridge `nameRequiresDeleteBeforeReplace` (pkg/tfbridge/schema.go): a replacement deletes
    // first when the auto-nameable `name` was set by the user (the new resource would clash with the old one).
    const defaults = news[DEFAULTS_KEY];
    const userNamed =
      schema.autoName && Array.isArray(defaults) && news.name !== undefined && !defaults.includes("name");
    return {
      changes: changedKeys.length > 0,
      replaces,
      deleteBeforeReplace: replaces.length > 0 && userNamed,
    };
  }

  async create(urn: string, inputs: Props): Promise<provider.CreateResult> {
    const type = urnType(urn);
    this.log("create", type, urn, { inputs });
    const { id, outs } = await this.handler(type).create(this.db(), reveal(inputs) as Props);
    return { id, outs: this.rewrap(outs, inputs) };
  }

  async read(id: string, urn: string, props: Props): Promise<provider.ReadResult> {
    const type = urnType(urn);
    this.log("read", type, urn, { props });
    const outs = await this.handler(type).read(this.db(), id, reveal(props) as Props);
    return outs === undefined ? { id: "", props: {} } : { id, props: this.rewrap(outs, props) };
  }

  async update(id: string, urn: string, olds: Props, news: Props): Promise<provider.UpdateResult> {
    const type = urnType(urn);
    this.log("update", type, urn, { olds, news });
    const outs = await this.handler(type).update(this.db(), id, reveal(olds) as Props, reveal(news) as Props);
    return { outs: this.rewrap(outs, news) };
  }

  async delete(id: string, urn: string, props: Props): Promise<void> {
    const type = urnType(urn);
    this.log("delete", type, urn, { props });
    await this.handler(type).delete(this.db(), id, reveal(props) as Props);
  }

  private handler(type: string): ResourceHandler {
    typeSchema(type);
    return HANDLERS[type];
  }

  private db(): Connector {
    if (this.connector === undefined) {
      throw new Error(
        this.unknownKeys.length > 0
          ? `postgresql stand-in: provider configuration ${this.unknownKeys.join(", ")} unknown (preview values)`
          : "postgresql stand-in: no provider configuration received (Configure was not called)",
      );
    }
    return this.connector;
  }

  /** Keeps inputs that came in as secrets (and Sensitive properties) secret in the returned state. */
  private rewrap(outs: Props, given: Props): Props {
    return Object.fromEntries(
      Object.entries(outs).map(([k, v]) => [
        k,
        isSecret(given[k]) || (isSensitive(k) && v !== undefined) ? secret(v) : v,
      ]),
    );
  }

  private log(method: string, type: string, urn: string, values: Record<string, unknown>): void {
    if (this.logPath === undefined || this.logPath === "") return;
    const entry = {
      provider: "postgresql",
      method,
      type,
      urn,
      ...(redact(values) as Record<string, unknown>),
    };
    fs.appendFileSync(this.logPath, `${JSON.stringify(entry)}\n`);
  }
}

/**
 * The Configure arguments of a gRPC ConfigureRequest: `args` (the provider resource's inputs) when the engine
 * sends them, else the `postgresql:config:<key>` variables.
 */
export function configFromConfigureRequest(request: {
  getArgs(): { toJavaScript(): Record<string, unknown> } | undefined;
  getVariablesMap(): { forEach(fn: (value: string, key: string) => void): void };
}): Record<string, unknown> {
  const args = request.getArgs()?.toJavaScript();
  if (args !== undefined && Object.keys(args).length > 0) return args;
  const vars: Record<string, unknown> = {};
  request.getVariablesMap().forEach((value, key) => {
    vars[key.replace(/^postgresql:(config:)?/, "")] = value;
  });
  return vars;
}

/**
 * The Node.js SDK's provider server answers Configure without looking at the configuration
 * (node_modules/@pulumi/pulumi/provider/server.js `configure()` only sets the accept* flags), so the stand-in's
 * `main` wraps the ResourceProviderService implementation's `configure` to hand the request to the stand-in first.
 */
function forwardConfigure(standIn: PostgresqlStandIn): void {
  // The @grpc/grpc-js instance @pulumi/pulumi itself loads, so the patched Server is the one provider.main uses.
  const grpc = createRequire(require.resolve("@pulumi/pulumi"))("@grpc/grpc-js") as {
    Server: { prototype: { addService(service: unknown, impl: Record<string, unknown>): void } };
  };
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (service, impl) {
    const configure = impl.configure as
      ((call: { request: never }, cb: (e: unknown) => void) => void) | undefined;
    if (typeof configure === "function") {
      impl.configure = (call: { request: never }, callback: (e: unknown) => void) => {
        try {
          const request = call.request as { getUrn?: () => string | undefined };
          standIn.configure(configFromConfigureRequest(call.request), request.getUrn?.() ?? "");
        } catch (error) {
          callback(error);
          return;
        }
        configure.call(impl, call, callback);
      };
    }
    addService.call(this, service, impl);
  };
}

/** Entry point of the `pulumi-resource-postgresql` executable. */
export function main(args: string[]): Promise<void> {
  const standIn = new PostgresqlStandIn();
  forwardConfigure(standIn);
  return provider.main(standIn, args);
}
