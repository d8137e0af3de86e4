import { useEffect, useState } from 'preact/hooks';
import { api, type Deployment, type List, type Project } from '../api';
import { navigate, paths, type Route } from '../router';
import { Digest, Section, Time, useLoad } from '../ui';
import { FindingsList, stateParam } from './findings';

// Search by what the API can filter on: a vulnerability id or any alias
// (findings?vulnerability=), a purl with or without version
// (findings?purl=), a bare package name (findings?package=), an image
// digest (what runs where), a project name. A word is a vulnerability id
// when it looks like one (an upper-case prefix and a dash: CVE-…, GHSA-…,
// GO-…, PYSEC-…), else a package name; ?as=vuln or ?as=package says
// which when the guess is wrong.

export type Kind = 'purl' | 'digest' | 'vuln' | 'package';

export function kindOf(q: string, as?: string | null): Kind {
  if (q.startsWith('pkg:')) return 'purl';
  if (/^sha(256|384|512):/.test(q)) return 'digest';
  if (as === 'vuln' || as === 'package') return as;
  return /^[A-Z][A-Z0-9]+-[A-Za-z0-9][\w.:-]*$/.test(q) ? 'vuln' : 'package';
}

export function SearchBox({ initial, id }: { initial: string; id: string }) {
  const [text, setText] = useState(initial);
  useEffect(() => setText(initial), [initial]);
  return (
    <form
      role="search"
      class="searchbox"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) navigate(paths.search(text.trim()));
      }}
    >
      <label for={id} class="sr-only">
        Search by CVE or alias, package name or purl, image digest or project
      </label>
      <input id={id} type="search" value={text} placeholder="CVE-…, GHSA-…, lodash, pkg:npm/lodash, sha256:…" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      <button type="submit">Search</button>
    </form>
  );
}

export function SearchPage({ route }: { route: Route }) {
  const q = (route.params.get('q') || '').trim();
  const kind = kindOf(q, route.params.get('as'));
  const other = kind === 'vuln' ? 'package' : 'vuln';
  const otherURL = paths.search(q) + '&as=' + other;
  return (
    <>
      <div class="page-head">
        <h1>Search</h1>
      </div>
      <SearchBox initial={q} id="search-page-q" />
      {!q && (
        <p class="empty">
          Type a vulnerability id or alias (CVE-2021-23337, GHSA-…), a package name (lodash), a purl (pkg:npm/lodash or pkg:npm/lodash@4.17.15), an image digest or a project name.
        </p>
      )}
      {q && (kind === 'vuln' || kind === 'package') && (
        <p class="muted" data-testid="search-as">
          Searching <code>{q}</code> as {kind === 'vuln' ? 'a vulnerability id or alias' : 'a package name (exactly, in every ecosystem and version)'}.{' '}
          <a href={otherURL}>Search it as {other === 'vuln' ? 'a vulnerability id' : 'a package name'} instead</a>.
        </p>
      )}
      {q && kind === 'purl' && <FindingsList filter={{ purl: q }} state={stateParam(route.params)} title={`Findings of ${q}`} />}
      {q && kind === 'vuln' && (
        <>
          <Projects q={q} />
          <FindingsList filter={{ vulnerability: q }} state={stateParam(route.params)} title={`Findings of ${q}`} />
        </>
      )}
      {q && kind === 'package' && (
        <>
          <Projects q={q} />
          <FindingsList filter={{ package: q }} state={stateParam(route.params)} title={`Findings of the package ${q}`} />
        </>
      )}
      {q && kind === 'digest' && <DigestSearch q={q} />}
    </>
  );
}

function Projects({ q }: { q: string }) {
  const l = useLoad(() => api.get<List<Project>>('/api/v1/projects?limit=1000'), []);
  const needle = q.toLowerCase();
  const hits = (l.data?.items || []).filter((p) => p.name.toLowerCase().includes(needle));
  if (!l.data || hits.length === 0) return null;
  return (
    <section class="card" aria-labelledby="projects-h">
      <div class="card-head">
        <h2 id="projects-h">Projects</h2>
      </div>
      <ul>
        {hits.slice(0, 20).map((p) => (
          <li key={p.id}>
            <a href={paths.project(p.name)}>{p.name}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function DigestSearch({ q }: { q: string }) {
  const l = useLoad(() => api.get<List<Deployment>>('/api/v1/deployments?limit=1000'), [q]);
  return (
    <Section
      title={`Where ${q.slice(0, 19)}… runs and ran`}
      id="digest"
      load={l}
      empty={(d) => d.items.filter((x) => x.digest.startsWith(q)).length === 0}
      emptyText="No deployment of this digest (an artifact that was never deployed is found from its project's page)."
    >
      {(d) => (
        <table>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Environment</th>
              <th scope="col">Artifact</th>
              <th scope="col">From</th>
              <th scope="col">Until</th>
            </tr>
          </thead>
          <tbody>
            {d.items
              .filter((x) => x.digest.startsWith(q))
              .map((x) => (
                <tr key={x.id}>
                  <td>
                    <a href={paths.project(x.project)}>{x.project}</a>
                  </td>
                  <td>{x.environment}</td>
                  <td>
                    <a href={paths.artifact(x.artifact_id)}>
                      <Digest d={x.digest} />
                    </a>
                  </td>
                  <td>
                    <Time t={x.start} />
                  </td>
                  <td>{x.end ? <Time t={x.end} /> : 'now'}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
