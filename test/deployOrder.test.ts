// Whole-stack checks of deploy-time ordering the engine cannot infer from inputs (issue 9, point 4).
import { beforeAll, describe, expect, it } from "vitest";
import { type ResourceRecord, type SynthesisResult, one, synthesize } from "./support";
import { ROOT } from "./support/config";

type Stack = "staging" | "production";
const STACKS: Stack[] = ["staging", "production"];
const results = {} as Record<Stack, SynthesisResult>;

beforeAll(async () => {
  for (const stack of STACKS) results[stack] = await synthesize({ programDir: ROOT, stack });
}, 60_000);

/** Registrations whose inputs name the host storage account (as target, scope of a child or diagnostics). */
function storageOperations(result: SynthesisResult, accountId: string): ResourceRecord[] {
  return result.resources.filter((r) => {
    if (r.type === "azure-native:storage:FileShare" || r.type === "azure-native:storage:BlobContainer") {
      return true;
    }
    if (r.type === "azure-native:network:PrivateEndpoint") {
      const links = r.inputs.privateLinkServiceConnections as { privateLinkServiceId: string }[];
      return links.some((l) => l.privateLinkServiceId === accountId);
    }
    if (r.type === "azure-native:monitor:DiagnosticSetting") {
      return String(r.inputs.resourceUri).startsWith(accountId);
    }
    return false;
  });
}

describe.each(STACKS)("%s: ordering the engine cannot infer", (stack) => {
  it("the Redis database's diagnostic setting depends on the database resource, not a string built from the cluster", () => {
    const result = results[stack];
    const database = one(result, "azure-native:redisenterprise:Database");
    const setting = one(result, "azure-native:monitor:DiagnosticSetting", "diag-redis-db");
    expect(setting.propertyDependencies.resourceUri).toEqual([database.urn]);
    expect(setting.inputs.resourceUri).toBe(
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop-" +
        `${stack === "production" ? "prd" : "stg"}-westeurope/providers/Microsoft.redisenterprise/Database/cache-database`,
    );
  });

  it("operations on the host storage account run one at a time, each after the previous", () => {
    const result = results[stack];
    const account = one(result, "azure-native:storage:StorageAccount");
    const accountId = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${String(account.inputs.resourceGroupName)}/providers/Microsoft.storage/StorageAccount/api-storage`;
    const ops = storageOperations(result, accountId);
    // staging: deployment container + 2 diagnostic settings; production: 2 content shares + 4 endpoints + 2 settings
    expect(ops.map((r) => r.name)).toEqual(
      stack === "production"
        ? [
            "api-share-func-shop-prd-99ce2",
            "api-share-func-shop-prd-99ce2-canary",
            "api-storage-blob-pe",
            "api-storage-queue-pe",
            "api-storage-table-pe",
            "api-storage-file-pe",
            "alerts-diag-storage",
            "alerts-diag-storage-blob",
          ]
        : ["api-deployments", "alerts-diag-storage", "alerts-diag-storage-blob"],
    );
    expect(ops[0].dependencies).toContain(account.urn);
    for (let i = 1; i < ops.length; i++) {
      expect(ops[i].dependencies, `${ops[i].name} waits for ${ops[i - 1].name}`).toContain(ops[i - 1].urn);
    }
  });
});
