import type { DeploymentFreshness, Freshness } from './api';
import { paths } from './router';
import { Digest, type Loaded, Section, Time } from './ui';

// Image freshness (docs/freshness.md): how long ago the image a
// deployment runs was built (its "reverse uptime"), how long it has run,
// and what it is built on. The server computes the ages with its clock.

/** days shows a number of days as whole days ("—" when unknown). */
export function days(d: DeploymentFreshness): string {
  return d.known_age ? Math.floor(d.age_days) + ' d' : 'unknown';
}

/** TooOld badges a deployment whose image is older than the server's limit. */
export function TooOld({ d, limit }: { d: DeploymentFreshness; limit: number }) {
  if (!d.too_old) return null;
  return (
    <span class="badge badge-too-old" title={`built more than ${limit} days ago (freshness.max_image_age_days)`}>
      <span aria-hidden="true">◷ </span>too old
    </span>
  );
}

/** Base shows a deployment's base image: its name (or digest), its age when known, and how it was found. */
export function Base({ d }: { d: DeploymentFreshness }) {
  const b = d.base;
  if (!b) return <span class="muted">unknown</span>;
  const what = b.name ? <span>{b.name}</span> : b.digest ? <Digest d={b.digest} /> : <span class="muted">unnamed</span>;
  return (
    <>
      {b.artifact_id ? <a href={paths.artifact(b.artifact_id)}>{what}</a> : what}
      {b.age_days ? <span class="muted age"> ({Math.floor(b.age_days)} d old)</span> : null}
      <span class="muted small"> {b.source === 'layers' ? 'by its layers' : 'declared'}</span>
    </>
  );
}

/** OldestImages is the overview's oldest running images (GET /api/v1/freshness). */
export function OldestImages({ load }: { load: Loaded<Freshness> }) {
  return (
    <Section
      title="Oldest images in production"
      id="oldest-images"
      load={load}
      empty={(f) => !f.deployments || f.deployments.length === 0}
      emptyText="No image runs anywhere yet: record deployments of image artifacts with vigil deploy."
    >
      {(f) => (
        <div class="scroll">
          <table data-testid="oldest-images">
            <caption class="sr-only">The images running now, oldest build first (age: now minus the image's build time)</caption>
            <thead>
              <tr>
                <th scope="col">Image</th>
                <th scope="col">Project</th>
                <th scope="col">Environment</th>
                <th scope="col">Age</th>
                <th scope="col">Running since</th>
                <th scope="col">Base image</th>
              </tr>
            </thead>
            <tbody>
              {(f.deployments || []).map((d) => (
                <tr key={d.deployment_id}>
                  <th scope="row">
                    <a href={paths.artifact(d.artifact_id)}>{d.name || <Digest d={d.digest} />}</a>
                  </th>
                  <td>
                    <a href={paths.project(d.project)}>{d.project}</a>
                  </td>
                  <td>{d.environment}</td>
                  <td>
                    <span class="age">{days(d)}</span> <TooOld d={d} limit={f.max_image_age_days} />
                  </td>
                  <td>
                    <Time t={d.since} />
                  </td>
                  <td>
                    <Base d={d} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {f.max_image_age_days > 0 && <p class="muted small">An image built more than {f.max_image_age_days} days ago is marked too old.</p>}
        </div>
      )}
    </Section>
  );
}
