import { createHash } from "node:crypto";

/** Inputs to Azure resource naming. */
export interface NamingArgs {
  /** Workload short name (2-8 lowercase letters/digits). */
  readonly workload: string;
  /** Environment name: development, staging or production. */
  readonly environment: string;
  /** Azure region, e.g. westeurope. */
  readonly location: string;
  /** Seed for the global-uniqueness suffix: organization/project/stack. */
  readonly uniqueSeed: string;
}

/** Short environment codes used in names. */
const ENV_CODE: Record<string, string> = { development: "dev", staging: "stg", production: "prd" };

/**
 * Rules from Azure's naming page (and the service docs) for each name this program creates:
 * length and characters. Checked for every generated name so a bad workload name fails before `pulumi up`.
 */
const RULES: Record<string, { max: number; pattern: RegExp; what: string }> = {
  resourceGroup: {
    max: 90,
    pattern: /^[A-Za-z0-9_.()-]*[A-Za-z0-9_()-]$/,
    what: "letters, digits, _ . ( ) -",
  },
  keyVault: {
    max: 24,
    pattern: /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/,
    what: "3-24 letters, digits, single hyphens",
  },
  postgres: {
    max: 63,
    pattern: /^[a-z0-9]+(-[a-z0-9]+)*$/,
    what: "3-63 lowercase letters, digits, single hyphens",
  },
  redis: { max: 60, pattern: /^[a-z0-9]+(-[a-z0-9]+)*$/, what: "1-60 letters, digits, single hyphens" },
  functionApp: { max: 32, pattern: /^[a-z0-9]+(-[a-z0-9]+)*$/, what: "2-32 characters (Functions host id)" },
  storage: { max: 24, pattern: /^[a-z0-9]{3,24}$/, what: "3-24 lowercase letters and digits" },
  generic: {
    max: 60,
    pattern: /^[a-z0-9]+(-[a-z0-9]+)*$/,
    what: "lowercase letters, digits, single hyphens",
  },
  appConfig: { max: 50, pattern: /^[a-z0-9]+(-[a-z0-9]+)*$/, what: "5-50 letters, digits, hyphens" },
  mongoCluster: {
    max: 40,
    pattern: /^[a-z0-9]+(-[a-z0-9]+)*$/,
    what: "3-40 lowercase letters, digits, single hyphens",
  },
  webPubSub: {
    max: 63,
    pattern: /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/,
    what: "3-63 letters, digits, single hyphens, starting with a letter",
  },
};

/**
 * Azure resource names for one stack, following the Cloud Adoption Framework abbreviations
 * (`rg`, `kv`, `psql`, `redis`, `func`, `asp`, `st`, `stapp`, `log`, `appi`, `ag`, `appcs`, `vnet`, `snet`, `pe`, `id`,
 * `cosmon`, `wps`)
 * with `<abbr>-<workload>-<env>-<suffix>`; the 5-character suffix (a hash of organization/project/stack)
 * makes globally unique names (Key Vault, PostgreSQL, Redis, Function App, storage, App Configuration, MongoDB
 * cluster, Web PubSub) repeatable.
 */
export class Naming {
  /** Environment code: dev, stg or prd. */
  readonly env: string;
  /** Deterministic uniqueness suffix. */
  readonly suffix: string;

  constructor(private readonly args: NamingArgs) {
    const env = ENV_CODE[args.environment];
    if (env === undefined)
      throw new Error(
        `naming: unknown environment '${args.environment}'; use ${Object.keys(ENV_CODE).join(", ")}`,
      );
    this.env = env;
    this.suffix = createHash("sha256").update(args.uniqueSeed).digest("hex").slice(0, 5);
  }

  private make(kind: keyof typeof RULES, name: string): string {
    const rule = RULES[kind];
    if (name.length > rule.max || !rule.pattern.test(name)) {
      throw new Error(
        `naming: '${name}' breaks the ${kind} naming rule (${rule.what}, at most ${rule.max} characters)`,
      );
    }
    return name;
  }

  private base(abbr: string): string {
    return `${abbr}-${this.args.workload}-${this.env}-${this.suffix}`;
  }

  /** Resource group, e.g. rg-shop-prd-westeurope. */
  resourceGroup(): string {
    return this.make("resourceGroup", `rg-${this.args.workload}-${this.env}-${this.args.location}`);
  }
  /** Key Vault (global). */
  keyVault(): string {
    return this.make("keyVault", this.base("kv"));
  }
  /** PostgreSQL Flexible Server (global DNS name). */
  postgres(): string {
    return this.make("postgres", this.base("psql"));
  }
  /** Azure Managed Redis cluster (global DNS name). */
  redis(): string {
    return this.make("redis", this.base("redis"));
  }
  /** Function App (global DNS name; under 32 characters for the host id). */
  functionApp(): string {
    return this.make("functionApp", this.base("func"));
  }
  /** Storage account (global; no hyphens). */
  storageAccount(): string {
    return this.make("storage", `st${this.args.workload}${this.env}${this.suffix}`);
  }
  /** Uploads storage account (global; no hyphens): `stup` + workload + environment + suffix. */
  uploadsStorageAccount(): string {
    return this.make("storage", `stup${this.args.workload}${this.env}${this.suffix}`);
  }
  /** App Configuration store (name reserved during soft delete). */
  appConfig(): string {
    return this.make("appConfig", this.base("appcs"));
  }
  /** Cosmos DB for MongoDB vCore cluster (global DNS name `<name>.global.mongocluster.cosmos.azure.com`). */
  mongoCluster(): string {
    return this.make("mongoCluster", this.base("cosmon"));
  }
  /** Web PubSub service (global DNS name `<name>.webpubsub.azure.com`). */
  webPubSub(): string {
    return this.make("webPubSub", this.base("wps"));
  }
  /** Action group short name (SMS/e-mail sender label, at most 12 characters), e.g. shop-prd. */
  shortName(): string {
    const name = `${this.args.workload}-${this.env}`;
    if (name.length > 12) throw new Error(`naming: short name '${name}' is longer than 12 characters`);
    return name;
  }
  /** Any other resource with a CAF abbreviation, e.g. `plain("asp")`. */
  plain(abbr: string): string {
    return this.make("generic", `${abbr}-${this.args.workload}-${this.env}`);
  }
}
