package cli

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/vigil-sec/vigil/internal/audit"
	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
)

// storeFlags say where the server's database is (serve and token share them).
type storeFlags struct {
	dataDir  string
	database string
}

func (f *storeFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.dataDir, "data-dir", "", "directory of the embedded SQLite database and the server's vulnerability database (or VIGIL_DATA_DIR; default: $XDG_DATA_HOME/vigil)")
	fl.StringVar(&f.database, "database", "", "PostgreSQL URL (postgres://...; or VIGIL_DATABASE_URL); default: embedded SQLite in --data-dir")
}

func (f *storeFlags) resolve() (dataDir, url string, err error) {
	// The admin commands (token, admin) read the same environment as
	// serve, so a deployment's VIGIL_DATABASE_URL reaches them too; serve
	// has already applied it (applyFlagSources).
	dataDir = f.dataDir
	if dataDir == "" {
		dataDir = os.Getenv("VIGIL_DATA_DIR")
	}
	if dataDir == "" {
		base := os.Getenv("XDG_DATA_HOME")
		if base == "" {
			home, herr := os.UserHomeDir()
			if herr != nil {
				return "", "", usagef("--data-dir: no home directory to default to: %v", herr)
			}
			base = filepath.Join(home, ".local", "share")
		}
		dataDir = filepath.Join(base, "vigil")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", "", fmt.Errorf("create data dir: %w", err)
	}
	url = f.database
	if url == "" {
		url = os.Getenv("VIGIL_DATABASE_URL")
	}
	if url == "" {
		url = os.Getenv("VIGIL_DATABASE")
	}
	if url == "" {
		url = filepath.Join(dataDir, "vigil.db")
	} else if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return "", "", usagef("--database: want a postgres:// URL (leave it empty for the embedded SQLite database)")
	}
	return dataDir, url, nil
}

func (f *storeFlags) open(ctx context.Context, log *slog.Logger, now func() time.Time) (*store.Store, string, error) {
	dataDir, url, err := f.resolve()
	if err != nil {
		return nil, "", err
	}
	st, err := store.Open(ctx, store.Options{URL: url, Logger: log, Now: now})
	if err != nil {
		return nil, "", &exitError{code: ExitError, err: err}
	}
	return st, dataDir, nil
}

type serveFlags struct {
	store                        storeFlags
	listen                       string
	vulndbFrom                   string
	tlsCert                      string
	tlsKey                       string
	insecureListen               bool
	dev                          bool
	testClock                    bool
	configFile                   string
	grace                        time.Duration
	maxBody                      int64
	http                         server.HTTPLimits
	logLevel                     string
	refresh                      time.Duration
	replica                      string
	jobLease, jobPoll, syncEvery time.Duration
	jobWorkers                   int
	auditKey                     string
	auditEvery                   time.Duration
	// effective is every flag's value after applyFlagSources, secrets
	// masked: the configuration the audit log records.
	effective               map[string]string
	sla                     string
	projectSLA              []string
	dueWithin, metricsEvery time.Duration
	snapshotRetention       time.Duration
	// sections are the config file's structured sections (configSections),
	// each as YAML; the code that owns a section decodes it.
	sections map[string][]byte
}

// configSections are the config file's keys that are not flags but whole
// structured sections (notification rules, trackers, watched registries).
// A capability registers its key from its own file with an init function.
var configSections = map[string]bool{}

func newServeCmd(e *env) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the portfolio server: inventory of what is built and deployed, findings and their lifecycle",
		Long: `Run the Vigil server. CI jobs push SBOMs and scan reports to it
('vigil scan --push URL --project P'), deployments say what runs where
('vigil deploy'), and the server keeps every artifact's findings with their
history behind an authenticated JSON API (/api/v1, OpenAPI 3.1 at
/api/openapi.json).

Storage is an embedded SQLite database in --data-dir (no setup), or
PostgreSQL with --database postgres://... . Migrations are applied at start.

Every flag can also be set with a VIGIL_* environment variable (--data-dir is
VIGIL_DATA_DIR, --database also VIGIL_DATABASE_URL) or a key of the YAML file
given by --config (the flag's name: "listen: 127.0.0.1:8080"). Flags win over
the environment, which wins over the file.

Plain HTTP is served only on loopback addresses unless --insecure-listen;
use --tls-cert and --tls-key otherwise. Tokens come from 'vigil token create'.

Endpoints: /healthz (alive), /readyz (database reachable, migrations
applied, vulnerability database loaded), /api/v1/..., /api/openapi.json,
/metrics (Prometheus; needs a token, e.g. 'vigil token create --role
metrics'; see docs/metrics.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyFlagSources(cmd, f.configFile, &f.sections); err != nil {
				return err
			}
			f.effective = effectiveFlags(cmd)
			return runServe(cmd.Context(), e, &f)
		},
	}
	fl := cmd.Flags()
	f.store.register(fl)
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address to listen on")
	fl.StringVar(&f.vulndbFrom, "vulndb-from", "", "where the vulnerability database is refreshed from: a URL or a directory laid out like the OSV bucket (as 'vigil db update --from'); default: the public OSV bucket")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (PEM)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fl.BoolVar(&f.insecureListen, "insecure-listen", false, "allow plain HTTP on a non-loopback address")
	fl.BoolVar(&f.dev, "dev", false, "no authentication at all, loopback only (for trying the server out)")
	fl.BoolVar(&f.testClock, "test-clock", false, "enable POST /api/v1/admin/clock, which moves the server's clock forward (for tests of expiries and SLAs)")
	fl.StringVar(&f.configFile, "config", "", "YAML file of flag values (keys are flag names)")
	fl.DurationVar(&f.grace, "shutdown-grace", 30*time.Second, "how long in-flight requests may take to finish on SIGTERM")
	fl.Int64Var(&f.maxBody, "max-body", server.DefaultLimits.MaxBody, "largest pushed document, in bytes (compressed or not)")
	d := server.DefaultHTTPLimits
	fl.DurationVar(&f.http.ReadHeaderTimeout, "read-header-timeout", d.ReadHeaderTimeout, "how long a client may take to send a request's headers")
	fl.DurationVar(&f.http.ReadTimeout, "read-timeout", d.ReadTimeout, "how long a client may take to send a whole request, body included")
	fl.DurationVar(&f.http.WriteTimeout, "write-timeout", d.WriteTimeout, "how long a response may take, handling included")
	fl.DurationVar(&f.http.IdleTimeout, "idle-timeout", d.IdleTimeout, "how long an idle keep-alive connection stays open")
	fl.IntVar(&f.http.MaxHeaderBytes, "max-header-bytes", d.MaxHeaderBytes, "largest request header block, in bytes (431 past it)")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fl.DurationVar(&f.refresh, "refresh-interval", 15*time.Minute, "how often the vulnerability database is refreshed and the portfolio re-matched (up to 10% jitter; failures retried with backoff; 0: only at start and on POST /api/v1/admin/refresh)")
	fl.StringVar(&f.replica, "replica", "", "this server's name in job leases and logs (default: host/pid/random)")
	fl.DurationVar(&f.jobLease, "job-lease", time.Minute, "how long a background job stays taken without renewal; a killed server's job is taken again by another server after it")
	fl.DurationVar(&f.jobPoll, "job-poll", time.Second, "how often idle job workers look for jobs other servers queued")
	fl.IntVar(&f.jobWorkers, "job-workers", 2, "background jobs (refresh, re-match batches) this server runs at once")
	fl.StringVar(&f.auditKey, "audit-key", "", "Ed25519 private key file (PEM PKCS#8 or a raw 32-byte seed, see docs/audit.md) that signs a checkpoint of the audit log every --audit-checkpoint-interval and at shutdown")
	fl.DurationVar(&f.auditEvery, "audit-checkpoint-interval", time.Hour, "how often the audit log's head is signed with --audit-key (when it moved)")
	fl.DurationVar(&f.syncEvery, "sync-interval", 10*time.Second, "how often this server checks whether another server on the same PostgreSQL published a newer vulnerability database")
	fl.StringVar(&f.sla, "sla", "critical=7,high=30,medium=90,low=180", "SLA days by severity of the remediation metrics, over the defaults (the clock starts at first_seen; 0: no SLA; unknown=N gives findings of unknown severity one)")
	fl.StringArrayVar(&f.projectSLA, "project-sla", nil, "a project's SLA days, PROJECT:critical=3,high=14 (repeatable; severities not given keep --sla's; in the config file a list)")
	fl.DurationVar(&f.dueWithin, "metrics-due-within", 7*24*time.Hour, "an open finding this close to its SLA due time counts as due soon in /metrics and the daily snapshots")
	fl.DurationVar(&f.metricsEvery, "metrics-interval", 30*time.Second, "how often the portfolio aggregate behind /metrics is recomputed")
	fl.DurationVar(&f.snapshotRetention, "metrics-retention", 400*24*time.Hour, "how long daily remediation snapshots are kept (0: forever)")
	return cmd
}

// parseSLA reads "critical=7,high=30,..." on top of base.
func parseSLA(spec string, base store.SLADays) (store.SLADays, error) {
	out := base
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, v, ok := strings.Cut(part, "=")
		if !ok {
			return out, fmt.Errorf("%q: want severity=days", part)
		}
		l, err := severity.Parse(name)
		if err != nil || strings.TrimSpace(name) == "" {
			return out, fmt.Errorf("%q: unknown severity %q", part, name)
		}
		var days int
		if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d", &days); err != nil || days < 0 || days > 3650 {
			return out, fmt.Errorf("%q: want a number of days from 0 (no SLA) to 3650", part)
		}
		out[l] = days
	}
	return out, nil
}

// slaPolicy is the SLA of --sla and --project-sla.
func (f *serveFlags) slaPolicy() (store.SLAPolicy, error) {
	def, err := parseSLA(f.sla, store.DefaultSLADays)
	if err != nil {
		return store.SLAPolicy{}, usagef("--sla: %v", err)
	}
	p := store.SLAPolicy{Default: def}
	for _, spec := range f.projectSLA {
		name, rest, ok := strings.Cut(spec, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return store.SLAPolicy{}, usagef("--project-sla %q: want PROJECT:severity=days,...", spec)
		}
		days, err := parseSLA(rest, def)
		if err != nil {
			return store.SLAPolicy{}, usagef("--project-sla %q: %v", spec, err)
		}
		if p.Projects == nil {
			p.Projects = map[string]store.SLADays{}
		}
		p.Projects[strings.TrimSpace(name)] = days
	}
	return p, nil
}

// applyFlagSources fills every flag the command line did not set from
// VIGIL_<FLAG> and then from the config file, so that each flag has all
// three forms without a table to keep in step.
//
// Keys registered in configSections are returned in sections, re-encoded as
// YAML, for their owners to decode strictly.
func applyFlagSources(cmd *cobra.Command, configFile string, sections *map[string][]byte) error {
	if configFile == "" {
		configFile = os.Getenv("VIGIL_CONFIG")
	}
	file := map[string]any{}
	if configFile != "" {
		b, err := os.ReadFile(configFile)
		if err != nil {
			return usagef("--config: %v", err)
		}
		if err := yaml.Unmarshal(b, &file); err != nil {
			return usagef("--config %s: %v", configFile, err)
		}
	}
	var errs []error
	known := map[string]bool{}
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		known[fl.Name] = true
		if fl.Changed || fl.Name == "help" || fl.Name == "config" {
			return
		}
		env := "VIGIL_" + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		v, ok := os.LookupEnv(env)
		if !ok && fl.Name == "database" {
			v, ok = os.LookupEnv("VIGIL_DATABASE_URL")
		}
		if !ok {
			if fv, found := file[fl.Name]; found {
				if list, isList := fv.([]any); isList {
					// A list sets a repeatable flag once per item.
					for _, item := range list {
						if err := fl.Value.Set(fmt.Sprint(item)); err != nil {
							errs = append(errs, fmt.Errorf("%s: %s: %v", configFile, fl.Name, err))
						}
					}
					return
				}
				v, ok = fmt.Sprint(fv), true
			}
		}
		if ok {
			if err := fl.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", env, err))
			}
		}
	})
	for k, v := range file {
		switch {
		case configSections[k] && sections != nil:
			b, err := yaml.Marshal(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %s: %v", configFile, k, err))
				continue
			}
			if *sections == nil {
				*sections = map[string][]byte{}
			}
			(*sections)[k] = b
		case !known[k]:
			errs = append(errs, fmt.Errorf("%s: unknown key %q", configFile, k))
		}
	}
	if len(errs) > 0 {
		return &exitError{code: ExitError, err: errors.Join(errs...)}
	}
	return nil
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func runServe(ctx context.Context, e *env, f *serveFlags) error {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(f.logLevel)); err != nil {
		return usagef("--log-level: %v", err)
	}
	if f.refresh < 0 {
		return usagef("--refresh-interval: %s is negative (0 turns the schedule off)", f.refresh)
	}
	if f.jobLease < 3*time.Second || f.jobPoll <= 0 || f.syncEvery <= 0 || f.jobWorkers < 1 || f.jobWorkers > 64 {
		return usagef("--job-lease must be at least 3s, --job-poll and --sync-interval positive, --job-workers 1 to 64")
	}
	sla, err := f.slaPolicy()
	if err != nil {
		return err
	}
	if f.dueWithin <= 0 || f.metricsEvery <= 0 || f.snapshotRetention < 0 {
		return usagef("--metrics-due-within and --metrics-interval must be positive, --metrics-retention not negative")
	}
	retention := f.snapshotRetention
	if retention == 0 {
		retention = -1 // forever
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: lvl}))
	trackers, trackersCfg, err := f.trackers(log)
	if err != nil {
		return err
	}
	tlsOn := f.tlsCert != "" || f.tlsKey != ""
	if tlsOn && (f.tlsCert == "" || f.tlsKey == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	loop := isLoopback(f.listen)
	if f.dev && !loop {
		return usagef("--dev serves without authentication and only on a loopback address, not %q", f.listen)
	}
	if !tlsOn && !loop && !f.insecureListen {
		return usagef("refusing plain HTTP on %q: give --tls-cert and --tls-key, listen on loopback, or pass --insecure-listen", f.listen)
	}
	if f.http.ReadHeaderTimeout <= 0 || f.http.ReadTimeout <= 0 || f.http.WriteTimeout <= 0 || f.http.IdleTimeout <= 0 || f.http.MaxHeaderBytes <= 0 {
		return usagef("--read-header-timeout, --read-timeout, --write-timeout, --idle-timeout and --max-header-bytes must be positive")
	}
	var auditKey ed25519.PrivateKey
	if f.auditKey != "" {
		k, err := audit.LoadPrivateKey(f.auditKey)
		if err != nil {
			return usagef("--audit-key: %v", err)
		}
		auditKey = k
	}
	if f.auditEvery <= 0 {
		return usagef("--audit-checkpoint-interval must be positive")
	}
	notifyCfg, err := f.notifyConfig()
	if err != nil {
		return err
	}
	registries, err := registriesConfig(f)
	if err != nil {
		return err
	}
	clock := &server.Clock{}
	st, dataDir, err := f.store.open(ctx, log, clock.Now)
	if err != nil {
		return err
	}
	defer st.Close()
	freshness, err := f.freshnessSection()
	if err != nil {
		return err
	}
	xopts, err := serveExploitOptions(f)
	if err != nil {
		return err
	}
	complianceDir, err := serveComplianceDir(f)
	if err != nil {
		return err
	}
	srv, err := server.New(server.Options{
		Store: st, VulnDBDir: filepath.Join(dataDir, "vulndb"), VulnDBFrom: f.vulndbFrom, Logger: log, Version: Version,
		Dev: f.dev, TestClock: f.testClock, Clock: clock, RefreshInterval: f.refresh,
		Replica: f.replica, JobLease: f.jobLease, JobPoll: f.jobPoll, JobWorkers: f.jobWorkers, SyncInterval: f.syncEvery,
		Limits:   server.Limits{MaxBody: f.maxBody, MaxInflated: server.DefaultLimits.MaxInflated, MaxRatio: server.DefaultLimits.MaxRatio},
		HTTP:     f.http,
		AuditKey: auditKey, AuditCheckpoint: f.auditEvery,
		SLA: sla, DueWithin: f.dueWithin, MetricsInterval: f.metricsEvery, SnapshotRetention: retention,
		MaxImageAge: freshness.maxAge(),
		Notify:      notifyCfg,
		Registries:  registries, LayerCacheDir: filepath.Join(dataDir, "layer-cache"),
		Trackers: trackers,
		Exploit:  xopts, ComplianceDir: complianceDir,
	})
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	cfg := map[string]any{"flags": f.effective, "version": Version, "backend": st.Backend()}
	cfg["freshness"] = freshness
	if trackersCfg != nil {
		cfg["trackers"] = trackersCfg
	}
	cfg["exploitation"] = exploitAudit(xopts)
	if auditKey != nil {
		cfg["audit_public_key"] = base64.StdEncoding.EncodeToString(auditKey.Public().(ed25519.PublicKey))
	}
	if notifyCfg != nil {
		cfg["notifications"] = server.NotifyConfigAudit(notifyCfg)
	}
	if registries != nil {
		cfg["registries"] = registries.Redacted()
	}
	if err := srv.RecordConfig(ctx, cfg); err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("record the configuration in the audit log: %w", err)}
	}
	l, err := net.Listen("tcp", f.listen)
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("listen: %w", err)}
	}
	// The start-up refresh (and the re-match of the whole portfolio it
	// may cause) runs while the server serves: /readyz answers ready once a
	// vulnerability database is loaded, and reads are answered meanwhile.
	go func() {
		log.Info("refreshing the vulnerability database", "from", f.vulndbFrom)
		if r, err := srv.Refresh(ctx); err != nil {
			if ctx.Err() == nil {
				log.Error("refresh the vulnerability database", "err", err)
			}
		} else {
			log.Info("vulnerability database ready", "artifacts_rematched", r.Artifacts, "duration", r.Duration)
		}
	}()
	hs := srv.HTTPServer()
	if tlsOn {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return usagef("--tls-cert/--tls-key: %v", err)
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if f.dev {
		log.Warn("DEV MODE: no authentication, every request is admin; loopback only", "listen", l.Addr().String())
		fmt.Fprintf(e.stderr, "\n*** vigil serve --dev: NO AUTHENTICATION, every caller is admin (loopback only) ***\n\n")
	}
	log.Info("listening", "addr", l.Addr().String(), "tls", tlsOn, "backend", st.Backend(), "data_dir", dataDir)
	return srv.Run(ctx, l, hs, f.grace)
}

func newTokenCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke the server's API tokens"}
	var sf storeFlags
	sf.register(cmd.PersistentFlags())
	var role, name, expires string
	var projects []string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token and print it (once) on standard output",
		Long: `Create an API token. The token is printed once, alone on standard output;
the server keeps only its SHA-256.

Roles: metrics (scrape /metrics only: a Prometheus scraper's token), reader
(read findings), writer (push artifacts, record deployments, triage
findings), admin (everything, tokens, refresh). --project limits a
token to projects (repeatable); without it the token is global.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, err := sf.open(cmd.Context(), e.logger(), nil)
			if err != nil {
				return err
			}
			defer st.Close()
			if name == "" {
				name = role
			}
			_, secret, err := server.IssueToken(cmd.Context(), st, cliActor(), name, role, projects, expires, time.Now().UTC())
			if err != nil {
				if errors.Is(err, store.ErrInvalid) {
					return usagef("%v", err)
				}
				return err
			}
			fmt.Fprintln(e.stdout, secret)
			return nil
		},
	}
	create.Flags().StringVar(&role, "role", "", "admin, writer, reader or metrics (required)")
	create.Flags().StringArrayVar(&projects, "project", nil, "limit the token to this project (repeatable)")
	create.Flags().StringVar(&name, "name", "", "a name to recognise the token by (default: the role)")
	create.Flags().StringVar(&expires, "expires", "", "lifetime, e.g. 90d or 12h (default: no expiry)")
	_ = create.MarkFlagRequired("role")
	list := &cobra.Command{
		Use: "list", Short: "List tokens (never their secrets)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, err := sf.open(cmd.Context(), e.logger(), nil)
			if err != nil {
				return err
			}
			defer st.Close()
			ts, err := st.ListTokens(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%-6s %-20s %-7s %-24s %-20s %s\n", "ID", "NAME", "ROLE", "PROJECTS", "EXPIRES", "STATUS")
			for _, t := range ts {
				status, exp := "active", "never"
				if !t.ExpiresAt.IsZero() {
					exp = t.ExpiresAt.Format(time.DateTime)
					if !time.Now().Before(t.ExpiresAt) {
						status = "expired"
					}
				}
				if !t.RevokedAt.IsZero() {
					status = "revoked"
				}
				ps := strings.Join(t.Projects, ",")
				if ps == "" {
					ps = "(all)"
				}
				fmt.Fprintf(e.stdout, "%-6d %-20s %-7s %-24s %-20s %s\n", t.ID, t.Name, t.Role, ps, exp, status)
			}
			return nil
		},
	}
	revoke := &cobra.Command{
		Use: "revoke ID", Short: "Revoke a token", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var id int64
			if _, err := fmt.Sscanf(args[0], "%d", &id); err != nil {
				return usagef("token id %q: want a number from 'vigil token list'", args[0])
			}
			st, _, err := sf.open(cmd.Context(), e.logger(), nil)
			if err != nil {
				return err
			}
			defer st.Close()
			return st.RevokeToken(cmd.Context(), id, cliActor())
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

// effectiveFlags are the command's flag values; a URL's password is
// masked.
func effectiveFlags(cmd *cobra.Command) map[string]string {
	out := map[string]string{}
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Name == "help" {
			return
		}
		out[fl.Name] = maskURL(fl.Value.String())
	})
	return out
}

// maskURL hides the password of a URL (user info or a password query
// parameter); anything else is returned as it is.
func maskURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || (u.User == nil && !u.Query().Has("password")) {
		return v
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// cliActor names who runs a command, for audit records: VIGIL_ACTOR, else
// "cli:USER@HOST".
func cliActor() string {
	if a := os.Getenv("VIGIL_ACTOR"); a != "" {
		return a
	}
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return "cli:" + name + "@" + host
}
