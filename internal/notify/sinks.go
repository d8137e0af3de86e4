package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// A sender delivers one message to one sink. The status is the HTTP status
// (0 for e-mail); a permanent error is not retried.
type sender interface {
	send(ctx context.Context, msgID string, payload []byte, now time.Time) (status int, err error)
}

// permanentError is a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// StandardSignature is the Standard Webhooks signature of a message:
// "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)),
// where secret is whsec_<base64 of key>.
func StandardSignature(secret, id string, ts int64, body []byte) (string, error) {
	key, err := standardKey(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// GitHubSignature is GitHub's X-Hub-Signature-256 value of a body:
// "sha256=" + hex(HMAC-SHA256(secret, body)).
func GitHubSignature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// newHTTPClient never follows redirects (a redirect would send a signed
// message somewhere not configured).
func newHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

type webhookSink struct {
	cfg    SinkConfig
	client *http.Client
}

func (w *webhookSink) send(ctx context.Context, id string, body []byte, now time.Time) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return 0, permanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "vigil-notify")
	ts := now.Unix()
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	switch w.cfg.Signature {
	case SignGitHub:
		req.Header.Set("X-Hub-Signature-256", GitHubSignature(w.cfg.Secret, body))
	default:
		sig, err := StandardSignature(w.cfg.Secret, id, ts, body)
		if err != nil {
			return 0, permanentError{err}
		}
		req.Header.Set("webhook-signature", sig)
	}
	return doPost(w.client, req)
}

// doPost sends req: a 2xx is success, anything else an error (retried).
// Errors never hold the URL (a Slack URL's path, a webhook's query, can be
// its secret; errors are logged, stored and listed by the API).
func doPost(c *http.Client, req *http.Request) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return 0, fmt.Errorf("%s %s: %w", ue.Op, redactURL(req.URL), ue.Err)
		}
		return 0, err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(strings.ToValidUTF8(string(snippet), "?")))
}

// redactURL is scheme://host of u: what an error may say of a sink's URL.
func redactURL(u *url.URL) string { return u.Scheme + "://" + u.Host + "/…" }

type slackSink struct {
	cfg    SinkConfig
	client *http.Client
}

// SlackPayload is a Slack incoming-webhook message: text (the
// notification fallback) and blocks.
type SlackPayload struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type string     `json:"type"`
	Text *slackText `json:"text,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func (s *slackSink) send(ctx context.Context, _ string, body []byte, _ time.Time) (int, error) {
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, permanentError{err}
	}
	b, err := json.Marshal(SlackMessage(p))
	if err != nil {
		return 0, permanentError{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, bytes.NewReader(b))
	if err != nil {
		return 0, permanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	return doPost(s.client, req)
}

// SlackMessage renders a payload as a Slack message.
func SlackMessage(p Payload) SlackPayload {
	title := headline(p)
	lines := detailLines(p, 10)
	m := SlackPayload{Text: title, Blocks: []slackBlock{
		{Type: "header", Text: &slackText{Type: "plain_text", Text: truncate(title, 150)}},
	}}
	if len(lines) > 0 {
		m.Blocks = append(m.Blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate(strings.Join(lines, "\n"), 2900)}})
	}
	return m
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n-1], "") + "…"
}

// headline is a one-line summary of a message.
func headline(p Payload) string {
	d := p.Data
	what := map[string]string{
		KindFindingNew: "new finding", KindFindingResolved: "finding resolved", KindFindingReopened: "finding re-opened",
		KindSLABreach: "SLA breached", KindSLABreachSoon: "SLA due soon", KindImageTooOld: "image too old",
		KindRegistryDigest: "new digest", KindRefreshFailed: "vulnerability database refresh failed",
	}[p.Type]
	if what == "" {
		what = p.Type
	}
	s := fmt.Sprintf("[vigil] %s", what)
	if d.Count > 1 {
		s = fmt.Sprintf("[vigil] %d × %s", d.Count, what)
	}
	if d.Project != "" {
		s += " in " + d.Project
	}
	if len(d.Environments) > 0 {
		s += " (" + strings.Join(d.Environments, ", ") + ")"
	}
	return s
}

// detailLines lists up to n events of a message, one line each.
func detailLines(p Payload, n int) []string {
	var out []string
	for i, e := range p.Data.Events {
		if i == n {
			break
		}
		var parts []string
		if e.VulnerabilityID != "" {
			parts = append(parts, e.VulnerabilityID)
		}
		if e.HasSeverity || e.Severity != 0 {
			parts = append(parts, e.Severity.String())
		}
		if e.Artifact != "" {
			parts = append(parts, "artifact "+e.Artifact)
		}
		if e.Repository != "" {
			parts = append(parts, e.Repository+"@"+e.Digest)
		}
		if e.FixedVersion != "" {
			parts = append(parts, "fixed in "+e.FixedVersion)
		}
		if !e.Due.IsZero() {
			parts = append(parts, "due "+e.Due.Format(time.DateOnly))
		}
		if !e.ImageCreated.IsZero() {
			parts = append(parts, "built "+e.ImageCreated.Format(time.DateOnly))
		}
		if e.Error != "" {
			parts = append(parts, e.Error)
		}
		if e.Project != "" && p.Data.Project == "" {
			parts = append(parts, "project "+e.Project)
		}
		out = append(out, "• "+strings.Join(parts, " · "))
	}
	if rest := p.Data.Count - min(n, len(p.Data.Events)); rest > 0 {
		out = append(out, fmt.Sprintf("… and %d more", rest))
	}
	return out
}

type emailSink struct {
	cfg     SinkConfig
	timeout time.Duration
	roots   *x509.CertPool
}

func newEmailSink(cfg SinkConfig, timeout time.Duration) (*emailSink, error) {
	e := &emailSink{cfg: cfg, timeout: timeout}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("sink %s: ca_file: %w", cfg.Name, err)
		}
		e.roots = x509.NewCertPool()
		if !e.roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("sink %s: ca_file %s: no PEM certificate", cfg.Name, cfg.CAFile)
		}
	}
	return e, nil
}

// errNoSTARTTLS: the server does not offer STARTTLS; nothing is sent
// (credentials and findings never travel in the clear).
var errNoSTARTTLS = errors.New("the SMTP server does not offer STARTTLS; refusing to send without TLS")

func (e *emailSink) send(ctx context.Context, id string, body []byte, now time.Time) (int, error) {
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, permanentError{err}
	}
	host, _, _ := net.SplitHostPort(e.cfg.SMTP)
	d := net.Dialer{Timeout: e.timeout}
	conn, err := d.DialContext(ctx, "tcp", e.cfg.SMTP)
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(e.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return 0, err
	}
	defer c.Close()
	if err := c.Hello("vigil"); err != nil {
		return 0, err
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return 0, errNoSTARTTLS
	}
	if err := c.StartTLS(&tls.Config{ServerName: host, RootCAs: e.roots, MinVersion: tls.VersionTLS12}); err != nil {
		return 0, fmt.Errorf("STARTTLS: %w", err)
	}
	if st, ok := c.TLSConnectionState(); !ok || !st.HandshakeComplete {
		return 0, errNoSTARTTLS
	}
	if e.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", e.cfg.Username, e.cfg.Password, host)); err != nil {
			return 0, fmt.Errorf("SMTP auth: %w", err)
		}
	}
	from, err := envelopeAddress(e.cfg.From)
	if err != nil {
		return 0, permanentError{err}
	}
	if err := c.Mail(from); err != nil {
		return 0, err
	}
	for _, a := range e.cfg.To {
		to, err := envelopeAddress(a)
		if err != nil {
			return 0, permanentError{err}
		}
		if err := c.Rcpt(to); err != nil {
			return 0, err
		}
	}
	w, err := c.Data()
	if err != nil {
		return 0, err
	}
	if _, err := w.Write(emailMessage(e.cfg, id, p, now)); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return 0, c.Quit()
}

// emailMessage is the RFC 5322 message of a payload: a plain-text body,
// the message id as Message-ID (a re-delivery has the same one).
func emailMessage(cfg SinkConfig, id string, p Payload, now time.Time) []byte {
	var b bytes.Buffer
	domain := "vigil.invalid"
	if i := strings.LastIndexByte(cfg.From, '@'); i >= 0 {
		domain = strings.Trim(cfg.From[i+1:], "> ")
	}
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", cfg.From)
	hdr("To", strings.Join(cfg.To, ", "))
	hdr("Subject", mime.QEncoding.Encode("utf-8", headline(p)))
	hdr("Date", now.UTC().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+id+"@"+domain+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "8bit")
	b.WriteString("\r\n")
	b.WriteString(headline(p) + "\r\n\r\n")
	for _, l := range detailLines(p, 50) {
		// A line starting with a dot is escaped by the DATA writer.
		b.WriteString(strings.ReplaceAll(l, "\r", " ") + "\r\n")
	}
	return b.Bytes()
}

// newSender builds the sender of a sink.
func newSender(cfg SinkConfig, timeout time.Duration) (sender, error) {
	switch cfg.Type {
	case SinkWebhook:
		return &webhookSink{cfg: cfg, client: newHTTPClient(timeout)}, nil
	case SinkSlack:
		return &slackSink{cfg: cfg, client: newHTTPClient(timeout)}, nil
	case SinkEmail:
		return newEmailSink(cfg, timeout)
	}
	return nil, fmt.Errorf("sink %s: unknown type %q", cfg.Name, cfg.Type)
}
