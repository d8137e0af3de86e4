import type { Finding, Remediation } from './api';

// A finding's SLA (docs/metrics.md): due at first_seen + the SLA days of
// its project and severity (the remediation report's `sla`); breached
// while open past that, due soon while open and due within the report's
// due_within_days.

export type SLAState = 'breached' | 'due_soon' | 'within' | 'none';

// now is the server's (the report's), so that a badge agrees with the
// report's counts whatever the browser's clock says.
export function slaOf(f: Finding, rep: Remediation | undefined): { due?: Date; state: SLAState } {
  const now = rep ? new Date(rep.now).getTime() : Date.now();
  const days = rep?.sla?.[f.project]?.[f.severity];
  if (!days) return { state: 'none' };
  const due = new Date(new Date(f.first_seen).getTime() + days * 86400000);
  if (f.state !== 'open') return { due, state: 'none' };
  if (due.getTime() <= now) return { due, state: 'breached' };
  if (due.getTime() - now <= (rep?.due_within_days ?? 7) * 86400000) return { due, state: 'due_soon' };
  return { due, state: 'within' };
}

/** SLABadge says in words (and a shape) where an open finding stands against its SLA. */
export function SLABadge({ state }: { state: SLAState }) {
  if (state === 'breached')
    return (
      <span class="badge badge-breached">
        <span aria-hidden="true">✖ </span>SLA breached
      </span>
    );
  if (state === 'due_soon')
    return (
      <span class="badge badge-due">
        <span aria-hidden="true">◔ </span>due soon
      </span>
    );
  return null;
}
