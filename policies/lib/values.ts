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
