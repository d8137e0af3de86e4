import { useEffect, useState } from 'preact/hooks';
import { api, type Finding, type List, qs, type Remediation } from '../api';
import { SLABadge, slaOf } from '../sla';
import { paths, setParam } from '../router';
import { begin } from '../loaded';
import { ErrorBox, Loading, Sev, State, Time } from '../ui';

const STATES = [
  ['open', 'Open'],
  ['accepted', 'Accepted'],
  ['false_positive', 'False positive'],
  ['fixed', 'Fixed'],
  ['', 'All'],
] as const;

/** FindingsList is a paged table of findings for a filter; its state filter lives in the URL (?state=). */
export function FindingsList(props: { filter: Record<string, string | number>; state: string; title?: string; sla?: { rem?: Remediation } }) {
  const [items, setItems] = useState<Finding[] | undefined>();
  const [next, setNext] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const key = JSON.stringify(props.filter) + props.state;
  const load = (cursor: string, append: boolean) => {
    setBusy(true);
    setError(undefined);
    const end = begin();
    api
      .get<List<Finding>>('/api/v1/findings' + qs({ ...props.filter, state: props.state, limit: 100, cursor }))
      .then(
        (l) => {
          setItems((old) => (append && old ? old.concat(l.items) : l.items));
          setNext(l.next_cursor);
          setBusy(false);
        },
        (e) => {
          setError(e);
          setBusy(false);
        },
      )
      .finally(end);
  };
  useEffect(() => {
    setItems(undefined);
    load('', false);
  }, [key]);
  return (
    <section class="card" aria-labelledby="findings-h" aria-busy={busy ? 'true' : 'false'}>
      <div class="card-head">
        <h2 id="findings-h">{props.title || 'Findings'}</h2>
        <label>
          State{' '}
          <select value={props.state} onChange={(e) => setParam('state', (e.target as HTMLSelectElement).value || 'all')}>
            {STATES.map(([v, l]) => (
              <option value={v} key={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && <ErrorBox error={error} retry={() => load('', false)} />}
      {!items && !error && <Loading />}
      {items && items.length === 0 && <p class="empty">No {props.state ? props.state.replace('_', ' ') + ' ' : ''}findings.</p>}
      {items && items.length > 0 && (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Finding</th>
                <th scope="col">Package</th>
                <th scope="col">Fixed in</th>
                <th scope="col">State</th>
                <th scope="col">Artifact</th>
                <th scope="col">First seen</th>
                {props.sla && <th scope="col">SLA due</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((f) => (
                <tr key={f.id}>
                  <td>
                    <Sev s={f.severity} />
                  </td>
                  <td>
                    <a href={paths.finding(f.id)}>{f.vulnerability_id}</a>
                    <div class="muted small">{f.summary}</div>
                  </td>
                  <td>{f.package ? `${f.package.name} ${f.package.version}` : f.kind}</td>
                  <td>{f.fixed_version || '—'}</td>
                  <td>
                    <State s={f.state} />
                  </td>
                  <td>
                    <a href={paths.artifact(f.artifact.id)}>{f.artifact.name}</a>
                  </td>
                  <td>
                    <Time t={f.first_seen} />
                  </td>
                  {props.sla && (
                    <td>
                      <SLACell f={f} rem={props.sla.rem} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <button type="button" onClick={() => load(next, true)} disabled={busy}>
          Load more
        </button>
      )}
    </section>
  );
}

function SLACell({ f, rem }: { f: Finding; rem?: Remediation }) {
  if (!rem) return <span class="muted">…</span>;
  const s = slaOf(f, rem);
  if (!s.due) return <span class="muted">no SLA</span>;
  return (
    <span data-testid="sla-due">
      <Time t={s.due.toISOString()} /> <SLABadge state={s.state} />
    </span>
  );
}

/** stateParam reads ?state= (default open; "all" for every state). */
export function stateParam(p: URLSearchParams): string {
  const s = p.get('state');
  if (s === null) return 'open';
  return s === 'all' ? '' : s;
}
