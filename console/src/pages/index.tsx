// Which pages there are, who sees them in the navigation, and which one a route opens.
import type { Translator } from '../i18n.ts';
import type { Me, NavItem } from '../components/Layout.tsx';
import { HeldPage } from './HeldPage.tsx';
import { SearchPage } from './SearchPage.tsx';
import { MessagePage } from './MessagePage.tsx';
import { ApprovalsPage } from './ApprovalsPage.tsx';
import { QuarantinePage } from './QuarantinePage.tsx';
import { DashboardPage } from './DashboardPage.tsx';
import { PolicyPage } from './PolicyPage.tsx';
import { UsersPage } from './UsersPage.tsx';
import { DomainsPage } from './DomainsPage.tsx';
import { SecurityPage } from './SecurityPage.tsx';
import { AuditPage } from './AuditPage.tsx';
import { TenantsPage } from './TenantsPage.tsx';
import { WebhooksPage } from './WebhooksPage.tsx';
import { TenantSettingsPage } from './TenantSettingsPage.tsx';

const isAdmin = (me: Me) => me.role === 'admin' || me.role === 'operator';

export function startPage(me: Me): string {
  if (me.role === 'operator') return 'tenants';
  return isAdmin(me) ? 'dashboard' : 'held';
}

export function navItems(me: Me, t: Translator): NavItem[] {
  const items: Array<[string, string, boolean]> = [
    ['tenants', t('nav.tenants'), me.role === 'operator'],
    ['held', t('nav.held'), true],
    ['sent', t('nav.sent'), true],
    ['approvals', t('nav.approvals'), me.role !== 'user'],
    ['quarantine', t('nav.quarantine'), true],
    ['messages', t('nav.messages'), isAdmin(me)],
    ['dashboard', t('nav.dashboard'), isAdmin(me)],
    ['audit', t('nav.audit'), isAdmin(me)],
    ['policy', t('nav.policy'), isAdmin(me)],
    ['users', t('nav.users'), isAdmin(me)],
    ['domains', t('nav.domains'), isAdmin(me)],
    ['webhooks', t('nav.webhooks'), isAdmin(me)],
    ['settings', t('nav.settings'), isAdmin(me)],
    ['security', t('nav.security'), true],
  ];
  return items.filter(([, , show]) => show).map(([page, label]) => ({ page, label }));
}

export interface PagesProps {
  me: Me;
  page: string;
  arg: string | undefined;
  /** the operator's chosen tenant */
  tenant: string | undefined;
  /** fetch `me` again (the tenant's time zone or name changed) */
  refreshMe: () => void;
}

export function Pages({ me, page, arg, tenant, refreshMe }: PagesProps) {
  switch (page) {
    case 'held':
      return <HeldPage />;
    case 'sent':
      return <SearchPage own />;
    case 'approvals':
      return <ApprovalsPage />;
    case 'messages':
      return arg ? <MessagePage id={arg} /> : <SearchPage />;
    case 'quarantine':
      return <QuarantinePage isAdmin={isAdmin(me)} />;
    case 'dashboard':
      return <DashboardPage />;
    case 'audit':
      return <AuditPage group={arg} />;
    case 'policy':
      return <PolicyPage />;
    case 'users':
      return <UsersPage />;
    case 'domains':
      return <DomainsPage />;
    case 'webhooks':
      return <WebhooksPage />;
    case 'settings':
      return <TenantSettingsPage tenantName={me.tenant ?? tenant ?? ''} onSaved={refreshMe} />;
    case 'tenants':
      return me.role === 'operator' ? <TenantsPage /> : <SecurityPage me={me} />;
    default:
      return <SecurityPage me={me} />;
  }
}
