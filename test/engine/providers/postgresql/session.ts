/**
 * The postgresql stand-in's connection layer: the provider configuration (as the program passes it to
 * `new postgresql.Provider`), one transaction per operation on the target database like the real provider's
 * `startTransaction`, and lib/pq's quoting.
 */
import { Client, type QueryResult } from "pg";

/** Provider configuration the stand-in uses (the `postgresql.Provider` inputs, typed). */
export interface PgConfig {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly database: string;
  readonly sslmode: string;
  readonly connectTimeout: number;
  readonly superuser: boolean;
}

/** libpq sslmode values the real provider passes through to lib/pq. */
const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;

/**
 * Parses provider inputs as the engine hands them over (the Node.js SDK JSON-encodes non-string provider inputs,
 * so `port` arrives as "5432" and `superuser` as "false"). Defaults follow the real provider (postgresql/provider.go):
 * port 5432, username and database "postgres", connect_timeout 180, superuser true, sslmode "prefer"; the
 * stand-in reads no PG* environment variables, so `host` is required.
 */
export function parseConfig(raw: Readonly<Record<string, unknown>>): PgConfig {
  const text = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw new Error(
      `postgresql provider config "${key}" must be a string, number or boolean, got ${typeof v}`,
    );
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const s = text(key);
    if (s === undefined) return fallback;
    const n = Number(s);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(
        `postgresql provider config "${key}" must be an integer from ${min} to ${max}, got "${s}"`,
      );
    }
    return n;
  };
  const host = text("host");
  if (host === undefined)
    throw new Error(`postgresql provider config "host" is required (the server's host name)`);
  const sslmode = text("sslmode") ?? text("sslMode") ?? "prefer";
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw new Error(
      `postgresql provider config "sslmode" must be one of ${SSL_MODES.join(", ")}, got "${sslmode}"`,
    );
  }
  const superuser = text("superuser") ?? "true";
  if (superuser !== "true" && superuser !== "false") {
    throw new Error(`postgresql provider config "superuser" must be true or false, got "${superuser}"`);
  }
  return {
    host,
    port: integer("port", 5432, 1, 65535),
    username: text("username") ?? "postgres",
    password: text("password") ?? "",
    database: text("database") ?? "postgres",
    sslmode,
    connectTimeout: integer("connectTimeout", 180, 0, 86_400),
    superuser: superuser === "true",
  };
}

/** Runs one statement in the current transaction. */
export type Query = (text: string, params?: unknown[]) => Promise<QueryResult>;

/** `pq.QuoteIdentifier` (lib/pq): double quotes, inner quotes doubled. */
export const ident = (name: string): string => `"${name.replace(/\0.*$/s, "").replace(/"/g, '""')}"`;

/** `pqQuoteLiteral` (postgresql/helpers.go): backslashes and single quotes doubled; the caller adds the quotes. */
export const literal = (value: string): string => value.replace(/\\/g, "\\\\").replace(/'/g, "''");

/** Opens connections with the provider configuration and records each statement (passwords redacted). */
export class Connector {
  constructor(
    private readonly config: PgConfig,
    private readonly record: (statement: string) => void,
  ) {}

  /** The configured login; the real provider's `getDatabaseUsername()`. */
  get username(): string {
    return this.config.username;
  }

  /** The configured database, used when a resource names none. */
  get defaultDatabase(): string {
    return this.config.database;
  }

  /** One connection to `database` (default: the configured one) for `fn`, closed afterwards. */
  async session<T>(database: string | undefined, fn: (q: Query) => Promise<T>): Promise<T> {
    const { config } = this;
    const client = new Client({
      host: config.host,
      port: config.port,
      user: config.username,
      password: config.password,
      database: database === undefined || database === "" ? config.database : database,
      connectionTimeoutMillis: config.connectTimeout * 1000,
      ssl: sslOptions(config),
    });
    await client.connect();
    try {
      return await fn((text, params) => {
        this.record(text.replace(/PASSWORD '(?:[^']|'')*'/g, "PASSWORD '[secret]'"));
        return client.query(text, params);
      });
    } finally {
      await client.end();
    }
  }

  /** `startTransaction` + commit: `fn` runs in one transaction that is rolled back if it throws. */
  async transaction<T>(database: string | undefined, fn: (q: Query) => Promise<T>): Promise<T> {
    return this.session(database, async (q) => {
      await q("BEGIN");
      try {
        const result = await fn(q);
        await q("COMMIT");
        return result;
      } catch (error) {
        await q("ROLLBACK");
        throw error;
      }
    });
  }
}

/** lib/pq's sslmode semantics: require encrypts without verifying; verify-* check the CA (and the host name). */
function sslOptions(config: PgConfig): false | { rejectUnauthorized: boolean; servername?: string } {
  switch (config.sslmode) {
    case "disable":
    case "allow":
      return false;
    case "verify-ca":
      return { rejectUnauthorized: true };
    case "verify-full":
      return { rejectUnauthorized: true, servername: config.host };
    default:
      return { rejectUnauthorized: false };
  }
}
