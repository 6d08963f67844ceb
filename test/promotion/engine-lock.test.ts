/**
 * What the promotion tool says when the Pulumi backend holds production's update lock: seen on the real engine
 * after `kill -9` of a promote process during a stage `up`, where the rerun's `up` and rollback `up` both fail
 * on the DIY backend's lock and a person must run `pulumi cancel`.
 */
import { describe, expect, it } from "vitest";
import { engineLockAdvice } from "../../promotion/pulumi-driver";

// The DIY backend's refusal (pkg/backend/diy/lock.go, checkForLock, CLI 3.248), as the Automation API wraps it.
const diyLocked =
  "code: 255\n stdout: \n stderr: error: the stack is currently locked by 1 lock(s). Either wait for the other " +
  "process(es) to end or delete the lock file with `pulumi cancel`.\n" +
  "  file:///tmp/s/.pulumi/locks/organization/webapp-platform/production/8c1f.json: created by root@runner-7 " +
  "(pid 4242) at 2026-12-01T12:20:31Z\n";

describe("engineLockAdvice", () => {
  it("a lock of a process gone from this host: names it and the exact cancel command", () => {
    expect(engineLockAdvice("production", "/srv/app", diyLocked, () => false, "runner-7")).toBe(
      "production's backend is locked by an update that did not finish (pid 4242 on runner-7 (root) since " +
        "2026-12-01T12:20:31Z); that process is gone (killed or crashed), so nothing will release the lock: " +
        "run `pulumi cancel --yes --stack production` in /srv/app, then rerun",
    );
  });

  it("a lock of a live process on this host: wait, never cancel a running update", () => {
    expect(engineLockAdvice("production", "/srv/app", diyLocked, () => true, "runner-7")).toBe(
      "production is being updated by another pulumi process (pid 4242 on runner-7 (root) since " +
        "2026-12-01T12:20:31Z); wait for it to end, then rerun",
    );
  });

  it("a lock from another host or Pulumi Cloud's conflict: cancel only if nothing runs anywhere", () => {
    expect(engineLockAdvice("production", "/srv/app", diyLocked, () => false, "laptop")).toBe(
      "production's backend is locked by another update (pid 4242 on runner-7 (root) since " +
        "2026-12-01T12:20:31Z); if no pulumi update of production runs anywhere, run " +
        "`pulumi cancel --yes --stack production` in /srv/app, then rerun",
    );
    expect(
      engineLockAdvice(
        "production",
        "/srv/app",
        "error: [409] Conflict: Another update is currently in progress.",
      ),
    ).toBe(
      "production's backend is locked by another update; if no pulumi update of production runs anywhere, " +
        "run `pulumi cancel --yes --stack production` in /srv/app, then rerun",
    );
  });

  it("any other failure is not a lock", () => {
    expect(engineLockAdvice("production", "/srv/app", "error: update failed")).toBeUndefined();
  });
});
