/**
 * The products' extensions on the real Pulumi engine: staging with an uploads container (browser upload on),
 * api.appSettings and api.healthCheckBody previews with the policy pack, deploys, and shows no perpetual diff; the
 * azure-native stand-in gives the blob service its ARM id and the grant the container's id as scope.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type PostgresServer } from "./postgres";
import { exportStack, initStack, Workspace } from "./support";

const stack = "staging";
const policyArgs = ["--policy-pack", "policies", "--policy-pack-config", "policies/config/staging.json"];

describe("uploads, app settings and the health body on the real engine", () => {
  let ws: Workspace;
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
    ws = new Workspace("uploads");
    ws.usePostgres(pg);
    const file = path.join(ws.dir, `Pulumi.${stack}.yaml`);
    const text = readFileSync(file, "utf8")
      .replace(
        "    healthCheckPath: /health\n",
        '    healthCheckPath: /health\n    healthCheckBody: \'"status":"ok"\'\n' +
          "    appSettings:\n      SHOPIFY_APP_URL: https://shop.example.com\n      SCOPES: read_orders\n",
      )
      .replace(
        "  webapp-platform:staticSite:\n",
        "  webapp-platform:uploads:\n    browserUpload: true\n  webapp-platform:staticSite:\n",
      );
    expect(text).toContain("webapp-platform:uploads:");
    expect(text).toContain("SCOPES: read_orders");
    writeFileSync(file, text);
    await initStack(ws, stack);
  });
  afterAll(async () => {
    ws.remove();
    await pg.stop();
  });

  it("previews with the policy pack, with no mandatory violation", async () => {
    const r = await ws.ok(["preview", "--stack", stack, ...policyArgs]);
    expect(r.stdout).toContain("webapp-platform-security@v0.1.0");
    expect(r.stdout).not.toContain("[mandatory]");
  });

  it("deploys the uploads account, blob service and container, and grants on the container", async () => {
    await ws.ok(["up", "--yes", "--stack", stack, ...policyArgs]);
    const creates = ws.calls().filter((c) => c.method === "create");
    const idOf = (type: string) => creates.find((c) => c.type === type && c.urn?.includes("uploads"))?.id;
    const account = idOf("azure-native:storage:StorageAccount") as string;
    expect(account).toMatch(/\/providers\/Microsoft\.Storage\/storageAccounts\/stupshopstg[0-9a-f]{5}$/);
    expect(idOf("azure-native:storage:BlobServiceProperties")).toBe(`${account}/blobServices/default`);
    const container = idOf("azure-native:storage:BlobContainer") as string;
    expect(container).toBe(`${account}/blobServices/default/containers/uploads`);
    const grant = creates.find((c) => c.urn?.endsWith("api-site-uploads-blob-contributor"));
    expect(grant?.id).toMatch(new RegExp(`^${container.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/providers/`));
    const outputs = JSON.parse((await ws.ok(["stack", "output", "--json", "--stack", stack])).stdout) as {
      uploadsContainerUrl: string;
      api: { healthCheckBody: string };
    };
    expect(outputs.uploadsContainerUrl).toMatch(
      /^https:\/\/stupshopstg[0-9a-f]{5}\.blob\.core\.windows\.net\/uploads$/,
    );
    expect(outputs.api.healthCheckBody).toBe('"status":"ok"');
    const { resources } = await exportStack(ws, stack);
    // The 8 resources the offline plan adds for uploads with browser upload on staging (README, "Uploads").
    const uploads = resources.filter((r) => r.urn.split("::").pop()!.includes("uploads"));
    expect(uploads.map((r) => `${r.type} ${r.urn.split("::").pop()!}`).sort()).toEqual([
      "azure-native:authorization:RoleAssignment api-site-uploads-blob-contributor",
      "azure-native:authorization:RoleAssignment api-site-uploads-blob-delegator",
      "azure-native:monitor:DiagnosticSetting alerts-diag-uploads-storage",
      "azure-native:monitor:DiagnosticSetting alerts-diag-uploads-storage-blob",
      "azure-native:storage:BlobContainer uploads-container",
      "azure-native:storage:BlobServiceProperties uploads-blob-service",
      "azure-native:storage:StorageAccount uploads-storage",
      "webapp-platform:uploads:Uploads uploads",
    ]);
  });

  it("shows no change on a second preview (no perpetual diff)", async () => {
    await ws.ok(["preview", "--expect-no-changes", "--stack", stack]);
  });
});
