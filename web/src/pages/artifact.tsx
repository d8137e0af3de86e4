import { useEffect, useState } from 'preact/hooks';
import { api, type Artifact, type Finding, type List, type Package } from '../api';
import { paths, type Route, setParam } from '../router';
import { Digest, ErrorBox, Loading, Section, Time, useLoad } from '../ui';
import { FindingsList, stateParam } from './findings';

/** allPackages pages through an artifact's packages (1000 a page). */
async function allPackages(id: number): Promise<Package[]> {
  let out: Package[] = [];
  let cursor = '';
  for (let i = 0; i < 100; i++) {
    const l = await api.get<List<Package>>(`/api/v1/artifacts/${id}/packages?limit=1000${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    out = out.concat(l.items);
    if (!l.next_cursor) break;
    cursor = l.next_cursor;
  }
  return out;
}

function layersOf(p: Package): string[] {
  return Array.from(new Set((p.locations || []).map((l) => l.layer).filter((x): x is string => !!x)));
}

export function ArtifactPage({ id, route }: { id: number; route: Route }) {
  const art = useLoad(() => api.get<Artifact>('/api/v1/artifacts/' + id), [id]);
  // Open findings per layer: the layers of the files that hold each
  // finding's package.
  const open = useLoad(() => api.get<List<Finding>>(`/api/v1/findings?artifact=${id}&state=open&limit=1000`), [id]);
  const perLayer = new Map<string, number>();
  for (const f of open.data?.items || []) {
    for (const l of new Set((f.package?.locations || []).map((x) => x.layer).filter(Boolean))) perLayer.set(l as string, (perLayer.get(l as string) || 0) + 1);
  }
  const q = route.params.get('q') || '';
  const layer = route.params.get('layer') || '';
  return (
    <>
      <div class="page-head">
        <h1>
          Artifact <span class="name">{art.data ? art.data.name : id}</span>
        </h1>
      </div>
      <Section title="About" load={art}>
        {(a) => (
          <dl class="facts">
            <dt>Project</dt>
            <dd>
              <a href={paths.project(a.project)}>{a.project}</a>
            </dd>
            <dt>Kind</dt>
            <dd>{a.kind}</dd>
            <dt>Digest</dt>
            <dd>
              <code class="digest wrap">{a.digest}</code>
            </dd>
            <dt>Version</dt>
            <dd>{a.version || '—'}</dd>
            <dt>Format</dt>
            <dd>
              {a.format}
              {a.tool_name ? ` (${a.tool_name} ${a.tool_version || ''})` : ''}
            </dd>
            {a.image?.os && (
              <>
                <dt>OS</dt>
                <dd>
                  {a.image.os} {a.image.os_version}
                  {a.image.os_eol ? ' (end of life)' : ''}
                </dd>
              </>
            )}
            {a.image?.created && (
              <>
                <dt>Image built</dt>
                <dd>
                  <Time t={a.image.created} />
                </dd>
              </>
            )}
            <dt>Packages</dt>
            <dd>{a.packages}</dd>
            <dt>Pushed</dt>
            <dd>
              <Time t={a.created_at} />
            </dd>
          </dl>
        )}
      </Section>
      {art.data?.image?.layers && art.data.image.layers.length > 0 && (
        <section class="card" aria-labelledby="layers-h">
          <div class="card-head">
            <h2 id="layers-h">Layers</h2>
          </div>
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Digest</th>
                  <th scope="col">Created by</th>
                  <th scope="col" class="num">
                    Packages added
                  </th>
                  <th scope="col" class="num">
                    Open findings
                  </th>
                  <th scope="col">Show</th>
                </tr>
              </thead>
              <tbody>
                {art.data.image.layers.map((l, i) => (
                  <tr key={l.digest}>
                    <td>{i + 1}</td>
                    <td>
                      <Digest d={l.digest} />
                    </td>
                    <td class="wrap">{l.created_by || '—'}</td>
                    <td class="num">{l.packages}</td>
                    <td class="num">{open.data ? perLayer.get(l.digest) || 0 : '…'}{open.data?.next_cursor ? '+' : ''}</td>
                    <td>
                      <button type="button" class="link" onClick={() => setParam('layer', layer === l.digest ? '' : l.digest)} aria-pressed={layer === l.digest ? 'true' : 'false'}>
                        {layer === l.digest ? 'All packages' : 'Its packages'}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <Packages id={id} q={q} layer={layer} />
      <FindingsList filter={{ artifact: id }} state={stateParam(route.params)} title="Findings of this artifact" />
    </>
  );
}

function Packages({ id, q, layer }: { id: number; q: string; layer: string }) {
  const [pkgs, setPkgs] = useState<Package[] | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const [text, setText] = useState(q);
  const load = () => {
    setError(undefined);
    allPackages(id).then(setPkgs, setError);
  };
  useEffect(load, [id]);
  useEffect(() => setText(q), [q]);
  const needle = q.toLowerCase();
  const shown = (pkgs || []).filter(
    (p) =>
      (!needle || p.name.toLowerCase().includes(needle) || (p.purl || '').toLowerCase().includes(needle) || p.version.toLowerCase().includes(needle)) &&
      (!layer || layersOf(p).includes(layer)),
  );
  return (
    <section class="card" aria-labelledby="packages-h">
      <div class="card-head">
        <h2 id="packages-h">Packages</h2>
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setParam('q', text.trim());
          }}
        >
          <label for="pkg-q">Filter packages</label>{' '}
          <input id="pkg-q" type="search" value={text} placeholder="name, version or purl" onInput={(e) => setText((e.target as HTMLInputElement).value)} />{' '}
          <button type="submit">Filter</button>
        </form>
      </div>
      {error && <ErrorBox error={error} retry={load} />}
      {!pkgs && !error && <Loading />}
      {pkgs && (
        <>
          <p class="muted" role="status">
            {shown.length} of {pkgs.length} packages{layer ? ' added by the chosen layer' : ''}
            {q ? ` matching “${q}”` : ''}
          </p>
          {shown.length > 0 && (
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Version</th>
                    <th scope="col">Ecosystem</th>
                    <th scope="col">purl</th>
                    <th scope="col">Locations</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.slice(0, 500).map((p, i) => (
                    <tr key={(p.purl || p.name + p.version) + i}>
                      <td>{p.name}</td>
                      <td>{p.version}</td>
                      <td>{p.ecosystem}</td>
                      <td class="wrap">
                        <code>{p.purl || '—'}</code>
                      </td>
                      <td class="wrap small">{(p.locations || []).map((l) => l.path + (l.line ? ':' + l.line : '')).join(', ') || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {shown.length > 500 && <p class="muted">The first 500 are shown: filter to narrow them down.</p>}
        </>
      )}
    </section>
  );
}
