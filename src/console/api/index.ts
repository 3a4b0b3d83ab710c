// Every /api route, in one list (a file per area of the API), and /api/openapi.json built from
// their schemas.
import type { FastifyInstance } from 'fastify';
import { mount, openApiDocument, registry, type ApiDeps } from './route.ts';
import { authRoutes } from './auth.ts';
import { messageRoutes } from './messages.ts';
import { heldMailRoutes } from './held-mail.ts';
import { approvalRoutes } from './approvals.ts';
import { policyRoutes } from './policy.ts';
import { userRoutes } from './users.ts';
import { domainRoutes } from './domains.ts';
import { dashboardRoutes } from './dashboard.ts';
import { downloadRoutes } from './downloads.ts';
import { quarantineRoutes } from './quarantine.ts';
import { queueRoutes } from './queue.ts';
import { auditRoutes } from './audit.ts';
import { tenantRoutes } from './tenants.ts';
import { webhookRoutes } from './webhooks.ts';

export const ALL_ROUTES = [
  ...authRoutes,
  ...messageRoutes,
  ...heldMailRoutes,
  ...approvalRoutes,
  ...policyRoutes,
  ...userRoutes,
  ...domainRoutes,
  ...dashboardRoutes,
  ...downloadRoutes,
  ...quarantineRoutes,
  ...queueRoutes,
  ...auditRoutes,
  ...tenantRoutes,
  ...webhookRoutes,
];

export function registerApi(app: FastifyInstance, deps: ApiDeps): void {
  registry.length = 0;
  mount(app, deps, ALL_ROUTES);
  app.get('/api/openapi.json', async () => openApiDocument());
}
