// ドメイン・DKIM (admins): the tenant's domains with their inbound route (edited in place, saved
// when the field is left), and the DKIM TXT records to publish; DKIM鍵を作成 makes keys for
// domains without one.
import { client, ok, type GetAnswer } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { LoadState } from '../components/LoadState.tsx';

type Domain = GetAnswer<'/api/domains'>['items'][number];
type DkimRecord = GetAnswer<'/api/dkim'>['records'][number];

export function DomainsPage() {
  const t = useI18n();
  const domains = useLoad(() => ok(client.GET('/api/domains')));
  const dkim = useLoad(() => ok(client.GET('/api/dkim')));
  const action = useAction();
  const setRoute = (domain: string, route: string | null) =>
    action.run(() => ok(client.PUT('/api/domains/{domain}/route', { params: { path: { domain } }, body: { route } })), {
      done: t('domains.saved', { domain }),
      always: domains.reload,
    });
  return (
    <section>
      <h2>{t('nav.domains')}</h2>
      <ActionFeedback action={action} />
      <LoadState loaded={domains} empty={t('domains.empty')}>
        {(data) =>
          data.items.length > 0 && (
            <DataTable<Domain>
              label={t('domains.domain')}
              rows={data.items}
              rowKey={(d) => d.domain}
              columns={[
                { key: 'domain', label: t('domains.domain'), render: (d) => d.domain },
                {
                  key: 'route',
                  label: t('domains.route'),
                  render: (d) => (
                    <input
                      className="wide"
                      aria-label={t('domains.routeOf', { domain: d.domain })}
                      placeholder="smtp://mail.example.co.jp:25"
                      defaultValue={d.inboundRoute ?? ''}
                      onBlur={(e) => {
                        if ((e.target.value || null) !== d.inboundRoute) void setRoute(d.domain, e.target.value || null);
                      }}
                    />
                  ),
                },
              ]}
            />
          )
        }
      </LoadState>
      <h3>{t('domains.dkim')}</h3>
      <LoadState loaded={dkim}>
        {(data) => (
          <>
            {data.records.length > 0 ? (
              <DataTable<DkimRecord>
                label={t('domains.dkim')}
                rows={data.records}
                rowKey={(r) => r.domain}
                columns={[
                  { key: 'name', label: t('domains.recordName'), render: (r) => <code>{r.name}</code> },
                  { key: 'value', label: t('domains.recordValue'), render: (r) => <code>{r.value}</code> },
                ]}
              />
            ) : (
              <p className="muted">{t('domains.noKeys')}</p>
            )}
            {data.missing.length > 0 && (
              <p>
                {t('fact', { label: t('domains.missing'), value: data.missing.join(', ') })}{' '}
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() =>
                    action.run(() => ok(client.POST('/api/dkim/keys')), { done: t('domains.keysCreated'), always: dkim.reload })
                  }
                >
                  {t('domains.createKeys')}
                </button>
              </p>
            )}
          </>
        )}
      </LoadState>
    </section>
  );
}
