import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, SEVERITIES } from './api';
import { begin } from './loaded';

export interface Loaded<T> {
  data?: T;
  error?: ApiError | Error;
  loading: boolean;
  reload: () => void;
}

/** useLoad runs f when deps change and keeps its result, error and loading state. */
export function useLoad<T>(f: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    const end = begin();
    setState((s) => ({ data: s.data, loading: true }));
    f().then(
      (data) => {
        if (live) setState({ data, loading: false });
        end();
      },
      (error) => {
        if (live) setState({ error, loading: false });
        end();
      },
    );
    return () => {
      live = false;
      end();
    };
  }, [...deps, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { ...state, reload };
}

/** Section renders a loaded value with its loading, error and empty states. */
export function Section<T>(props: {
  title: string;
  id?: string;
  load: Loaded<T>;
  empty?: (d: T) => boolean;
  emptyText?: string;
  actions?: ComponentChildren;
  children: (d: T) => ComponentChildren;
}) {
  const { load } = props;
  const hid = (props.id || props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')) + '-h';
  let body: ComponentChildren;
  if (load.error) body = <ErrorBox error={load.error} retry={load.reload} />;
  else if (load.data === undefined) body = <Loading />;
  else if (props.empty && props.empty(load.data)) body = <p class="empty">{props.emptyText || 'Nothing here yet.'}</p>;
  else body = props.children(load.data);
  return (
    <section aria-labelledby={hid} aria-busy={load.loading ? 'true' : 'false'} class="card">
      <div class="card-head">
        <h2 id={hid}>{props.title}</h2>
        {props.actions}
      </div>
      {body}
    </section>
  );
}

export function Loading() {
  return (
    <p class="loading" role="status">
      Loading…
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  const status = error instanceof ApiError && error.status ? ` (HTTP ${error.status})` : '';
  return (
    <div class="error" role="alert">
      <p>
        <strong>Could not load this{status}:</strong> {error.message}
      </p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

const sevShape: Record<string, string> = { CRITICAL: '◆', HIGH: '▲', MEDIUM: '■', LOW: '●', UNKNOWN: '○' };

/** Sev shows a severity as a text label (with a shape), never by colour alone. */
export function Sev({ s }: { s: string }) {
  const k = (SEVERITIES as readonly string[]).includes(s) ? s : 'UNKNOWN';
  return (
    <span class={'sev sev-' + k.toLowerCase()}>
      <span aria-hidden="true">{sevShape[k]} </span>
      {k}
    </span>
  );
}

export function State({ s }: { s: string }) {
  return <span class={'state state-' + s}>{s.replace('_', ' ')}</span>;
}

/** Time shows a UTC timestamp; the full value is in its title. */
export function Time({ t }: { t?: string }) {
  if (!t) return <span>—</span>;
  const d = new Date(t);
  if (isNaN(d.getTime())) return <span>{t}</span>;
  const s = d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  return (
    <time dateTime={d.toISOString()} title={d.toISOString()}>
      {s}
    </time>
  );
}

export function age(t?: string): string {
  if (!t) return '—';
  const ms = Date.now() - new Date(t).getTime();
  const days = Math.floor(ms / 86400000);
  if (days >= 1) return days + ' d';
  const h = Math.floor(ms / 3600000);
  if (h >= 1) return h + ' h';
  return Math.max(0, Math.floor(ms / 60000)) + ' min';
}

export function Digest({ d }: { d: string }) {
  const short = d.length > 19 ? d.slice(0, 19) + '…' : d;
  return (
    <code class="digest" title={d}>
      {short}
    </code>
  );
}

/** SafeLink links only to http(s) URLs; anything else (javascript:, data:) is shown as inert text. */
export function SafeLink({ href }: { href: string }) {
  let ok = false;
  try {
    const u = new URL(href);
    ok = u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    ok = false;
  }
  if (!ok) return <code class="inert">{href}</code>;
  return (
    <a href={href} rel="noopener noreferrer nofollow" target="_blank">
      {href}
    </a>
  );
}

/** SevBars is a bar chart of counts per severity, with the numbers as text. */
export function SevBars({ counts, label }: { counts: Record<string, number>; label: string }) {
  const max = Math.max(1, ...SEVERITIES.map((s) => counts[s] || 0));
  const desc = SEVERITIES.map((s) => `${s} ${counts[s] || 0}`).join(', ');
  return (
    <svg class="bars" viewBox="0 0 320 130" role="img" aria-label={`${label}: ${desc}`}>
      {SEVERITIES.map((s, i) => {
        const n = counts[s] || 0;
        const w = Math.round((n / max) * 200);
        return (
          <g key={s} transform={`translate(0 ${i * 26})`}>
            <text x="0" y="16" class="bar-label">
              {s}
            </text>
            <rect x="80" y="4" width={Math.max(w, n > 0 ? 2 : 0)} height="16" class={'bar bar-' + s.toLowerCase()} />
            <text x={86 + w} y="16" class="bar-value">
              {n}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
