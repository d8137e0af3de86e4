package sarif

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// PrepareOptions say how Prepare completes a document before it is
// uploaded, on the machine where the analyser ran.
type PrepareOptions struct {
	// Root is the checkout the analyser ran in. Absolute paths under it
	// become relative to it (so the same result on two CI runners is one
	// finding); a result without a region snippet gets the text of its
	// lines read from the file under Root (so its identity survives a
	// change of line). Empty: neither.
	Root string
	// Suppress, when set, is asked for each finding that has no
	// suppression in force; a non-nil answer is added to the result as a
	// SARIF suppression of kind external.
	Suppress func(f *Finding) *Suppression
}

// Limits of what Prepare reads from the checkout.
const (
	maxSourceFile    = 8 << 20
	maxSnippetLines  = 20
	maxPreparedFiles = 10_000
)

// Prepare validates a document (as ParseBytes), completes it as o says
// and returns it re-encoded with what it now says. Everything Prepare does
// not change is kept.
func Prepare(data []byte, file string, o PrepareOptions) ([]byte, *Report, error) {
	rep, err := ParseBytes(data, file)
	if err != nil {
		return nil, nil, err
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, &ParseError{File: file, Err: err}
	}
	if o.Root != "" {
		root, err := os.OpenRoot(o.Root)
		if err != nil {
			return nil, nil, fmt.Errorf("source root: %w", err)
		}
		defer root.Close()
		abs, err := filepath.Abs(o.Root)
		if err != nil {
			return nil, nil, fmt.Errorf("source root: %w", err)
		}
		files := map[string][]string{}
		eachPhysical(doc, func(pl map[string]any) {
			al, _ := pl["artifactLocation"].(map[string]any)
			if al == nil {
				return
			}
			uri, _ := al["uri"].(string)
			p, err := cleanURI(uri)
			if err != nil || p == "" {
				return
			}
			if strings.HasPrefix(p, "/") {
				rel, err := filepath.Rel(abs, filepath.FromSlash(p))
				if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
					return // outside the checkout: left as it is
				}
				p = filepath.ToSlash(rel)
				al["uri"] = p
				delete(al, "uriBaseId")
			}
			reg, _ := pl["region"].(map[string]any)
			if reg == nil {
				return
			}
			if sn, _ := reg["snippet"].(map[string]any); sn != nil {
				if t, _ := sn["text"].(string); t != "" {
					return
				}
			}
			start := intOf(reg["startLine"])
			if start <= 0 {
				return
			}
			end := max(intOf(reg["endLine"]), start)
			end = min(end, start+maxSnippetLines-1)
			lines, ok := files[p]
			if !ok {
				if len(files) >= maxPreparedFiles {
					return
				}
				lines = readLines(root, p)
				files[p] = lines
			}
			if start > len(lines) {
				return
			}
			text := strings.Join(lines[start-1:min(end, len(lines))], "\n")
			if strings.TrimSpace(text) != "" {
				reg["snippet"] = map[string]any{"text": text}
			}
		})
		if data, err = json.Marshal(doc); err != nil {
			return nil, nil, err
		}
		if rep, err = ParseBytes(data, file); err != nil {
			return nil, nil, err
		}
	}
	if o.Suppress != nil {
		added := false
		byRef := map[string]*Suppression{}
		for _, run := range rep.Runs {
			for i := range run.Findings {
				f := &run.Findings[i]
				if f.Suppressed() {
					continue
				}
				if s := o.Suppress(f); s != nil {
					byRef[f.Ref] = s
				}
			}
		}
		runs, _ := doc["runs"].([]any)
		for i, r := range runs {
			rm, _ := r.(map[string]any)
			results, _ := rm["results"].([]any)
			for j, res := range results {
				s, ok := byRef[fmt.Sprintf("runs[%d].results[%d]", i, j)]
				if !ok {
					continue
				}
				resm := res.(map[string]any)
				sup := map[string]any{"kind": "external", "status": "accepted", "justification": s.Justification}
				if s.Vigil {
					sup["properties"] = map[string]any{"vigil": map[string]any{"kind": "config", "expires": s.Expires}}
				}
				list, _ := resm["suppressions"].([]any)
				resm["suppressions"] = append(list, sup)
				added = true
			}
		}
		if added {
			if data, err = json.Marshal(doc); err != nil {
				return nil, nil, err
			}
			if rep, err = ParseBytes(data, file); err != nil {
				return nil, nil, err
			}
		}
	}
	return data, rep, nil
}

// eachPhysical calls fn with the physical location of every result's
// locations.
func eachPhysical(doc map[string]any, fn func(map[string]any)) {
	runs, _ := doc["runs"].([]any)
	for _, r := range runs {
		rm, _ := r.(map[string]any)
		results, _ := rm["results"].([]any)
		for _, res := range results {
			resm, _ := res.(map[string]any)
			locs, _ := resm["locations"].([]any)
			for _, l := range locs {
				lm, _ := l.(map[string]any)
				if pl, _ := lm["physicalLocation"].(map[string]any); pl != nil {
					fn(pl)
				}
			}
		}
	}
}

func intOf(v any) int {
	n, ok := v.(json.Number)
	if !ok {
		return 0
	}
	i, err := n.Int64()
	if err != nil || i < 0 || i > 1<<30 {
		return 0
	}
	return int(i)
}

// readLines reads a source file under root (nil when it cannot: missing,
// outside root, too large, binary).
func readLines(root *os.Root, p string) []string {
	f, err := root.Open(filepath.FromSlash(path.Clean(p)))
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSourceFile+1))
	if err != nil || len(data) > maxSourceFile || bytes.IndexByte(data, 0) >= 0 {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxSourceFile)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return nil
	}
	return out
}
