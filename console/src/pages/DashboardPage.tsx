// ダッシュボード (admins): held / sent / discarded / blocked / quarantined per day over 14 days
// (days counted from midnight in the tenant's time zone), the rules that matched most and the top senders; each
// count links to the audit log filtered to what it counts.
import { client, ok, type GetAnswer } from '../api.ts';
import { formatNumber, useI18n, type MessageKey } from '../i18n.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { LoadState } from '../components/LoadState.tsx';
import { ruleLabel } from '../words/states.ts';
import { useHref } from '../route.ts';

type Dashboard = GetAnswer<'/api/dashboard'>;
type Series = 'held' | 'released' | 'discarded' | 'blocked' | 'quarantined';

/** Each count opens the audit log filtered to the events it counts (who tried to send what, in two clicks). */
const AUDIT_GROUP: Record<Series, string> = {
  held: 'held',
  released: 'held',
  discarded: 'held',
  blocked: 'blocked',
  quarantined: 'quarantine',
};

const SERIES: Array<[Series, string]> = [
  ['held', '#b7791f'],
  ['released', '#2f855a'],
  ['discarded', '#718096'],
  ['blocked', '#c53030'],
  ['quarantined', '#805ad5'],
];

export function DashboardPage() {
  const t = useI18n();
  const loaded = useLoad(() => ok(client.GET('/api/dashboard', { params: { query: { days: 14 } } })));
  return (
    <section>
      <h2>{t('nav.dashboard')}</h2>
      <LoadState loaded={loaded}>
        {(d) => (
          <>
            <PerDay days={d.days} />
            <div className="grid2">
              <Bars title={t('dash.topRules')} empty={t('dash.none')} rows={d.topRules.map((r) => [ruleLabel(t, r.rule), r.count])} />
              <Bars title={t('dash.topSenders')} empty={t('dash.none')} rows={d.topSenders.map((r) => [r.sender, r.count])} />
            </div>
          </>
        )}
      </LoadState>
    </section>
  );
}

function PerDay({ days }: { days: Dashboard['days'] }) {
  const t = useI18n();
  const href = useHref();
  const max = Math.max(1, ...days.flatMap((x) => SERIES.map(([k]) => x[k])));
  const W = 760;
  const H = 180;
  const gw = W / Math.max(1, days.length);
  const bw = Math.max(2, (gw - 6) / SERIES.length);
  const label = (k: Series) => t(`counts.${k}` as MessageKey);
  return (
    <div className="card">
      <h3>{t('dash.perDay')}</h3>
      <svg width="100%" viewBox={`0 0 ${W} ${H + 24}`} role="img" aria-label={t('dash.perDay')}>
        {days.map((x, i) => (
          <g key={x.day}>
            {SERIES.map(([k, color], j) => {
              const h = (x[k] / max) * H;
              return (
                <rect key={k} x={i * gw + 3 + j * bw} y={H - h} width={bw - 1} height={h} fill={color}>
                  <title>{`${x.day} ${label(k)}: ${x[k]}`}</title>
                </rect>
              );
            })}
            <text x={i * gw + gw / 2} y={H + 16} fontSize="11" textAnchor="middle" fill="#4b5563">
              {x.day.slice(5).replace('-', '/')}
            </text>
          </g>
        ))}
      </svg>
      <div className="legend">
        {SERIES.map(([k, c]) => (
          <a key={k} href={href('audit', AUDIT_GROUP[k])} data-testid={`dash-${k}`}>
            <span className="swatch" style={{ background: c }} />
            {label(k)}{' '}
            {formatNumber(
              days.reduce((n, x) => n + x[k], 0),
              t.lang,
            )}
          </a>
        ))}
      </div>
    </div>
  );
}

function Bars({ title, rows, empty }: { title: string; rows: Array<[string, number]>; empty: string }) {
  const max = Math.max(1, ...rows.map((r) => r[1]));
  return (
    <div className="card">
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table className="bars">
          <tbody>
            {rows.map(([k, n]) => (
              <tr key={k}>
                <td className="bar-label">{k}</td>
                <td>
                  <svg width="100%" height="12" aria-hidden="true">
                    <rect width={`${(n / max) * 100}%`} height="12" fill="#8a1c1c" />
                  </svg>
                </td>
                <td className="num">{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
