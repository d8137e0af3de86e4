package vulndb

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrNoDatabase is returned by Open when the directory holds no database
// (no manifest.json): run an update first.
var ErrNoDatabase = errors.New("no vulnerability database")

// ErrSchema is returned by Open when the database was written by an
// incompatible version of vigil: run an update to rebuild it.
var ErrSchema = errors.New("unsupported database schema")

// ErrNoEcosystem is returned by Query when the database holds no archive for
// the ecosystem asked for.
var ErrNoEcosystem = errors.New("ecosystem not in database")

// ErrCorrupt is returned by Query and Get when an ecosystem file is
// damaged.
var ErrCorrupt = errors.New("corrupt database")

// ErrLocked is returned by Update when another update of the same directory
// is running.
var ErrLocked = errors.New("database is locked by another update")

// ErrUnreachable matches (with errors.Is) a FetchError caused by the
// network: DNS, connection refused, timeout, TLS. The CLI suggests
// --offline or --from DIR.
var ErrUnreachable = errors.New("source unreachable")

// FetchError is a failed download or read of one source object.
type FetchError struct {
	URL        string // URL or file path
	StatusCode int    // HTTP status, 0 when no response was received
	Err        error
}

func (e *FetchError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("fetch %q: HTTP status %d", e.URL, e.StatusCode)
	}
	return fmt.Sprintf("fetch %q: %v", e.URL, e.Err)
}

func (e *FetchError) Unwrap() error { return e.Err }

// Is reports network failures as ErrUnreachable.
func (e *FetchError) Is(target error) bool {
	if target != ErrUnreachable || e.StatusCode != 0 || e.Err == nil {
		return false
	}
	return !errors.Is(e.Err, context.Canceled) && isNetworkError(e.Err)
}

// UpdateError is returned by Update when ecosystems failed. The failures are
// grouped by cause (the kind of failure and where it happened), so that seven
// ecosystems behind one unreachable host read as one line, not seven.
type UpdateError struct {
	Causes []Cause // in order of first appearance over the sorted ecosystems
}

// Cause is one reason why one or more ecosystems failed.
type Cause struct {
	// Summary says what failed and where, without the ecosystem:
	// "cannot reach https://host: no such host",
	// "http://mirror/<ecosystem>/all.zip: HTTP 404 Not Found".
	Summary    string
	Ecosystems []string // sorted; empty when the list of ecosystems failed
	Err        error    // the error of the first ecosystem
}

// String is the summary followed by the ecosystems it cost.
func (c Cause) String() string {
	switch n := len(c.Ecosystems); n {
	case 0:
		return c.Summary
	case 1:
		return fmt.Sprintf("%s (1 ecosystem: %s)", c.Summary, c.Ecosystems[0])
	default:
		return fmt.Sprintf("%s (%d ecosystems: %s)", c.Summary, n, strings.Join(c.Ecosystems, ", "))
	}
}

// Error is one line per cause.
func (e *UpdateError) Error() string {
	lines := make([]string, len(e.Causes))
	for i, c := range e.Causes {
		lines[i] = c.String()
	}
	return strings.Join(lines, "\n")
}

// Unwrap gives the first error of each cause, so that errors.Is(err,
// ErrUnreachable) holds when any cause is the network.
func (e *UpdateError) Unwrap() []error {
	errs := make([]error, len(e.Causes))
	for i, c := range e.Causes {
		errs[i] = c.Err
	}
	return errs
}

// groupFailures builds an UpdateError from the failed ecosystems, in the
// order given; nil when none failed. A report without a name is a failure of
// the source as a whole (its list of ecosystems).
func groupFailures(failed []EcosystemReport) error {
	if len(failed) == 0 {
		return nil
	}
	ue := &UpdateError{}
	at := map[string]int{}
	for _, r := range failed {
		s := summarize(r.Name, r.Err)
		i, ok := at[s]
		if !ok {
			i = len(ue.Causes)
			at[s] = i
			ue.Causes = append(ue.Causes, Cause{Summary: s, Err: r.Err})
		}
		if r.Name != "" {
			ue.Causes[i].Ecosystems = append(ue.Causes[i].Ecosystems, r.Name)
		}
	}
	return ue
}

// summarize describes err without what is particular to the ecosystem eco,
// so that failures of the same cause have the same summary. A network
// failure names the scheme and host only; any other failure of a download
// names its URL or path with the ecosystem as "<ecosystem>".
func summarize(eco string, err error) string {
	var fe *FetchError
	if !errors.As(err, &fe) {
		return err.Error()
	}
	where := fe.URL
	if eco != "" {
		sep := string(filepath.Separator)
		for suffix, generic := range map[string]string{
			"/" + url.PathEscape(eco) + "/" + archiveFile: "/<ecosystem>/" + archiveFile,
			sep + eco + sep + archiveFile:                 sep + "<ecosystem>" + sep + archiveFile,
		} {
			if strings.HasSuffix(where, suffix) {
				where = strings.TrimSuffix(where, suffix) + generic
				break
			}
		}
	}
	switch {
	case fe.StatusCode != 0:
		return fmt.Sprintf("%s: HTTP %d %s", where, fe.StatusCode, http.StatusText(fe.StatusCode))
	case errors.Is(fe, ErrUnreachable):
		host := where
		if u, perr := url.Parse(fe.URL); perr == nil && u.Host != "" {
			host = u.Scheme + "://" + u.Host
		}
		return fmt.Sprintf("cannot reach %s: %s", host, networkReason(fe.Err))
	}
	var pe *fs.PathError
	if errors.As(fe.Err, &pe) {
		return fmt.Sprintf("%s: %v", where, pe.Err)
	}
	return fmt.Sprintf("%s: %v", where, fe.Err)
}

// networkReason is the innermost useful part of a network error: "no such
// host", "connection refused", "timed out", "tls: ...". It leaves out the
// URL, the resolver's address and the dial details, which repeat.
func networkReason(err error) string {
	var dns *net.DNSError
	var errno syscall.Errno
	var cv *tls.CertificateVerificationError
	var rh tls.RecordHeaderError
	var ue *url.Error
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return "no such host"
	case errors.As(err, &dns) && dns.IsTimeout:
		return "DNS lookup timed out"
	case errors.As(err, &dns):
		return "DNS lookup failed: " + dns.Err
	case errors.As(err, &errno):
		return errno.Error()
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "timed out"
	case errors.As(err, &cv):
		return "TLS: " + cv.Err.Error()
	case errors.As(err, &rh):
		return "TLS: the server does not speak TLS"
	case errors.As(err, &ue):
		return ue.Err.Error()
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
