// Release integrity (issue 9, point 9): the candidate's API package must hash to its recorded apiPackageSha256.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpPackageDigester, redactedUrl, verifyPackage } from "../../promotion/integrity";
import { verifyStackRelease } from "../../tools/verify-release";
import { ROOT, stackConfig } from "../support/config";
import { scenario } from "./helpers";

const PACKAGE = Buffer.from("PK\u0003\u0004 a tiny stand-in for an API deployment zip");
const DIGEST = createHash("sha256").update(PACKAGE).digest("hex");
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith("/api.zip")) {
      res.writeHead(200, { "content-type": "application/zip" });
      res.end(PACKAGE);
    } else if (req.url === "/moved.zip") {
      res.writeHead(302, { location: "/api.zip" });
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const release = (url: string, sha: string) => ({
  version: "2.0.0",
  apiPackageUrl: url,
  apiPackageSha256: sha,
  frontendRef: "dpl_abc",
});

describe("httpPackageDigester", () => {
  it("hashes the bytes served, following redirects", async () => {
    expect(await httpPackageDigester.digest(`${base}/api.zip`, 5000)).toBe(DIGEST);
    expect(await httpPackageDigester.digest(`${base}/moved.zip`, 5000)).toBe(DIGEST);
  });

  it("refuses plain http to anything but the loopback, and a missing package", async () => {
    await expect(httpPackageDigester.digest("http://releases.example.com/api.zip", 5000)).rejects.toThrow(
      "http://releases.example.com/api.zip is not an https URL",
    );
    await expect(httpPackageDigester.digest(`${base}/gone.zip`, 5000)).rejects.toThrow(
      `GET ${base}/gone.zip answered HTTP 404`,
    );
  });
});

describe("verifyPackage", () => {
  it("accepts the package whose SHA-256 is the recorded one", async () => {
    expect(await verifyPackage(release(`${base}/api.zip`, DIGEST), httpPackageDigester)).toEqual({
      ok: true,
    });
  });

  it("refuses a package whose bytes differ, naming both digests and never the URL's query", async () => {
    const recorded = "0".repeat(64);
    const check = await verifyPackage(release(`${base}/api.zip?sig=SECRET`, recorded), httpPackageDigester);
    expect(check).toEqual({
      ok: false,
      reason: `release 2.0.0: the API package at ${base}/api.zip has SHA-256 ${DIGEST}, but apiPackageSha256 is ${recorded}; refusing to run a package that is not the recorded release`,
    });
    expect(JSON.stringify(check)).not.toContain("SECRET");
  });

  it("refuses a package it cannot read", async () => {
    expect(await verifyPackage(release(`${base}/gone.zip`, DIGEST), httpPackageDigester)).toEqual({
      ok: false,
      reason: `release 2.0.0: the API package at ${base}/gone.zip could not be read to check apiPackageSha256 (GET ${base}/gone.zip answered HTTP 404)`,
    });
  });

  it("shows URLs without query or fragment", () => {
    expect(redactedUrl("https://st.blob.core.windows.net/rel/api.zip?sv=1&sig=abc#x")).toBe(
      "https://st.blob.core.windows.net/rel/api.zip",
    );
  });
});

describe("the promotion refuses a candidate whose package is not the recorded release", () => {
  it("a replaced package stops the promotion before any production preview or update", async () => {
    const s = scenario();
    s.packages.tamper(s.candidate.apiPackageUrl, "f".repeat(64));
    const result = await s.controller.promote({ from: "staging", to: "production" });
    expect(result.outcome).toBe("refused");
    expect(result.reason).toBe(
      `release 2.0.0: the API package at ${s.candidate.apiPackageUrl} has SHA-256 ${"f".repeat(64)}, but apiPackageSha256 is ${s.candidate.apiPackageSha256}; refusing to run a package that is not the recorded release`,
    );
    expect(s.production.ops).toEqual([]);
  });

  it("an intact package is checked once and the promotion proceeds", async () => {
    const s = scenario();
    const result = await s.controller.promote({ from: "staging", to: "production" });
    expect(result.outcome).toBe("promoted");
    expect(s.packages.requests).toEqual([s.candidate.apiPackageUrl]);
  });
});

describe("npm run verify-release (CI, before pulumi up of staging)", () => {
  const stable = stackConfig("staging").release.stable;
  const digester = (served: string) => ({ digest: async () => served });

  it("passes when the stack's stable package has its recorded digest", async () => {
    expect(await verifyStackRelease(ROOT, "staging", digester(stable.apiPackageSha256))).toEqual({
      ok: true,
      lines: [`release 1.4.2: API package SHA-256 matches apiPackageSha256 ${stable.apiPackageSha256}`],
    });
  });

  it("fails on a mismatch, naming the release and both digests", async () => {
    const result = await verifyStackRelease(ROOT, "staging", digester("e".repeat(64)));
    expect(result).toEqual({
      ok: false,
      lines: [
        `release 1.4.2: the API package at https://releases.example.com/shop-api/1.4.2/api.zip has SHA-256 ${"e".repeat(64)}, but apiPackageSha256 is ${stable.apiPackageSha256}; refusing to run a package that is not the recorded release`,
      ],
    });
  });
});
