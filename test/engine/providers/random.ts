/**
 * The random stand-in: real random values from the operating system's CSPRNG under the same argument rules as
 * terraform-provider-random's `random_password` (every argument forces a new value).
 */
import { randomInt } from "node:crypto";
import type * as provider from "@pulumi/pulumi/provider";
import { reveal, type CreateContext, type Props, type StandInOptions } from "./standin";

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const NUMERIC = "0123456789";
const SPECIAL = "!@#$%&*()-_=+[]{}<>:?";

const flag = (v: unknown, dflt: boolean): boolean =>
  typeof reveal(v) === "boolean" ? (reveal(v) as boolean) : dflt;
const count = (v: unknown): number => Number(reveal(v) ?? 0);

/** A password honouring length, character classes and per-class minimums, shuffled with a CSPRNG. */
export function generatePassword(inputs: Props): string {
  const length = count(inputs.length);
  const special =
    typeof reveal(inputs.overrideSpecial) === "string" ? String(reveal(inputs.overrideSpecial)) : SPECIAL;
  const classes: [string, boolean, number][] = [
    [LOWER, flag(inputs.lower, true), count(inputs.minLower)],
    [UPPER, flag(inputs.upper, true), count(inputs.minUpper)],
    [NUMERIC, flag(inputs.numeric ?? inputs.number, true), count(inputs.minNumeric)],
    [special, flag(inputs.special, true), count(inputs.minSpecial)],
  ];
  const chars: string[] = [];
  let all = "";
  for (const [set, enabled, min] of classes) {
    if (!enabled) continue;
    all += set;
    for (let i = 0; i < min; i++) chars.push(set[randomInt(set.length)] as string);
  }
  while (chars.length < length) chars.push(all[randomInt(all.length)] as string);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join("");
}

function checkPassword(inputs: Props): provider.CheckFailure[] {
  const length = count(inputs.length);
  const mins =
    count(inputs.minLower) + count(inputs.minUpper) + count(inputs.minNumeric) + count(inputs.minSpecial);
  if (length < 1) return [{ property: "length", reason: "length must be at least 1" }];
  if (mins > length)
    return [
      { property: "length", reason: `length ${length} is less than the sum of the minimums (${mins})` },
    ];
  return [];
}

const keep = (ctx: CreateContext): string =>
  (ctx.prior?.result as string | undefined) ?? generatePassword(ctx.inputs);

export function randomOptions(sdkDir: string, version: string): StandInOptions {
  return {
    name: "random",
    version,
    sdkDir,
    dtsPath: (type) => `${type.split(":")[1]?.split("/")[1] ?? ""}.d.ts`,
    replaceOn: () => true,
    defaultId: () => "none",
    types: {
      "random:index/randomPassword:RandomPassword": {
        computed: (ctx) => ({ result: keep(ctx) }),
        validate: checkPassword,
      },
    },
  };
}
