// The Log Analytics query API's answer, `{tables: [{name, columns, rows}]}` (Learn, "Azure Monitor Log Analytics
// API: response format"), read once for the built-in gates and the custom KQL gates.
import { z } from "zod";

const responseSchema = z.object({
  tables: z
    .array(
      z.object({
        name: z.string(),
        columns: z.array(z.object({ name: z.string(), type: z.string() })),
        rows: z.array(z.array(z.unknown())),
      }),
    )
    .min(1),
});

/** One table of an answer. */
export type QueryTable = z.output<typeof responseSchema>["tables"][number];

/** The `PrimaryResult` table (else the first), or undefined when the body is not a query result. */
export function primaryTable(body: unknown): QueryTable | undefined {
  const parsed = responseSchema.safeParse(body);
  if (!parsed.success) return undefined;
  return parsed.data.tables.find((t) => t.name === "PrimaryResult") ?? parsed.data.tables[0]!;
}

/** The reason a gate gives when the body is not a query result. */
export const NOT_A_QUERY_RESULT = "the response is not a query result (no tables)";
