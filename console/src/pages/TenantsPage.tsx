// テナント一覧 (operators, the MSP): every tenant by its name as people know it, with domains,
// users, mail today, mail waiting for a person, quarantined and when a delivery last failed.
// Opening a row works in that tenant: the tenant goes into the URL (#dashboard?tenant=…), so a
// reload or a shared link stays in it.
import { client, ok, type GetAnswer } from '../api.ts';
import { formatDate, useI18n } from '../i18n.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { DataTable } from '../components/DataTable.tsx';
import { LoadState } from '../components/LoadState.tsx';
import { navigate } from '../route.ts';
import { tenantLabel } from '../words/states.ts';

type TenantRow = GetAnswer<'/api/tenants'>['items'][number];

export function TenantsPage() {
  const t = useI18n();
  const tenants = useLoad(() => ok(client.GET('/api/tenants')));
  const open = (row: TenantRow) => navigate({ page: 'dashboard', tenant: row.name });
  return (
    <section>
      <h2>{t('nav.tenants')}</h2>
      <LoadState loaded={tenants} empty={t('tenants.empty')}>
        {(data) =>
          data.items.length > 0 && (
            <DataTable<TenantRow>
              label={t('nav.tenants')}
              testId="tenant-list"
              rows={data.items}
              rowKey={(r) => r.id}
              onOpen={open}
              rowAttrs={(r) => ({ 'data-tenant': r.name })}
              columns={[
                {
                  key: 'name',
                  label: t('tenant'),
                  render: (r) => (
                    <>
                      {tenantLabel(r)}
                      {r.disabled && <span className="muted"> ({t('tenants.disabled')})</span>}
                    </>
                  ),
                },
                { key: 'domains', label: t('tenants.domains'), render: (r) => r.domains.join(', ') },
                { key: 'users', label: t('tenants.users'), render: (r) => r.users },
                { key: 'today', label: t('tenants.mailToday'), render: (r) => r.mailToday },
                { key: 'waiting', label: t('tenants.waiting'), render: (r) => r.waiting },
                { key: 'quarantined', label: t('tenants.quarantined'), render: (r) => r.quarantined },
                {
                  key: 'error',
                  label: t('tenants.lastError'),
                  render: (r) =>
                    r.lastErrorAt === null ? t('tenants.noError') : formatDate(r.lastErrorAt, { lang: t.lang, zone: r.timeZone }),
                },
              ]}
            />
          )
        }
      </LoadState>
    </section>
  );
}
