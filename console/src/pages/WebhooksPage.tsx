// Webhook (admins): the tenant's webhooks — add one (URL and the events it wants; its signing
// secret is shown this once), send a test event, turn it off or on, remove it (asks first) — and
// the latest delivery attempts with their time, outcome and the receiver's answer. Each is one call
// of /api/webhooks (src/webhooks/webhooks.ts on the server); docs/webhooks.md has the payloads.
import { useState } from 'react';
import { client, ok, type GetAnswer } from '../api.ts';
import { formatDate, useI18n, type Translator } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { LoadState } from '../components/LoadState.tsx';

type Webhook = GetAnswer<'/api/webhooks'>['items'][number];
type EventName = Webhook['events'][number];
type Delivery = GetAnswer<'/api/webhooks/deliveries'>['items'][number];

const eventWord = (t: Translator, e: string) => t.maybe(`webhooks.event.${e}`) ?? e;

/** What the receiver answered, in words: its HTTP status, or that it did not answer. */
function outcome(t: Translator, d: Delivery): string {
  if (d.attempts === 0) return '—';
  if (d.lastStatus !== null) return t('webhooks.answered', { status: d.lastStatus });
  return t('webhooks.noAnswer');
}

export function WebhooksPage() {
  const t = useI18n();
  const hooks = useLoad(() => ok(client.GET('/api/webhooks')));
  const deliveries = useLoad(() => ok(client.GET('/api/webhooks/deliveries')));
  const action = useAction();
  const [url, setUrl] = useState('');
  const [chosen, setChosen] = useState<EventName[]>([]);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const reload = () => {
    hooks.reload();
    deliveries.reload();
  };
  const path = (id: string) => ({ params: { path: { id } } });
  const add = () =>
    action.run(() => ok(client.POST('/api/webhooks', { body: { url, events: chosen } })), {
      done: t('webhooks.added'),
      onDone: (r) => {
        setSecret({ url: r.url, secret: r.secret });
        setUrl('');
        setChosen([]);
      },
      always: reload,
    });
  const setEnabled = (w: Webhook, enabled: boolean) =>
    action.run(() => ok(client.PUT('/api/webhooks/{id}/enabled', { ...path(w.id), body: { enabled } })), {
      done: t(enabled ? 'webhooks.enabledDone' : 'webhooks.disabledDone'),
      always: reload,
    });
  const remove = (w: Webhook) =>
    action.run(() => ok(client.DELETE('/api/webhooks/{id}', path(w.id))), {
      confirm: { text: t('webhooks.removeAsk', { url: w.url }), yes: t('webhooks.remove'), danger: true },
      done: t('webhooks.removed'),
      always: reload,
    });
  const test = (w: Webhook) =>
    action.run(() => ok(client.POST('/api/webhooks/{id}/test', path(w.id))), { done: t('webhooks.testQueued'), always: reload });
  const urlOf = (id: string) => hooks.data?.items.find((w) => w.id === id)?.url ?? '—';

  return (
    <section>
      <h2>{t('nav.webhooks')}</h2>
      <p className="muted">{t('webhooks.help')}</p>
      <ActionFeedback action={action} />
      {secret && (
        <div className="card" role="status" data-testid="webhook-secret">
          <b>{t('webhooks.secretOnce', { url: secret.url })}</b>
          <div>
            <code>{secret.secret}</code>
          </div>
        </div>
      )}
      <form
        className="card form"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <h3>{t('webhooks.add')}</h3>
        <label>
          {t('webhooks.url')}
          <input
            name="url"
            type="url"
            className="wide"
            placeholder="https://hooks.example.co.jp/sekisho"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            required
          />
        </label>
        <fieldset className="webhook-events">
          <legend>{t('webhooks.events')}</legend>
          {(hooks.data?.events ?? []).map((ev) => (
            <label key={ev} className="check">
              <input
                type="checkbox"
                name="events"
                value={ev}
                checked={chosen.includes(ev)}
                onChange={(e) => setChosen(e.target.checked ? [...chosen, ev] : chosen.filter((c) => c !== ev))}
              />
              {eventWord(t, ev)}
            </label>
          ))}
        </fieldset>
        <div className="buttons">
          <button className="primary" type="submit" disabled={action.busy || chosen.length === 0}>
            {t('webhooks.add')}
          </button>
        </div>
      </form>
      <h3>{t('webhooks.list')}</h3>
      <LoadState loaded={hooks} empty={t('webhooks.empty')}>
        {(data) =>
          data.items.length > 0 && (
            <DataTable<Webhook>
              label={t('webhooks.list')}
              rows={data.items}
              rowKey={(w) => w.id}
              columns={[
                { key: 'url', label: t('webhooks.url'), render: (w) => <code className="break">{w.url}</code> },
                {
                  key: 'events',
                  label: t('webhooks.events'),
                  render: (w) => w.events.map((e) => eventWord(t, e)).join(t.lang === 'ja' ? '、' : ', '),
                },
                {
                  key: 'status',
                  label: t('webhooks.status'),
                  render: (w) => (
                    <span className={w.enabled ? 'badge b-delivered' : 'badge b-blocked'}>
                      {t(w.enabled ? 'webhooks.on' : 'webhooks.off')}
                    </span>
                  ),
                },
                { key: 'created', label: t('webhooks.created'), render: (w) => formatDate(w.createdAt, t) },
                {
                  key: 'actions',
                  label: t('webhooks.actions'),
                  render: (w) => (
                    <div className="buttons">
                      <button type="button" disabled={action.busy} onClick={() => test(w)}>
                        {t('webhooks.test')}
                      </button>
                      <button type="button" disabled={action.busy} onClick={() => setEnabled(w, !w.enabled)}>
                        {t(w.enabled ? 'webhooks.disable' : 'webhooks.enable')}
                      </button>
                      <button type="button" className="danger" disabled={action.busy} onClick={() => remove(w)}>
                        {t('webhooks.remove')}
                      </button>
                    </div>
                  ),
                },
              ]}
            />
          )
        }
      </LoadState>
      <h3>{t('webhooks.deliveries')}</h3>
      <div className="buttons">
        <button type="button" onClick={deliveries.reload} disabled={deliveries.loading}>
          {t('webhooks.refresh')}
        </button>
      </div>
      <LoadState loaded={deliveries} empty={t('webhooks.noDeliveries')}>
        {(data) =>
          data.items.length > 0 && (
            <DataTable<Delivery>
              label={t('webhooks.deliveries')}
              rows={data.items}
              rowKey={(d) => String(d.id)}
              columns={[
                { key: 'time', label: t('webhooks.time'), render: (d) => formatDate(d.lastAttemptAt ?? d.createdAt, t) },
                { key: 'event', label: t('webhooks.event'), render: (d) => eventWord(t, d.type) },
                { key: 'to', label: t('webhooks.url'), render: (d) => <code className="break">{urlOf(d.webhookId)}</code> },
                {
                  key: 'state',
                  label: t('webhooks.state'),
                  render: (d) => <span data-testid={`delivery-${d.id}`}>{t(`webhooks.state.${d.state}`)}</span>,
                },
                { key: 'attempts', label: t('webhooks.attempts'), render: (d) => String(d.attempts) },
                { key: 'answer', label: t('webhooks.answer'), render: (d) => outcome(t, d) },
                { key: 'next', label: t('webhooks.next'), render: (d) => formatDate(d.nextAttemptAt, t) },
              ]}
            />
          )
        }
      </LoadState>
    </section>
  );
}
