package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/vigil-sec/vigil/internal/audit"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

var _ API = (*Store)(nil)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Backends.
const (
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

// versionTable is goose's version table.
const versionTable = "goose_db_version"

// writeLockID is the PostgreSQL advisory lock every write transaction takes,
// so that writes of several server processes are serialised like those of
// one (the event feed relies on commit order = sequence order).
const writeLockID = 0x76696769 // "vigi"

// Store is the portfolio storage over database/sql, for SQLite and
// PostgreSQL alike. It is safe for concurrent use.
type Store struct {
	backend string
	// w is the one connection pool writes go through; for SQLite it holds
	// a single connection. r serves reads.
	w, r *sql.DB
	// wmu is the single-writer discipline: one write transaction at a
	// time, on both backends.
	wmu sync.Mutex
	now func() time.Time
	log *slog.Logger
	// jobClock replaces the wall clock of job timing in tests.
	jobClock func() time.Time

	schemaVersion int64

	// pkgs caches package identity -> id of committed packages rows.
	pkgMu sync.RWMutex
	pkgs  map[string]int64

	// aliasPkgs caches committed alias_packages rows.
	aliasMu   sync.RWMutex
	aliasPkgs map[aliasPackage]struct{}

	// queue holds ingests waiting for a group commit (see ingestQueued).
	qmu   sync.Mutex
	queue []*ingestReq

	// bucketPkgs caches the package ids that package_buckets holds for
	// the newest bucket (committed rows only).
	bucketMu   sync.Mutex
	bucket     int64
	bucketPkgs map[int64]bool

	// wc is the writer's connection; ic is SQLite's ingest connection, a
	// second writer connection without foreign key checks that only
	// ingests use (see openSQLite), and wc itself on PostgreSQL. Both are
	// used with wmu held only.
	wc, ic *writerConn

	// ckpt runs SQLite's WAL checkpoints beside the writer (nil on
	// PostgreSQL).
	ckpt *checkpointer

	stats writerStats

	// touched throttles TouchToken writes.
	touchMu sync.Mutex
	touched map[int64]time.Time
}

// Open opens (creating when needed) and migrates the store at opts.URL.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s := &Store{
		now:     opts.Now,
		log:     opts.Logger,
		pkgs:    make(map[string]int64),
		touched: make(map[int64]time.Time),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var err error
	if isPostgres(opts.URL) {
		err = s.openPostgres(opts.URL)
	} else {
		err = s.openSQLite(strings.TrimPrefix(opts.URL, "sqlite:"))
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx, opts.URL); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.fillMatchKeys(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func isPostgres(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

func (s *Store) openPostgres(u string) error {
	s.backend = BackendPostgres
	db, err := sql.Open("pgx", u)
	if err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s.w, s.r = db, db
	s.wc = &writerConn{db: db}
	s.ic = s.wc
	return nil
}

func (s *Store) openSQLite(path string) error {
	s.backend = BackendSQLite
	if path == "" {
		return errors.New("open sqlite: empty database path")
	}
	if strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		return fmt.Errorf("open sqlite %q: give a plain file path", path)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "busy_timeout(10000)", "wal_autocheckpoint(8192)"} {
		q.Add("_pragma", p)
	}
	// The writer: a 64 MiB page cache, and statement journals (a
	// multi-row INSERT's undo) in memory, not in temporary files: they
	// never outlive a statement.
	wq := url.Values{"_txlock": {"immediate"}}
	for k, v := range q {
		wq[k] = slices.Clone(v)
	}
	wq.Add("_pragma", "cache_size(-65536)")
	wq.Add("_pragma", "temp_store(MEMORY)")
	// Each of the four readers: 16 MiB of page cache, and temporary
	// B-trees (a large sort) in files, so that memory stays bounded
	// however many readers sort at once (SQLite's memory is outside the Go
	// heap: it is most of the server's RSS on a large portfolio).
	q.Add("_pragma", "cache_size(-16384)")
	w, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return fmt.Errorf("open sqlite %q: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The first connection creates the file and switches it to WAL before
	// any reader opens it.
	if err := w.Ping(); err != nil {
		w.Close()
		return fmt.Errorf("open sqlite %q: %w", path, err)
	}
	// The ingest connection: the writer's settings, without foreign key
	// checks. An ingest writes only ids it resolved in its own
	// transaction or read from the cache of committed rows, and projects,
	// artifacts and packages are never deleted, so the checks cannot fail
	// there; they cost two B-tree look-ups per artifact-package link.
	// Turning them off and on around each group commit instead would
	// expire every prepared statement of the connection each time (SQLite
	// recompiles all statements after a flag pragma), and re-parsing the
	// batched INSERTs was 14% of the ingest's CPU. Every other write keeps
	// the checks, on the writer connection.
	iq := url.Values{}
	for k, v := range wq {
		if k == "_pragma" {
			for _, p := range v {
				if p != "foreign_keys(1)" {
					iq.Add(k, p)
				}
			}
			continue
		}
		iq[k] = slices.Clone(v)
	}
	iq.Add("_pragma", "foreign_keys(0)")
	in, err := sql.Open("sqlite", "file:"+path+"?"+iq.Encode())
	if err != nil {
		w.Close()
		return fmt.Errorf("open sqlite %q: %w", path, err)
	}
	for _, db := range []*sql.DB{in} {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	// The checkpointer's connection: the readers' settings, but it
	// writes (into the database file, from the WAL).
	cp, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		w.Close()
		in.Close()
		return fmt.Errorf("open sqlite %q: %w", path, err)
	}
	cp.SetMaxOpenConns(1)
	cp.SetMaxIdleConns(1)
	q.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		w.Close()
		in.Close()
		cp.Close()
		return fmt.Errorf("open sqlite %q: %w", path, err)
	}
	s.ckpt = newCheckpointer(cp)
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	s.w, s.r = w, r
	s.wc = &writerConn{db: w, stmts: make(map[string]*sql.Stmt)}
	s.ic = &writerConn{db: in, stmts: make(map[string]*sql.Stmt)}
	return nil
}

// writerConn is a writer connection pool of one connection, with its
// prepared statements by query text (SQLite; nil on PostgreSQL, where
// pgx caches prepared statements per connection itself); see tx.stmt.
type writerConn struct {
	db    *sql.DB
	stmts map[string]*sql.Stmt
}

func (c *writerConn) close() error {
	for _, st := range c.stmts {
		st.Close()
	}
	clear(c.stmts)
	return c.db.Close()
}

// migrate applies the embedded migrations under a lock, refusing a schema
// newer than this binary knows.
func (s *Store) migrate(ctx context.Context, u string) error {
	sub, err := fs.Sub(migrations, "migrations/"+s.backend)
	if err != nil {
		return err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	dialect := goose.DialectSQLite3
	if s.backend == BackendPostgres {
		dialect = goose.DialectPostgres
		l, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(l))
	} else {
		opts = append(opts, goose.WithLocker(&fileLocker{path: strings.TrimPrefix(u, "sqlite:") + ".migrate-lock"}))
	}
	p, err := goose.NewProvider(dialect, s.w, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sources := p.ListSources()
	known := sources[len(sources)-1].Version
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if current > known {
		return fmt.Errorf("%w: the database is at schema version %d, this binary knows up to version %d; upgrade Vigil", ErrSchemaTooNew, current, known)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range res {
		s.log.Info("migrated", "version", r.Source.Version, "duration", r.Duration)
	}
	s.schemaVersion = known
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.wmu.Lock()
	err := s.wc.close()
	if s.ic != s.wc {
		err = errors.Join(err, s.ic.close())
	}
	s.wmu.Unlock()
	if s.ckpt != nil {
		err = errors.Join(err, s.ckpt.close())
	}
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Ping tells the database answers and its schema is the one this binary
// migrated to.
func (s *Store) Ping(ctx context.Context) error {
	var v sql.NullInt64
	err := s.r.QueryRowContext(ctx, "SELECT max(version_id) FROM "+versionTable+" WHERE is_applied").Scan(&v)
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if v.Int64 != s.schemaVersion {
		return fmt.Errorf("ping: schema version %d, want %d", v.Int64, s.schemaVersion)
	}
	return nil
}

// Backend is "sqlite" or "postgres".
func (s *Store) Backend() string { return s.backend }

// insertOrFail begins the batched INSERTs of a transaction that is rolled
// back whole on any error (ingest, reconcile). On SQLite, OR FAIL instead
// of the default ABORT lets a multi-row statement skip its statement
// journal: the copy of every page it touches, kept only to undo that one
// statement, was 5% of the ingest's CPU with 16 KiB pages. FAIL leaves the
// rows the statement wrote before the error, which the rollback of the
// transaction removes. PostgreSQL has no OR clause: rebind drops it.
const insertOrFail = "INSERT OR FAIL INTO "

// rebind turns ? placeholders into $n for PostgreSQL, and an insertOrFail
// into a plain INSERT. Queries never hold a literal "?" (values are always
// placeholders).
func (s *Store) rebind(q string) string {
	if s.backend != BackendPostgres {
		return q
	}
	if rest, ok := strings.CutPrefix(q, insertOrFail); ok {
		q = "INSERT INTO " + rest
	}
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// tx is one write transaction.
type tx struct {
	s  *Store
	c  *writerConn
	tx *sql.Tx
	// pkgs are package ids this transaction inserted; they join the
	// store's cache on commit and are forgotten on rollback.
	pkgs map[string]int64
	// bucket and bucketPkgs are package_buckets rows this transaction
	// inserted (for one bucket); like pkgs, they join the store's cache
	// on commit.
	bucket     int64
	bucketPkgs map[int64]bool
	// aliasPkgs are alias_packages rows this transaction inserted; like
	// pkgs, they join the store's cache on commit.
	aliasPkgs map[aliasPackage]struct{}
	// unprepared are queries run without a cached statement, to prepare
	// after the transaction.
	unprepared []string
	// rev is the published vulnerability database revision, once read
	// (checkRevision).
	rev     int64
	revRead bool
	// head is the audit log's head, once read (auditHead).
	head      audit.Head
	auditRead bool
}

// maxPackageCache bounds the package cache (identity -> id): at some
// 200 bytes an entry, some 40 MB.
const maxPackageCache = 200_000

// maxStmts bounds the SQLite writer's statement cache. The batched
// INSERTs come in a few shapes (see batches), so the statements of the
// write path fit.
const maxStmts = 256

// write runs fn in a write transaction under the single-writer lock and
// commits it; the commit is durable (synchronous=FULL on SQLite) when
// write returns nil.
func (s *Store) write(ctx context.Context, fn func(t *tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.writeLocked(ctx, fn)
}

// writeBookkeeping is write on the ingest connection, for the notifier's
// commits (its cursor, outbox and once-marks), which follow every burst of
// pushes several times a second. On SQLite a commit empties the page cache
// of every other connection to the file (SQLite cannot tell which of their
// pages changed), so with these on the writer connection the next group
// commit of ingests started cold: it freed its 64 MiB of pages and read
// and allocated them again, some 8% of the ingest's CPU at 100 SBOMs/s.
// (Job claims stay on the writer connection, with the re-match batches
// they claim; a claim that finds no job commits nothing.) The ingest
// connection checks no foreign keys: fn must write only tables that have
// none (notify_cursors, notify_once, notify_outbox;
// TestBookkeepingTablesHaveNoForeignKeys keeps the list true). On
// PostgreSQL both connections are the one pool.
func (s *Store) writeBookkeeping(ctx context.Context, fn func(t *tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.writeOn(ctx, s.ic, fn)
}

// writeLocked is write with s.wmu held by the caller.
func (s *Store) writeLocked(ctx context.Context, fn func(t *tx) error) error {
	return s.writeOn(ctx, s.wc, fn)
}

// writeOn is writeLocked on connection c.
func (s *Store) writeOn(ctx context.Context, c *writerConn, fn func(t *tx) error) error {
	start := time.Now()
	defer func() { s.stats.busy.Add(int64(time.Since(start))) }()
	sqltx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &tx{s: s, c: c, tx: sqltx}
	if s.backend == BackendPostgres {
		if _, err := sqltx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", writeLockID); err != nil {
			sqltx.Rollback()
			return fmt.Errorf("write lock: %w", err)
		}
	}
	if err := fn(t); err != nil {
		sqltx.Rollback()
		return err
	}
	committing := time.Now()
	err = sqltx.Commit()
	s.stats.commit.Add(int64(time.Since(committing)))
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.stats.commits.Add(1)
	if s.ckpt != nil {
		s.ckpt.poke()
	}
	if len(t.pkgs) > 0 {
		s.pkgMu.Lock()
		if len(s.pkgs)+len(t.pkgs) > maxPackageCache {
			// Bounded memory: start again (a map never shrinks); the
			// packages shared across the portfolio are back in it soon.
			s.pkgs = make(map[string]int64, len(t.pkgs))
		}
		for k, id := range t.pkgs {
			s.pkgs[k] = id
		}
		s.pkgMu.Unlock()
	}
	t.commitBuckets()
	t.commitAliases()
	c.prepare(ctx, t.unprepared)
	return nil
}

// commitBuckets adds the package_buckets rows t inserted to the store's
// cache once t's transaction committed, unless the cache has moved on to
// a newer bucket.
func (t *tx) commitBuckets() {
	if len(t.bucketPkgs) == 0 {
		return
	}
	s := t.s
	s.bucketMu.Lock()
	defer s.bucketMu.Unlock()
	if t.bucket < s.bucket {
		return
	}
	if t.bucket > s.bucket || s.bucketPkgs == nil {
		s.bucket, s.bucketPkgs = t.bucket, make(map[int64]bool, len(t.bucketPkgs))
	}
	for id := range t.bucketPkgs {
		s.bucketPkgs[id] = true
	}
}

// prepare adds queries to the connection's statement cache. It runs
// between transactions, with wmu held: the connection is free then
// (preparing inside a transaction would wait for it forever). A query
// that fails to prepare is simply not cached.
func (c *writerConn) prepare(ctx context.Context, qs []string) {
	for _, q := range qs {
		if len(c.stmts) >= maxStmts {
			return
		}
		if _, ok := c.stmts[q]; ok {
			continue
		}
		if st, err := c.db.PrepareContext(ctx, q); err == nil {
			c.stmts[q] = st
		}
	}
}

// stmt is the cached prepared statement of q bound to t, or nil (then q
// is queued for preparing). PostgreSQL needs none: pgx caches prepared
// statements per connection itself.
func (t *tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if t.c.stmts == nil {
		return nil
	}
	if st, ok := t.c.stmts[q]; ok {
		return t.tx.StmtContext(ctx, st)
	}
	t.unprepared = append(t.unprepared, q)
	return nil
}

func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = t.s.rebind(q)
	if st := t.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = t.s.rebind(q)
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

func (t *tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = t.s.rebind(q)
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

// insertID runs an INSERT ... RETURNING id and returns the id.
func (t *tx) insertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := t.queryRow(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.r.QueryContext(ctx, s.rebind(q), args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.r.QueryRowContext(ctx, s.rebind(q), args...)
}

// isUniqueViolation tells a UNIQUE constraint failure on either backend.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "UNIQUE constraint failed") || strings.Contains(m, "SQLSTATE 23505")
}

// WriterStats are running totals of the single writer's work since the
// store opened, for the server's metrics: how busy the writer is tells
// whether writes bound ingest (a busy fraction near 1).
type WriterStats struct {
	// Busy is the time write transactions held the writer, commits
	// included; Commit the part spent committing.
	Busy, Commit time.Duration
	// Commits counts committed write transactions.
	Commits int64
	// IngestGroups counts group commits of ingests, Ingests the ingests
	// they committed.
	IngestGroups, Ingests int64
}

type writerStats struct {
	busy, commit, commits, groups, ingests atomic.Int64
}

// WriterStats returns the writer's running totals.
func (s *Store) WriterStats() WriterStats {
	return WriterStats{
		Busy: time.Duration(s.stats.busy.Load()), Commit: time.Duration(s.stats.commit.Load()),
		Commits: s.stats.commits.Load(), IngestGroups: s.stats.groups.Load(), Ingests: s.stats.ingests.Load(),
	}
}
