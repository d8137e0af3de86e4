package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/gate"
	"github.com/vigil-sec/vigil/internal/score"
	"github.com/vigil-sec/vigil/internal/store"
)

// The CI gate against the server (docs/gate-server.md), image freshness
// (docs/freshness.md) and security scores (docs/score.md). All three are
// computed from the findings and deployments at request time (their
// answers depend on the clock: SLA breaches and ages), so none is cached.

// MaxGateFindings bounds the findings one gate answer carries; past it the
// answer says truncated and the gate fails closed.
const MaxGateFindings = 10000

// eachOpenFinding calls fn with every open finding of f, page by page.
func (s *Server) eachOpenFinding(ctx context.Context, f store.FindingFilter, fn func(*store.FindingView) (more bool)) error {
	f.States = []string{store.StateOpen}
	f.Page = store.Page{Limit: 1000}
	for {
		vs, next, err := s.store.ListFindings(ctx, f)
		if err != nil {
			return err
		}
		for i := range vs {
			if !fn(&vs[i]) {
				return nil
			}
		}
		if next == "" {
			return nil
		}
		f.Page.Cursor = next
	}
}

// slaDue is when a finding's SLA runs out (zero: it has none) and whether
// it is breached now: open past first_seen + SLA days, as the remediation
// metrics count it.
func (s *Server) slaDue(v *store.FindingView, now time.Time) (time.Time, bool) {
	d := s.metricsSLA().Days(v.Project, v.Severity)
	if d <= 0 {
		return time.Time{}, false
	}
	due := v.FirstSeen.Add(time.Duration(d) * store.Day)
	return due, now.After(due)
}

// published reads a vulnerability's advisory publication time from its
// detail (zero when absent).
func published(detail []byte) time.Time {
	var d struct {
		Published time.Time `json:"published"`
	}
	if len(detail) == 0 || len(detail) > score.MaxDetail || json.Unmarshal(detail, &d) != nil {
		return time.Time{}
	}
	return d.Published
}

// GateState computes what the gate judges for a project: its open findings
// (only those of artifact and of deployed artifacts when deployedOnly or
// artifact is set), with their environments and SLA, and the build times
// of the artifact's image and of the images that run.
func (s *Server) GateState(ctx context.Context, sc store.Scope, project, artifact string, deployedOnly bool) (gate.ServerState, error) {
	now := s.now()
	st := gate.ServerState{Project: project, Now: now, Findings: []gate.ServerFinding{}, Images: []gate.ServerImage{}, MaxImageAgeDays: int(s.opts.MaxImageAge / store.Day)}
	if _, err := s.store.GetProject(ctx, project); err != nil {
		return st, err
	}
	var art store.Artifact
	if artifact != "" {
		var err error
		if art, err = s.store.FindArtifact(ctx, project, artifact); err != nil {
			return st, err
		}
	}
	err := s.eachOpenFinding(ctx, store.FindingFilter{Scope: sc, Project: project}, func(v *store.FindingView) bool {
		if (artifact != "" || deployedOnly) && len(v.Environments) == 0 && v.ArtifactID != art.ID {
			return true
		}
		if len(st.Findings) == MaxGateFindings {
			st.Truncated = true
			return false
		}
		f := gate.ServerFinding{ID: v.ID, Kind: v.Kind, VulnerabilityID: v.VulnerabilityID, Severity: v.Severity.String(), FixedVersion: v.FixedVersion,
			Artifact: v.Artifact.Digest, ArtifactName: v.Artifact.Name, Environments: nonNil(v.Environments), FirstSeen: v.FirstSeen,
			Aliases: v.Aliases}
		if v.Package != nil {
			f.Package = v.Package.Name + "@" + v.Package.Version
			f.Ecosystem, f.PURL = v.Package.Ecosystem, v.Package.PURL
		}
		if v.Kind == store.KindVulnerability {
			f.Published = published(v.Detail)
		}
		f.SLADue, f.SLABreached = s.slaDue(v, now)
		st.Findings = append(st.Findings, f)
		return true
	})
	if err != nil {
		return st, err
	}
	fr, err := s.store.Freshness(ctx, store.FreshnessFilter{Scope: sc, Project: project})
	if err != nil {
		return st, err
	}
	images := map[int64]int{}
	for _, d := range fr {
		i, ok := images[d.ArtifactID]
		if !ok {
			i = len(st.Images)
			images[d.ArtifactID] = i
			st.Images = append(st.Images, gate.ServerImage{Artifact: d.Digest, Name: d.Name, Built: d.Built, Environments: []string{}})
		}
		if !slices.Contains(st.Images[i].Environments, d.Environment) {
			st.Images[i].Environments = append(st.Images[i].Environments, d.Environment)
		}
	}
	if art.Image != nil {
		if _, ok := images[art.ID]; !ok {
			st.Images = append(st.Images, gate.ServerImage{Artifact: art.Digest, Name: art.Name, Built: art.Image.Created, Environments: []string{}})
		}
	}
	for i := range st.Images {
		slices.Sort(st.Images[i].Environments)
	}
	return st, nil
}

// FreshnessReport is the freshness of a project's (or the portfolio's)
// running deployments.
type FreshnessReport struct {
	Now time.Time `json:"now"`
	// MaxImageAgeDays is the server's limit (serve config
	// freshness.max_image_age_days; 0: none).
	MaxImageAgeDays int `json:"max_image_age_days"`
	// Deployments are oldest image first (unknown build times last).
	Deployments []DeploymentFreshness `json:"deployments"`
}

// DeploymentFreshness is a running deployment's freshness, judged against
// the server's limit.
type DeploymentFreshness struct {
	store.ImageFreshness
	TooOld bool `json:"too_old" doc:"built longer ago than max_image_age_days"`
}

// tooOld says whether a deployment's image is older than the limit.
func tooOld(d *store.ImageFreshness, limit time.Duration) bool {
	return limit > 0 && d.KnownAge && d.AgeDays*float64(store.Day) > float64(limit)
}

func (s *Server) freshnessReport(fr []store.ImageFreshness) FreshnessReport {
	out := FreshnessReport{Now: s.now(), MaxImageAgeDays: int(s.opts.MaxImageAge / store.Day), Deployments: make([]DeploymentFreshness, 0, len(fr))}
	for i := range fr {
		out.Deployments = append(out.Deployments, DeploymentFreshness{ImageFreshness: fr[i], TooOld: tooOld(&fr[i], s.opts.MaxImageAge)})
	}
	return out
}

// ImagesTooOld lists the running deployments (in f) whose image was built
// longer ago than maxAge (the server's MaxImageAge when maxAge is 0; none
// when both are 0), oldest first. It is what an image.too_old alert
// evaluates: one event per deployment listed (docs/freshness.md).
func (s *Server) ImagesTooOld(ctx context.Context, f store.FreshnessFilter, maxAge time.Duration) ([]store.ImageFreshness, error) {
	if maxAge <= 0 {
		maxAge = s.opts.MaxImageAge
	}
	if maxAge <= 0 {
		return nil, nil
	}
	fr, err := s.store.Freshness(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []store.ImageFreshness
	for i := range fr {
		if tooOld(&fr[i], maxAge) {
			out = append(out, fr[i])
		}
	}
	return out, nil
}

// ProjectScore is a project's score, in one environment or overall.
type ProjectScore struct {
	Project     string    `json:"project"`
	Environment string    `json:"environment,omitempty"`
	Now         time.Time `json:"now"`
	score.Score
}

// scoreFinding is a finding as the score counts it.
func (s *Server) scoreFinding(v *store.FindingView, now time.Time) score.Finding {
	f := score.Finding{Kind: v.Kind, Severity: v.Severity, Fixable: v.FixedVersion != ""}
	if v.Kind == store.KindVulnerability {
		// The server's KEV and EPSS data (refreshed with the vulnerability
		// database) first; a detail that carries its own as a fallback.
		kev, epss := s.exploit.data().Lookup(v.VulnerabilityID, v.Aliases)
		f.KEV = kev != nil
		if epss != nil {
			f.EPSS = epss.Score
		}
		if !f.KEV && f.EPSS == 0 {
			f.KEV, f.EPSS = score.Exploit(v.Detail)
		}
	}
	_, f.SLABreached = s.slaDue(v, now)
	return f
}

// Scores computes the score of every project in scope (one of them when
// project is set), in environment or overall. In an environment, only
// projects running something there are scored, and only the findings of
// what runs there count.
func (s *Server) Scores(ctx context.Context, sc store.Scope, project, environment string) ([]ProjectScore, error) {
	now := s.now()
	inputs := map[string]*score.Input{}
	get := func(p string) *score.Input {
		in := inputs[p]
		if in == nil {
			in = &score.Input{}
			inputs[p] = in
		}
		return in
	}
	fr, err := s.store.Freshness(ctx, store.FreshnessFilter{Scope: sc, Project: project, Environment: environment})
	if err != nil {
		return nil, err
	}
	for _, d := range fr {
		in := get(d.Project)
		in.OldestImageDays = max(in.OldestImageDays, d.AgeDays)
	}
	if environment != "" {
		// Whatever runs there is scored, image or not, findings or not.
		for cur := ""; ; {
			ds, next, err := s.store.ListDeployments(ctx, store.DeploymentFilter{Scope: sc, Project: project, Environment: environment, ActiveOnly: true, Page: store.Page{Cursor: cur, Limit: 1000}})
			if err != nil {
				return nil, err
			}
			for _, d := range ds {
				get(d.Project)
			}
			if next == "" {
				break
			}
			cur = next
		}
	} else {
		if project != "" {
			get(project)
		} else {
			for cur := ""; ; {
				ps, next, err := s.store.ListProjects(ctx, sc, store.Page{Cursor: cur, Limit: 1000})
				if err != nil {
					return nil, err
				}
				for _, p := range ps {
					get(p.Name)
				}
				if next == "" {
					break
				}
				cur = next
			}
		}
	}
	if err := s.eachOpenFinding(ctx, store.FindingFilter{Scope: sc, Project: project, Environment: environment, Lean: true}, func(v *store.FindingView) bool {
		in := get(v.Project)
		in.Findings = append(in.Findings, s.scoreFinding(v, now))
		return true
	}); err != nil {
		return nil, err
	}
	out := make([]ProjectScore, 0, len(inputs))
	for p, in := range inputs {
		out = append(out, ProjectScore{Project: p, Environment: environment, Now: now, Score: score.Compute(*in)})
	}
	slices.SortFunc(out, func(a, b ProjectScore) int {
		if a.Score.Score != b.Score.Score {
			return a.Score.Score - b.Score.Score
		}
		return strings.Compare(a.Project, b.Project)
	})
	return out, nil
}

// cachedScores is Scores for the request's principal through the read
// cache: an answer holds while the data (the store generation), the
// exploitation data and the minute of the server's clock are the same
// (scores count SLA breaches and image ages, which the clock moves).
func (s *Server) cachedScores(ctx context.Context, project, environment string) ([]ProjectScore, error) {
	key := cacheKey("scores"+s.exploit.tag()+s.now().UTC().Truncate(time.Minute).Format(time.RFC3339), principal(ctx), [2]string{project, environment})
	return through(ctx, s.reads, key, func(ss []ProjectScore) int { return 512 + 1024*len(ss) }, func() ([]ProjectScore, error) {
		return s.Scores(ctx, principal(ctx).Scope(), project, environment)
	})
}

func (s *Server) registerFreshness() {
	add(s, Route{
		Op: huma.Operation{OperationID: "get-project-gate", Method: http.MethodGet, Path: "/api/v1/projects/{project}/gate",
			Summary:     "What the CI gate judges: the project's open findings with their environments and SLA, and its image build times",
			Description: "`vigil gate` and `vigil scan --server` apply the vigil.yaml gate to this answer (docs/gate-server.md). With artifact or deployed, only the findings of that artifact and of what is deployed now are listed.",
			Tags:        []string{"gate"}},
		Rule:        Rule{Role: store.RoleReader, Scope: ScopePath},
		ExamplePath: map[string]string{"project": "matrix"},
	}, func(ctx context.Context, in *struct {
		Project  string `path:"project"`
		Artifact string `query:"artifact" maxLength:"200" doc:"digest of the artifact being gated"`
		Deployed bool   `query:"deployed" doc:"only findings of artifacts deployed now (and of artifact)"`
	}) (*Item[gate.ServerState], error) {
		st, err := s.GateState(ctx, principal(ctx).Scope(), in.Project, in.Artifact, in.Deployed)
		if err != nil {
			return nil, storeErr(err)
		}
		return &Item[gate.ServerState]{Body: st}, nil
	})
	add(s, Route{
		Op: huma.Operation{OperationID: "get-project-freshness", Method: http.MethodGet, Path: "/api/v1/projects/{project}/freshness",
			Summary: "Image age, base image and reverse uptime of each running deployment of a project", Tags: []string{"freshness"}},
		Rule:        Rule{Role: store.RoleReader, Scope: ScopePath},
		ExamplePath: map[string]string{"project": "matrix"},
	}, func(ctx context.Context, in *struct {
		Project     string `path:"project"`
		Environment string `query:"environment" maxLength:"64"`
	}) (*Item[FreshnessReport], error) {
		if _, err := s.store.GetProject(ctx, in.Project); err != nil {
			return nil, storeErr(err)
		}
		fr, err := s.store.Freshness(ctx, store.FreshnessFilter{Scope: principal(ctx).Scope(), Project: in.Project, Environment: in.Environment})
		if err != nil {
			return nil, storeErr(err)
		}
		return &Item[FreshnessReport]{Body: s.freshnessReport(fr)}, nil
	})
	add(s, Route{
		Op: huma.Operation{OperationID: "list-freshness", Method: http.MethodGet, Path: "/api/v1/freshness",
			Summary: "The oldest images running in the portfolio (or in one environment), oldest first", Tags: []string{"freshness"}},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeFilter},
	}, func(ctx context.Context, in *struct {
		Environment string `query:"environment" maxLength:"64"`
		Limit       int    `query:"limit" minimum:"0" maximum:"1000" doc:"at most this many deployments (default 20)"`
	}) (*Item[FreshnessReport], error) {
		fr, err := s.store.Freshness(ctx, store.FreshnessFilter{Scope: principal(ctx).Scope(), Environment: in.Environment})
		if err != nil {
			return nil, storeErr(err)
		}
		lim := in.Limit
		if lim == 0 {
			lim = 20
		}
		fr = fr[:min(lim, len(fr))]
		return &Item[FreshnessReport]{Body: s.freshnessReport(fr)}, nil
	})
	add(s, Route{
		Op: huma.Operation{OperationID: "get-project-score", Method: http.MethodGet, Path: "/api/v1/projects/{project}/score",
			Summary:     "A project's security score (0-100, grade A-F) with every component's weight and value",
			Description: "The formula is in docs/score.md. With environment, only the findings and images of what runs there count.",
			Tags:        []string{"score"}},
		Rule:        Rule{Role: store.RoleReader, Scope: ScopePath},
		ExamplePath: map[string]string{"project": "matrix"},
	}, func(ctx context.Context, in *struct {
		Project     string `path:"project"`
		Environment string `query:"environment" maxLength:"64"`
	}) (*Item[ProjectScore], error) {
		if _, err := s.store.GetProject(ctx, in.Project); err != nil {
			return nil, storeErr(err)
		}
		ss, err := s.cachedScores(ctx, in.Project, in.Environment)
		if err != nil {
			return nil, storeErr(err)
		}
		if len(ss) == 0 {
			return nil, huma.Error404NotFound("project " + in.Project + " runs nothing in environment " + in.Environment)
		}
		return &Item[ProjectScore]{Body: ss[0]}, nil
	})
	type scoresOut struct {
		Body struct {
			Now   time.Time      `json:"now"`
			Items []ProjectScore `json:"items"`
		}
	}
	add(s, Route{
		Op: huma.Operation{OperationID: "list-scores", Method: http.MethodGet, Path: "/api/v1/scores",
			Summary: "The worst security scores of the portfolio (or of one environment), lowest first", Tags: []string{"score"}},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeFilter},
	}, func(ctx context.Context, in *struct {
		Environment string `query:"environment" maxLength:"64"`
		Limit       int    `query:"limit" minimum:"0" maximum:"1000" doc:"at most this many projects (default 20)"`
	}) (*scoresOut, error) {
		ss, err := s.cachedScores(ctx, "", in.Environment)
		if err != nil {
			return nil, storeErr(err)
		}
		lim := in.Limit
		if lim == 0 {
			lim = 20
		}
		out := &scoresOut{}
		out.Body.Now, out.Body.Items = s.now(), ss[:min(lim, len(ss))]
		return out, nil
	})
}

// descImageOldest is the age of the oldest running image per project and
// environment: bounded labels, for an alert rule on max_image_age_days.
var descImageOldest = prometheus.NewDesc("vigil_image_oldest_age_seconds",
	"Age of the oldest running image (now - its build time) by project and environment.", []string{"project", "environment"}, nil)

// oldestImages emits descImageOldest for the images in scope.
func oldestImages(images []store.DeployedImage, at time.Time, inScope func(string) bool, gauge func(*prometheus.Desc, float64, ...string)) {
	oldest := map[[2]string]time.Time{}
	var keys [][2]string
	for _, im := range images {
		if !inScope(im.Project) {
			continue
		}
		k := [2]string{im.Project, im.Environment}
		t, ok := oldest[k]
		if !ok {
			keys = append(keys, k)
		}
		if !ok || im.Created.Before(t) {
			oldest[k] = im.Created
		}
	}
	for _, k := range keys {
		gauge(descImageOldest, max(at.Sub(oldest[k]), 0).Seconds(), k[:]...)
	}
}
