/** Default pattern of secret-like setting names (app settings, env vars, key-values). */
export const defaultSecretNamePattern =
  "(PASSWORD|PASSWD|SECRET|(^|_)KEY($|_)|APIKEY|TOKEN|CONNECTION|CONN_STR|DSN|PRIVATE|CREDENTIAL|^DATABASE_URL$|^REDIS_URL$)";

/** True when a setting name looks like it holds a secret. */
export function isSecretLike(name: string, pattern: string): boolean {
  return new RegExp(pattern, "i").test(name);
}

/** Value prefix of an App Service Key Vault reference. */
export const keyVaultReferencePrefix = "@Microsoft.KeyVault(";

/** True for `@Microsoft.KeyVault(SecretUri=...)` / `(VaultName=...;SecretName=...)` references. */
export function isKeyVaultReference(value: unknown): boolean {
  return typeof value === "string" && value.trim().startsWith(keyVaultReferencePrefix);
}

/** App Configuration content type of a Key Vault reference key-value. */
export const appConfigKeyVaultRefContentType =
  "application/vnd.microsoft.appconfig.keyvaultref+json;charset=utf-8";

/** App Configuration content type of a feature flag. */
export const appConfigFeatureFlagContentType = "application/vnd.microsoft.appconfig.ff+json;charset=utf-8";

/**
 * Parses a TLS version in any of the spellings Azure uses ("1.2", "TLS1_2", "TLSv1.2", "Tls12") into a
 * comparable number (1.2), or undefined when it is not a TLS version.
 */
export function tlsVersion(value: unknown): number | undefined {
  if (typeof value !== "string") {
    return undefined;
  }
  const m = /^(?:tls)?\s*v?(\d)[._]?(\d)$/i.exec(value.trim());
  return m ? Number(`${m[1]}.${m[2]}`) : undefined;
}

/** True when `value` is a TLS version at or above `minimum` (e.g. 1.2). */
export function tlsAtLeast(value: unknown, minimum: number): boolean {
  const v = tlsVersion(value);
  return v !== undefined && v >= minimum;
}

/** Normalises PostgreSQL on/off setting values. */
export function isOn(value: unknown): boolean {
  return typeof value === "string" && ["on", "true", "1", "yes"].includes(value.trim().toLowerCase());
}

/** Normalises PostgreSQL on/off setting values. */
export function isOff(value: unknown): boolean {
  return typeof value === "string" && ["off", "false", "0", "no"].includes(value.trim().toLowerCase());
}

/** A dotted IPv4 address as a number, or undefined for anything else (including non-strings). */
export function ipv4ToNumber(value: unknown): number | undefined {
  if (typeof value !== "string") {
    return undefined;
  }
  const parts = value.trim().split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return undefined;
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/**
 * What is wrong with a database firewall rule's start-end range, or undefined when it opens at most `maxAddresses`
 * addresses. The message says the fix.
 */
export function firewallRangeProblem(start: unknown, end: unknown, maxAddresses: number): string | undefined {
  const from = ipv4ToNumber(start);
  const to = ipv4ToNumber(end);
  if (from === undefined || to === undefined) {
    return `Firewall rule addresses '${String(start)}'-'${String(end)}' are not IPv4 addresses: use dotted IPv4 addresses.`;
  }
  const size = to - from + 1;
  return size > maxAddresses
    ? `Firewall rule ${String(start)}-${String(end)} opens ${size} addresses (limit ${maxAddresses}): narrow it to the clients' egress addresses.`
    : undefined;
}

/** `Key=value` credentials of Azure and database connection strings, and `scheme://user:password@` URLs. */
const literalCredential =
  /(?:^|;)\s*(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)\s*=\s*[^;\s]|^[a-z][a-z0-9+.-]*:\/\/[^/@:\s]+:[^/@\s]+@/i;

/** The credential kind a value holds literally, or undefined (Key Vault references and non-strings hold none). */
export function literalCredentialIn(value: unknown): string | undefined {
  if (typeof value !== "string" || isKeyVaultReference(value)) return undefined;
  const m = literalCredential.exec(value.trim());
  return m === null ? undefined : (m[1] ?? "URL password");
}

/*
 * Typed readers. The engine can hand a rule any JSON value (or null) where the SDK's types promise a string, a list
 * or an object; rules read their inputs through these so a wrong type is a decision of the rule, never a TypeError.
 * "Unset" is absent or null (the engine sends null for an input set to undefined); preview-unknown values throw the
 * SDK's UnknownValueError on read, before a reader sees them.
 */

/** True when a property is unset: absent or null. */
export function isUnset(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** What a property holds, named without its value (safe in messages): "unset", "a number", "a list", ... */
export function shapeOf(value: unknown): string {
  if (isUnset(value)) return "unset";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The string a property holds, or undefined when it is unset or of another type. */
export function stringOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The elements of a list property: [] when unset, undefined when it holds something other than a list. */
export function listOf(value: unknown): readonly unknown[] | undefined {
  if (isUnset(value)) return [];
  return Array.isArray(value) ? (value as unknown[]) : undefined;
}

/** A list of strings: [] when unset, undefined when it is not a list or an element is not a string. */
export function stringsOf(value: unknown): string[] | undefined {
  const list = listOf(value);
  return list?.every((v): v is string => typeof v === "string") === true
    ? [...(list as string[])]
    : undefined;
}

/** An object property (not a list), or undefined when it is unset or of another type. */
export function recordOf(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The objects of a list property (elements of other types dropped): [] when unset or not a list. */
export function recordsOf(value: unknown): Readonly<Record<string, unknown>>[] {
  return (listOf(value) ?? []).flatMap((v) => {
    const r = recordOf(v);
    return r === undefined ? [] : [r];
  });
}

/** `table[key]` when `key` is the table's own entry (never an inherited `constructor` or `__proto__`). */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
