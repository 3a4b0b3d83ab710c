// Whose data a service call may read or change: one tenant's (a tenant's user or admin in the
// console, an operator who named the tenant, a CLI command given --tenant) or every tenant's (the
// operator at the command line, the operator's audit log across tenants). Services take this as a
// required argument, so a call that forgot the tenant does not compile; only the console's scoped
// store (src/console/api/scoped-store.ts) makes a tenant scope from a login.
export type TenantScope = { readonly tenantId: string } | { readonly allTenants: true };

export const ALL_TENANTS: TenantScope = { allTenants: true };

/** One tenant's scope. */
export function tenantScope(tenantId: string): TenantScope {
  return { tenantId };
}

/** The tenant a scope is bound to, or undefined for every tenant's (for a query's tenant_id condition). */
export function scopedTenant(scope: TenantScope): string | undefined {
  return 'tenantId' in scope ? scope.tenantId : undefined;
}

/** Does a row of `tenantId` lie within the scope? */
export function inScope(scope: TenantScope, tenantId: string | null): boolean {
  return !('tenantId' in scope) || scope.tenantId === tenantId;
}
