import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { cssVar, useThemeVersion } from './theme';

// Charts are drawn by uPlot on a canvas; each carries its numbers as text
// (its aria-label) and the page offers the same numbers as a table. A
// series is told apart by its label, its line dash (lines) or its
// position (bars), never by its colour alone.

export interface Series {
  label: string;
  values: (number | null)[];
  /** colour: a CSS custom property (--sev-critical, ...) */
  color: string;
  dash?: number[];
}

// Dash patterns in the order of the series: a line is told apart from
// its neighbours by its pattern as well as its colour.
export const DASHES: (number[] | undefined)[] = [undefined, [10, 4], [2, 3], [12, 4, 2, 4], [6, 6]];

// Counts are whole numbers: no tick at 0.5.
const COUNT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000];

function axis(unit: string): uPlot.Axis {
  const stroke = cssVar('--text');
  const grid = cssVar('--border');
  return {
    stroke,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    label: unit,
    font: '12px system-ui, sans-serif',
    labelFont: '12px system-ui, sans-serif',
  };
}

function useUPlot(make: (width: number) => uPlot.Options, data: uPlot.AlignedData, deps: unknown[]) {
  const ref = useRef<HTMLDivElement>(null);
  const theme = useThemeVersion();
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const width = () => Math.max(280, Math.floor(el.clientWidth));
    const plot = new uPlot(make(width()), data, el);
    const ro = new ResizeObserver(() => {
      const w = width();
      if (w !== plot.width) plot.setSize({ width: w, height: plot.height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [...deps, theme]);
  return ref;
}

/** LineChart draws series over days (x: Unix seconds). */
export function LineChart(props: { label: string; days: number[]; range: [number, number]; series: Series[]; unit: string; testid?: string }) {
  const data: uPlot.AlignedData = [props.days, ...props.series.map((s) => s.values)];
  const ref = useUPlot(
    (width) => ({
      width,
      height: 240,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: props.range }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [axis(''), { ...axis(props.unit), incrs: COUNT_INCRS }],
      series: [{}, ...props.series.map((s, i) => ({ label: s.label, stroke: cssVar(s.color), width: 2, dash: s.dash ?? DASHES[i % DASHES.length], points: { show: props.days.length < 40 } }))],
    }),
    data,
    [JSON.stringify(data), props.range.join(), props.series.map((s) => s.label + s.color).join()],
  );
  return (
    <Figure label={props.label} testid={props.testid} legend={<Legend series={props.series} line />}>
      <div ref={ref} class="chart-canvas" />
    </Figure>
  );
}

/** BarChart draws one bar per category. */
export function BarChart(props: { label: string; categories: string[]; values: number[]; colors: string[]; unit: string; testid?: string; max?: number; counts?: boolean }) {
  const xs = props.categories.map((_, i) => i);
  const data: uPlot.AlignedData = [xs, props.values];
  const ref = useUPlot(
    (width) => {
      const colors = props.colors.map((c) => cssVar(c));
      return {
        width,
        height: 220,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: [-0.5, xs.length - 0.5] }, y: { range: (_u, _min, max) => [0, props.max ?? Math.max(1, max * 1.1)] } },
        axes: [{ ...axis(''), values: (_u, ticks) => ticks.map((t) => props.categories[t] ?? ''), splits: () => xs, grid: { show: false } }, props.counts ? { ...axis(props.unit), incrs: COUNT_INCRS } : axis(props.unit)],
        series: [
          {},
          {
            label: props.label,
            paths: uPlot.paths.bars!({
              size: [0.6, 80],
              disp: { fill: { unit: 3, values: () => colors }, stroke: { unit: 3, values: () => colors } },
            }),
            points: { show: false },
            fill: colors[0],
            stroke: colors[0],
          },
        ],
        hooks: {
          // Each bar in its category's colour, with its value written above it.
          draw: [
            (u) => {
              const ctx = u.ctx;
              ctx.save();
              ctx.font = `${Math.round(12 * devicePixelRatio)}px system-ui, sans-serif`;
              ctx.textAlign = 'center';
              ctx.fillStyle = cssVar('--text');
              props.values.forEach((v, i) => {
                const x = u.valToPos(i, 'x', true);
                const y = u.valToPos(v, 'y', true);
                ctx.fillText(fmt(v), x, y - 4 * devicePixelRatio);
              });
              ctx.restore();
            },
          ],
        },
      };
    },
    data,
    [JSON.stringify(data), props.categories.join(), props.colors.join()],
  );
  return (
    <Figure label={props.label} testid={props.testid}>
      <div ref={ref} class="chart-canvas" />
    </Figure>
  );
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function Figure(props: { label: string; testid?: string; legend?: ComponentChildren; children: ComponentChildren }) {
  return (
    <figure class="chart" data-testid={props.testid}>
      <div role="img" aria-label={props.label}>
        {props.children}
      </div>
      {props.legend && <figcaption>{props.legend}</figcaption>}
    </figure>
  );
}

function Legend({ series, line }: { series: Series[]; line?: boolean }) {
  return (
    <ul class="legend">
      {series.map((s, i) => (
        <li key={s.label}>
          {line && (
            <svg width="28" height="10" class="legend-line" aria-hidden="true">
              <line x1="0" y1="5" x2="28" y2="5" class={'stroke-' + s.color.slice(2)} stroke-dasharray={(s.dash ?? DASHES[i % DASHES.length] ?? []).join(' ')} />
            </svg>
          )}
          {s.label}
        </li>
      ))}
    </ul>
  );
}
