import type { ProjectScore, Scores } from './api';
import { paths } from './router';
import { type Loaded, Section } from './ui';

// Security scores (docs/score.md): a number from 0 to 100 and a letter
// grade, computed by the server. The grade is always shown as its letter
// (the colour only repeats it).

const GRADES = ['A', 'B', 'C', 'D', 'F'];

/** Grade shows a letter grade as text on a colour that passes AA with white text. */
export function Grade({ g }: { g: string }) {
  const k = GRADES.includes(g) ? g : 'F';
  return (
    <span class={'grade grade-' + k.toLowerCase()} data-testid="grade">
      <span class="sr-only">grade </span>
      {g}
    </span>
  );
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** WorstScores is the overview's list of the lowest scores (GET /api/v1/scores). */
export function WorstScores({ load }: { load: Loaded<Scores> }) {
  return (
    <Section title="Worst scores" id="scores" load={load} empty={(s) => !s.items || s.items.length === 0} emptyText="No project to score yet: push an SBOM or a report.">
      {(s) => (
        <div class="scroll">
          <table data-testid="worst-scores">
            <caption class="sr-only">Projects by security score, lowest first (0 to 100; grades A to F)</caption>
            <thead>
              <tr>
                <th scope="col">Project</th>
                <th scope="col">Environment</th>
                <th scope="col" class="num">
                  Score
                </th>
                <th scope="col">Grade</th>
              </tr>
            </thead>
            <tbody>
              {(s.items || []).map((p) => (
                <tr key={p.project + '/' + (p.environment || '')}>
                  <th scope="row">
                    <a href={paths.project(p.project) + (p.environment ? '?env=' + encodeURIComponent(p.environment) : '')}>{p.project}</a>
                  </th>
                  <td>{p.environment || <span class="muted">every environment</span>}</td>
                  <td class="num">{p.score}</td>
                  <td>
                    <Grade g={p.grade} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

/** ScoreSection is a project's score and every component that makes it up. */
export function ScoreSection({
  load,
  environment,
  environments,
  onEnvironment,
}: {
  load: Loaded<ProjectScore>;
  environment: string;
  environments: string[];
  onEnvironment: (env: string) => void;
}) {
  const envs = environment && !environments.includes(environment) ? [...environments, environment] : environments;
  const picker = (
    <label class="inline">
      Environment{' '}
      <select value={environment} onChange={(e) => onEnvironment((e.target as HTMLSelectElement).value)} data-testid="score-env">
        <option value="">Every environment</option>
        {envs.map((x) => (
          <option value={x} key={x}>
            {x}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <Section title="Security score" id="score" load={load} actions={picker}>
      {(s) => (
        <>
          <p class="big" data-testid="score">
            <span>{s.score}</span> out of 100, <Grade g={s.grade} />
          </p>
          <p class="muted small">{s.environment ? `In ${s.environment}: only the findings and images of what runs there count.` : 'Over every artifact of the project (open findings and running images).'}</p>
          <div class="scroll">
            <table data-testid="score-components">
              <caption>What makes up the score: 100 minus the penalty of each component (a component takes away at most its weight)</caption>
              <thead>
                <tr>
                  <th scope="col">Component</th>
                  <th scope="col" class="num">
                    Weight
                  </th>
                  <th scope="col" class="num">
                    Value
                  </th>
                  <th scope="col" class="num">
                    Penalty
                  </th>
                  <th scope="col">Explanation</th>
                </tr>
              </thead>
              <tbody>
                {(s.components || []).map((c) => (
                  <tr key={c.name}>
                    <th scope="row">
                      <code>{c.name}</code>
                    </th>
                    <td class="num">{fmt(c.weight)}</td>
                    <td class="num">{fmt(c.value)}</td>
                    <td class="num">{c.penalty.toFixed(2)}</td>
                    <td>{c.explain}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Section>
  );
}
