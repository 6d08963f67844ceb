// Property test: no rule of the pack throws on any shape of input, with the production net (checkShapes) off; every
// property path a rule reads is discovered by tracing the rule's reads, then filled with wrong types, null, absent or
// preview-unknown values.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  isResourcePolicy,
  resourceValidationArgs,
  runRemediation,
  runResourcePolicy,
  runStackPolicy,
  stackValidationArgs,
} from "../../offline/policy-engine/emulator";
import { resourceRule, withoutShapeNet } from "../../policies/lib/rule";
import { resourceRecord, type ResourceRecord } from "../../offline/record";
import { unknownSentinels } from "../../offline/policy-engine/sdk-internals";
import { rules, type Rule } from "../../policies/rules";
import { synthesize } from "../../offline/runtime/harness";
import * as path from "node:path";

/** A property path: keys, with `*` for "any element of an array". */
type PropPath = readonly string[];
/** A read of `path` on a resource of `type`. */
interface Read {
  readonly type: string;
  readonly path: PropPath;
}

const root = path.join(__dirname, "../..");
const ABSENT = Symbol("absent");

/** Wraps `value` so every property read is recorded as a path; arrays' indices collapse to `*`. */
function tracing(value: unknown, at: PropPath, onRead: (p: PropPath) => void): unknown {
  if (value === null || typeof value !== "object") return value;
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const field: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== "string") return field;
      if (Array.isArray(target) && !/^\d+$/.test(key)) return field;
      // Inherited members (`toString` from a template literal) are not properties the engine sends.
      if (!Object.hasOwn(target, key) && key in Object.prototype) return field;
      const next = [...at, Array.isArray(target) ? "*" : key];
      onRead(next);
      const desc = Object.getOwnPropertyDescriptor(target, key);
      if (desc && "value" in desc && desc.configurable === false && desc.writable === false) return field;
      return tracing(field, next, onRead);
    },
  });
}

/** Returns a copy of `props` with `value` (or its absence) at `p`, creating the objects and arrays on the way. */
function setAt(props: Record<string, unknown>, p: PropPath, value: unknown): Record<string, unknown> {
  const out = structuredClone(props);
  const walk = (node: unknown, i: number): unknown => {
    const key = p[i]!;
    const last = i === p.length - 1;
    if (key === "*") {
      const items = Array.isArray(node) && node.length > 0 ? [...(node as unknown[])] : [{}];
      return items.map((item) => (last ? (value === ABSENT ? null : value) : walk(item, i + 1)));
    }
    const obj =
      node !== null && typeof node === "object" && !Array.isArray(node)
        ? { ...(node as Record<string, unknown>) }
        : {};
    if (last) {
      if (value === ABSENT) delete obj[key];
      else obj[key] = value;
    } else {
      obj[key] = walk(obj[key], i + 1);
    }
    return obj;
  };
  return walk(out, 0) as Record<string, unknown>;
}

const keyOf = (r: Read): string => `${r.type} ${r.path.join(".")}`;

/** Runs a rule directly (not through the emulator's copies) with traced props; returns every read it made. */
async function tracedReads(rule: Rule, records: readonly ResourceRecord[]): Promise<Read[]> {
  const reads = new Map<string, Read>();
  const note = (type: string) => (p: PropPath) => {
    const read = { type, path: p };
    reads.set(keyOf(read), read);
  };
  const ignore = () => undefined;
  try {
    if (isResourcePolicy(rule)) {
      for (const record of records) {
        const args = resourceValidationArgs(record);
        args.props = tracing(args.props, [], note(record.type)) as Record<string, unknown>;
        for (const v of ([] as unknown[]).concat(rule.validateResource ?? [])) {
          try {
            await (v as (a: typeof args, r: () => void) => unknown)(args, ignore);
          } catch {
            // Failures are what the property phase reports; discovery only wants the reads.
          }
        }
      }
    } else {
      const args = stackValidationArgs(records);
      for (const r of args.resources) r.props = tracing(r.props, [], note(r.type)) as Record<string, unknown>;
      await rule.validateStack(args, ignore);
    }
  } catch {
    // As above.
  }
  return [...reads.values()];
}

/**
 * Every read path of a rule: the reads on the seeds, then (a few rounds) the reads once each read path that was
 * absent holds an empty object or a one-element array, so nested reads behind absent parents are found too.
 */
async function discover(rule: Rule, seeds: readonly ResourceRecord[], stack: boolean): Promise<Read[]> {
  const all = new Map<string, Read>();
  let frontier = await tracedReads(rule, seeds);
  for (let round = 0; round < 3 && frontier.length > 0; round++) {
    const fresh = frontier.filter((r) => !all.has(keyOf(r)));
    for (const r of fresh) all.set(keyOf(r), r);
    const next: Read[] = [];
    for (const r of fresh.filter((x) => x.path.length < 6)) {
      for (const filler of [{}, [{}]]) {
        const variant = seeds.map((s) =>
          s.type === r.type ? { ...s, inputs: setAt(s.inputs, r.path, filler) } : s,
        );
        next.push(...(await tracedReads(rule, stack ? variant : variant.filter((s) => s.type === r.type))));
      }
    }
    frontier = next;
  }
  return [...all.values()];
}

/** Values the engine can hand a policy where a rule expects something else. */
const badValue = fc.oneof(
  fc.constant<unknown>(ABSENT),
  fc.constant<unknown>(null),
  fc.constantFrom<unknown>(...unknownSentinels),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant<unknown>({}),
  fc.constant<unknown>([]),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
);

let seeds: ResourceRecord[];
beforeAll(async () => {
  // The real program's records are the seeds: they reach the deep paths rules read on this platform's resources.
  const production = (await synthesize({ programDir: root, stack: "production" })).resources;
  const staging = (await synthesize({ programDir: root, stack: "staging" })).resources;
  seeds = [
    ...production,
    ...staging.map((r) => ({ ...r, urn: `${r.urn}-staging`, name: `${r.name}-staging` })),
  ];
}, 120_000);

/** One resource with no inputs per type token. */
const emptyOf = (types: readonly string[]): ResourceRecord[] =>
  types.map((type) =>
    resourceRecord({ urn: `urn:pulumi:test::fuzz::${type}::empty`, type, name: "empty", inputs: {} }),
  );

/** Seeds a resource rule runs on: the real program's records of its types, plus an empty one of each type. */
function resourceSeeds(rule: Rule): ResourceRecord[] {
  const types = rule.subjectTypes.length > 0 ? rule.subjectTypes : [...new Set(seeds.map((s) => s.type))];
  const empty = emptyOf(types);
  const real = seeds.filter((s) => types.includes(s.type));
  // One real record per type keeps every-type rules fast; the others add nothing the first does not read.
  const firstOfType = types.flatMap((t) => real.filter((s) => s.type === t).slice(0, 3));
  return [...firstOfType, ...empty];
}

/** The top-level input keys of the rule's subject types (every type when it has none) among the seeds. */
function topLevelReads(rule: Rule, base: readonly ResourceRecord[]): Read[] {
  const subjects = base.filter((r) => rule.subjectTypes.length === 0 || rule.subjectTypes.includes(r.type));
  const reads = new Map<string, Read>();
  for (const r of subjects) {
    for (const key of Object.keys(r.inputs).length > 0 ? Object.keys(r.inputs) : ["name"]) {
      const read = { type: r.type, path: [key] };
      reads.set(keyOf(read), read);
    }
  }
  return [...reads.values()].slice(0, 50);
}

describe("no rule throws, whatever shape its inputs have (property)", () => {
  it("the pack has rules to check", () => expect(rules.length).toBeGreaterThanOrEqual(105));

  it.each(rules.map((r) => [r.name, r] as const))(
    "%s",
    async (_name, rule) => {
      const stack = !isResourcePolicy(rule);
      // Stack rules see the real program plus an empty resource of each type they are about.
      const base = stack ? [...seeds, ...emptyOf(rule.subjectTypes)] : resourceSeeds(rule);
      const traced = await discover(rule, base, stack);
      // Rules that look only at types, names or options still get their resources' top-level inputs mangled.
      const reads = traced.length > 0 ? traced : topLevelReads(rule, base);
      expect(reads.length, "there are property paths to mangle").toBeGreaterThan(0);
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: base.length - 1 }),
          fc.array(fc.tuple(fc.constantFrom(...reads), badValue), { minLength: 1, maxLength: 3 }),
          async (pick, mutations) => {
            let records = stack ? base : [base[pick]!];
            for (const [read, value] of mutations) {
              const matches = records.some((r) => r.type === read.type);
              const target = matches
                ? records
                : [
                    ...records,
                    resourceRecord({
                      urn: `urn:pulumi:test::fuzz::${read.type}::added`,
                      type: read.type,
                      name: "added",
                      inputs: {},
                    }),
                  ];
              records = target.map((r) =>
                r.type === read.type ? { ...r, inputs: setAt(r.inputs, read.path, value) } : r,
              );
            }
            // The production net is off: a rule passes only if it handles every shape itself.
            await withoutShapeNet(async () => {
              if (stack) {
                await runStackPolicy(rule, records, {});
              } else {
                for (const record of records) {
                  await runResourcePolicy(rule, record, {});
                  await runRemediation(rule, record, {});
                }
              }
            });
          },
        ),
        { numRuns: stack ? 25 : 60 },
      );
    },
    120_000,
  );
});

describe("an input of the wrong type fails closed", () => {
  const grantRule = rules.find((r) => r.name === "postgresql-grant-disallow-public-or-all")!;
  const grant = (props: Record<string, unknown>): ResourceRecord =>
    resourceRecord({
      urn: "urn:pulumi:test::fuzz::postgresql:index/grant:Grant::app-read",
      type: "postgresql:index/grant:Grant",
      name: "app-read",
      inputs: { database: "shop", ...props },
    });

  it("a grant whose role is null and privileges a string is a violation naming both, without the net", async () => {
    expect(isResourcePolicy(grantRule)).toBe(true);
    const outcome = await withoutShapeNet(() =>
      runResourcePolicy(
        grantRule as Parameters<typeof runResourcePolicy>[0],
        grant({ role: null, objectType: "table", privileges: "SELECT" }),
      ),
    );
    expect(outcome.violations.map((v) => v.message)).toEqual([
      "Grant cannot be checked (role is unset, privileges is a string): set role to a role name, objectType to a string and privileges to a list of privilege names.",
    ]);
  });
});

describe("the production net for a rule's defect", () => {
  // A rule with the defect the property test rejects: it reads a property of a value that may be null.
  const defective = resourceRule<{ readonly settings: { readonly mode: string } }>({
    name: "test-defective-rule",
    description: "Reads settings.mode without handling null.",
    enforcementLevel: "mandatory",
    resources: [{ __pulumiType: "test:index:Thing" } as never],
    meta: { checklist: ["tls"], severity: "low", remediationSteps: "None." },
    check: (props, _args, report) => {
      if (props.settings.mode !== "strict") report("mode is not strict");
    },
  });
  const record: ResourceRecord = resourceRecord({
    urn: "urn:pulumi:test::fuzz::test:index:Thing::thing",
    type: "test:index:Thing",
    name: "thing",
    inputs: { settings: null },
  });

  it("reports a rule error naming the rule and the URN, as a violation (fail closed)", async () => {
    const outcome = await runResourcePolicy(defective, record);
    expect(outcome.violations).toEqual([
      {
        urn: record.urn,
        message:
          "rule error: test-defective-rule failed on urn:pulumi:test::fuzz::test:index:Thing::thing (Cannot read properties of null (reading 'mode')); the input is treated as non-compliant. Set the property to its documented type, and report the rule's defect to the policy pack's owners.",
      },
    ]);
  });

  it("is off in the property test: the same defect throws there", async () => {
    await expect(withoutShapeNet(() => runResourcePolicy(defective, record))).rejects.toThrow(
      "policy 'test-defective-rule' threw on urn:pulumi:test::fuzz::test:index:Thing::thing: Cannot read properties of null (reading 'mode')",
    );
    // The switch is restored afterwards: production runs keep the net.
    expect((await runResourcePolicy(defective, record)).violations).toHaveLength(1);
  });
});
