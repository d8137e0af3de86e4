import { api, type DeploymentFreshness, type Freshness, type List, type Project, qs, type Remediation, SEVERITIES, type Summary, type Trends } from '../api';
import { BarChart, LineChart, type Series } from '../chart';
import { paths, type Route, setParam } from '../router';
import { Digest, Section, Sev, Time, useLoad } from '../ui';

// Trends (issue 15): open findings over time, SLA breaches over time,
// MTTR and SLA compliance by severity (GET /api/v1/metrics/trends and
// /remediation), and the age of the images that run now (from the
// freshness API, one request). Every chart has the
// same numbers as a table: ?view=table shows the tables instead.

const RANGES = [
  ['30', 'Last 30 days'],
  ['90', 'Last 90 days'],
  ['365', 'Last 365 days'],
] as const;

const sevColor = (s: string) => '--sev-' + s.toLowerCase();
const DAY = 86400000;

export function TrendsPage({ route }: { route: Route }) {
  const p = route.params;
  const days = RANGES.some(([v]) => v === p.get('days')) ? Number(p.get('days')) : 30;
  const project = p.get('project') || '';
  const environment = p.get('environment') || '';
  const view = p.get('view') === 'table' ? 'table' : 'chart';
  // The window ends at the start of the next UTC day, so a day's figures
  // stay the same all day (and the URL means the same all day).
  const to = new Date(Math.floor(Date.now() / DAY) * DAY + DAY);
  const from = new Date(to.getTime() - days * DAY);
  const filter = { project, environment };
  const key = [days, project, environment];
  const bySev = useLoad(() => api.get<Trends>('/api/v1/metrics/trends' + qs({ ...filter, by: 'severity', from: from.toISOString(), to: to.toISOString() })), key);
  const all = useLoad(() => api.get<Trends>('/api/v1/metrics/trends' + qs({ ...filter, from: from.toISOString(), to: to.toISOString() })), key);
  const rem = useLoad(() => api.get<Remediation>('/api/v1/metrics/remediation' + qs({ ...filter, from: from.toISOString(), to: to.toISOString() })), key);
  const projects = useLoad(() => api.get<List<Project>>('/api/v1/projects?limit=1000'), []);
  const envs = useLoad(() => api.get<Summary>('/api/v1/summary'), []);
  const images = useLoad(() => imageAges(project, environment), [project, environment]);
  const range = `${from.toISOString().slice(0, 10)} to ${new Date(to.getTime() - DAY).toISOString().slice(0, 10)}`;
  return (
    <>
      <div class="page-head">
        <h1>Trends</h1>
        <div class="view-switch" role="group" aria-label="Show">
          <button type="button" aria-pressed={view === 'chart' ? 'true' : 'false'} onClick={() => setParam('view', '')}>
            Charts
          </button>
          <button type="button" aria-pressed={view === 'table' ? 'true' : 'false'} onClick={() => setParam('view', 'table')}>
            Tables
          </button>
        </div>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Period{' '}
          <select value={String(days)} onChange={(e) => setParam('days', (e.target as HTMLSelectElement).value === '30' ? '' : (e.target as HTMLSelectElement).value)}>
            {RANGES.map(([v, l]) => (
              <option value={v} key={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Project{' '}
          <select value={project} onChange={(e) => setParam('project', (e.target as HTMLSelectElement).value)}>
            <option value="">All projects</option>
            {(projects.data?.items || []).map((x) => (
              <option value={x.name} key={x.id}>
                {x.name}
              </option>
            ))}
            {project && !(projects.data?.items || []).some((x) => x.name === project) && <option value={project}>{project}</option>}
          </select>
        </label>
        <label>
          Environment{' '}
          <select value={environment} onChange={(e) => setParam('environment', (e.target as HTMLSelectElement).value)}>
            <option value="">Every environment</option>
            {Object.keys(envs.data?.by_environment || {})
              .sort()
              .map((x) => (
                <option value={x} key={x}>
                  {x}
                </option>
              ))}
            {environment && !Object.keys(envs.data?.by_environment || {}).includes(environment) && <option value={environment}>{environment}</option>}
          </select>
        </label>
        <span class="muted small">{range} (UTC days)</span>
      </form>
      <Section
        title="Open findings over time"
        id="trend-open"
        load={bySev}
        empty={(t) => !t.points || t.points.length === 0}
        emptyText="No daily snapshot in this period yet: the server takes one after each UTC day (an admin can take today's with POST /api/v1/admin/metrics/snapshot)."
      >
        {(t) => <OpenOverTime t={t} view={view} range={[from.getTime() / 1000, to.getTime() / 1000 - 86400]} />}
      </Section>
      <Section title="SLA breaches over time" id="trend-sla" load={all} empty={(t) => !t.points || t.points.length === 0} emptyText="No daily snapshot in this period yet.">
        {(t) => <BreachesOverTime t={t} view={view} range={[from.getTime() / 1000, to.getTime() / 1000 - 86400]} />}
      </Section>
      <div class="grid">
        <Section title="Mean time to remediate by severity" id="mttr" load={rem} empty={(r) => r.totals.remediated === 0} emptyText="No finding was remediated in this period.">
          {(r) => <MTTR r={r} view={view} />}
        </Section>
        <Section title="SLA compliance by severity" id="compliance" load={rem} empty={(r) => r.totals.remediated === 0 && r.totals.open === 0} emptyText="No open or remediated finding in this period.">
          {(r) => <Compliance r={r} view={view} />}
        </Section>
      </div>
      <Section title="Age of the images that run now" id="image-age" load={images} empty={(l) => l.rows.length === 0} emptyText="Nothing is deployed (or no deployed artifact is an image with a creation time).">
        {(l) => <ImageAge l={l} view={view} />}
      </Section>
    </>
  );
}

function dayIndex(t: Trends) {
  const days = [...new Set((t.points || []).map((p) => p.day))].sort();
  return { days, at: new Map(days.map((d, i) => [d, i])), xs: days.map((d) => new Date(d).getTime() / 1000) };
}

function OpenOverTime({ t, view, range }: { t: Trends; view: string; range: [number, number] }) {
  const { days, at, xs } = dayIndex(t);
  const rows: Record<string, number[]> = {};
  for (const s of SEVERITIES) rows[s] = days.map(() => 0);
  for (const p of t.points || []) if (p.severity && rows[p.severity]) rows[p.severity][at.get(p.day)!] += p.open;
  const shown = SEVERITIES.filter((s) => rows[s].some((n) => n > 0) || s !== 'UNKNOWN');
  const last = days.length - 1;
  const label = `Open findings per day from ${days[0]} to ${days[last]}; on ${days[last]}: ` + shown.map((s) => `${s} ${rows[s][last]}`).join(', ');
  if (view === 'table')
    return (
      <div class="scroll">
        <table data-testid="table-open">
          <caption class="sr-only">Open findings per day and severity</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              {shown.map((s) => (
                <th scope="col" class="num" key={s}>
                  {s}
                </th>
              ))}
              <th scope="col" class="num">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {days.map((d, i) => (
              <tr key={d}>
                <th scope="row">{d.slice(0, 10)}</th>
                {shown.map((s) => (
                  <td class="num" key={s}>
                    {rows[s][i]}
                  </td>
                ))}
                <td class="num">{shown.reduce((a, s) => a + rows[s][i], 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  const series: Series[] = shown.map((s) => ({ label: s, values: rows[s], color: sevColor(s) }));
  return <LineChart label={label} days={xs} range={range} series={series} unit="open findings" testid="chart-open" />;
}

function BreachesOverTime({ t, view, range }: { t: Trends; view: string; range: [number, number] }) {
  const { days, at, xs } = dayIndex(t);
  const breached = days.map(() => 0);
  const due = days.map(() => 0);
  for (const p of t.points || []) {
    breached[at.get(p.day)!] += p.breached;
    due[at.get(p.day)!] += p.due_soon;
  }
  const last = days.length - 1;
  if (view === 'table')
    return (
      <div class="scroll">
        <table data-testid="table-sla">
          <caption class="sr-only">Open findings past their SLA and due soon, per day</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col" class="num">
                SLA breached
              </th>
              <th scope="col" class="num">
                Due soon
              </th>
            </tr>
          </thead>
          <tbody>
            {days.map((d, i) => (
              <tr key={d}>
                <th scope="row">{d.slice(0, 10)}</th>
                <td class="num">{breached[i]}</td>
                <td class="num">{due[i]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  return (
    <LineChart
      label={`Open findings past their SLA and due soon, per day from ${days[0]} to ${days[last]}; on ${days[last]}: ${breached[last]} breached, ${due[last]} due soon`}
      days={xs}
      range={range}
      series={[
        { label: 'SLA breached', values: breached, color: '--chart-breached' },
        { label: 'Due soon', values: due, color: '--chart-due' },
      ]}
      unit="open findings"
      testid="chart-sla"
    />
  );
}

function sevGroups(r: Remediation) {
  const by = new Map((r.by_severity || []).map((g) => [g.key, g]));
  return SEVERITIES.filter((s) => by.has(s)).map((s) => by.get(s)!);
}

function MTTR({ r, view }: { r: Remediation; view: string }) {
  const gs = sevGroups(r).filter((g) => g.remediated > 0);
  if (view === 'table')
    return (
      <table data-testid="table-mttr">
        <caption class="sr-only">Mean time to remediate by severity</caption>
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col" class="num">
              Remediated
            </th>
            <th scope="col" class="num">
              MTTR (days)
            </th>
          </tr>
        </thead>
        <tbody>
          {gs.map((g) => (
            <tr key={g.key}>
              <td>
                <Sev s={g.key} />
              </td>
              <td class="num">{g.remediated}</td>
              <td class="num">{g.mttr_days.toFixed(1)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">All</th>
            <td class="num">{r.totals.remediated}</td>
            <td class="num">{r.totals.mttr_days.toFixed(1)}</td>
          </tr>
        </tbody>
      </table>
    );
  return (
    <>
      <p class="big">
        <span>{r.totals.mttr_days.toFixed(1)}</span> days on average, {r.totals.remediated} remediated
      </p>
      <BarChart
        label={'Mean time to remediate in days: ' + gs.map((g) => `${g.key} ${g.mttr_days.toFixed(1)} (${g.remediated} remediated)`).join(', ')}
        categories={gs.map((g) => g.key)}
        values={gs.map((g) => Math.round(g.mttr_days * 10) / 10)}
        colors={gs.map((g) => sevColor(g.key))}
        unit="days"
        testid="chart-mttr"
      />
    </>
  );
}

const pct = (n: number, of: number) => (of === 0 ? null : Math.round((1000 * n) / of) / 10);

function Compliance({ r, view }: { r: Remediation; view: string }) {
  const gs = sevGroups(r).filter((g) => g.remediated > 0 || g.open > 0);
  const onTime = (g: { remediated: number; remediated_late: number }) => pct(g.remediated - g.remediated_late, g.remediated);
  const within = (g: { open: number; breached: number }) => pct(g.open - g.breached, g.open);
  const show = (v: number | null) => (v === null ? '—' : v.toFixed(1) + ' %');
  if (view === 'table')
    return (
      <div class="scroll">
        <table data-testid="table-compliance">
          <caption class="sr-only">SLA compliance by severity</caption>
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col" class="num">
                Remediated
              </th>
              <th scope="col" class="num">
                Late
              </th>
              <th scope="col" class="num">
                On time
              </th>
              <th scope="col" class="num">
                Open
              </th>
              <th scope="col" class="num">
                Breached
              </th>
              <th scope="col" class="num">
                Open within SLA
              </th>
            </tr>
          </thead>
          <tbody>
            {[...gs, { ...r.totals, key: 'All' }].map((g) => (
              <tr key={g.key}>
                <td>{g.key === 'All' ? <strong>All</strong> : <Sev s={g.key} />}</td>
                <td class="num">{g.remediated}</td>
                <td class="num">{g.remediated_late}</td>
                <td class="num">{show(onTime(g))}</td>
                <td class="num">{g.open}</td>
                <td class="num">{g.breached}</td>
                <td class="num">{show(within(g))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  const rows = gs.map((g) => ({ key: g.key, v: within(g) ?? 100 }));
  return (
    <>
      <p class="big">
        <span>{show(within(r.totals))}</span> of the open findings within their SLA;{' '}
        {r.totals.remediated > 0 ? `${show(onTime(r.totals))} of the remediated ones fixed in time` : 'none remediated in this period'}
      </p>
      <BarChart
        label={'Open findings within their SLA, in percent: ' + gs.map((g) => `${g.key} ${show(within(g))} (${g.breached} of ${g.open} breached)`).join(', ')}
        categories={rows.map((x) => x.key)}
        values={rows.map((x) => x.v)}
        colors={rows.map((x) => sevColor(x.key))}
        unit="% within SLA"
        max={105}
        testid="chart-compliance"
      />
    </>
  );
}

interface ImageRow {
  d: DeploymentFreshness;
  ageDays: number;
}

const AGE_BUCKETS: [number, string][] = [
  [30, 'up to 30 d'],
  [90, '31–90 d'],
  [180, '91–180 d'],
  [365, '181–365 d'],
  [Infinity, 'over a year'],
];

// imageAges reads the age of every image that runs now from the
// freshness API, in one request: the project's (every deployment) or the
// portfolio's (the MAX_IMAGES oldest; the answer says when there may be
// more). The server computes the ages with its clock.
const MAX_IMAGES = 1000;

async function imageAges(project: string, environment: string): Promise<{ rows: ImageRow[]; more: boolean }> {
  const f = project
    ? await api.get<Freshness>('/api/v1/projects/' + encodeURIComponent(project) + '/freshness' + qs({ environment }))
    : await api.get<Freshness>('/api/v1/freshness' + qs({ environment, limit: MAX_IMAGES }));
  const ds = f.deployments || [];
  const rows = ds.filter((d) => d.known_age).map((d) => ({ d, ageDays: d.age_days }));
  rows.sort((a, b) => b.ageDays - a.ageDays || a.d.deployment_id - b.d.deployment_id);
  return { rows, more: !project && ds.length >= MAX_IMAGES };
}

function ImageAge({ l, view }: { l: { rows: ImageRow[]; more: boolean }; view: string }) {
  const counts = AGE_BUCKETS.map(([le], i) => l.rows.filter((r) => r.ageDays <= le && (i === 0 || r.ageDays > AGE_BUCKETS[i - 1][0])).length);
  const note = (
    <p class="muted small">
      The age is now minus the image's build time (its config's <code>created</code>, or the newest time of its layer history), for every deployment of an image running now
      {l.more ? `; only the ${MAX_IMAGES} oldest are counted` : ''}.
    </p>
  );
  if (view !== 'table')
    return (
      <>
        <BarChart
          label={'Running images by age: ' + AGE_BUCKETS.map(([, name], i) => `${name} ${counts[i]}`).join(', ')}
          categories={AGE_BUCKETS.map(([, name]) => name)}
          values={counts}
          colors={AGE_BUCKETS.map(() => '--chart-age')}
          unit="deployments"
          counts
          testid="chart-image-age"
        />
        {note}
      </>
    );
  return (
    <>
      <table class="compact" data-testid="table-image-age-buckets">
        <caption class="sr-only">Running images by age</caption>
        <thead>
          <tr>
            <th scope="col">Age</th>
            <th scope="col" class="num">
              Deployments
            </th>
          </tr>
        </thead>
        <tbody>
          {AGE_BUCKETS.map(([, name], i) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td class="num">{counts[i]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="scroll">
        <table data-testid="table-image-age">
          <caption>The oldest running images</caption>
          <thead>
            <tr>
              <th scope="col">Environment</th>
              <th scope="col">Project</th>
              <th scope="col">Service</th>
              <th scope="col">Artifact</th>
              <th scope="col">Image built</th>
              <th scope="col" class="num">
                Age (days)
              </th>
            </tr>
          </thead>
          <tbody>
            {l.rows.slice(0, 50).map((r) => (
              <tr key={r.d.deployment_id}>
                <th scope="row">{r.d.environment}</th>
                <td>
                  <a href={paths.project(r.d.project)}>{r.d.project}</a>
                </td>
                <td>{r.d.service}</td>
                <td>
                  <a href={paths.artifact(r.d.artifact_id)}>
                    <Digest d={r.d.digest} />
                  </a>
                </td>
                <td>
                  <Time t={r.d.built} />
                </td>
                <td class="num age">{Math.floor(r.ageDays)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {note}
    </>
  );
}
