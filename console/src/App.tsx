// The Sekisho console: login, sender (held mail with countdown, sent mail), approver (queue with
// preview), admin (search + timeline, policy editor, users, domains/DKIM, dashboard) and
// quarantine. Every piece of message content is rendered as React text (escaped) — never as HTML.
import { Fragment, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, setCsrf, setTenant } from './api.ts';
import { formatDate, formatRemaining, initialLang, translator, type Lang } from './i18n.ts';

interface Me {
  email: string;
  role: 'user' | 'approver' | 'admin' | 'operator';
  tenant: string | null;
  language: string;
  csrfToken: string | null;
  totpEnabled?: boolean;
  tenants?: Array<{ id: string; name: string }>;
}
interface Msg {
  id: string;
  state: string;
  createdAt: number;
  dueAt: number | null;
  mailFrom: string;
  headerFrom: string;
  subject: string;
  recipients: string[];
  rules: string[];
  actions: Array<{ type: string; detail: string }>;
  stage: { type: string; rule: string; dueAt: number | null; release: string | null } | null;
  myRole?: string;
}
type T = ReturnType<typeof translator>;

function useHash(): string {
  const [h, setH] = useState(location.hash.slice(1) || '');
  useEffect(() => {
    const on = () => setH(location.hash.slice(1));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return h;
}

function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const i = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(i);
  }, [ms]);
  return now;
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [lang, setLang] = useState<Lang>(initialLang());
  const t = useMemo(() => translator(lang), [lang]);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  useEffect(() => {
    api<Me>('GET', '/api/auth/me')
      .then((m) => {
        setCsrf(m.csrfToken);
        if (m.role === 'operator') setTenant(m.tenants?.[0]?.name ?? null);
        setMe(m);
        if (!localStorage.getItem('sekisho.lang')) setLang(initialLang(m.language));
      })
      .catch(() => setMe(null));
  }, []);
  const switchLang = () => {
    const next = lang === 'ja' ? 'en' : 'ja';
    localStorage.setItem('sekisho.lang', next);
    setLang(next);
  };
  if (me === undefined) return null;
  if (me === null) return <Login t={t} onLogin={setMe} switchLang={switchLang} />;
  return <Shell me={me} t={t} lang={lang} switchLang={switchLang} onLogout={() => setMe(null)} />;
}

function Login({ t, onLogin, switchLang }: { t: T; onLogin: (m: Me) => void; switchLang: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [err, setErr] = useState('');
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      const m = await api<Me>('POST', '/api/auth/login', { email, password, ...(totp ? { totp } : {}) });
      setCsrf(m.csrfToken);
      const full = await api<Me>('GET', '/api/auth/me');
      if (full.role === 'operator') setTenant(full.tenants?.[0]?.name ?? null);
      onLogin(full);
    } catch (x) {
      const code = x instanceof ApiError ? x.body?.code : '';
      if (code === 'totp_required') setNeedTotp(true);
      const seconds = x instanceof ApiError ? Number(x.body?.retryAfterSeconds ?? 0) : 0;
      setErr(
        code === 'throttled' ? t('login.throttled', { seconds }) : code === 'totp_required' ? t('login.totpRequired') : t('login.failed'),
      );
    }
  };
  return (
    <form className="login" onSubmit={submit}>
      <h2>{t('app')}</h2>
      <p className="muted">{t('subtitle')}</p>
      {err && (
        <div className="msg err" role="alert">
          {err}
        </div>
      )}
      <label>
        {t('login.email')}
        <input name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
      </label>
      <label>
        {t('login.password')}
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      {needTotp && (
        <label>
          {t('login.totp')}
          <input name="totp" inputMode="numeric" autoComplete="one-time-code" value={totp} onChange={(e) => setTotp(e.target.value)} />
        </label>
      )}
      <button className="primary" type="submit">
        {t('login.submit')}
      </button>
      <button type="button" onClick={switchLang}>
        {t('lang')}
      </button>
    </form>
  );
}

function Shell({ me, t, lang, switchLang, onLogout }: { me: Me; t: T; lang: Lang; switchLang: () => void; onLogout: () => void }) {
  const hash = useHash();
  const isAdmin = me.role === 'admin' || me.role === 'operator';
  const [tenant, setTenantState] = useState(me.tenants?.[0]?.name ?? '');
  const items: Array<[string, string, boolean]> = [
    ['held', t('nav.held'), true],
    ['sent', t('nav.sent'), true],
    ['approvals', t('nav.approvals'), me.role !== 'user'],
    ['quarantine', t('nav.quarantine'), true],
    ['messages', t('nav.messages'), isAdmin],
    ['dashboard', t('nav.dashboard'), isAdmin],
    ['policy', t('nav.policy'), isAdmin],
    ['users', t('nav.users'), isAdmin],
    ['domains', t('nav.domains'), isAdmin],
    ['security', t('nav.security'), true],
  ];
  const [page, arg] = (hash || (isAdmin ? 'dashboard' : 'held')).split('/');
  const logout = async () => {
    await api('POST', '/api/auth/logout').catch(() => undefined);
    setCsrf(null);
    onLogout();
  };
  const common = { t, lang, key: `${page}-${arg ?? ''}-${tenant}` };
  let body: ReactNode;
  if (page === 'held') body = <Held {...common} />;
  else if (page === 'sent') body = <Search {...common} own />;
  else if (page === 'approvals') body = <Approvals {...common} />;
  else if (page === 'messages' && arg) body = <Detail {...common} id={arg} />;
  else if (page === 'messages') body = <Search {...common} />;
  else if (page === 'policy') body = <PolicyPage {...common} />;
  else if (page === 'users') body = <Users {...common} />;
  else if (page === 'domains') body = <Domains {...common} />;
  else if (page === 'dashboard') body = <Dashboard {...common} />;
  else if (page === 'quarantine') body = <Quarantine {...common} isAdmin={isAdmin} />;
  else body = <Security {...common} me={me} />;
  return (
    <>
      <header>
        <h1>{t('app')}</h1>
        <span className="sub">{t('subtitle')}</span>
        <div className="right">
          {me.role === 'operator' && (
            <label>
              {t('tenant')}{' '}
              <select
                value={tenant}
                onChange={(e) => {
                  setTenant(e.target.value);
                  setTenantState(e.target.value);
                }}
              >
                {(me.tenants ?? []).map((x) => (
                  <option key={x.id} value={x.name}>
                    {x.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          {me.tenant && <span>{me.tenant}</span>}
          <span data-testid="who">
            {me.email}（{t(`role.${me.role}`)}）
          </span>
          <button onClick={switchLang} data-testid="lang">
            {t('lang')}
          </button>
          <button onClick={logout}>{t('logout')}</button>
        </div>
      </header>
      <div className="layout">
        <nav>
          {items
            .filter(([, , show]) => show)
            .map(([k, label]) => (
              <a key={k} href={`#${k}`} className={page === k ? 'active' : ''}>
                {label}
              </a>
            ))}
        </nav>
        <main>{body}</main>
      </div>
    </>
  );
}

function StateBadge({ state, t }: { state: string; t: T }) {
  return <span className={`badge b-${state}`}>{t(`state.${state}`)}</span>;
}

function Notice({ ok, err }: { ok?: string; err?: string }) {
  if (err)
    return (
      <div className="msg err" role="alert">
        {err}
      </div>
    );
  if (ok)
    return (
      <div className="msg ok" role="status">
        {ok}
      </div>
    );
  return null;
}

function useLoad<X>(fn: () => Promise<X>, deps: unknown[] = []): [X | null, string, () => void] {
  const [data, setData] = useState<X | null>(null);
  const [err, setErr] = useState('');
  const load = useCallback(() => {
    fn().then(setData, (e) => setErr(String(e.message ?? e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(load, [load]);
  return [data, err, load];
}

function Held({ t, lang }: { t: T; lang: Lang }) {
  const now = useNow();
  const [data, err, reload] = useLoad(() => api<{ items: Msg[] }>('GET', '/api/held'));
  const [note, setNote] = useState<{ ok?: string; err?: string }>({});
  const act = async (id: string, action: string) => {
    if (action === 'cancel' && !confirm(t('held.cancelAsk'))) return;
    try {
      await api('POST', `/api/messages/${id}/${action}`);
      setNote({ ok: t('held.done') });
    } catch (e) {
      setNote({ err: (e as Error).message });
    }
    reload();
  };
  const mine = (data?.items ?? []).filter((m) => m.myRole !== 'approver');
  return (
    <section>
      <h2>{t('nav.held')}</h2>
      <Notice err={err || note.err} ok={note.ok} />
      {data && mine.length === 0 && <p className="muted">{t('held.empty')}</p>}
      {mine.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>{t('col.received')}</th>
              <th>{t('col.to')}</th>
              <th>{t('col.subject')}</th>
              <th>{t('col.state')}</th>
              <th>{t('col.rules')}</th>
              <th>{t('col.remaining')}</th>
              <th>{t('col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {mine.map((m) => (
              <tr key={m.id} data-id={m.id}>
                <td>{formatDate(m.createdAt, lang)}</td>
                <td>{m.recipients.join(', ')}</td>
                <td className="subject">{m.subject}</td>
                <td>
                  <StateBadge state={m.state} t={t} />
                </td>
                <td>
                  {m.rules.map((r) => (
                    <span key={r} className="rule">
                      {r}
                    </span>
                  ))}
                </td>
                <td className="countdown">{m.stage?.release === 'manual' ? t('held.manual') : formatRemaining(m.dueAt, now)}</td>
                <td>
                  {m.state === 'held' && (
                    <button className="primary" onClick={() => act(m.id, 'release')}>
                      {t('held.sendNow')}
                    </button>
                  )}
                  {m.state === 'awaiting_confirmation' && (
                    <button className="primary" onClick={() => act(m.id, 'confirm')}>
                      {t('held.confirm')}
                    </button>
                  )}
                  <button className="danger" onClick={() => act(m.id, 'cancel')}>
                    {t('held.cancel')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const STATES = [
  'held',
  'awaiting_approval',
  'awaiting_confirmation',
  'queued',
  'deferred',
  'delivered',
  'bounced',
  'discarded',
  'cancelled',
  'quarantined',
];

function Search({ t, lang, own }: { t: T; lang: Lang; own?: boolean }) {
  const [f, setF] = useState({ sender: '', recipient: '', subject: '', from: '', to: '', state: '', rule: '' });
  const [items, setItems] = useState<Msg[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [err, setErr] = useState('');
  const run = async (before?: string) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(f))
      if (v) q.set(k, k === 'from' || k === 'to' ? String(new Date(v).getTime() + (k === 'to' ? 86_400_000 : 0)) : v);
    if (own) q.set('direction', 'outbound');
    if (before) q.set('before', before);
    try {
      const r = await api<{ items: Msg[]; next: string | null }>('GET', `/api/messages?${q}`);
      setItems(before ? [...items, ...r.items] : r.items);
      setNext(r.next);
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  useEffect(() => void run(), []);
  const field = (k: keyof typeof f, type = 'text') => (
    <label>
      {t(`search.${k}`)}
      <input type={type} value={f[k]} onChange={(e) => setF({ ...f, [k]: e.target.value })} />
    </label>
  );
  return (
    <section>
      <h2>{own ? t('nav.sent') : t('nav.messages')}</h2>
      <Notice err={err} />
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        {!own && field('sender')}
        {field('recipient')}
        {field('subject')}
        {field('from', 'date')}
        {field('to', 'date')}
        <label>
          {t('search.state')}
          <select value={f.state} onChange={(e) => setF({ ...f, state: e.target.value })}>
            <option value="">{t('search.any')}</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(`state.${s}`)}
              </option>
            ))}
          </select>
        </label>
        {!own && field('rule')}
        <button className="primary" type="submit">
          {t('search.submit')}
        </button>
      </form>
      {items.length === 0 ? (
        <p className="muted">{t('search.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t('col.received')}</th>
              <th>{t('col.from')}</th>
              <th>{t('col.to')}</th>
              <th>{t('col.subject')}</th>
              <th>{t('col.state')}</th>
              <th>{own ? t('col.done') : t('col.rules')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.id} className="clickable" onClick={() => (location.hash = `messages/${m.id}`)}>
                <td>{formatDate(m.createdAt, lang)}</td>
                <td>{m.mailFrom || '<>'}</td>
                <td>
                  {m.recipients.slice(0, 3).join(', ')}
                  {m.recipients.length > 3 ? ` +${m.recipients.length - 3}` : ''}
                </td>
                <td className="subject">{m.subject}</td>
                <td>
                  <StateBadge state={m.state} t={t} />
                </td>
                <td>
                  {own
                    ? m.actions.map((a, i) => (
                        <div key={i} className="muted">
                          {a.detail}
                        </div>
                      ))
                    : m.rules.map((r) => (
                        <span key={r} className="rule">
                          {r}
                        </span>
                      ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <p>
          <button onClick={() => run(next)}>{t('search.more')}</button>
        </p>
      )}
    </section>
  );
}

function Detail({ t, lang, id }: { t: T; lang: Lang; id: string }) {
  const [d, err] = useLoad(() => api<any>('GET', `/api/messages/${id}`), [id]);
  const [note] = useState('');
  if (err) return <Notice err={err} />;
  if (!d) return null;
  return (
    <section>
      <p>
        <a href="#messages">← {t('detail.back')}</a>
      </p>
      <h2 className="subject">{d.subject}</h2>
      <Notice err={note} />
      <table>
        <tbody>
          <tr>
            <th>{t('col.state')}</th>
            <td>
              <StateBadge state={d.state} t={t} />
            </td>
          </tr>
          <tr>
            <th>{t('col.received')}</th>
            <td>{formatDate(d.createdAt, lang)}</td>
          </tr>
          <tr>
            <th>{t('col.from')}</th>
            <td>
              {d.mailFrom} {d.headerFrom && d.headerFrom !== d.mailFrom ? `(From: ${d.headerFrom})` : ''}
            </td>
          </tr>
          <tr>
            <th>{t('col.to')}</th>
            <td>{d.recipients.join(', ')}</td>
          </tr>
          <tr>
            <th>{t('col.rules')}</th>
            <td>
              {d.rules.map((r: string) => (
                <span key={r} className="rule">
                  {r}
                </span>
              ))}
            </td>
          </tr>
          <tr>
            <th>{t('col.done')}</th>
            <td>
              {d.actions.map((a: { detail: string }, i: number) => (
                <div key={i}>{a.detail}</div>
              ))}
            </td>
          </tr>
          {d.attachments.zipPassword && (
            <tr>
              <th>{t('detail.zipPassword')}</th>
              <td>
                <code>{d.attachments.zipPassword}</code>
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <DownloadFiles t={t} lang={lang} id={id} />
      <h3>{t('detail.deliveries')}</h3>
      <table>
        <tbody>
          {d.deliveries.map((r: any) => (
            <tr key={r.address}>
              <td>{r.address}</td>
              <td>{r.state}</td>
              <td className="muted">{r.lastResponse ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('detail.timeline')}</h3>
      <table data-testid="timeline">
        <thead>
          <tr>
            <th>{t('col.received')}</th>
            <th>{t('detail.event')}</th>
            <th>{t('detail.actor')}</th>
            <th>{t('detail.data')}</th>
          </tr>
        </thead>
        <tbody>
          {d.timeline.map((e: any) => (
            <tr key={e.id}>
              <td>{formatDate(e.at, lang)}</td>
              <td>
                {eventLabel(t, e.type)} <span className="muted">{e.type}</span>
              </td>
              <td>{e.actor}</td>
              <td>
                <code>{JSON.stringify(e.data).slice(0, 300)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function eventLabel(t: T, type: string): string {
  const s = t(`ev.${type}`);
  return s === `ev.${type}` ? '' : s;
}

function DownloadFiles({ t, lang, id }: { t: T; lang: Lang; id: string }) {
  const [s, , reload] = useLoad(() => api<any>('GET', `/api/messages/${id}/downloads`).catch(() => null), [id]);
  const [note, setNote] = useState('');
  if (!s) return null;
  const withdraw = async (file?: number) => {
    try {
      await api('POST', `/api/messages/${id}/downloads/withdraw`, file ? { file } : {});
      reload();
    } catch (e) {
      setNote((e as Error).message);
    }
  };
  return (
    <>
      <h3>{t('detail.downloads')}</h3>
      <Notice err={note} />
      <table data-testid="download-files">
        <thead>
          <tr>
            <th>#</th>
            <th>File</th>
            <th>{t('col.state')}</th>
            <th>{t('col.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {s.files.map((f: any) => (
            <tr key={f.index}>
              <td>{f.index}</td>
              <td>{f.filename}</td>
              <td>{f.state}</td>
              <td>
                {f.state === 'available' && (
                  <button className="danger" onClick={() => withdraw(f.index)}>
                    {t('detail.withdraw')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <table>
        <thead>
          <tr>
            <th>{t('col.to')}</th>
            <th>{t('detail.downloadCount')}</th>
            <th>{t('col.received')}</th>
          </tr>
        </thead>
        <tbody>
          {s.recipients.map((x: any) => (
            <tr key={x.recipient}>
              <td>{x.recipient}</td>
              <td>{x.count}</td>
              <td>{x.lastAt ? formatDate(Date.parse(x.lastAt), lang) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Approvals({ t, lang }: { t: T; lang: Lang }) {
  const [data, err, reload] = useLoad(() => api<{ items: Msg[] }>('GET', '/api/approvals'));
  const [open, setOpen] = useState<string | null>(null);
  const [preview, setPreview] = useState('');
  const [comment, setComment] = useState('');
  const [note, setNote] = useState<{ ok?: string; err?: string }>({});
  useEffect(() => {
    if (open)
      api<{ text: string }>('GET', `/api/messages/${open}/preview`).then(
        (p) => setPreview(p.text),
        () => setPreview(''),
      );
  }, [open]);
  const decide = async (id: string, what: 'approve' | 'reject') => {
    try {
      await api('POST', `/api/approvals/${id}/${what}`, { comment });
      setNote({ ok: t('held.done') });
      setComment('');
      setOpen(null);
    } catch (e) {
      setNote({ err: (e as Error).message });
    }
    reload();
  };
  return (
    <section>
      <h2>{t('nav.approvals')}</h2>
      <Notice err={err || note.err} ok={note.ok} />
      {data && data.items.length === 0 && <p className="muted">{t('approvals.empty')}</p>}
      {data && data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>{t('col.received')}</th>
              <th>{t('col.from')}</th>
              <th>{t('col.to')}</th>
              <th>{t('col.subject')}</th>
              <th>{t('col.rules')}</th>
              <th>{t('col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((m) => (
              <Fragment key={m.id}>
                <tr data-id={m.id}>
                  <td>{formatDate(m.createdAt, lang)}</td>
                  <td>{m.mailFrom}</td>
                  <td>{m.recipients.join(', ')}</td>
                  <td className="subject">{m.subject}</td>
                  <td>
                    {m.rules.map((r) => (
                      <span key={r} className="rule">
                        {r}
                      </span>
                    ))}
                  </td>
                  <td>
                    <button onClick={() => setOpen(open === m.id ? null : m.id)}>{t('approvals.preview')}</button>
                  </td>
                </tr>
                {open === m.id && (
                  <tr key={`${m.id}-p`}>
                    <td colSpan={6}>
                      <pre className="preview">{preview}</pre>
                      <label>
                        {t('approvals.comment')}{' '}
                        <input name="comment" size={50} value={comment} onChange={(e) => setComment(e.target.value)} />
                      </label>{' '}
                      <button className="primary" onClick={() => decide(m.id, 'approve')}>
                        {t('approvals.approve')}
                      </button>
                      <button className="danger" onClick={() => decide(m.id, 'reject')}>
                        {t('approvals.reject')}
                      </button>
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function PolicyPage({ t }: { t: T; lang: Lang }) {
  const [data, err, reload] = useLoad(() => api<any>('GET', '/api/policy'));
  const [yaml, setYaml] = useState<string | null>(null);
  const [errors, setErrors] = useState<Array<{ line: number; column: number; path: string; message: string }>>([]);
  const [note, setNote] = useState<{ ok?: string; err?: string }>({});
  const text = yaml ?? data?.yaml ?? '';
  const lines = text.split('\n').length;
  const bad = new Set(errors.map((e) => e.line));
  const validate = async () => {
    const r = await api<any>('POST', '/api/policy/validate', { yaml: text });
    setErrors(r.errors);
    setNote(r.ok ? { ok: t('policy.valid') } : { err: t('policy.errors') });
  };
  const apply = async () => {
    try {
      const r = await api<any>('PUT', '/api/policy', { yaml: text });
      setErrors([]);
      setNote({ ok: t('policy.applied', { v: r.version }) });
      setYaml(null);
      reload();
    } catch (e) {
      const body = (e as ApiError).body;
      setErrors(body?.errors ?? []);
      setNote({ err: t('policy.errors') });
    }
  };
  return (
    <section>
      <h2>
        {t('nav.policy')}{' '}
        <span className="muted">
          {t('policy.version')} {data?.version ?? ''}
        </span>
      </h2>
      <Notice err={err || note.err} ok={note.ok} />
      {errors.length > 0 && (
        <ul className="msg err" data-testid="policy-errors">
          {errors.map((e, i) => (
            <li key={i}>
              {t('policy.line', { line: e.line })}
              {e.path ? ` (${e.path})` : ''}: {e.message}
            </li>
          ))}
        </ul>
      )}
      <div className="editor">
        <div className="gutter">
          {Array.from({ length: lines }, (_, i) => (
            <div key={i} className={bad.has(i + 1) ? 'bad' : ''}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          aria-label={t('policy.yaml')}
          spellCheck={false}
          value={text}
          rows={Math.max(20, lines + 2)}
          onChange={(e) => setYaml(e.target.value)}
        />
      </div>
      <p>
        <button onClick={validate}>{t('policy.validate')}</button>
        <button className="primary" onClick={apply}>
          {t('policy.apply')}
        </button>
      </p>
      <h3>{t('policy.rules')}</h3>
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>{t('search.rule')}</th>
            <th>{t('policy.mode')}</th>
            <th>when</th>
            <th>then</th>
          </tr>
        </thead>
        <tbody>
          {(data?.rules ?? []).map((r: any, i: number) => (
            <tr key={i}>
              <td>{r.direction}</td>
              <td>{r.name}</td>
              <td>{r.mode === 'test' ? t('policy.test') : t('policy.enforce')}</td>
              <td>
                <code>{JSON.stringify(r.when)}</code>
              </td>
              <td>
                <code>{JSON.stringify(r.then)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Users({ t, lang }: { t: T; lang: Lang }) {
  const [data, err, reload] = useLoad(() => api<{ items: any[] }>('GET', '/api/users'));
  const [nu, setNu] = useState({ email: '', role: 'user', approver: '' });
  const [csv, setCsv] = useState('');
  const [note, setNote] = useState<{ ok?: string; err?: string }>({});
  const [generated, setGenerated] = useState<Array<{ email: string; password: string }>>([]);
  const run = async (fn: () => Promise<void>) => {
    try {
      await fn();
      setNote({ ok: t('held.done') });
    } catch (e) {
      setNote({ err: (e as Error).message });
    }
    reload();
  };
  return (
    <section>
      <h2>{t('nav.users')}</h2>
      <Notice err={err || note.err} ok={note.ok} />
      {generated.length > 0 && (
        <div className="card">
          <b>{t('users.generated')}</b>
          {generated.map((g) => (
            <div key={g.email}>
              <code>
                {g.email},{g.password}
              </code>
            </div>
          ))}
        </div>
      )}
      <div className="grid2">
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              const r = await api<any>('POST', '/api/users', {
                email: nu.email,
                role: nu.role,
                ...(nu.approver ? { approver: nu.approver } : {}),
              });
              if (r.generatedPassword) setGenerated([{ email: r.email, password: r.generatedPassword }]);
            });
          }}
        >
          <h3>{t('users.add')}</h3>
          <input placeholder={t('login.email')} value={nu.email} onChange={(e) => setNu({ ...nu, email: e.target.value })} required />{' '}
          <select value={nu.role} onChange={(e) => setNu({ ...nu, role: e.target.value })}>
            {['user', 'approver', 'admin'].map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>{' '}
          <input placeholder={t('users.manager')} value={nu.approver} onChange={(e) => setNu({ ...nu, approver: e.target.value })} />{' '}
          <button className="primary" type="submit">
            {t('users.add')}
          </button>
        </form>
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              const r = await api<any>('POST', '/api/users/import', { csv });
              setGenerated(r.generated);
              setCsv('');
            });
          }}
        >
          <h3>{t('users.import')}</h3>
          <p className="muted">{t('users.importHelp')}</p>
          <textarea rows={4} cols={50} value={csv} onChange={(e) => setCsv(e.target.value)} />
          <div>
            <input
              type="file"
              accept=".csv,text/csv"
              onChange={async (e) => {
                const f = e.target.files?.[0];
                if (f) setCsv(await f.text());
              }}
            />{' '}
            <button className="primary" type="submit">
              {t('users.import')}
            </button>
          </div>
        </form>
      </div>
      <h3>{t('nav.users')}</h3>
      <table>
        <thead>
          <tr>
            <th>{t('login.email')}</th>
            <th>{t('users.role')}</th>
            <th>{t('users.manager')}</th>
            <th>{t('users.language')}</th>
            <th>{t('users.maySendAs')}</th>
            <th>{t('col.received')}</th>
          </tr>
        </thead>
        <tbody>
          {(data?.items ?? []).map((u) => (
            <tr key={u.email}>
              <td>{u.email}</td>
              <td>
                <select
                  value={u.role}
                  onChange={(e) => run(() => api('PUT', `/api/users/${encodeURIComponent(u.email)}`, { role: e.target.value }))}
                >
                  {['user', 'approver', 'admin'].map((r) => (
                    <option key={r} value={r}>
                      {t(`role.${r}`)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  defaultValue={u.approver ?? ''}
                  onBlur={(e) => {
                    if ((e.target.value || null) !== u.approver)
                      void run(() => api('PUT', `/api/users/${encodeURIComponent(u.email)}`, { approver: e.target.value || null }));
                  }}
                />
              </td>
              <td>{u.language}</td>
              <td>
                <input
                  aria-label={t('users.maySendAs')}
                  placeholder={t('users.maySendAsHint')}
                  defaultValue={(u.maySendAs ?? []).join(', ')}
                  onBlur={(e) => {
                    const list = e.target.value.split(/[,\s]+/).filter(Boolean);
                    if (list.join(',') !== (u.maySendAs ?? []).join(','))
                      void run(() => api('PUT', `/api/users/${encodeURIComponent(u.email)}`, { maySendAs: list }));
                  }}
                />
              </td>
              <td>{formatDate(u.createdAt, lang)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Domains({ t }: { t: T; lang: Lang }) {
  const [doms, err, reloadDoms] = useLoad(() => api<{ items: any[] }>('GET', '/api/domains'));
  const [dkim, err2, reload] = useLoad(() => api<any>('GET', '/api/dkim'));
  return (
    <section>
      <h2>{t('nav.domains')}</h2>
      <Notice err={err || err2} />
      <table>
        <thead>
          <tr>
            <th>{t('domains.domain')}</th>
            <th>{t('domains.route')}</th>
          </tr>
        </thead>
        <tbody>
          {(doms?.items ?? []).map((d) => (
            <tr key={d.domain}>
              <td>{d.domain}</td>
              <td>
                <input
                  size={40}
                  placeholder="smtp://mail.example:25"
                  defaultValue={d.inboundRoute ?? ''}
                  onBlur={(e) => {
                    if ((e.target.value || null) !== d.inboundRoute)
                      api('PUT', `/api/domains/${encodeURIComponent(d.domain)}/route`, { route: e.target.value || null }).then(
                        reloadDoms,
                        (x) => alert(x.message),
                      );
                  }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('domains.dkim')}</h3>
      <table>
        <thead>
          <tr>
            <th>{t('domains.domain')}</th>
            <th>TXT</th>
          </tr>
        </thead>
        <tbody>
          {(dkim?.records ?? []).map((r: any) => (
            <tr key={r.domain}>
              <td>{r.name}</td>
              <td>
                <code>{r.value}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {dkim?.missing?.length > 0 && (
        <p>
          {t('domains.missing')}: {dkim.missing.join(', ')}{' '}
          <button onClick={() => api('POST', '/api/dkim/keys').then(reload)}>{t('domains.createKeys')}</button>
        </p>
      )}
    </section>
  );
}

const SERIES: Array<[string, string]> = [
  ['held', '#d69e2e'],
  ['released', '#2f855a'],
  ['discarded', '#718096'],
  ['blocked', '#c53030'],
  ['quarantined', '#805ad5'],
];

function Dashboard({ t }: { t: T; lang: Lang }) {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const [d, err] = useLoad(() => api<any>('GET', `/api/dashboard?days=14&tz=${encodeURIComponent(tz)}`));
  if (err) return <Notice err={err} />;
  if (!d) return null;
  const max = Math.max(1, ...d.days.flatMap((x: any) => SERIES.map(([k]) => x[k])));
  const W = 760,
    H = 180,
    gw = W / d.days.length,
    bw = Math.max(2, (gw - 6) / SERIES.length);
  return (
    <section>
      <h2>{t('nav.dashboard')}</h2>
      <div className="card">
        <h3>{t('dash.perDay')}</h3>
        <svg width="100%" viewBox={`0 0 ${W} ${H + 24}`} role="img" aria-label={t('dash.perDay')}>
          {d.days.map((x: any, i: number) => (
            <g key={x.day}>
              {SERIES.map(([k, color], j) => {
                const h = (x[k] / max) * H;
                return (
                  <rect key={k} x={i * gw + 3 + j * bw} y={H - h} width={bw - 1} height={h} fill={color}>
                    <title>{`${x.day} ${t(`counts.${k}`)}: ${x[k]}`}</title>
                  </rect>
                );
              })}
              <text x={i * gw + gw / 2} y={H + 16} fontSize="10" textAnchor="middle" fill="#667085">
                {x.day.slice(5)}
              </text>
            </g>
          ))}
        </svg>
        <div>
          {SERIES.map(([k, c]) => (
            <span key={k} style={{ marginRight: 12 }}>
              <span style={{ display: 'inline-block', width: 10, height: 10, background: c, marginRight: 4 }} />
              {t(`counts.${k}`)}
            </span>
          ))}
        </div>
      </div>
      <div className="grid2" style={{ marginTop: 16 }}>
        <Bars title={t('dash.topRules')} rows={d.topRules.map((r: any) => [r.rule, r.count])} />
        <Bars title={t('dash.topSenders')} rows={d.topSenders.map((r: any) => [r.sender, r.count])} />
      </div>
    </section>
  );
}

function Bars({ title, rows }: { title: string; rows: Array<[string, number]> }) {
  const max = Math.max(1, ...rows.map((r) => r[1]));
  return (
    <div className="card">
      <h3>{title}</h3>
      <table>
        <tbody>
          {rows.map(([k, n]) => (
            <tr key={k}>
              <td style={{ width: '45%' }}>{k}</td>
              <td>
                <svg width="100%" height="12">
                  <rect width={`${(n / max) * 100}%`} height="12" fill="#8a1c1c" />
                </svg>
              </td>
              <td style={{ width: 40, textAlign: 'right' }}>{n}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Quarantine({ t, lang, isAdmin }: { t: T; lang: Lang; isAdmin: boolean }) {
  const [data, err, reload] = useLoad(() => api<any>('GET', '/api/quarantine'));
  const [open, setOpen] = useState<any>(null);
  const [note, setNote] = useState<{ ok?: string; err?: string }>({});
  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      setNote({ ok: t('held.done') });
      setOpen(null);
    } catch (e) {
      setNote({ err: (e as Error).message });
    }
    reload();
  };
  return (
    <section>
      <h2>{t('nav.quarantine')}</h2>
      <Notice err={err || note.err} ok={note.ok} />
      {data && data.items.length === 0 && <p className="muted">{t('q.empty')}</p>}
      {data && data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>{t('col.received')}</th>
              <th>{t('col.from')}</th>
              <th>{t('col.to')}</th>
              <th>{t('col.subject')}</th>
              <th>{t('col.score')}</th>
              <th>{t('col.reason')}</th>
              <th>{t('col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((m: any) => (
              <tr key={m.id}>
                <td>{formatDate(m.receivedAt, lang)}</td>
                <td>{m.from}</td>
                <td>{m.recipients.join(', ')}</td>
                <td className="subject">{m.subject}</td>
                <td>{m.score ?? '—'}</td>
                <td>{m.reason}</td>
                <td>
                  <button onClick={() => api('GET', `/api/quarantine/${m.id}`).then(setOpen)}>{t('q.preview')}</button>
                  {(isAdmin || data.selfRelease) && (
                    <button className="primary" onClick={() => act(() => api('POST', `/api/quarantine/${m.id}/release`))}>
                      {t('q.release')}
                    </button>
                  )}
                  {isAdmin && (
                    <button className="danger" onClick={() => act(() => api('DELETE', `/api/quarantine/${m.id}`))}>
                      {t('q.delete')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && (
        <>
          <h3>{open.subject}</h3>
          <pre className="preview">
            {open.headers.map((h: any) => `${h.key}: ${h.value}`).join('\n')}
            {'\n\n'}
            {open.text}
          </pre>
        </>
      )}
    </section>
  );
}

function Security({ t, me }: { t: T; lang: Lang; me: Me }) {
  const [secret, setSecret] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [code, setCode] = useState('');
  const [on, setOn] = useState(!!me.totpEnabled);
  const [note, setNote] = useState<{ ok?: string; err?: string }>({});
  if (on)
    return (
      <section>
        <h2>{t('nav.security')}</h2>
        <Notice ok={t('totp.enabled')} />
      </section>
    );
  return (
    <section>
      <h2>{t('nav.security')}</h2>
      <Notice {...note} />
      {!secret ? (
        <button className="primary" onClick={() => api('POST', '/api/auth/totp/enrol').then(setSecret, (e) => setNote({ err: e.message }))}>
          {t('totp.enrol')}
        </button>
      ) : (
        <div className="card">
          <p>{t('totp.secret')}</p>
          <p>
            <code>{secret.secret}</code>
          </p>
          <p className="muted">
            <code>{secret.otpauthUrl}</code>
          </p>
          <label>
            {t('totp.code')} <input value={code} onChange={(e) => setCode(e.target.value)} inputMode="numeric" />
          </label>{' '}
          <button
            className="primary"
            onClick={() =>
              api('POST', '/api/auth/totp/verify', { code }).then(
                () => setOn(true),
                (e) => setNote({ err: e.message }),
              )
            }
          >
            {t('totp.verify')}
          </button>
        </div>
      )}
    </section>
  );
}
