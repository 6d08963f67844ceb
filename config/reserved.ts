/**
 * Names the program gives its own secrets, app settings and Vercel variables. Stack config may not claim them:
 * an external secret or public variable of the same name would silently overwrite (or be overwritten by) the
 * program's own. A whole-stack test checks these lists against every name the program registers.
 */
import { COMPONENT_SETTINGS } from "../components/apiSettings";

/** The app setting (and, as `mongodb-uri`, the Key Vault secret) holding the document database's connection string. */
export const DOCUMENT_DB_SETTING = "MONGODB_URI";

/** App settings of the realtime service: its endpoint (the API's Entra ID token requests go there) and the hub. */
export const REALTIME_SETTINGS = { endpoint: "WEBPUBSUB_ENDPOINT", hub: "WEBPUBSUB_HUB" } as const;

/** Secrets the program generates (Secrets component) and stores in Key Vault under their env var names. */
export const GENERATED_SECRET_NAMES = ["JWT_SECRET", "SECRET_KEY"] as const;

/**
 * App settings the program writes on the Function App besides the API component's own: the generated secrets, the
 * database, Redis and (optional) document database URLs and the plain endpoints index.ts passes.
 */
export const PROGRAM_APP_SETTINGS: readonly string[] = [
  ...COMPONENT_SETTINGS,
  ...GENERATED_SECRET_NAMES,
  "DATABASE_URL",
  "DATABASE_READONLY_URL",
  "REDIS_URL",
  "APP_CONFIG_ENDPOINT",
  "API_CORS_ORIGINS",
  DOCUMENT_DB_SETTING,
  REALTIME_SETTINGS.endpoint,
  REALTIME_SETTINGS.hub,
  "UPLOADS_CONTAINER_URL",
];

/**
 * Env var names whose Key Vault secret names (lower case, '_' as '-') the program stores: every secret app setting
 * plus the secrets kept for operators and the content share.
 */
export const PROGRAM_VAULT_SECRETS: readonly string[] = [
  ...GENERATED_SECRET_NAMES,
  "DATABASE_URL",
  "DATABASE_READONLY_URL",
  "DATABASE_MIGRATOR_URL",
  "DATABASE_ADMIN_PASSWORD",
  "REDIS_URL",
  "API_APPINSIGHTS_CONNECTION_STRING",
  "API_CONTENT_SHARE_CONNECTION",
  DOCUMENT_DB_SETTING,
];

/**
 * Why `api.appSettings` may not set `name`, or undefined when it may: a prefix the platform owns
 * (`RESERVED_APP_SETTING_PREFIXES`), a setting the program writes, or an external secret's setting.
 */
export function reservedAppSetting(
  name: string,
  prefixes: readonly string[],
  externalSecrets: readonly string[],
): string | undefined {
  const upper = name.toUpperCase();
  const prefix = prefixes.find((p) => upper.startsWith(p));
  if (prefix !== undefined) return `names starting with ${prefix} belong to the platform`;
  if (PROGRAM_APP_SETTINGS.some((s) => s.toUpperCase() === upper))
    return "is an app setting the program sets";
  if (externalSecrets.includes(name))
    return "is the app setting of the external secret listed in secrets.external";
  return undefined;
}

/** Vercel variables the program sets from its own outputs and config (`vercel.publicEnv` may not set them). */
export const PROGRAM_VERCEL_VARIABLES = ["NEXT_PUBLIC_API_URL", "NEXT_PUBLIC_WS_URL"] as const;
