// Command secretsbench measures the secrets library on a directory tree and
// scores scanner reports against the labelled corpus. It exists so that
// bench/secrets.sh can run before the CLI is wired up.
//
//	secretsbench scan DIR                  scan DIR, print a summary
//	secretsbench score LABELS REPORT ROOT  score a Gitleaks JSON report
//	secretsbench vigil-score LABELS ROOT   scan ROOT and score it
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/secrets"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "secretsbench:", err)
		os.Exit(2)
	}
}

// maxFileSize is -max-file-size: larger files are skipped (0: library
// default of 10 MiB; Gitleaks has no limit, so the benchmark raises it).
var (
	maxFileSize = new(int64)
	verbose     = new(bool)
)

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("secretsbench", flag.ContinueOnError)
	fs.Int64Var(maxFileSize, "max-file-size", 0, "skip files larger than this many bytes (0: library default)")
	fs.BoolVar(verbose, "v", false, "print findings (redacted) as JSON lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) < 2 {
		return fmt.Errorf("usage: secretsbench scan DIR | score LABELS REPORT ROOT | vigil-score LABELS ROOT")
	}
	switch args[0] {
	case "scan":
		return scan(ctx, args[1])
	case "score":
		if len(args) != 4 {
			return fmt.Errorf("usage: secretsbench score LABELS REPORT ROOT")
		}
		return scoreGitleaks(args[1], args[2], args[3])
	case "vigil-score":
		if len(args) != 3 {
			return fmt.Errorf("usage: secretsbench vigil-score LABELS ROOT")
		}
		return scoreVigil(ctx, args[1], args[2])
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func scan(ctx context.Context, dir string) error {
	s, err := secrets.New(secrets.Options{MaxFileSize: *maxFileSize})
	if err != nil {
		return err
	}
	var size int64
	var files int
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil && (*maxFileSize <= 0 && info.Size() <= secrets.DefaultMaxFileSize || *maxFileSize > 0 && info.Size() <= *maxFileSize) {
				size += info.Size()
				files++
			}
		}
		return nil
	})
	start := time.Now()
	findings, ferrs, err := s.ScanFS(ctx, os.DirFS(dir))
	if err != nil {
		return err
	}
	el := time.Since(start)
	if *verbose {
		enc := json.NewEncoder(os.Stdout)
		for _, f := range findings {
			_ = enc.Encode(f)
		}
	}
	fmt.Printf("files=%d bytes=%d findings=%d file_errors=%d elapsed=%s MB/s=%.1f\n",
		files, size, len(findings), len(ferrs), el.Round(time.Millisecond), float64(size)/1e6/el.Seconds())
	return nil
}

type label struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	Kind string `json:"kind"`
}

type key struct {
	path string
	line int
}

func loadLabels(p string) (map[key]string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var ls []label
	if err := json.Unmarshal(b, &ls); err != nil {
		return nil, fmt.Errorf("parse %q: %w", p, err)
	}
	m := map[key]string{}
	for _, l := range ls {
		m[key{l.Path, l.Line}] = l.Kind
	}
	return m, nil
}

func report(name string, want map[key]string, got map[key]string) {
	tp, fp := 0, 0
	for k, rule := range got {
		if _, ok := want[k]; ok {
			tp++
		} else {
			fp++
			fmt.Fprintf(os.Stderr, "  FP %s:%d %s\n", k.path, k.line, rule)
		}
	}
	missed := map[string]int{}
	for k, kind := range want {
		if _, ok := got[k]; !ok {
			missed[kind]++
		}
	}
	fn := len(want) - tp
	fmt.Printf("%s: labelled=%d TP=%d FP=%d FN=%d precision=%.3f recall=%.3f\n", name, len(want), tp, fp, fn,
		float64(tp)/float64(tp+fp), float64(tp)/float64(len(want)))
	if len(missed) > 0 {
		fmt.Printf("  missed by kind: %v\n", missed)
	}
}

func scoreGitleaks(labels, reportPath, root string) error {
	want, err := loadLabels(labels)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(reportPath)
	if err != nil {
		return err
	}
	var rep []struct {
		RuleID    string
		File      string
		StartLine int
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return fmt.Errorf("parse %q: %w", reportPath, err)
	}
	got := map[key]string{}
	for _, r := range rep {
		p := strings.TrimPrefix(filepath.ToSlash(r.File), filepath.ToSlash(root))
		p = strings.TrimPrefix(p, "/")
		got[key{p, r.StartLine}] = r.RuleID
	}
	report("gitleaks", want, got)
	return nil
}

func scoreVigil(ctx context.Context, labels, root string) error {
	want, err := loadLabels(labels)
	if err != nil {
		return err
	}
	s, err := secrets.New(secrets.Options{})
	if err != nil {
		return err
	}
	findings, _, err := s.ScanFS(ctx, os.DirFS(root))
	if err != nil {
		return err
	}
	got := map[key]string{}
	for _, f := range findings {
		got[key{f.Path, f.Line}] = f.RuleID
	}
	report("vigil", want, got)
	return nil
}
