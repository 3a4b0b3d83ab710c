// The Sekisho console: who is logged in, in which language, on which page and (operators) in
// which tenant — and so in which time zone times are shown — the page itself is one file per page
// in pages/. Every piece of message content is rendered as React text (escaped), never as HTML.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { client, ok, setCsrf, setTenant } from './api.ts';
import { I18nContext, initialLang, translator, useI18n, type Lang } from './i18n.ts';
import { Layout, type Me } from './components/Layout.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { Pages, navItems, startPage } from './pages/index.tsx';
import { navigate, TenantContext, useRoute } from './route.ts';

const TENANT_KEY = 'sekisho.tenant';

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [lang, setLang] = useState<Lang>(initialLang());
  const t = useMemo(() => translator(lang), [lang]);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t('app');
  }, [lang, t]);
  const loggedIn = useCallback((m: Me) => {
    setCsrf(m.csrfToken);
    setMe(m);
    if (!localStorage.getItem('sekisho.lang')) setLang(initialLang(m.language));
  }, []);
  useEffect(() => {
    ok(client.GET('/api/auth/session')).then(
      (s) => (s.me ? loggedIn(s.me) : setMe(null)),
      () => setMe(null),
    );
  }, [loggedIn]);
  const switchLang = () => {
    const next = lang === 'ja' ? 'en' : 'ja';
    localStorage.setItem('sekisho.lang', next);
    setLang(next);
  };
  return (
    <I18nContext.Provider value={t}>
      {me === undefined ? null : me === null ? (
        <LoginPage onLogin={loggedIn} onSwitchLang={switchLang} />
      ) : (
        <Console
          me={me}
          onSwitchLang={switchLang}
          onLogout={() => setMe(null)}
          refreshMe={() => void ok(client.GET('/api/auth/me')).then(setMe, () => undefined)}
        />
      )}
    </I18nContext.Provider>
  );
}

/** The tenant an operator works in: the URL's, else the last one chosen, else the first. */
function chosenTenant(me: Me, fromUrl: string | undefined): string | undefined {
  if (me.role !== 'operator') return undefined;
  const names = (me.tenants ?? []).map((x) => x.name);
  for (const candidate of [fromUrl, localStorage.getItem(TENANT_KEY) ?? undefined])
    if (candidate && names.includes(candidate)) return candidate;
  return names[0];
}

/** The time zone the console shows times in: the user's tenant's, or the operator's chosen tenant's. */
function zoneOf(me: Me, tenant: string | undefined): string {
  return (me.role === 'operator' ? me.tenants?.find((x) => x.name === tenant)?.timeZone : undefined) ?? me.timeZone;
}

interface ConsoleProps {
  me: Me;
  onSwitchLang: () => void;
  onLogout: () => void;
  refreshMe: () => void;
}

function Console({ me, onSwitchLang, onLogout, refreshMe }: ConsoleProps) {
  const base = useI18n();
  const route = useRoute();
  const tenant = chosenTenant(me, route.tenant);
  const zone = zoneOf(me, tenant);
  const t = useMemo(() => translator(base.lang, zone), [base.lang, zone]);
  setTenant(tenant ?? null);
  const page = route.page || startPage(me);
  useEffect(() => {
    if (tenant) localStorage.setItem(TENANT_KEY, tenant);
    // keep the tenant in the URL so a reload or a copied link opens the same tenant
    if (tenant !== route.tenant) navigate({ ...route, page, tenant }, { replace: true });
  }, [tenant, route, page]);
  const logout = async () => {
    await client.POST('/api/auth/logout').catch(() => undefined);
    setCsrf(null);
    setTenant(null);
    onLogout();
  };
  return (
    <I18nContext.Provider value={t}>
      <TenantContext.Provider value={tenant}>
        <Layout
          me={me}
          page={page}
          items={navItems(me, t)}
          tenant={tenant}
          onTenant={(name) => navigate({ page, tenant: name })}
          onSwitchLang={onSwitchLang}
          onLogout={logout}
        >
          <Pages
            key={`${page}/${route.arg ?? ''}/${tenant ?? ''}`}
            me={me}
            page={page}
            arg={route.arg}
            tenant={tenant}
            refreshMe={refreshMe}
          />
        </Layout>
      </TenantContext.Provider>
    </I18nContext.Provider>
  );
}
