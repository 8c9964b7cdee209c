// Each tenant's log has its own checkpoint origin, `<log origin>/<tenant id>`, under the one
// instance key whose name is the log origin (C2SP tlog-checkpoint recommends a schema-less URL,
// e.g. audit.example.com/stele, as both). Tenant ids never contain '/', so the tenant of an
// origin is its last segment, whatever prefix an older configuration used.

export const originOf = (logOrigin: string, tenantId: string): string => `${logOrigin}/${tenantId}`;

export function tenantOfOrigin(origin: string): string | undefined {
  const slash = origin.lastIndexOf('/');
  return slash > 0 && slash < origin.length - 1 ? origin.slice(slash + 1) : undefined;
}
