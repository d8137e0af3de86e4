import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type SessionInfo, setCSRF, whenUnauthorized } from './api';
import { ArtifactPage } from './pages/artifact';
import { FindingPage } from './pages/finding';
import { Overview } from './pages/overview';
import { ProjectPage } from './pages/project';
import { SearchBox, SearchPage } from './pages/search';
import { TrendsPage } from './pages/trends';
import { themeChanged } from './theme';
import { navigate, onLinkClick, paths, type Route, useRoute } from './router';
import { begin } from './loaded';
import { ErrorBox, Loading } from './ui';
import './style.css';

type Theme = 'light' | 'dark' | '';

function applyTheme(t: Theme) {
  if (t) document.documentElement.dataset.theme = t;
  else delete document.documentElement.dataset.theme;
}

function storedTheme(): Theme {
  try {
    const t = localStorage.getItem('vigil-theme');
    return t === 'light' || t === 'dark' ? t : '';
  } catch {
    return '';
  }
}
applyTheme(storedTheme());

function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(storedTheme());
  const dark = theme ? theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  const toggle = () => {
    const t: Theme = dark ? 'light' : 'dark';
    setTheme(t);
    applyTheme(t);
    themeChanged();
    try {
      localStorage.setItem('vigil-theme', t);
    } catch {
      /* private mode: the choice lasts for this page */
    }
  };
  return (
    <button type="button" onClick={toggle} aria-pressed={dark ? 'true' : 'false'} title="Dark theme">
      {dark ? 'Light theme' : 'Dark theme'}
    </button>
  );
}

function Login({ done }: { done: (s: SessionInfo) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    api.login(token.trim()).then(
      (s) => {
        setBusy(false);
        setToken('');
        done(s);
      },
      (err) => {
        setBusy(false);
        setError(err instanceof ApiError && err.status === 401 ? new Error('This token is not valid: it is unknown, revoked or expired.') : err);
      },
    );
  };
  return (
    <main id="main" class="login">
      <h1>Vigil</h1>
      <form onSubmit={submit} class="card">
        <h2>Log in</h2>
        <p class="muted">
          With an API token from <code>vigil token create</code>. The browser keeps only a session cookie; the token is not stored.
        </p>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <div>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Logging in…' : 'Log in'}
          </button>
        </div>
        {error && <ErrorBox error={error} />}
      </form>
    </main>
  );
}

function Page({ route, session }: { route: Route; session: SessionInfo }) {
  const p = route.path;
  let m: RegExpMatchArray | null;
  if (p === '/') return <Overview />;
  if ((m = p.match(/^\/projects\/(.+)$/))) return <ProjectPage name={decodeURIComponent(m[1])} route={route} />;
  if ((m = p.match(/^\/artifacts\/(\d+)$/))) return <ArtifactPage id={Number(m[1])} route={route} />;
  if ((m = p.match(/^\/findings\/(\d+)$/))) return <FindingPage id={Number(m[1])} session={session} />;
  if (p === '/search') return <SearchPage route={route} />;
  if (p === '/trends') return <TrendsPage route={route} />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{p}</code>. <a href={paths.overview()}>Go to the overview</a>.
      </p>
    </>
  );
}

function title(route: Route): string {
  const p = route.path;
  if (p === '/') return 'Overview';
  if (p.startsWith('/projects/')) return 'Project ' + decodeURIComponent(p.slice(10));
  if (p.startsWith('/artifacts/')) return 'Artifact ' + p.slice(11);
  if (p.startsWith('/findings/')) return 'Finding ' + p.slice(10);
  if (p === '/search') return 'Search';
  if (p === '/trends') return 'Trends';
  return 'Not found';
}

function App() {
  const route = useRoute();
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>();
  const check = () => {
    setError(undefined);
    const end = begin(false);
    api
      .session()
      .then(
        (s) => {
          setCSRF(s.csrf_token);
          setSession(s);
        },
        (e) => {
          if (e instanceof ApiError && e.status === 401) setSession(null);
          else setError(e);
        },
      )
      .finally(end);
  };
  useEffect(() => {
    whenUnauthorized(() => {
      setCSRF('');
      setSession(null);
    });
    check();
  }, []);
  useEffect(() => {
    document.title = (session ? title(route) : 'Log in') + ' · Vigil';
    // Move focus to the new page's heading for keyboard and screen-reader users.
    const h = document.querySelector('main h1') as HTMLElement | null;
    if (h && session) {
      h.tabIndex = -1;
      h.focus({ preventScroll: true });
    }
  }, [route.path, !!session]);
  if (error)
    return (
      <main id="main">
        <ErrorBox error={error} retry={check} />
      </main>
    );
  if (session === undefined)
    return (
      <main id="main">
        <Loading />
      </main>
    );
  if (session === null)
    return (
      <Login
        done={(s) => {
          setCSRF(s.csrf_token);
          setSession(s);
        }}
      />
    );
  const logout = () => {
    api.logout().finally(() => {
      setCSRF('');
      setSession(null);
      navigate('/', true);
    });
  };
  const nav = (href: string, label: string, active: boolean) => (
    <a href={href} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <div onClick={onLinkClick as any}>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); (document.querySelector('main h1') as HTMLElement | null)?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <nav aria-label="Main">
          <span class="brand">Vigil</span>
          {nav(paths.overview(), 'Overview', route.path === '/')}
          {nav(paths.trends(), 'Trends', route.path === '/trends')}
          {nav('/search', 'Search', route.path === '/search')}
        </nav>
        <SearchBox initial="" id="top-q" />
        <div class="who">
          <span class="muted">
            {session.name} ({session.role})
          </span>
          <ThemeToggle />
          {!session.dev && (
            <button type="button" onClick={logout}>
              Log out
            </button>
          )}
        </div>
      </header>
      <main id="main">
        <Page route={route} session={session} key={route.path} />
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
