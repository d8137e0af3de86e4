package secrets

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// commitMarker starts the line git prints for each commit (see gitLogArgs).
// No diff line can start with a NUL byte.
const commitMarker = "\x00commit "

var gitLogArgs = []string{
	"-c", "core.quotePath=false",
	"-c", "diff.noprefix=false",
	"log", "--all", "--full-history", "--no-show-signature",
	"-p", "-U0", "--no-color", "--no-ext-diff", "--no-textconv",
	"--src-prefix=a/", "--dst-prefix=b/",
	"--format=%x00commit %H %aI %an <%ae>",
}

// ScanGitHistory scans every line added by every commit reachable from any
// ref of the repository at repoDir, by streaming the output of
// `git log --all -p -U0`. A secret added in one commit and removed in a
// later one is still reported, with the commit that added it, its author
// and author date. Requires the git CLI.
func (s *Scanner) ScanGitHistory(ctx context.Context, repoDir string) ([]Finding, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", repoDir}, gitLogArgs...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("git log %q: %w", repoDir, err)
	}
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("git log %q: %w", repoDir, err)
	}
	out, perr := s.scanGitLog(ctx, stdout)
	if perr != nil {
		// Drain so git can exit, then report the parse error.
		_, _ = io.Copy(io.Discard, stdout)
	}
	werr := cmd.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if werr != nil {
		return nil, fmt.Errorf("git log %q: %w: %s", repoDir, werr, strings.TrimSpace(stderr.String()))
	}
	if perr != nil {
		return nil, fmt.Errorf("git log %q: %w", repoDir, perr)
	}
	return out, nil
}

// limitedBuffer keeps the first 4 KiB written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// maxHunk is how many added bytes are collected before a hunk is scanned
// in pieces.
const maxHunk = 1 << 20

// scanGitLog parses `git log -p -U0` output (in the format of gitLogArgs)
// and scans the added lines of each hunk.
func (s *Scanner) scanGitLog(ctx context.Context, r io.Reader) ([]Finding, error) {
	st := s.pool.Get().(*scratch)
	defer s.put(st)
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		out       []Finding
		tmpl      Finding
		path      string
		inHunk    bool
		hunk      []byte
		hunkStart int // new-file line number of hunk[0]
		hunkLines int
		nextLine  int
		long      []byte
		lines     int
	)
	flush := func() {
		if len(hunk) > 0 && path != "" {
			out = s.scanBytes(st, path, hunk, hunkStart-1, -1, tmpl, out)
		}
		hunk = hunk[:0]
		hunkLines = 0
	}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A very long line: collect it, bounded by maxHunk.
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				if len(long) < maxHunk {
					long = append(long, line...)
				}
			}
			line = long
		}
		if len(line) > 0 {
			lines++
			if lines%4096 == 0 {
				if cerr := ctx.Err(); cerr != nil {
					return nil, cerr
				}
			}
			line = bytes.TrimSuffix(line, []byte("\n"))
			switch {
			case bytes.HasPrefix(line, []byte(commitMarker)):
				flush()
				inHunk, path = false, ""
				tmpl = parseCommitLine(line[len(commitMarker):])
			case inHunk && len(line) > 0 && line[0] == '+':
				if len(hunk)+len(line) > maxHunk {
					flush()
				}
				if hunkLines == 0 {
					hunkStart = nextLine
				}
				hunk = append(hunk, line[1:]...)
				hunk = append(hunk, '\n')
				hunkLines++
				nextLine++
			case inHunk && len(line) > 0 && (line[0] == '-' || line[0] == '\\' || line[0] == ' '):
				if line[0] == ' ' {
					nextLine++
				}
			case bytes.HasPrefix(line, []byte("@@ ")):
				flush()
				inHunk = true
				nextLine = parseHunkStart(line)
			case bytes.HasPrefix(line, []byte("diff --git ")):
				flush()
				inHunk, path = false, ""
			case !inHunk && bytes.HasPrefix(line, []byte("+++ ")):
				path = parseDiffPath(line[4:])
			default:
				inHunk = false
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	flush()
	sortFindings(out)
	return out, nil
}

// parseCommitLine reads "<sha> <date> <author>".
func parseCommitLine(b []byte) Finding {
	var f Finding
	sha, rest, _ := bytes.Cut(b, []byte(" "))
	date, author, _ := bytes.Cut(rest, []byte(" "))
	f.Commit, f.Date, f.Author = string(sha), string(date), string(author)
	if t, err := time.Parse(time.RFC3339, f.Date); err == nil {
		f.Date = t.Format(time.RFC3339)
	}
	return f
}

// parseHunkStart returns the new-file start line of "@@ -a,b +c,d @@".
func parseHunkStart(b []byte) int {
	i := bytes.Index(b, []byte(" +"))
	if i < 0 {
		return 1
	}
	b = b[i+2:]
	j := 0
	for j < len(b) && '0' <= b[j] && b[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(string(b[:j]))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// parseDiffPath reads the path of a "+++ " line: "b/path", a quoted
// "\"b/path\"", or /dev/null (a deletion, returned as "").
func parseDiffPath(b []byte) string {
	p := string(bytes.TrimRight(b, "\t\r"))
	if p == "/dev/null" {
		return ""
	}
	if strings.HasPrefix(p, `"`) {
		if u, err := strconv.Unquote(p); err == nil {
			p = u
		}
	}
	return strings.TrimPrefix(p, "b/")
}
