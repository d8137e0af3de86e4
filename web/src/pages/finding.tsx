import { useState } from 'preact/hooks';
import { api, type Finding, type SessionInfo } from '../api';
import { paths } from '../router';
import { ErrorBox, SafeLink, Section, Sev, State, Time, useLoad } from '../ui';
import { EventLine } from './overview';

// Advisory text is shown as text: Preact escapes every string it renders,
// nothing here sets innerHTML, and links are made only of http(s) URLs.

interface VulnDetail {
  id?: string;
  summary?: string;
  details?: string;
  aliases?: string[];
  references?: string[];
  cvss?: { version: string; vector: string; score: number };
  severity_source?: string;
  fixed_version?: string;
  published?: string;
  modified?: string;
  locations?: { path: string; line?: number; layer?: string }[];
  // misconfigurations and secrets
  title?: string;
  description?: string;
  message?: string;
  remediation?: string;
  resource?: string;
  location?: { path: string; line?: number };
  match?: string;
}

export function FindingPage({ id, session }: { id: number; session: SessionInfo }) {
  const f = useLoad(() => api.get<Finding>('/api/v1/findings/' + id), [id]);
  const canTriage = session.role === 'writer' || session.role === 'admin';
  return (
    <>
      <div class="page-head">
        <h1>
          {f.data ? (
            <>
              <Sev s={f.data.severity} /> <span class="name">{f.data.vulnerability_id}</span>
            </>
          ) : (
            'Finding ' + id
          )}
        </h1>
      </div>
      <Section title="Finding" id="finding" load={f}>
        {(f) => <FindingFacts f={f} />}
      </Section>
      {f.data && canTriage && <Triage f={f.data} done={f.reload} />}
      {f.data && (
        <section class="card" aria-labelledby="history-h">
          <div class="card-head">
            <h2 id="history-h">History</h2>
          </div>
          {(f.data.history || []).length === 0 ? (
            <p class="empty">No history.</p>
          ) : (
            <ol class="events">
              {(f.data.history || []).map((e) => (
                <li key={e.seq}>
                  <EventLine e={e} />
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
    </>
  );
}

function FindingFacts({ f }: { f: Finding }) {
  const d = (f.detail || {}) as VulnDetail;
  const refs = d.references || [];
  const locations = d.locations || (d.location ? [d.location] : f.package?.locations || []);
  return (
    <>
      <p class="summary" data-testid="summary">
        {f.summary || d.title || '—'}
      </p>
      {(d.details || d.description || d.message) && <pre class="details">{d.details || d.description || d.message}</pre>}
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <State s={f.state} />
          {f.state === 'accepted' && f.accepted_until && (
            <>
              {' '}
              until <Time t={f.accepted_until} />
            </>
          )}
          {f.reason && <span class="muted"> — {f.reason}</span>}
          {f.resolution && <span class="muted"> ({f.resolution.replace(/_/g, ' ')})</span>}
        </dd>
        <dt>Severity</dt>
        <dd>
          <Sev s={f.severity} />
          {d.cvss && (
            <>
              {' '}
              CVSS {d.cvss.version} {d.cvss.score} <code class="wrap">{d.cvss.vector}</code>
            </>
          )}
          {d.severity_source && <span class="muted"> (from {d.severity_source})</span>}
        </dd>
        <dt>Aliases</dt>
        <dd>{f.aliases.length ? f.aliases.join(', ') : '—'}</dd>
        <dt>Package</dt>
        <dd>
          {f.package ? (
            <>
              {f.package.name} {f.package.version} <span class="muted">({f.package.ecosystem})</span>
              {f.package.purl && (
                <>
                  {' '}
                  <code class="wrap">{f.package.purl}</code>
                </>
              )}
            </>
          ) : (
            f.kind
          )}
        </dd>
        <dt>Fixed in</dt>
        <dd>{f.fixed_version || d.remediation || 'no fix known'}</dd>
        <dt>Locations</dt>
        <dd>
          {locations.length === 0
            ? '—'
            : locations.map((l, i) => (
                <div key={i}>
                  <code class="wrap">
                    {l.path}
                    {l.line ? ':' + l.line : ''}
                  </code>
                </div>
              ))}
        </dd>
        <dt>Artifact</dt>
        <dd>
          <a href={paths.artifact(f.artifact.id)}>{f.artifact.name}</a> in <a href={paths.project(f.project)}>{f.project}</a>
        </dd>
        <dt>Runs in</dt>
        <dd>{f.environments.length ? f.environments.join(', ') : 'not deployed'}</dd>
        <dt>First seen</dt>
        <dd>
          <Time t={f.first_seen} />
        </dd>
        {d.published && (
          <>
            <dt>Published</dt>
            <dd>
              <Time t={d.published} />
            </dd>
          </>
        )}
        <dt>References</dt>
        <dd>
          {refs.length === 0 ? (
            '—'
          ) : (
            <ul class="refs">
              {refs.map((r, i) => (
                <li key={i}>
                  <SafeLink href={r} />
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
    </>
  );
}

function defaultExpiry(): string {
  const d = new Date(Date.now() + 30 * 86400000);
  return d.toISOString().slice(0, 10);
}

function Triage({ f, done }: { f: Finding; done: () => void }) {
  const choices: [string, string][] = [];
  if (f.state !== 'accepted') choices.push(['accepted', 'Accept the risk until a date']);
  if (f.state !== 'false_positive') choices.push(['false_positive', 'Mark as a false positive']);
  if (f.state !== 'open') choices.push(['open', 'Re-open']);
  const [to, setTo] = useState(choices[0][0]);
  const [reason, setReason] = useState('');
  const [expires, setExpires] = useState(defaultExpiry());
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const [ok, setOk] = useState('');
  const state = choices.some(([v]) => v === to) ? to : choices[0][0];
  const submit = (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setOk('');
    if (!reason.trim()) {
      setError(new Error('A reason is required.'));
      return;
    }
    const body: Record<string, string> = { state, reason: reason.trim() };
    if (state === 'accepted') {
      if (!expires) {
        setError(new Error('An acceptance needs an expiry date.'));
        return;
      }
      body.expires = new Date(expires + 'T23:59:59Z').toISOString();
    }
    setBusy(true);
    api.patch<Finding>('/api/v1/findings/' + f.id, body).then(
      () => {
        setBusy(false);
        setReason('');
        setOk('Saved.');
        done();
      },
      (err) => {
        setBusy(false);
        setError(err);
      },
    );
  };
  return (
    <section class="card" aria-labelledby="triage-h">
      <div class="card-head">
        <h2 id="triage-h">Triage</h2>
      </div>
      <form onSubmit={submit} class="triage">
        <fieldset>
          <legend>Decision</legend>
          {choices.map(([v, label]) => (
            <label key={v} class="radio">
              <input type="radio" name="state" value={v} checked={state === v} onChange={() => setTo(v)} /> {label}
            </label>
          ))}
        </fieldset>
        <label for="reason">Reason (required)</label>
        <textarea id="reason" rows={3} required value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
        {state === 'accepted' && (
          <>
            <label for="expires">Accepted until (end of day, UTC)</label>
            <input id="expires" type="date" required value={expires} min={new Date().toISOString().slice(0, 10)} onInput={(e) => setExpires((e.target as HTMLInputElement).value)} />
          </>
        )}
        <div>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save decision'}
          </button>
        </div>
        {error && <ErrorBox error={error} />}
        {ok && (
          <p role="status" class="ok">
            {ok}
          </p>
        )}
      </form>
    </section>
  );
}
