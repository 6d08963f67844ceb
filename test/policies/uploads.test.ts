// The pack's existing storage rules cover the uploads account, its blob service and its container.
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluatePack, type ResourceRecord } from "../../policies/lib/emulator";
import { rules } from "../../policies/rules";
import { readPolicyConfig, toRecords } from "../../tools/policy-check";
import { synthesize } from "../../tools/harness";

const root = path.join(__dirname, "../..");
const config = readPolicyConfig(path.join(root, "policies/config/production.json"));

/** `policy level kind` of every finding about a resource whose name starts with `uploads-`. */
async function uploadsFindings(records: ResourceRecord[]): Promise<string[]> {
  const findings = await evaluatePack(rules, records, config);
  return findings
    .filter((f) => f.urn !== undefined && /::uploads-[^:]*$/.test(f.urn))
    .map((f) => `${f.policy} ${f.level} ${f.kind}`)
    .sort();
}

function change(records: ResourceRecord[], name: string, props: Record<string, unknown>): ResourceRecord[] {
  expect(
    records.some((r) => r.name === name),
    name,
  ).toBe(true);
  return records.map((r) => (r.name === name ? { ...r, props: { ...r.props, ...props } } : r));
}

describe("uploads under the production policy config", () => {
  let records: ResourceRecord[];
  beforeAll(async () => {
    const result = await synthesize({
      programDir: root,
      stack: "production",
      configOverrides: { "webapp-platform:uploads": {} },
    });
    records = toRecords(result.resources);
  }, 120_000);

  it("the uploads resources as built break no rule, advisory ones included", async () => {
    expect(await uploadsFindings(records)).toEqual([]);
  });

  it.each([
    [{ allowBlobPublicAccess: true }, "storage-account-disallow-blob-public-access mandatory violation"],
    [{ allowSharedKeyAccess: true }, "storage-account-disallow-shared-key advisory violation"],
    [{ minimumTlsVersion: "TLS1_0" }, "storage-account-configure-min-tls mandatory violation"],
    [{ enableHttpsTrafficOnly: false }, "storage-account-enforce-https remediate remediated"],
    [
      { allowCrossTenantReplication: true },
      "storage-account-disallow-cross-tenant-replication mandatory violation",
    ],
  ])("an uploads account with %o is reported by %s", async (props, finding) => {
    expect(await uploadsFindings(change(records, "uploads-storage", props))).toEqual([finding]);
  });

  it("a blob service without soft delete or versioning is reported", async () => {
    const variant = change(records, "uploads-blob-service", {
      deleteRetentionPolicy: { enabled: false },
      isVersioningEnabled: false,
    });
    expect(await uploadsFindings(variant)).toEqual([
      "storage-blobservice-enable-soft-delete advisory violation",
      "storage-blobservice-enable-versioning advisory violation",
    ]);
  });
});
