import { Fragment } from 'preact';
import { api, type Artifact, type Deployment, type DeploymentFreshness, type Freshness, type List, type Project, type ProjectScore, qs, type Remediation } from '../api';
import { days, TooOld } from '../freshness';
import { ScoreSection } from '../score';
import { SLASection } from './slaview';
import { paths, type Route, setParam } from '../router';
import { age, Digest, ErrorBox, Section, Time, useLoad } from '../ui';
import { FindingsList, stateParam } from './findings';

export function ProjectPage({ name, route }: { name: string; route: Route }) {
  const enc = encodeURIComponent(name);
  const project = useLoad(() => api.get<Project>('/api/v1/projects/' + enc), [name]);
  const deps = useLoad(
    () => api.get<List<Deployment>>('/api/v1/deployments?active=true&limit=1000&project=' + enc),
    [name],
  );
  const rem = useLoad(() => api.get<Remediation>('/api/v1/metrics/remediation?project=' + enc), [name]);
  // The score's environment is in the URL (?env=); "" is every environment.
  const env = route.params.get('env') || '';
  const score = useLoad(() => api.get<ProjectScore>('/api/v1/projects/' + enc + '/score' + qs({ environment: env })), [name, env]);
  const fresh = useLoad(() => api.get<Freshness>('/api/v1/projects/' + enc + '/freshness'), [name]);
  const byDeployment = new Map<number, DeploymentFreshness>((fresh.data?.deployments || []).map((d) => [d.deployment_id, d]));
  const environments = [...new Set((deps.data?.items || []).map((d) => d.environment))].sort();
  const arts = useLoad(() => api.get<List<Artifact>>('/api/v1/projects/' + enc + '/artifacts?limit=100'), [name]);
  return (
    <>
      <div class="page-head">
        <h1>
          Project <span class="name">{name}</span>
        </h1>
      </div>
      <Section title="About" load={project}>
        {(p) => (
          <dl class="facts">
            <dt>Team</dt>
            <dd>{p.team || '—'}</dd>
            <dt>Created</dt>
            <dd>
              <Time t={p.created_at} />
            </dd>
            {Object.entries(p.labels || {}).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </Fragment>
            ))}
          </dl>
        )}
      </Section>
      <ScoreSection load={score} environment={env} environments={environments} onEnvironment={(v) => setParam('env', v)} />
      <Section
        title="Deployments"
        load={deps}
        empty={(l) => l.items.length === 0}
        emptyText="Nothing of this project runs anywhere yet."
      >
        {(l) => (
          <>
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Environment</th>
                    <th scope="col">Service</th>
                    <th scope="col">Where</th>
                    <th scope="col">Artifact</th>
                    <th scope="col">Since</th>
                    <th scope="col">Running for</th>
                    <th scope="col">Image age</th>
                  </tr>
                </thead>
                <tbody>
                  {l.items
                    .slice()
                    .sort((a, b) => a.environment.localeCompare(b.environment) || a.service.localeCompare(b.service))
                    .map((d) => (
                      <tr key={d.id}>
                        <th scope="row">{d.environment}</th>
                        <td>{d.service}</td>
                        <td>{[d.cluster, d.namespace].filter(Boolean).join(' / ') || '—'}</td>
                        <td>
                          <a href={paths.artifact(d.artifact_id)}>
                            <Digest d={d.digest} />
                          </a>
                        </td>
                        <td>
                          <Time t={d.start} />
                        </td>
                        <td class="age">{age(d.start)}</td>
                        <td data-testid="image-age">
                          <ImageAge f={byDeployment.get(d.id)} state={fresh.error ? 'failed' : fresh.data === undefined ? 'loading' : 'loaded'} limit={fresh.data?.max_image_age_days || 0} />
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
            {fresh.error && <ErrorBox error={fresh.error} retry={fresh.reload} />}
          </>
        )}
      </Section>
      <Section title="Artifacts" load={arts} empty={(l) => l.items.length === 0} emptyText="No artifact pushed yet.">
        {(l) => (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Version</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Digest</th>
                  <th scope="col" class="num">
                    Packages
                  </th>
                  <th scope="col">Pushed</th>
                </tr>
              </thead>
              <tbody>
                {l.items.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <a href={paths.artifact(a.id)}>{a.name}</a>
                    </td>
                    <td>{a.version || '—'}</td>
                    <td>{a.kind}</td>
                    <td>
                      <Digest d={a.digest} />
                    </td>
                    <td class="num">{a.packages}</td>
                    <td>
                      <Time t={a.created_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <SLASection rem={rem} />
      <FindingsList filter={{ project: name }} state={stateParam(route.params)} sla={{ rem: rem.data }} />
    </>
  );
}

/** ImageAge is how long ago the deployment's image was built (its reverse uptime), badged when too old. */
function ImageAge({ f, state, limit }: { f?: DeploymentFreshness; state: 'loading' | 'failed' | 'loaded'; limit: number }) {
  if (!f) return <span class="muted">{state === 'loading' ? 'loading…' : state === 'failed' ? 'not loaded' : 'not an image'}</span>;
  if (!f.known_age) return <span class="muted">unknown build time</span>;
  return (
    <>
      <span class="age" title={f.built ? 'built ' + f.built + (f.built_from === 'history' ? ' (from the layer history)' : '') : undefined}>
        {days(f)}
      </span>{' '}
      <TooOld d={f} limit={limit} />
    </>
  );
}
