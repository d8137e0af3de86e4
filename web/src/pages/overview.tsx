import { api, type Deployment, type Event, type Finding, type Freshness, type List, type Remediation, type Scores, SEVERITIES, type Summary } from '../api';
import { OldestImages } from '../freshness';
import { WorstScores } from '../score';
import { SLABadge, slaOf } from '../sla';
import { SLASection } from './slaview';
import { paths } from '../router';
import { age, Digest, Section, Sev, SevBars, Time, useLoad } from '../ui';

export function Overview() {
  const summary = useLoad(() => api.get<Summary>('/api/v1/summary'), []);
  const events = useLoad(() => api.get<List<Event>>('/api/v1/events?latest=true&limit=15'), []);
  const deps = useLoad(() => api.get<List<Deployment>>('/api/v1/deployments?active=true&limit=1000'), []);
  const rem = useLoad(() => api.get<Remediation>('/api/v1/metrics/remediation'), []);
  const scores = useLoad(() => api.get<Scores>('/api/v1/scores?limit=10'), []);
  const images = useLoad(() => api.get<Freshness>('/api/v1/freshness?limit=10'), []);
  const reload = () => {
    scores.reload();
    images.reload();
    rem.reload();
    summary.reload();
    events.reload();
    deps.reload();
  };
  const total = (c: Record<string, number>) => SEVERITIES.reduce((a, s) => a + (c[s] || 0), 0);
  return (
    <>
      <div class="page-head">
        <h1>Portfolio overview</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      <div class="grid">
        <Section title="Open findings by severity" id="open" load={summary}>
          {(s) => (
            <>
              <p class="big" data-testid="open-total">
                <span>{total(s.open)}</span> open findings
              </p>
              <SevBars counts={s.open} label="Open findings by severity" />
              <table class="compact">
                <caption class="sr-only">Open findings by severity</caption>
                <thead>
                  <tr>
                    <th scope="col">Severity</th>
                    <th scope="col" class="num">
                      Open
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {SEVERITIES.map((sv) => (
                    <tr key={sv}>
                      <td>
                        <Sev s={sv} />
                      </td>
                      <td class="num" data-testid={'open-' + sv}>
                        {s.open[sv] || 0}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </Section>
        <Section
          title="Open findings by environment"
          id="env"
          load={summary}
          empty={(s) => Object.keys(s.by_environment).length === 0}
          emptyText="Nothing is deployed yet: record deployments with vigil deploy."
        >
          {(s) => (
            <div class="scroll">
              <table>
                <caption class="sr-only">Open findings on what runs now, by environment and severity</caption>
                <thead>
                  <tr>
                    <th scope="col">Environment</th>
                    {SEVERITIES.map((sv) => (
                      <th scope="col" class="num" key={sv}>
                        {sv}
                      </th>
                    ))}
                    <th scope="col" class="num">
                      Total
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {Object.keys(s.by_environment)
                    .sort()
                    .map((env) => (
                      <tr key={env}>
                        <th scope="row">{env}</th>
                        {SEVERITIES.map((sv) => (
                          <td class="num" key={sv}>
                            {s.by_environment[env][sv] || 0}
                          </td>
                        ))}
                        <td class="num">{total(s.by_environment[env])}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )}
        </Section>
      </div>
      <SLASection rem={rem} projects />
      <WorstScores load={scores} />
      <Section
        title="Worst projects"
        id="worst"
        load={summary}
        empty={(s) => s.worst_projects.length === 0}
        emptyText="No project has an open finding."
      >
        {(s) => (
          <div class="scroll">
            <table>
              <caption class="sr-only">Projects ranked by their most severe open findings</caption>
              <thead>
                <tr>
                  <th scope="col">Project</th>
                  {SEVERITIES.map((sv) => (
                    <th scope="col" class="num" key={sv}>
                      {sv}
                    </th>
                  ))}
                  <th scope="col" class="num">
                    Total
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.worst_projects.map((p) => (
                  <tr key={p.project}>
                    <th scope="row">
                      <a href={paths.project(p.project)}>{p.project}</a>
                    </th>
                    {SEVERITIES.map((sv) => (
                      <td class="num" key={sv}>
                        {p.open[sv] || 0}
                      </td>
                    ))}
                    <td class="num">{p.total}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section
        title="Oldest open findings"
        id="oldest"
        load={summary}
        empty={(s) => s.oldest.length === 0}
        emptyText="No open findings."
      >
        {(s) => (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Severity</th>
                  <th scope="col">Vulnerability</th>
                  <th scope="col">Project</th>
                  <th scope="col">Package</th>
                  <th scope="col">First seen</th>
                  <th scope="col">SLA due</th>
                </tr>
              </thead>
              <tbody>
                {s.oldest.map((f) => (
                  <tr key={f.id}>
                    <td>
                      <Sev s={f.severity} />
                    </td>
                    <td>
                      <a href={paths.finding(f.id)}>{f.vulnerability_id}</a>
                    </td>
                    <td>
                      <a href={paths.project(f.project)}>{f.project}</a>
                    </td>
                    <td>{f.package ? `${f.package.name} ${f.package.version}` : '—'}</td>
                    <td>
                      <Time t={f.first_seen} />
                    </td>
                    <td>
                      <Due f={f} rem={rem.data} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <OldestImages load={images} />
      <Section
        title="Longest-running deployments"
        id="fresh"
        load={deps}
        empty={(l) => l.items.length === 0}
        emptyText="Nothing is deployed yet."
      >
        {(l) => (
          <div class="scroll">
            <table>
              <caption class="sr-only">What has run the longest without a new deployment (freshness)</caption>
              <thead>
                <tr>
                  <th scope="col">Environment</th>
                  <th scope="col">Project</th>
                  <th scope="col">Service</th>
                  <th scope="col">Artifact</th>
                  <th scope="col">Since</th>
                  <th scope="col">Running for</th>
                </tr>
              </thead>
              <tbody>
                {l.items
                  .slice()
                  .sort((a, b) => a.start.localeCompare(b.start) || a.id - b.id)
                  .slice(0, 10)
                  .map((d) => (
                    <tr key={d.id}>
                      <th scope="row">{d.environment}</th>
                      <td>
                        <a href={paths.project(d.project)}>{d.project}</a>
                      </td>
                      <td>{d.service}</td>
                      <td>
                        <a href={paths.artifact(d.artifact_id)}>
                          <Digest d={d.digest} />
                        </a>
                      </td>
                      <td>
                        <Time t={d.start} />
                      </td>
                      <td class="age">{age(d.start)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section title="Latest events" id="events" load={events} empty={(l) => l.items.length === 0} emptyText="No events yet.">
        {(l) => (
          <ol class="events" reversed>
            {l.items
              .slice()
              .reverse()
              .map((e) => (
                <li key={e.seq}>
                  <EventLine e={e} />
                </li>
              ))}
          </ol>
        )}
      </Section>
    </>
  );
}

/** Due shows a finding's SLA due date and, when open past it or due soon, a badge. */
export function Due({ f, rem }: { f: Finding; rem?: Remediation }) {
  if (!rem) return <span class="muted">…</span>;
  const s = slaOf(f, rem);
  if (!s.due) return <span class="muted">no SLA</span>;
  return (
    <>
      <Time t={s.due.toISOString()} /> <SLABadge state={s.state} />
    </>
  );
}

const kinds: Record<string, string> = {
  'artifact.ingested': 'artifact pushed',
  'finding.created': 'new finding',
  'finding.state_changed': 'finding state changed',
  'finding.updated': 'finding updated',
  'deployment.started': 'deployment started',
  'deployment.ended': 'deployment ended',
  'token.created': 'token created',
  'token.revoked': 'token revoked',
};

export function EventLine({ e }: { e: Event }) {
  return (
    <span>
      <Time t={e.at} /> <strong>{kinds[e.kind] || e.kind}</strong>
      {e.project && (
        <>
          {' in '}
          <a href={paths.project(e.project)}>{e.project}</a>
        </>
      )}
      {e.finding_id ? (
        <>
          {' '}
          <a href={paths.finding(e.finding_id)}>finding {e.finding_id}</a>
        </>
      ) : e.artifact_id ? (
        <>
          {' '}
          <a href={paths.artifact(e.artifact_id)}>artifact {e.artifact_id}</a>
        </>
      ) : null}
      {e.to && (
        <>
          {' '}
          {e.from ? `${e.from.replace('_', ' ')} → ` : ''}
          {e.to.replace('_', ' ')}
        </>
      )}
      {e.reason && <span class="muted"> — {e.reason}</span>}
      {e.actor && <span class="muted"> by {e.actor}</span>}
    </span>
  );
}
