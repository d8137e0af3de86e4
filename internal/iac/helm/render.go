// Package helm renders a Helm chart found in the scanned tree with the Helm
// library (chart defaults, optionally overridden by user values files) and
// loads the rendered manifests as Kubernetes documents.
package helm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"

	"github.com/vigil-sec/vigil/internal/iac/input"
	"github.com/vigil-sec/vigil/internal/iac/kubernetes"
)

// Limits on a chart directory.
const (
	MaxChartSize  = 32 << 20
	MaxChartFiles = 5_000
)

// Release values used for rendering.
const (
	ReleaseName      = "release-name"
	ReleaseNamespace = "default"
)

// IsChart reports whether a directory entry name marks a chart root.
func IsChart(name string) bool { return name == "Chart.yaml" }

// ParseValues parses a values file (YAML) as Helm does.
func ParseValues(data []byte) (map[string]any, error) {
	v, err := chartutil.ReadValues(data)
	if err != nil {
		return nil, err
	}
	return v.AsMap(), nil
}

// Render loads the chart rooted at dir (slash path inside fsys), merges the
// values (later maps win, deep-merged over the chart's values.yaml) and
// returns the rendered Kubernetes documents. Their Path is the template
// file (dir/templates/x.yaml); lines are those of the rendered text.
// Templates that fail to load as YAML are reported beside the others.
func Render(ctx context.Context, fsys fs.FS, dir string, values ...map[string]any) (docs []input.Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			docs, err = nil, &input.ParseError{Path: path.Join(dir, "Chart.yaml"), Err: fmt.Errorf("helm panic: %v", r)}
		}
	}()
	files, err := readChart(ctx, fsys, dir)
	if err != nil {
		return nil, err
	}
	chrt, err := loader.LoadFiles(files)
	if err != nil {
		return nil, &input.ParseError{Path: path.Join(dir, "Chart.yaml"), Err: fmt.Errorf("load chart: %w", err)}
	}
	vals := map[string]any{}
	for _, v := range values {
		vals = mergeMaps(vals, v)
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return nil, &input.ParseError{Path: path.Join(dir, "Chart.yaml"), Err: fmt.Errorf("process dependencies: %w", err)}
	}
	rv, err := chartutil.ToRenderValues(chrt, vals, chartutil.ReleaseOptions{
		Name: ReleaseName, Namespace: ReleaseNamespace, Revision: 1, IsInstall: true,
	}, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, &input.ParseError{Path: path.Join(dir, "values.yaml"), Err: fmt.Errorf("values: %w", err)}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := renderBounded(ctx, chrt, rv)
	if err != nil {
		return nil, renderError(dir, chrt.Name(), err)
	}
	names := make([]string, 0, len(out))
	for k := range out {
		names = append(names, k)
	}
	slices.Sort(names)
	var errs []error
	for _, name := range names {
		ext := strings.ToLower(path.Ext(name))
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			continue
		}
		text := out[name]
		if strings.TrimSpace(text) == "" {
			continue
		}
		p := filePath(dir, chrt.Name(), name)
		ds, err := kubernetes.Load(ctx, p, []byte(text))
		if err != nil {
			errs = append(errs, err)
		}
		docs = append(docs, ds...)
	}
	return docs, errors.Join(errs...)
}

// filePath maps a rendered template name ("mychart/templates/x.yaml",
// "mychart/charts/sub/templates/y.yaml") to a path under dir.
func filePath(dir, chartName, name string) string {
	rel := strings.TrimPrefix(name, chartName+"/")
	return path.Join(dir, rel)
}

var tmplErrRe = regexp.MustCompile(`template: ([^:\s]+):(\d+):`)

func renderError(dir, chartName string, err error) error {
	if m := tmplErrRe.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[2])
		return &input.ParseError{Path: filePath(dir, chartName, m[1]), Line: line, Err: fmt.Errorf("render chart: %w", err)}
	}
	return &input.ParseError{Path: path.Join(dir, "Chart.yaml"), Err: fmt.Errorf("render chart: %w", err)}
}

func readChart(ctx context.Context, fsys fs.FS, dir string) ([]*loader.BufferedFile, error) {
	var files []*loader.BufferedFile
	total := 0
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += int(info.Size())
		if total > MaxChartSize || len(files) >= MaxChartFiles {
			return fmt.Errorf("%w: chart larger than %d bytes or %d files", input.ErrTooLarge, MaxChartSize, MaxChartFiles)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
		if dir == "." {
			rel = p
		}
		files = append(files, &loader.BufferedFile{Name: rel, Data: data})
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &input.ParseError{Path: path.Join(dir, "Chart.yaml"), Err: fmt.Errorf("read chart: %w", err)}
	}
	return files, nil
}

// mergeMaps deep-merges b over a (as `helm -f a.yaml -f b.yaml`).
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(am, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// RenderTimeout bounds the rendering of one chart. Helm's template engine
// cannot be interrupted, so a hostile template (an endless until loop)
// would hang the scan; past the timeout (or on cancellation) the chart is
// reported as unreadable and the scan goes on. The abandoned rendering
// goroutine ends with the process.
var RenderTimeout = 30 * time.Second

func renderBounded(ctx context.Context, chrt *chart.Chart, rv chartutil.Values) (map[string]string, error) {
	type result struct {
		out map[string]string
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("helm panic: %v", r)}
			}
		}()
		out, err := engine.Render(chrt, rv)
		done <- result{out, err}
	}()
	timer := time.NewTimer(RenderTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.out, r.err
	case <-timer.C:
		return nil, fmt.Errorf("rendering did not finish in %s (does a template loop?)", RenderTimeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
