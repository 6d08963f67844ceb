/**
 * .ci/drift-issue, the drift workflow's issue keeper, run against a stand-in `gh` (test/fixtures/fake-gh/gh, which
 * follows the gh manual and evaluates `--jq` with jq): one issue per stack, opened on drift, updated while drift
 * lasts, closed when clean, untouched when the check failed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "..");
const FAKE_GH = path.join(ROOT, "test/fixtures/fake-gh");

interface Issue {
  number: number;
  title: string;
  state: "open" | "closed";
  labels: string[];
  body: string;
  comments: string[];
}
interface GhState {
  labels: string[];
  issues: Issue[];
  calls: string[][];
}

let dir: string;
let stateFile: string;
const readState = () => JSON.parse(fs.readFileSync(stateFile, "utf8")) as GhState;

function writeReport(text: string): string {
  const file = path.join(dir, "report.md");
  fs.writeFileSync(file, text);
  return file;
}

function keeper(stack: string, code: string, report: string, env: Record<string, string> = {}) {
  const r = spawnSync(path.join(ROOT, ".ci/drift-issue"), [stack, code, report], {
    env: {
      PATH: `${FAKE_GH}:${process.env.PATH ?? ""}`,
      FAKE_GH_STATE: stateFile,
      GH_TOKEN: "ghs_test",
      GH_REPO: "acme/webapp",
      ...env,
    },
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-issue-"));
  stateFile = path.join(dir, "gh.json");
  const unrelated: Issue = {
    number: 1,
    title: "Drift in stack staging is a great name for a band",
    state: "open",
    labels: ["drift"],
    body: "",
    comments: [],
  };
  fs.writeFileSync(stateFile, JSON.stringify({ labels: [], issues: [unrelated], calls: [] }));
});

describe(".ci/drift-issue", () => {
  it("opens one labelled issue when drift appears, creating the label first", () => {
    const r = keeper("staging", "1", writeReport("## Drift detected in stack `staging`\n"));
    expect(r).toMatchObject({
      status: 0,
      stdout: expect.stringContaining("drift appeared, opened an issue"),
    });
    const state = readState();
    expect(state.labels).toEqual(["drift"]);
    expect(state.issues[1]).toEqual({
      number: 2,
      title: "Drift in stack staging",
      state: "open",
      labels: ["drift"],
      body: "## Drift detected in stack `staging`\n",
      comments: [],
    });
  });

  it("updates the same issue while drift lasts, and keeps stacks apart", () => {
    keeper("staging", "1", writeReport("first\n"));
    keeper("production", "1", writeReport("prod\n"));
    const r = keeper("staging", "1", writeReport("second\n"));
    expect(r.stdout).toContain("drift continues, updated #2");
    const open = readState().issues.filter((i) => i.title.startsWith("Drift in stack") && i.state === "open");
    expect(open.map((i) => [i.number, i.title, i.body])).toEqual([
      [1, "Drift in stack staging is a great name for a band", ""],
      [2, "Drift in stack staging", "second\n"],
      [3, "Drift in stack production", "prod\n"],
    ]);
  });

  it("closes the issue with the clean report when the stack matches again, and does nothing more after", () => {
    keeper("staging", "1", writeReport("drift\n"));
    expect(keeper("staging", "0", writeReport("## No drift in stack `staging`\n")).stdout).toContain(
      "clean again, closed #2",
    );
    expect(readState().issues[1]).toMatchObject({
      state: "closed",
      comments: ["## No drift in stack `staging`"],
    });
    const again = keeper("staging", "0", writeReport("## No drift\n"));
    expect(again).toMatchObject({ status: 0, stdout: "drift-issue: staging: clean, no open issue\n" });
    expect(readState().issues.map((i) => i.state)).toEqual(["open", "closed"]);
  });

  it("leaves issues alone and fails when the drift check itself failed", () => {
    keeper("staging", "1", writeReport("drift\n"));
    const before = readState().issues;
    const r = keeper("staging", "2", writeReport(""));
    expect(r).toMatchObject({
      status: 1,
      stderr: "drift-issue: staging: the drift check failed (exit 2); issues left as they are\n",
    });
    expect(readState().issues).toEqual(before);
  });

  it("refuses a stack name that could break out of the search and jq filter", () => {
    const r = keeper('staging") | .number, ("x', "1", writeReport("x\n"));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("is not a stack name (letters, digits, -, _ and . only)");
    expect(readState().calls).toEqual([]);
  });

  it("stops when gh has no token (the fake refuses like gh does)", () => {
    const r = keeper("staging", "1", writeReport("x\n"), { GH_TOKEN: "" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("set the GH_TOKEN environment variable");
    expect(readState().issues).toHaveLength(1);
  });
});
