// The dashboard reads and writes only through the public API (/api/v1)
// with its session cookie; /api/session logs in and out. State changes
// carry the session's CSRF token.

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface SessionInfo {
  name: string;
  role: string;
  projects: string[];
  csrf_token: string;
  expires_at?: string;
  dev?: boolean;
}

export interface Project {
  id: number;
  name: string;
  team: string;
  labels: Record<string, string> | null;
  created_at: string;
}

export interface Layer {
  digest: string;
  created_by?: string;
  packages: number;
}

export interface Artifact {
  id: number;
  project: string;
  kind: string;
  digest: string;
  name: string;
  version?: string;
  vcs_url?: string;
  vcs_commit?: string;
  format: string;
  tool_name?: string;
  tool_version?: string;
  image?: {
    reference?: string;
    created?: string;
    os?: string;
    os_version?: string;
    os_eol?: boolean;
    layers?: Layer[];
  };
  packages: number;
  created_at: string;
  updated_at: string;
}

export interface Location {
  path: string;
  line?: number;
  layer?: string;
  layer_created_by?: string;
}

export interface Package {
  id?: number;
  name: string;
  version: string;
  ecosystem: string;
  purl?: string;
  locations: Location[] | null;
  licenses?: string[];
}

export interface Deployment {
  id: number;
  project: string;
  artifact_id: number;
  digest: string;
  environment: string;
  service: string;
  cluster?: string;
  namespace?: string;
  start: string;
  end?: string;
  actor: string;
}

export interface Event {
  seq: number;
  at: string;
  kind: string;
  project?: string;
  artifact_id?: number;
  finding_id?: number;
  actor: string;
  from?: string;
  to?: string;
  reason?: string;
  data?: string;
}

export interface Finding {
  id: number;
  project: string;
  artifact_id: number;
  kind: string;
  key: string;
  vulnerability_id: string;
  aliases: string[];
  severity: Severity;
  summary: string;
  fixed_version?: string;
  state: string;
  first_seen: string;
  resolved_at?: string;
  resolution?: string;
  reason?: string;
  accepted_by?: string;
  accepted_until?: string;
  updated_at: string;
  artifact: { id: number; kind: string; digest: string; name: string; version?: string };
  package?: Package;
  environments: string[];
  detail?: unknown;
  history?: Event[];
}

export interface ProjectOpen {
  project: string;
  open: Record<string, number>;
  total: number;
}

export interface Summary {
  open: Record<string, number>;
  by_environment: Record<string, Record<string, number>>;
  oldest: Finding[];
  worst_projects: ProjectOpen[];
}

export interface List<T> {
  items: T[];
  next_cursor: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';
let onUnauthorized: () => void = () => {};

export function setCSRF(token: string) {
  csrf = token;
}

export function whenUnauthorized(f: () => void) {
  onUnauthorized = f;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let resp: Response;
  try {
    resp = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check that vigil serve is running.');
  }
  if (resp.status === 204) return undefined as T;
  const text = await resp.text();
  let data: any = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!resp.ok) {
    const msg = (data && (data.detail || data.title)) || `${resp.status} ${resp.statusText}`;
    if (resp.status === 401 && path !== '/api/session') onUnauthorized();
    throw new ApiError(resp.status, msg);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  post: <T>(path: string, body: unknown) => request<T>('POST', path, body),
  session: () => request<SessionInfo>('GET', '/api/session'),
  login: (token: string) => request<SessionInfo>('POST', '/api/session', { token }),
  logout: () => request<void>('DELETE', '/api/session'),
};

export function qs(params: Record<string, string | number | boolean | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '' && v !== false) u.set(k, String(v));
  }
  const s = u.toString();
  return s ? '?' + s : '';
}

/** TrendPoint is one UTC day (and severity) of GET /api/v1/metrics/trends. */
export interface TrendPoint {
  day: string;
  severity?: string;
  open: number;
  breached: number;
  due_soon: number;
  opened: number;
  remediated: number;
  remediated_late: number;
  mttr_seconds: number;
}

export interface Trends {
  from: string;
  to: string;
  points: TrendPoint[] | null;
}

export interface Bucket {
  le_days: number | null;
  count: number;
}

export interface Stats {
  open: number;
  breached: number;
  due_soon: number;
  open_age: Bucket[];
  mean_open_age_days: number;
  remediated: number;
  remediated_late: number;
  mttr_days: number;
  mttr_seconds: number;
  remediation_time: Bucket[];
}

export interface Group extends Stats {
  key: string;
}

/** Remediation is GET /api/v1/metrics/remediation (docs/metrics.md). */
export interface Remediation {
  now: string;
  from: string;
  to: string;
  due_within_days: number;
  sla_clock: string;
  sla: Record<string, Record<string, number>>;
  totals: Stats;
  by_severity: Group[] | null;
  by_project: Group[] | null;
  by_team: Group[] | null;
  by_environment: Group[] | null;
}

/** ScoreComponent is one part of a security score (docs/score.md). */
export interface ScoreComponent {
  name: string;
  weight: number;
  value: number;
  scale: number;
  penalty: number;
  count: number;
  explain: string;
}

/** ProjectScore is GET /api/v1/projects/{p}/score (and an item of /api/v1/scores). */
export interface ProjectScore {
  project: string;
  environment?: string;
  now: string;
  score: number;
  grade: string;
  components: ScoreComponent[] | null;
}

export interface Scores {
  now: string;
  items: ProjectScore[] | null;
}

export interface BaseImage {
  name?: string;
  digest?: string;
  source: string;
  artifact_id?: number;
  project?: string;
  built?: string;
  age_days?: number;
}

/** DeploymentFreshness is one running deployment of an image (docs/freshness.md). */
export interface DeploymentFreshness {
  deployment_id: number;
  project: string;
  environment: string;
  service: string;
  cluster?: string;
  namespace?: string;
  artifact_id: number;
  digest: string;
  name: string;
  since: string;
  built?: string;
  built_from?: string;
  age_days: number;
  running_days: number;
  known_age: boolean;
  build_to_deploy_days?: number;
  base?: BaseImage;
  too_old: boolean;
}

/** Freshness is GET /api/v1/freshness and /api/v1/projects/{p}/freshness. */
export interface Freshness {
  now: string;
  max_image_age_days: number;
  deployments: DeploymentFreshness[] | null;
}
