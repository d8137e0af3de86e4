package vulndb

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultSource is the public OSV bucket.
const DefaultSource = "https://osv-vulnerabilities.storage.googleapis.com"

const (
	ecosystemsFile  = "ecosystems.txt"
	archiveFile     = "all.zip"
	maxListSize     = 1 << 20
	maxEcosystems   = 1000
	maxEcosystemLen = 100
)

// source is where archives come from: an HTTP(S) base URL laid out like the
// OSV bucket, or a local directory with the same layout.
type source interface {
	String() string
	// list returns the names in ecosystems.txt.
	list(ctx context.Context) ([]string, error)
	// fetch makes the archive of one ecosystem available as a local file.
	fetch(ctx context.Context, eco string, prev *manifestEntry, p *progressSink) (*fetched, error)
	// file reads another file of an ecosystem (the change listing, one
	// record), at most max bytes; errNoFile when the source lacks it.
	file(ctx context.Context, eco, name string, max int64) ([]byte, error)
}

// readMax reads r up to max bytes; more is an error.
func readMax(r io.Reader, max int64, where string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, &FetchError{URL: where, Err: err}
	}
	if int64(len(data)) > max {
		return nil, &FetchError{URL: where, Err: fmt.Errorf("over the limit of %d bytes", max)}
	}
	return data, nil
}

// fetched is one archive on local disk. When unchanged is true (HTTP 304)
// there is no file.
type fetched struct {
	unchanged    bool
	path         string
	temp         bool // path is ours to delete
	size         int64
	sha256       string
	etag         string
	lastModified string
	transferred  int64
}

func (f *fetched) cleanup() {
	if f != nil && f.temp && f.path != "" {
		os.Remove(f.path)
	}
}

func newSource(from string, client *http.Client, workDir string, maxArchive int64, timeout time.Duration) (source, error) {
	if from == "" {
		from = DefaultSource
	}
	if u, err := url.Parse(from); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		if u.Host == "" {
			return nil, fmt.Errorf("source %q: no host", from)
		}
		if client == nil {
			client = defaultClient()
		}
		return &httpSource{base: strings.TrimSuffix(from, "/"), client: client, workDir: workDir,
			maxArchive: maxArchive, timeout: timeout}, nil
	} else if err == nil && u.Scheme == "file" {
		from = u.Path
	}
	fi, err := os.Stat(from)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", from, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("source %q: not a directory or http(s) URL", from)
	}
	abs, err := filepath.Abs(from)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", from, err)
	}
	return &dirSource{dir: abs, maxArchive: maxArchive}, nil
}

// defaultClient has connection-level timeouts only: a whole download is
// bounded by UpdateOptions.FetchTimeout through its context.
func defaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = 60 * time.Second
	t.ExpectContinueTimeout = time.Second
	return &http.Client{Transport: t}
}

// validEcosystem rejects names that could escape a directory or a URL path.
func validEcosystem(s string) error {
	switch {
	case s == "" || s == "." || s == "..":
		return fmt.Errorf("invalid ecosystem name %q", s)
	case len(s) > maxEcosystemLen:
		return fmt.Errorf("invalid ecosystem name %q: too long", s)
	case strings.ContainsAny(s, "/\\"), strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("invalid ecosystem name %q", s)
	case strings.Contains(s, ":"):
		return fmt.Errorf("invalid ecosystem name %q: name the archive (%q), which holds every release", s, archiveOf(s))
	}
	return nil
}

// parseList reads ecosystems.txt: one name a line, blank lines and
// surrounding space ignored.
func parseList(name string, r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(io.LimitReader(r, maxListSize))
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") || strings.Contains(s, ":") {
			// Per-release archives ("Debian:11") are subsets of the
			// ecosystem's archive, which is imported instead.
			continue
		}
		if err := validEcosystem(s); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if len(out) >= maxEcosystems {
			return nil, fmt.Errorf("%s: more than %d ecosystems", name, maxEcosystems)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}

type dirSource struct {
	dir        string
	maxArchive int64
}

func (s *dirSource) String() string { return s.dir }

func (s *dirSource) list(ctx context.Context) ([]string, error) {
	p := filepath.Join(s.dir, ecosystemsFile)
	f, err := os.Open(p)
	if err != nil {
		return nil, &FetchError{URL: p, Err: err}
	}
	defer f.Close()
	return parseList(p, f)
}

func (s *dirSource) fetch(ctx context.Context, eco string, prev *manifestEntry, p *progressSink) (*fetched, error) {
	path := filepath.Join(s.dir, eco, archiveFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, &FetchError{URL: path, Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &FetchError{URL: path, Err: err}
	}
	if !fi.Mode().IsRegular() {
		return nil, &FetchError{URL: path, Err: errors.New("not a regular file")}
	}
	if fi.Size() > s.maxArchive {
		return nil, &FetchError{URL: path, Err: fmt.Errorf("archive is %d bytes, over the limit of %d", fi.Size(), s.maxArchive)}
	}
	h := sha256.New()
	n, err := copyCtx(ctx, h, f, fi.Size(), eco, p)
	if err != nil {
		return nil, &FetchError{URL: path, Err: err}
	}
	return &fetched{path: path, size: n, sha256: hex.EncodeToString(h.Sum(nil)),
		lastModified: fi.ModTime().UTC().Format(http.TimeFormat), transferred: n}, nil
}

func (s *dirSource) file(_ context.Context, eco, name string, max int64) ([]byte, error) {
	p := filepath.Join(s.dir, eco, name)
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNoFile
	}
	if err != nil {
		return nil, &FetchError{URL: p, Err: err}
	}
	defer f.Close()
	return readMax(f, max, p)
}

type httpSource struct {
	base       string
	client     *http.Client
	workDir    string
	maxArchive int64
	timeout    time.Duration
}

// String is the source's URL without the password of its user
// information (a mirror's credentials): it is stored in the manifest,
// printed by `vigil db status` and written to audit records.
func (s *httpSource) String() string { return redactURL(s.base) }

// redactURL is u with the password of its user information, if any,
// replaced by "REDACTED".
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return u
	}
	if _, ok := p.User.Password(); ok {
		p.User = url.UserPassword(p.User.Username(), "REDACTED")
	}
	return p.String()
}

func (s *httpSource) url(parts ...string) string {
	esc := make([]string, len(parts))
	for i, p := range parts {
		esc[i] = url.PathEscape(p)
	}
	return s.base + "/" + strings.Join(esc, "/")
}

func (s *httpSource) list(ctx context.Context) ([]string, error) {
	u := s.url(ecosystemsFile)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	resp, err := s.get(ctx, u, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return parseList(u, resp.Body)
}

func (s *httpSource) get(ctx context.Context, u string, prev *manifestEntry) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &FetchError{URL: u, Err: err}
	}
	req.Header.Set("User-Agent", "vigil")
	if prev != nil {
		if prev.ETag != "" {
			req.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			req.Header.Set("If-Modified-Since", prev.LastModified)
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if ctxErr := context.Cause(ctx); ctxErr != nil && errors.Is(err, context.Canceled) {
			return nil, ctxErr
		}
		return nil, &FetchError{URL: u, Err: err}
	}
	if resp.StatusCode == http.StatusNotModified && prev != nil {
		return resp, nil
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &FetchError{URL: u, StatusCode: resp.StatusCode}
	}
	return resp, nil
}

func (s *httpSource) fetch(ctx context.Context, eco string, prev *manifestEntry, p *progressSink) (*fetched, error) {
	u := s.url(eco, archiveFile)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.get(ctx, u, prev)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := &fetched{etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}
	if resp.StatusCode == http.StatusNotModified {
		out.unchanged = true
		if out.etag == "" {
			out.etag = prev.ETag
		}
		if out.lastModified == "" {
			out.lastModified = prev.LastModified
		}
		return out, nil
	}
	if resp.ContentLength > s.maxArchive {
		return nil, &FetchError{URL: u, Err: fmt.Errorf("archive is %d bytes, over the limit of %d", resp.ContentLength, s.maxArchive)}
	}
	f, err := os.CreateTemp(s.workDir, ".dl-*.zip")
	if err != nil {
		return nil, fmt.Errorf("download %q: %w", u, err)
	}
	out.path, out.temp = f.Name(), true
	ok := false
	defer func() {
		if !ok {
			f.Close()
			out.cleanup()
		}
	}()
	h := sha256.New()
	n, err := copyCtx(ctx, io.MultiWriter(f, h), io.LimitReader(resp.Body, s.maxArchive+1), resp.ContentLength, eco, p)
	if err != nil {
		if ctxErr := context.Cause(ctx); ctxErr != nil && !errors.Is(ctxErr, context.DeadlineExceeded) {
			return nil, ctxErr
		}
		return nil, &FetchError{URL: u, Err: err}
	}
	if n > s.maxArchive {
		return nil, &FetchError{URL: u, Err: fmt.Errorf("archive is over the limit of %d bytes", s.maxArchive)}
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return nil, &FetchError{URL: u, Err: fmt.Errorf("short body: %d of %d bytes", n, resp.ContentLength)}
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("download %q: %w", u, err)
	}
	ok = true
	out.size, out.transferred, out.sha256 = n, n, hex.EncodeToString(h.Sum(nil))
	return out, nil
}

func (s *httpSource) file(ctx context.Context, eco, name string, max int64) ([]byte, error) {
	u := s.url(eco, name)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	resp, err := s.get(ctx, u, nil)
	if err != nil {
		var fe *FetchError
		if errors.As(err, &fe) && (fe.StatusCode == http.StatusNotFound || fe.StatusCode == http.StatusForbidden) {
			return nil, errNoFile // GCS answers 403 for a missing object without list rights
		}
		return nil, err
	}
	defer resp.Body.Close()
	return readMax(resp.Body, max, u)
}

// copyCtx copies src to dst in 256 KiB chunks, checking ctx and reporting
// progress between chunks.
func copyCtx(ctx context.Context, dst io.Writer, src io.Reader, total int64, eco string, p *progressSink) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, err := src.Read(buf)
		if m > 0 {
			if _, werr := dst.Write(buf[:m]); werr != nil {
				return n, werr
			}
			n += int64(m)
			p.send(Progress{Ecosystem: eco, Phase: PhaseDownload, Bytes: n, TotalBytes: total})
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// isNetworkError reports errors of the HTTP client and the network. Not
// any net.Error: syscall.Errno is one, so a missing file of a directory
// source would count as the network.
func isNetworkError(err error) bool {
	var ue *url.Error
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &ue) || errors.As(err, &oe) || errors.As(err, &de) || errors.Is(err, context.DeadlineExceeded)
}
