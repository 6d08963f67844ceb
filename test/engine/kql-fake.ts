/**
 * A small KQL evaluator for the Log Analytics fake: it answers the custom gate queries of the rollout plan (the ERP
 * example, config/examples/erp-rollout-checks.yaml) over synthetic `AzureMetrics` rows, one per metric and minute
 * of the request's `timespan` (platform metrics are exported at PT1M; table columns per Azure Monitor's
 * `AzureMetrics` reference: TimeGenerated, ResourceProvider, MetricName, Total, Average, Maximum, ...). It knows
 * the operators those queries use, `where` (`==`, `=~`, `in`), `summarize` without `by` (`sum`, `avg`, `max`,
 * `min`, `count()`, `sumif`), `extend` with arithmetic and `project`; anything else is refused as the real API
 * refuses a query it cannot compile: HTTP 400 `BadArgumentError` with an inner `SyntaxError` or `SemanticError`.
 */

/** One platform metric of one resource, as its diagnostic setting exports it each minute. */
export interface PlatformMetric {
  readonly resourceProvider: string;
  readonly metricName: string;
  /** Total, Average and Maximum of each PT1M row. */
  readonly total: number;
  readonly average: number;
  readonly maximum: number;
}

type Row = Record<string, string | number | null>;

/** A query the fake refuses: the inner error's code and the message. */
export class KqlError extends Error {
  constructor(
    readonly innerCode: "SyntaxError" | "SemanticError",
    message: string,
  ) {
    super(message);
  }
}

function rowsOf(metrics: readonly PlatformMetric[], timespan: string | undefined): Row[] {
  const [from, to] = (timespan ?? "").split("/").map((t) => Date.parse(t));
  const minutes =
    from !== undefined && to !== undefined && Number.isFinite(from) && Number.isFinite(to)
      ? Math.max(1, Math.floor((to - from) / 60_000))
      : 1;
  const rows: Row[] = [];
  for (let m = 0; m < minutes; m++) {
    for (const x of metrics) {
      rows.push({
        TimeGenerated: new Date((to ?? 0) - (minutes - m) * 60_000).toISOString(),
        ResourceProvider: x.resourceProvider,
        MetricName: x.metricName,
        Total: x.total,
        Average: x.average,
        Maximum: x.maximum,
        Minimum: x.average,
        Count: 1,
      });
    }
  }
  return rows;
}

const literal = (text: string): string => {
  const m = /^'([^']*)'$/.exec(text.trim());
  if (m === null) throw new KqlError("SyntaxError", `expected a string literal, found ${text.trim()}`);
  return m[1]!;
};

function column(rows: Row[], name: string): void {
  if (rows.length > 0 && !(name in rows[0]!))
    throw new KqlError("SemanticError", `Failed to resolve scalar expression named '${name}'`);
}

/** A predicate `Col == 'x'`, `Col =~ 'x'` or `Col in ('a', 'b')`. */
function predicate(text: string, rows: Row[]): (r: Row) => boolean {
  const eq = /^(\w+)\s*(==|=~)\s*('.*')$/.exec(text.trim());
  if (eq !== null) {
    column(rows, eq[1]!);
    const v = literal(eq[3]!);
    return eq[2] === "=="
      ? (r) => r[eq[1]!] === v
      : (r) => String(r[eq[1]!]).toLowerCase() === v.toLowerCase();
  }
  const inList = /^(\w+)\s+in\s*\((.*)\)$/.exec(text.trim());
  if (inList !== null) {
    column(rows, inList[1]!);
    const values = inList[2]!.split(",").map(literal);
    return (r) => values.includes(String(r[inList[1]!]));
  }
  throw new KqlError("SyntaxError", `unsupported predicate: ${text.trim()}`);
}

/** Arithmetic over a row's numeric columns: numbers, names, + - * / and parentheses; x / 0 is null. */
function arithmetic(text: string, row: Row): number | null {
  const tokens = text.match(/\d+(?:\.\d+)?|\w+|[-+*/()]|\S/g) ?? [];
  let i = 0;
  const atom = (): number | null => {
    const t = tokens[i++];
    if (t === "(") {
      const v = sum();
      if (tokens[i++] !== ")") throw new KqlError("SyntaxError", `missing ) in ${text}`);
      return v;
    }
    if (t !== undefined && /^\d/.test(t)) return Number(t);
    if (t !== undefined && /^\w+$/.test(t)) {
      if (!(t in row))
        throw new KqlError("SemanticError", `Failed to resolve scalar expression named '${t}'`);
      const v = row[t];
      return typeof v === "number" ? v : null;
    }
    throw new KqlError("SyntaxError", `unexpected ${t ?? "end of expression"} in ${text}`);
  };
  const product = (): number | null => {
    let v = atom();
    while (tokens[i] === "*" || tokens[i] === "/") {
      const op = tokens[i++];
      const r = atom();
      v = v === null || r === null ? null : op === "*" ? v * r : r === 0 ? null : v / r;
    }
    return v;
  };
  const sum = (): number | null => {
    let v = product();
    while (tokens[i] === "+" || tokens[i] === "-") {
      const op = tokens[i++];
      const r = product();
      v = v === null || r === null ? null : op === "+" ? v + r : v - r;
    }
    return v;
  };
  const v = sum();
  if (i !== tokens.length) throw new KqlError("SyntaxError", `unexpected ${tokens[i]} in ${text}`);
  return v;
}

/** Splits on commas outside parentheses. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let k = 0; k < text.length; k++) {
    if (text[k] === "(") depth++;
    else if (text[k] === ")") depth--;
    else if (text[k] === "," && depth === 0) {
      parts.push(text.slice(start, k));
      start = k + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function aggregate(spec: string, rows: Row[]): [string, number | null] {
  const m = /^(\w+)\s*=\s*(\w+)\((.*)\)$/.exec(spec);
  if (m === null) throw new KqlError("SyntaxError", `expected name = aggregate(...), found ${spec}`);
  const [, name, fn, args] = m as unknown as [string, string, string, string];
  const numbers = (col: string, keep: (r: Row) => boolean = () => true) => {
    column(rows, col);
    return rows
      .filter(keep)
      .map((r) => r[col])
      .filter((v): v is number => typeof v === "number");
  };
  const a = splitTop(args);
  switch (fn) {
    case "count":
      return [name, rows.length];
    case "sum":
      return [name, numbers(a[0]!).reduce((x, y) => x + y, 0)];
    case "sumif":
      return [name, numbers(a[0]!, predicate(a[1] ?? "", rows)).reduce((x, y) => x + y, 0)];
    case "avg": {
      const v = numbers(a[0]!);
      return [name, v.length === 0 ? null : v.reduce((x, y) => x + y, 0) / v.length];
    }
    case "max":
    case "min": {
      const v = numbers(a[0]!);
      return [name, v.length === 0 ? null : fn === "max" ? Math.max(...v) : Math.min(...v)];
    }
    default:
      throw new KqlError("SemanticError", `unknown aggregation function ${fn}`);
  }
}

/** Evaluates `query` over the metrics; the query API's `tables` answer, or a `KqlError`. */
export function evaluateKql(query: string, metrics: readonly PlatformMetric[], timespan: string | undefined) {
  const [source, ...ops] = query
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .join(" ")
    .split("|")
    .map((s) => s.trim());
  if (source !== "AzureMetrics")
    throw new KqlError("SemanticError", `Failed to resolve table expression named '${source ?? ""}'`);
  let rows = rowsOf(metrics, timespan);
  let columns = rows.length > 0 ? Object.keys(rows[0]!) : ["TimeGenerated", "MetricName", "Total"];
  for (const op of ops) {
    const [, verb, rest] = /^(\w+)\s+(.*)$/.exec(op) ?? [];
    if (verb === "where") rows = rows.filter(predicate(rest!, rows));
    else if (verb === "summarize") {
      if (/\bby\b/.test(rest!)) throw new KqlError("SyntaxError", "this fake evaluates summarize without by");
      const row: Row = Object.fromEntries(splitTop(rest!).map((a) => aggregate(a, rows)));
      [rows, columns] = [[row], Object.keys(row)];
    } else if (verb === "extend") {
      const [, name, expr] = /^(\w+)\s*=\s*(.+)$/.exec(rest!) ?? [];
      if (name === undefined) throw new KqlError("SyntaxError", `expected name = expression, found ${rest}`);
      rows = rows.map((r) => ({ ...r, [name]: arithmetic(expr!, r) }));
      columns = [...columns, name];
    } else if (verb === "project") {
      const keep = splitTop(rest!);
      keep.forEach((c) => {
        if (!columns.includes(c))
          throw new KqlError("SemanticError", `Failed to resolve scalar expression named '${c}'`);
      });
      rows = rows.map((r) => Object.fromEntries(keep.map((c) => [c, r[c] ?? null])));
      columns = keep;
    } else throw new KqlError("SyntaxError", `unsupported operator: ${op}`);
  }
  const type = (c: string) => (rows.some((r) => typeof r[c] === "string") ? "string" : "real");
  return {
    tables: [
      {
        name: "PrimaryResult",
        columns: columns.map((c) => ({ name: c, type: type(c) })),
        rows: rows.map((r) => columns.map((c) => r[c] ?? null)),
      },
    ],
  };
}
