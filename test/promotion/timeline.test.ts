import { describe, expect, it } from "vitest";
import { terminalTable, timeline } from "../../promotion/timeline";
import { faultAtStage, scenario } from "./helpers";

describe("status timeline", () => {
  it("shows the stages and, in time order, the decisions and every sample that was not healthy", async () => {
    const s = scenario();
    faultAtStage(s, "health", 50, 30_000);
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(timeline(result.state!).split("\n")).toEqual([
      "STAGE  CANARY  BAKE   APPLIED   ENDED     HEALTHY/SAMPLES  RESULT",
      "-----  ------  -----  --------  --------  ---------------  ------",
      "1      10%     5 min  02:05:00  02:13:00  9/9              passed",
      "2      50%     5 min  02:13:00  02:16:00  1/4              failed",
      "3      100%    5 min  -         -         0/0              -",
      "",
      "TIME      STAGE    WHAT",
      "--------  -------  --------------------------------------------------------------------------------------------",
      "02:05:00           preflight passed: 2.0.0 -> production, preview with policy pack ok (update 1)",
      "02:05:00           stage 1/3: 10% to 2.0.0, pulumi up",
      "02:05:00           stage 1 applied (update 1); baking 5 min",
      "02:13:00           stage 1 (10%) passed: 9 healthy of 9 samples",
      "02:13:00           stage 2/3: 50% to 2.0.0, pulumi up",
      "02:13:00           stage 2 applied (update 1); baking 5 min",
      "02:14:00  2 (50%)  sample unhealthy: health HTTP 503",
      "02:15:00  2 (50%)  sample unhealthy: health HTTP 503",
      "02:16:00  2 (50%)  sample unhealthy: health HTTP 503 -> rollback (3 consecutive failed health checks (limit 3))",
      "02:16:00           rolling back: 3 consecutive failed health checks (limit 3)",
      "02:16:00           rolled back to 1.0.0 at 0% (API: update 1; frontend: rolled back to dpl_prodstable1)",
      "02:16:00           rolled-back: 3 consecutive failed health checks (limit 3)",
    ]);
  });

  it("pads every column but the last to its widest cell", () => {
    expect(
      terminalTable(
        ["A", "BB"],
        [
          ["xyz", "1"],
          ["", "long cell"],
        ],
      ),
    ).toBe(["A    BB", "---  ---------", "xyz  1", "     long cell"].join("\n"));
  });
});
