package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"

	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
)

// Prometheus metrics (docs/metrics.md). The portfolio gauges (open
// findings, SLA breaches, remediation and age histograms, image ages, the
// re-match lag) come from an aggregate of the store computed at most once
// per MetricsInterval, in the background while the server runs, so that a
// scrape only turns the cached aggregate into samples, whatever the size
// of the portfolio. Labels are bounded: project, team, environment,
// service, kind, severity, and the server's own route patterns; never a
// finding, artifact or vulnerability id.

const (
	defaultMetricsInterval = 30 * time.Second
	defaultDueWithin       = 7 * store.Day
)

// metrics is the server's instrumentation and its registry.
type metrics struct {
	reg          *prometheus.Registry
	http         *prometheus.HistogramVec
	refreshLast  prometheus.Gauge
	refreshDur   prometheus.Histogram
	refreshFails prometheus.Counter
	notify       *prometheus.CounterVec
	// encodeDur is how long encoding the newest aggregate's samples for
	// a global scrape took.
	encodeDur prometheus.Gauge
	// aggMu serialises aggregate computations; agg is the newest.
	aggMu sync.Mutex
	agg   atomic.Pointer[portfolioStats]
	// encoded caches the encoded portfolio samples of agg by scope and
	// format (emptied when agg changes; at most maxEncoded entries).
	encMu   sync.Mutex
	encFor  *portfolioStats
	encoded map[encKey][]byte
	// lastFormat is the format the last global scrape asked for: the
	// background loop encodes each new aggregate in it.
	lastFormat atomic.Value // expfmt.Format
}

type encKey struct {
	scope  string
	format expfmt.Format
}

const maxEncoded = 64

// portfolioStats is the cached aggregate behind the portfolio gauges.
type portfolioStats struct {
	// at is the server clock's time of the figures, wall the wall clock's
	// (for the cache's age), took how long the computation took.
	at, wall time.Time
	took     time.Duration
	rows     []store.RemediationRow // every kind, not by environment
	envRows  []store.RemediationRow // by environment
	images   []store.DeployedImage
	// rematchSince is when the oldest pending re-match job was queued
	// (zero: none pending).
	rematchSince time.Time
	jobs         map[string]map[string]int
	published    int64
	rev          int64
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.http = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vigil_http_request_duration_seconds", Help: "HTTP requests by method, route pattern and status code.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"method", "route", "code"})
	m.refreshLast = prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigil_vulndb_refresh_last_success_timestamp_seconds",
		Help: "When this server's vulnerability database was last refreshed successfully (Unix time; 0: never)."})
	m.refreshDur = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vigil_vulndb_refresh_duration_seconds",
		Help: "How long refreshes of this server's vulnerability database took (successful ones).", Buckets: []float64{.1, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}})
	m.refreshFails = prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_vulndb_refresh_failures_total",
		Help: "Failed refreshes of this server's vulnerability database."})
	m.notify = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_notification_deliveries_total",
		Help: "Notification deliveries by sink and outcome (delivered, retried, dead_lettered); see Server.NotificationDelivered."}, []string{"sink", "outcome"})
	m.encodeDur = prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigil_metrics_encode_duration_seconds",
		Help: "How long encoding the portfolio samples of the newest aggregate took (for a token of every project; once per aggregate and format)."})
	if ws, ok := s.store.(writerStatser); ok {
		for _, c := range []struct {
			name, help string
			v          func(store.WriterStats) float64
		}{
			{"vigil_store_writer_busy_seconds_total", "Time write transactions held the store's single writer, commits included.", func(w store.WriterStats) float64 { return w.Busy.Seconds() }},
			{"vigil_store_writer_commit_seconds_total", "Time the store's writer spent committing.", func(w store.WriterStats) float64 { return w.Commit.Seconds() }},
			{"vigil_store_writer_commits_total", "Committed write transactions.", func(w store.WriterStats) float64 { return float64(w.Commits) }},
			{"vigil_store_ingest_groups_total", "Group commits of ingests (concurrent pushes committed in one transaction).", func(w store.WriterStats) float64 { return float64(w.IngestGroups) }},
			{"vigil_store_ingests_total", "Ingests committed by those group commits.", func(w store.WriterStats) float64 { return float64(w.Ingests) }},
		} {
			m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: c.name, Help: c.help}, func() float64 { return c.v(ws.WriterStats()) }))
		}
	}
	m.reg.MustRegister(m.http, m.refreshLast, m.refreshDur, m.refreshFails, m.notify, m.encodeDur,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// writerStatser is a store that reports its writer's totals
// (*store.Store does).
type writerStatser interface{ WriterStats() store.WriterStats }

// NotificationDelivered counts one notification delivery attempt's
// outcome for vigil_notification_deliveries_total. It is the hook of the
// notification sinks (issue 13, item 1): sink is the sink's kind
// (webhook, slack, email, github, gitlab), outcome delivered, retried or
// dead_lettered; both must come from such short fixed lists.
func (s *Server) NotificationDelivered(sink, outcome string) {
	s.metrics.notify.WithLabelValues(sink, outcome).Inc()
}

// observeRequest records one served request.
func (m *metrics) observeRequest(method, pattern string, code int, d time.Duration) {
	if code == 0 {
		code = http.StatusOK
	}
	route := pattern
	if route == "" {
		route = "unmatched"
	} else if _, p, ok := cutMethod(pattern); ok {
		route = p
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other"
	}
	m.http.WithLabelValues(method, route, strconv.Itoa(code)).Observe(d.Seconds())
}

// cutMethod splits "GET /path" into its method and path.
func cutMethod(pattern string) (string, string, bool) {
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == ' ' {
			return pattern[:i], pattern[i+1:], true
		}
		if pattern[i] == '/' {
			break
		}
	}
	return "", pattern, false
}

// scrapeFormat is the format of the last global scrape (text before any).
func (m *metrics) scrapeFormat() expfmt.Format {
	if f, ok := m.lastFormat.Load().(expfmt.Format); ok {
		return f
	}
	return expfmt.NewFormat(expfmt.TypeTextPlain)
}

// refreshDB is updateDB with its outcome recorded for /metrics.
func (s *Server) refreshDB(ctx context.Context, root int64) (RefreshResult, error) {
	start := time.Now()
	r, err := s.updateDB(ctx, root)
	if err != nil {
		if ctx.Err() == nil {
			s.metrics.refreshFails.Inc()
			s.notifyRefreshFailed(ctx, err)
		}
		return r, err
	}
	s.metrics.refreshLast.Set(float64(time.Now().UnixMilli()) / 1000)
	s.metrics.refreshDur.Observe(time.Since(start).Seconds())
	return r, nil
}

// metricsSLA is the SLA the metrics count with.
func (s *Server) metricsSLA() store.SLAPolicy { return s.opts.SLA }

// stats returns the cached aggregate, computing it when there is none or
// it is older than twice the interval (the background loop keeps it
// fresher while the server runs).
func (s *Server) stats(ctx context.Context) (*portfolioStats, error) {
	if st := s.metrics.agg.Load(); st != nil && time.Since(st.wall) < 2*max(s.opts.MetricsInterval, 10*st.took) {
		return st, nil
	}
	return s.computeStats(ctx, false)
}

// computeStats computes the aggregate (unless force is false and another
// caller computed a fresh one meanwhile).
func (s *Server) computeStats(ctx context.Context, force bool) (*portfolioStats, error) {
	s.metrics.aggMu.Lock()
	defer s.metrics.aggMu.Unlock()
	if st := s.metrics.agg.Load(); !force && st != nil && time.Since(st.wall) < s.opts.MetricsInterval {
		return st, nil
	}
	start := time.Now()
	st := &portfolioStats{at: s.now(), wall: start, rev: s.rev.Load()}
	q := store.RemediationQuery{MetricsFilter: store.MetricsFilter{Kind: "all"}, DueWithin: s.opts.DueWithin, SLA: s.metricsSLA()}
	var err error
	if st.rows, err = s.store.Remediation(ctx, q); err != nil {
		return nil, err
	}
	q.ByEnvironment = true
	if st.envRows, err = s.store.Remediation(ctx, q); err != nil {
		return nil, err
	}
	if st.images, err = s.store.DeployedImages(ctx); err != nil {
		return nil, err
	}
	if st.rematchSince, err = s.store.OldestPendingJob(ctx, []string{jobRematchPlan, jobRematch}); err != nil {
		return nil, err
	}
	if st.jobs, err = s.store.JobCounts(ctx); err != nil {
		return nil, err
	}
	vs, err := s.store.VulnDBState(ctx)
	if err != nil {
		return nil, err
	}
	st.published = vs.Revision
	st.took = time.Since(start)
	s.metrics.agg.Store(st)
	return st, nil
}

// statsLoop recomputes the aggregate every interval until ctx ends; after
// an aggregate that took long it waits ten times as long, so that the
// recomputation of a large portfolio never takes more than a tenth of a
// core.
func (s *Server) statsLoop(ctx context.Context) {
	for {
		if st, err := s.computeStats(ctx, true); err != nil {
			if ctx.Err() == nil {
				s.log.Error("compute metrics aggregate", "err", err)
			}
		} else if _, err := s.portfolioBytes(st, store.Scope{}, s.metrics.scrapeFormat()); err != nil {
			// Encoded ahead for the usual scrape: a global token, in the
			// format the scraper asks for.
			s.log.Error("encode metrics", "err", err)
		}
		wait := s.opts.MetricsInterval
		if st := s.metrics.agg.Load(); st != nil {
			wait = max(wait, 10*st.took)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Descriptors of the portfolio gauges.
var (
	portfolioLabels = []string{"project", "team", "kind", "severity"}
	envLabels       = []string{"project", "team", "environment", "kind", "severity"}

	descOpen = prometheus.NewDesc("vigil_findings_open",
		"Open findings (state open), each once.", portfolioLabels, nil)
	descOpenDeployed = prometheus.NewDesc("vigil_findings_open_deployed",
		"Open findings on artifacts deployed in an environment now (a finding counts in each environment its artifact runs in).", envLabels, nil)
	descBreached = prometheus.NewDesc("vigil_findings_sla_breached",
		"Open findings past their SLA (first_seen + the SLA days of the project and severity).", portfolioLabels, nil)
	descBreachedDeployed = prometheus.NewDesc("vigil_findings_sla_breached_deployed",
		"Open findings past their SLA on artifacts deployed in an environment now.", envLabels, nil)
	descDueSoon = prometheus.NewDesc("vigil_findings_sla_due_soon",
		"Open findings within their SLA that are due within the server's --metrics-due-within.", portfolioLabels, nil)
	descOpenAge = prometheus.NewDesc("vigil_findings_open_age_seconds",
		"Age (now - first_seen) of the open findings, as a histogram of the current findings.", portfolioLabels, nil)
	descRemediation = prometheus.NewDesc("vigil_findings_remediation_seconds",
		"Time to remediate (first_seen to fixed) of every remediated finding; MTTR = sum / count (over a window: increase(sum) / increase(count)).", portfolioLabels, nil)
	descLate = prometheus.NewDesc("vigil_findings_remediated_late_total",
		"Remediated findings that were fixed after their SLA.", portfolioLabels, nil)
	descSLADays = prometheus.NewDesc("vigil_sla_days",
		"The SLA in days by project and severity (projects with findings).", []string{"project", "severity"}, nil)
	descImageAge = prometheus.NewDesc("vigil_image_age_seconds",
		"Age of each running image (now - the image's created time), by the deployment it runs as.", []string{"project", "environment", "service"}, nil)
	descRematchLag = prometheus.NewDesc("vigil_rematch_lag_seconds",
		"How long the oldest pending re-match job has been waiting (0: none pending).", nil, nil)
	descJobs = prometheus.NewDesc("vigil_jobs",
		"Background jobs in the store by kind and state.", []string{"kind", "state"}, nil)
	descRevision = prometheus.NewDesc("vigil_vulndb_revision",
		"The vulnerability database revision this server matches with.", nil, nil)
	descPublished = prometheus.NewDesc("vigil_vulndb_published_revision",
		"The newest vulnerability database revision published in the store (the findings follow it).", nil, nil)
	descAggAt = prometheus.NewDesc("vigil_metrics_aggregate_timestamp_seconds",
		"When the aggregate behind the portfolio gauges was computed (Unix time, server clock).", nil, nil)
	descAggTook = prometheus.NewDesc("vigil_metrics_aggregate_duration_seconds",
		"How long computing that aggregate took.", nil, nil)
)

// portfolioCollector turns an aggregate into the samples of the projects
// in scope.
type portfolioCollector struct {
	st    *portfolioStats
	sla   store.SLAPolicy
	rev   int64
	scope store.Scope
}

func (c *portfolioCollector) inScope(project string) bool {
	return c.scope.Projects == nil || slices.Contains(c.scope.Projects, project)
}

func (c *portfolioCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpen, descOpenDeployed, descBreached, descBreachedDeployed, descDueSoon, descOpenAge,
		descRemediation, descLate, descSLADays, descImageAge, descImageOldest, descRematchLag, descJobs, descRevision, descPublished, descAggAt, descAggTook} {
		ch <- d
	}
}

var (
	ageBounds         = seconds(store.AgeBuckets)
	remediationBounds = seconds(store.RemediationBuckets)
)

func seconds(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = d.Seconds()
	}
	return out
}

// constHist is a histogram sample from non-cumulative bucket counts.
func constHist(d *prometheus.Desc, counts []int, bounds []float64, sum time.Duration, labels ...string) prometheus.Metric {
	b := make(map[float64]uint64, len(bounds))
	var cum, total uint64
	for i, n := range counts {
		total += uint64(n)
		if i < len(bounds) {
			cum += uint64(n)
			b[bounds[i]] = cum
		}
	}
	return prometheus.MustNewConstHistogram(d, total, sum.Seconds(), b, labels...)
}

func (c *portfolioCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.st
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	sla := c.sla
	seen := map[string]bool{}
	for i := range st.rows {
		r := &st.rows[i]
		if !c.inScope(r.Project) {
			continue
		}
		sev := r.Severity.String()
		l := []string{r.Project, r.Team, r.Kind, sev}
		// A group has a row because it has open or remediated findings:
		// the open gauges and the age histogram only when it has open ones,
		// the remediation histogram only when it has remediated ones.
		if r.Open > 0 {
			gauge(descOpen, float64(r.Open), l...)
			gauge(descBreached, float64(r.Breached), l...)
			gauge(descDueSoon, float64(r.DueSoon), l...)
			ch <- constHist(descOpenAge, r.OpenAge, ageBounds, r.OpenAgeSum, l...)
		}
		if r.Remediated > 0 {
			ch <- constHist(descRemediation, r.RemediationHist, remediationBounds, r.RemediationSum, l...)
			ch <- prometheus.MustNewConstMetric(descLate, prometheus.CounterValue, float64(r.RemediatedLate), l...)
		}
		if !seen[r.Project] {
			seen[r.Project] = true
			for lv := severity.Unknown; lv <= severity.Critical; lv++ {
				if d := sla.Days(r.Project, lv); d > 0 {
					gauge(descSLADays, float64(d), r.Project, lv.String())
				}
			}
		}
	}
	for i := range st.envRows {
		r := &st.envRows[i]
		if r.Open == 0 || !c.inScope(r.Project) {
			continue
		}
		l := []string{r.Project, r.Team, r.Environment, r.Kind, r.Severity.String()}
		gauge(descOpenDeployed, float64(r.Open), l...)
		gauge(descBreachedDeployed, float64(r.Breached), l...)
	}
	images := map[[3]string]bool{}
	for _, im := range st.images {
		k := [3]string{im.Project, im.Environment, im.Service}
		if images[k] || !c.inScope(im.Project) {
			continue // one image per deployment slot (the newest deployment's comes first)
		}
		images[k] = true
		gauge(descImageAge, max(st.at.Sub(im.Created), 0).Seconds(), k[:]...)
	}
	oldestImages(st.images, st.at, c.inScope, gauge)
	lag := 0.0
	if !st.rematchSince.IsZero() {
		lag = max(st.wall.Sub(st.rematchSince), 0).Seconds()
	}
	gauge(descRematchLag, lag)
	for kind, states := range st.jobs {
		for state, n := range states {
			gauge(descJobs, float64(n), kind, state)
		}
	}
	gauge(descRevision, float64(c.rev))
	gauge(descPublished, float64(st.published))
	gauge(descAggAt, float64(st.at.UnixMilli())/1000)
	gauge(descAggTook, st.took.Seconds())
}

// portfolioBytes is the encoded portfolio samples of an aggregate for a
// scope, from the cache when the aggregate has not changed.
func (s *Server) portfolioBytes(st *portfolioStats, sc store.Scope, format expfmt.Format) ([]byte, error) {
	m := s.metrics
	key := encKey{scope: strings.Join(sc.Projects, "\x00"), format: format}
	if sc.Projects != nil {
		key.scope = "\x01" + key.scope // a scope of no project is not the global one
	}
	m.encMu.Lock()
	if m.encFor == st {
		if b, ok := m.encoded[key]; ok {
			m.encMu.Unlock()
			return b, nil
		}
	}
	m.encMu.Unlock()
	start := time.Now()
	reg := prometheus.NewRegistry()
	reg.MustRegister(&portfolioCollector{st: st, sla: s.metricsSLA(), rev: st.rev, scope: sc})
	fams, err := reg.Gather()
	if err != nil {
		return nil, fmt.Errorf("gather portfolio metrics: %w", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, format)
	for _, f := range fams {
		if err := enc.Encode(f); err != nil {
			return nil, fmt.Errorf("encode portfolio metrics: %w", err)
		}
	}
	m.encMu.Lock()
	if m.encFor != st || len(m.encoded) >= maxEncoded {
		m.encFor, m.encoded = st, map[encKey][]byte{}
	}
	m.encoded[key] = buf.Bytes()
	m.encMu.Unlock()
	if sc.Projects == nil {
		m.encodeDur.Set(time.Since(start).Seconds())
	}
	return buf.Bytes(), nil
}

// exposition is the metrics for a caller of scope sc in the format the
// Accept header asks for (the text format by default; expfmt.Negotiate
// never picks OpenMetrics, so two encodings concatenate): the server's own
// metrics, gathered now, then the portfolio's, encoded once per aggregate.
func (s *Server) exposition(ctx context.Context, sc store.Scope, accept string) ([]byte, string, error) {
	st, err := s.stats(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("metrics aggregate: %w", err)
	}
	h := http.Header{}
	if accept != "" {
		h.Set("Accept", accept)
	}
	format := expfmt.Negotiate(h)
	if sc.Projects == nil {
		s.metrics.lastFormat.Store(format)
	}
	portfolio, err := s.portfolioBytes(st, sc, format)
	if err != nil {
		return nil, "", err
	}
	fams, err := s.metrics.reg.Gather()
	if err != nil {
		return nil, "", fmt.Errorf("gather metrics: %w", err)
	}
	var buf bytes.Buffer
	buf.Grow(len(portfolio) + 16<<10)
	enc := expfmt.NewEncoder(&buf, format)
	for _, f := range fams {
		if err := enc.Encode(f); err != nil {
			return nil, "", fmt.Errorf("encode metrics: %w", err)
		}
	}
	buf.Write(portfolio)
	return buf.Bytes(), string(format), nil
}

func (s *Server) registerMetrics() {
	add(s, Route{
		Op: huma.Operation{OperationID: "metrics", Method: http.MethodGet, Path: "/metrics", Tags: []string{"metrics"},
			Summary:     "Prometheus metrics (text exposition format)",
			Description: "Authenticated like every route: a token of role metrics (or any higher role). A token limited to projects sees only their series. See docs/metrics.md."},
		Rule: Rule{Role: store.RoleMetrics, Scope: ScopeFilter},
	}, func(ctx context.Context, in *struct {
		Accept string `header:"Accept"`
	}) (*huma.StreamResponse, error) {
		body, ct, err := s.exposition(ctx, principal(ctx).Scope(), in.Accept)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil, huma.NewError(499, "request cancelled")
			}
			s.log.Error("metrics", "err", err)
			return nil, huma.Error503ServiceUnavailable("metrics are unavailable: the store did not answer")
		}
		return &huma.StreamResponse{Body: func(hc huma.Context) {
			hc.SetHeader("Content-Type", ct)
			hc.SetStatus(http.StatusOK)
			_, _ = hc.BodyWriter().Write(body)
		}}, nil
	})
}
