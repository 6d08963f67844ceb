import { z } from "zod";
import { stackConfigSchema } from "../../config/schema";

/** Every key path of the stack config schema, e.g. `database.pgbouncer.enabled`, `network.allowedIpRanges[].name`. */
export function schemaPaths(schema: z.ZodType = stackConfigSchema, prefix = ""): string[] {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  if (s instanceof z.ZodObject) {
    return Object.entries(s.shape as Record<string, z.ZodType>).flatMap(([key, child]) => {
      const p = prefix === "" ? key : `${prefix}.${key}`;
      return [p, ...schemaPaths(child, p)];
    });
  }
  if (s instanceof z.ZodArray) return schemaPaths(s.element as z.ZodType, `${prefix}[]`);
  return [];
}
