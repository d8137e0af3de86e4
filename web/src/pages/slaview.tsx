import { type Loaded, Section, Sev } from '../ui';
import { type Remediation, SEVERITIES } from '../api';
import { paths } from '../router';

/** SLASection: open findings past their SLA and due soon, by severity (and the worst projects on the overview). */
export function SLASection({ rem, projects }: { rem: Loaded<Remediation>; projects?: boolean }) {
  return (
    <Section title="SLA breaches and findings due soon" id="sla" load={rem} empty={(r) => r.totals.open === 0} emptyText="No open findings, so none is due.">
      {(r) => {
        const by = new Map((r.by_severity || []).map((g) => [g.key, g]));
        const worst = (r.by_project || [])
          .filter((g) => g.breached > 0 || g.due_soon > 0)
          .sort((a, b) => b.breached - a.breached || b.due_soon - a.due_soon || a.key.localeCompare(b.key))
          .slice(0, 10);
        const slaDays = (s: string) => {
          const ds = new Set(Object.values(r.sla || {}).map((m) => m[s] || 0));
          if (ds.size === 0) return '—';
          if (ds.size === 1) return [...ds][0] ? `${[...ds][0]} d` : 'none';
          return 'per project';
        };
        return (
          <>
            <p class="big" data-testid="sla-breached">
              <span>{r.totals.breached}</span> past their SLA, <strong>{r.totals.due_soon}</strong> due within {r.due_within_days} days
            </p>
            <div class="scroll">
              <table class="compact">
                <caption class="sr-only">Open findings past their SLA and due soon, by severity</caption>
                <thead>
                  <tr>
                    <th scope="col">Severity</th>
                    <th scope="col" class="num">
                      SLA
                    </th>
                    <th scope="col" class="num">
                      Open
                    </th>
                    <th scope="col" class="num">
                      Breached
                    </th>
                    <th scope="col" class="num">
                      Due soon
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {SEVERITIES.filter((s) => by.has(s)).map((s) => (
                    <tr key={s}>
                      <td>
                        <Sev s={s} />
                      </td>
                      <td class="num">{slaDays(s)}</td>
                      <td class="num">{by.get(s)!.open}</td>
                      <td class="num" data-testid={'breached-' + s}>
                        {by.get(s)!.breached}
                      </td>
                      <td class="num">{by.get(s)!.due_soon}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {projects && worst.length > 0 && (
              <div class="scroll">
                <table>
                  <caption>Projects with the most breaches</caption>
                  <thead>
                    <tr>
                      <th scope="col">Project</th>
                      <th scope="col" class="num">
                        Breached
                      </th>
                      <th scope="col" class="num">
                        Due soon
                      </th>
                      <th scope="col" class="num">
                        Open
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {worst.map((g) => (
                      <tr key={g.key}>
                        <th scope="row">
                          <a href={paths.project(g.key)}>{g.key}</a>
                        </th>
                        <td class="num">{g.breached}</td>
                        <td class="num">{g.due_soon}</td>
                        <td class="num">{g.open}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <p class="muted small">
              A finding is due at its first sighting plus its project's SLA for its severity; it counts while open (docs/metrics.md).
            </p>
          </>
        );
      }}
    </Section>
  );
}
