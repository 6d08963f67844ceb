/**
 * What Grant and DefaultPrivileges share in terraform-provider-postgresql (cyrilgdn): the privileges allowed per
 * object type and their comparison (postgresql/helpers.go), the catalog kind per object type and the existence
 * check of the grantee and schema (postgresql/resource_postgresql_grant.go).
 */
import { list, str, type Props } from "./resource";
import { ALLOWED_PRIVILEGES } from "./schema";
import type { Query } from "./session";

/** pg_class.relkind / pg_default_acl.defaclobjtype per object type (`objectTypes` in resource_postgresql_grant.go). */
export const OBJECT_KINDS: Readonly<Record<string, string>> = {
  table: "r",
  sequence: "S",
  function: "f",
  type: "T",
  schema: "n",
};

/** `validatePrivileges` (helpers.go), run at create/update, not at check. */
export function validatePrivileges(p: Props): void {
  const objectType = str(p, "objectType");
  const allowed = ALLOWED_PRIVILEGES[objectType];
  if (allowed === undefined) throw new Error(`unknown object type ${objectType}`);
  for (const privilege of list(p, "privileges")) {
    if (!allowed.includes(privilege)) {
      throw new Error(`${privilege} is not an allowed privilege for object type ${objectType}`);
    }
  }
}

/** `resourcePrivilegesEqual` (helpers.go): equal sets, or ALL wanted and every implicit privilege granted. */
export function privilegesEqual(granted: string[], p: Props): boolean {
  const wanted = list(p, "privileges");
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
  if (same(granted, wanted)) return true;
  if (!wanted.includes("ALL")) return false;
  return same(
    granted,
    (ALLOWED_PRIVILEGES[str(p, "objectType")] ?? []).filter((x) => x !== "ALL"),
  );
}

/** `checkRoleDBSchemaExists`: a grant whose role or schema is gone reads as deleted. */
export async function grantTargetExists(q: Query, p: Props): Promise<boolean> {
  const role = str(p, "role");
  if (role !== "public" && (await q("SELECT 1 FROM pg_roles WHERE rolname=$1", [role])).rows.length === 0) {
    return false;
  }
  const schema = str(p, "schema");
  if (
    ["database", "foreign_data_wrapper", "foreign_server"].includes(str(p, "objectType")) ||
    schema === ""
  ) {
    return true;
  }
  return (await q("SELECT 1 FROM pg_namespace WHERE nspname=$1", [schema])).rows.length > 0;
}
