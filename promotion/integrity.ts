// Release integrity: an API package runs only when its SHA-256 digest is the one the release records.
import { createHash } from "node:crypto";
import type { Artifact } from "../config/release";

/** Computes the SHA-256 digest of the package at a URL. */
export interface PackageDigester {
  /** Lower-case hex SHA-256 of the bytes served at `url`; throws when they cannot be read within `timeoutMs`. */
  digest(url: string, timeoutMs: number): Promise<string>;
}

/** Largest package accepted (Functions deployment packages are far smaller); guards the digest against endless bodies. */
export const MAX_PACKAGE_BYTES = 1024 * 1024 * 1024;

/** Time a package download may take. */
export const PACKAGE_TIMEOUT_MS = 5 * 60_000;

/** The URL without its query and fragment, which may carry a token: safe for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(not a URL)";
  }
}

/** Downloads with Node's fetch (https only, redirects followed) and hashes the body as it streams. */
export const httpPackageDigester: PackageDigester = {
  async digest(url, timeoutMs) {
    if (!url.startsWith("https://") && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url)) {
      throw new Error(`${redactedUrl(url)} is not an https URL`);
    }
    const res = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200 || res.body === null) {
      throw new Error(`GET ${redactedUrl(url)} answered HTTP ${res.status}`);
    }
    const hash = createHash("sha256");
    let bytes = 0;
    for await (const chunk of res.body) {
      bytes += chunk.byteLength;
      if (bytes > MAX_PACKAGE_BYTES) {
        throw new Error(`${redactedUrl(url)} is larger than ${MAX_PACKAGE_BYTES} bytes`);
      }
      hash.update(chunk);
    }
    return hash.digest("hex");
  },
};

/** What {@link verifyPackage} found. */
export type PackageCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Downloads `artifact`'s API package and compares its SHA-256 with `apiPackageSha256`. A mismatch or an unreadable
 * package is a refusal naming the release, the key and both digests; the URL is shown without its query.
 */
export async function verifyPackage(
  artifact: Artifact,
  digester: PackageDigester,
  timeoutMs: number = PACKAGE_TIMEOUT_MS,
): Promise<PackageCheck> {
  const where = redactedUrl(artifact.apiPackageUrl);
  let actual: string;
  try {
    actual = await digester.digest(artifact.apiPackageUrl, timeoutMs);
  } catch (err) {
    return {
      ok: false,
      reason: `release ${artifact.version}: the API package at ${where} could not be read to check apiPackageSha256 (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  if (actual !== artifact.apiPackageSha256) {
    return {
      ok: false,
      reason: `release ${artifact.version}: the API package at ${where} has SHA-256 ${actual}, but apiPackageSha256 is ${artifact.apiPackageSha256}; refusing to run a package that is not the recorded release`,
    };
  }
  return { ok: true };
}
