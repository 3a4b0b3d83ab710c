// The frame of every page after login: a header (product, tenant, who, language, log out) and
// the navigation. On phones (max-width 720px, styles.css) the navigation and the account line
// (tenant chooser, who, log out) fold behind a menu button and the header keeps one line.
import { useState, type ReactNode } from 'react';
import type { GetAnswer } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { useHref } from '../route.ts';
import { roleLabel, tenantLabel } from '../words/states.ts';

export type Me = GetAnswer<'/api/auth/me'>;

export interface NavItem {
  page: string;
  label: string;
}

interface LayoutProps {
  me: Me;
  page: string;
  items: NavItem[];
  tenant: string | undefined;
  onTenant: (name: string) => void;
  onSwitchLang: () => void;
  onLogout: () => void;
  children: ReactNode;
}

export function Layout({ me, page, items, tenant, onTenant, onSwitchLang, onLogout, children }: LayoutProps) {
  const t = useI18n();
  const href = useHref();
  const [open, setOpen] = useState(false);
  const account = (
    <div className="account">
      {me.role === 'operator' && (
        <label className="tenant-pick">
          <span>{t('tenant')}</span>
          <select
            value={tenant ?? ''}
            onChange={(e) => {
              setOpen(false);
              onTenant(e.target.value);
            }}
            data-testid="tenant"
          >
            {(me.tenants ?? []).map((x) => (
              <option key={x.id} value={x.name}>
                {tenantLabel(x)}
              </option>
            ))}
          </select>
        </label>
      )}
      {me.tenant && <span className="tenant-name">{tenantLabel({ name: me.tenant, displayName: me.tenantDisplayName })}</span>}
      <span data-testid="who" className="who">
        {me.email}（{roleLabel(t, me.role)}）
      </span>
      <button type="button" onClick={onLogout}>
        {t('logout')}
      </button>
    </div>
  );
  return (
    <div className={open ? 'frame menu-open' : 'frame'}>
      <button type="button" className="skip" onClick={() => document.getElementById('main')?.focus()}>
        {t('skip')}
      </button>
      <header>
        <button
          type="button"
          className="menu-button"
          aria-expanded={open}
          aria-controls="nav"
          onClick={() => setOpen(!open)}
          data-testid="menu"
        >
          <span aria-hidden="true">☰</span> {t('menu')}
        </button>
        <h1>{t('app')}</h1>
        <span className="sub">{t('subtitle')}</span>
        <div className="right">
          {account}
          <button type="button" onClick={onSwitchLang} data-testid="lang" lang={t.lang === 'ja' ? 'en' : 'ja'}>
            {t('lang')}
          </button>
        </div>
      </header>
      <div className="layout">
        <nav id="nav" className={open ? 'open' : undefined} aria-label={t('nav.label')}>
          {items.map((x) => (
            <a
              key={x.page}
              href={href(x.page)}
              className={page === x.page ? 'active' : undefined}
              aria-current={page === x.page ? 'page' : undefined}
              onClick={() => setOpen(false)}
            >
              {x.label}
            </a>
          ))}
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}
