package notify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/vigil-sec/vigil/internal/severity"
)

// testSecret is a Standard Webhooks secret: whsec_ + base64 of 24 bytes.
var testSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdefghijklmn"))

// received is one request a loopback receiver got.
type received struct {
	Header http.Header
	Body   []byte
}

// receiver is a loopback webhook endpoint that checks signatures the way
// a consumer would (written from the specifications, not with the
// package's own signing functions) and answers with the next status of
// statuses (200 once they run out).
type receiver struct {
	t        testing.TB
	mu       sync.Mutex
	got      []received
	statuses []int
	srv      *httptest.Server
	// verify checks a request; a failed check answers 401.
	verify func(h http.Header, body []byte) error
	// block, when set, holds requests until closed.
	block chan struct{}
}

func newReceiver(t testing.TB, verify func(http.Header, []byte) error, statuses ...int) *receiver {
	r := &receiver{t: t, verify: verify, statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if r.verify != nil {
			if err := r.verify(req.Header, body); err != nil {
				t.Errorf("receiver: %v", err)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		}
		r.mu.Lock()
		r.got = append(r.got, received{Header: req.Header.Clone(), Body: body})
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		block := r.block
		r.mu.Unlock()
		if block != nil {
			select {
			case <-block:
			case <-req.Context().Done():
				return
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// verifyStandard checks the Standard Webhooks headers and signature with
// secret, and that the timestamp is within 5 minutes.
func verifyStandard(secret string) func(http.Header, []byte) error {
	return func(h http.Header, body []byte) error {
		id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
		if id == "" || ts == "" || sigs == "" {
			return errors.New("missing webhook-id, webhook-timestamp or webhook-signature")
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
			return errors.New("webhook-timestamp not a recent Unix time: " + ts)
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		if err != nil {
			return err
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(id + "." + ts + "." + string(body)))
		want := m.Sum(nil)
		for _, s := range strings.Fields(sigs) {
			v, b64, ok := strings.Cut(s, ",")
			if !ok || v != "v1" {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(b64)
			if err == nil && hmac.Equal(got, want) {
				return nil
			}
		}
		return errors.New("no valid v1 signature in " + sigs)
	}
}

func verifyGitHub(secret string) func(http.Header, []byte) error {
	return func(h http.Header, body []byte) error {
		sig, ok := strings.CutPrefix(h.Get("X-Hub-Signature-256"), "sha256=")
		if !ok {
			return errors.New("no X-Hub-Signature-256: sha256=...")
		}
		got, err := hex.DecodeString(sig)
		if err != nil {
			return err
		}
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		if !hmac.Equal(got, m.Sum(nil)) {
			return errors.New("X-Hub-Signature-256 does not match the body")
		}
		return nil
	}
}

func testPayload(n int) []byte {
	p := Payload{Type: KindFindingNew, Timestamp: time.Now().UTC(), Data: Digest{Rule: "r", Project: "pay"}}
	for i := range n {
		p.Data.add(Event{Kind: KindFindingNew, Project: "pay", Severity: severity.High, HasSeverity: true,
			VulnerabilityID: "GHSA-" + strconv.Itoa(i), Artifact: "api", Environments: []string{"prod"}}, 5)
	}
	b, _ := json.Marshal(p)
	return b
}

func TestWebhookStandardSignature(t *testing.T) {
	r := newReceiver(t, verifyStandard(testSecret))
	s, err := newSender(SinkConfig{Name: "w", Type: SinkWebhook, URL: r.srv.URL, Signature: SignStandard, Secret: testSecret}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	body := testPayload(1)
	if code, err := s.send(t.Context(), "msg_1", body, time.Now()); err != nil || code != 200 {
		t.Fatalf("send = %d, %v", code, err)
	}
	got := r.requests()
	if len(got) != 1 || got[0].Header.Get("webhook-id") != "msg_1" || string(got[0].Body) != string(body) {
		t.Fatalf("received %+v", got)
	}
	// A receiver with another secret refuses it: the check can fail.
	other := "whsec_" + base64.StdEncoding.EncodeToString([]byte("another secret of 24 byt"))
	if err := verifyStandard(other)(got[0].Header, got[0].Body); err == nil {
		t.Error("a signature made with another secret verified")
	}
	tampered := append([]byte(nil), got[0].Body...)
	tampered[len(tampered)-2] ^= 1
	if err := verifyStandard(testSecret)(got[0].Header, tampered); err == nil {
		t.Error("a tampered body verified")
	}
}

func TestWebhookGitHubSignature(t *testing.T) {
	r := newReceiver(t, verifyGitHub("gh-secret"))
	s, _ := newSender(SinkConfig{Name: "g", Type: SinkWebhook, URL: r.srv.URL, Signature: SignGitHub, Secret: "gh-secret"}, 5*time.Second)
	if _, err := s.send(t.Context(), "msg_2", testPayload(2), time.Now()); err != nil {
		t.Fatal(err)
	}
	got := r.requests()
	if len(got) != 1 || got[0].Header.Get("webhook-id") != "msg_2" {
		t.Fatalf("received %+v", got)
	}
	if err := verifyGitHub("wrong")(got[0].Header, got[0].Body); err == nil {
		t.Error("a GitHub signature verified with the wrong secret")
	}
}

func TestWebhookErrorStatus(t *testing.T) {
	r := newReceiver(t, nil, 500)
	s, _ := newSender(SinkConfig{Name: "w", Type: SinkWebhook, URL: r.srv.URL, Secret: testSecret, Signature: SignStandard}, 5*time.Second)
	code, err := s.send(t.Context(), "m", testPayload(1), time.Now())
	if code != 500 || err == nil {
		t.Fatalf("send to a 500 = %d, %v; want 500 and an error", code, err)
	}
}

// A delivery error never holds the URL: a Slack URL's path is its secret.
func TestErrorsHideTheURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	for _, typ := range []string{SinkSlack, SinkWebhook} {
		s, _ := newSender(SinkConfig{Name: "s", Type: typ, URL: "http://" + addr + "/services/T0/B0/SECRETPATH?token=SECRETQUERY", Secret: testSecret, Signature: SignStandard}, time.Second)
		_, err := s.send(t.Context(), "m", testPayload(1), time.Now())
		if err == nil {
			t.Fatalf("%s: sent to a closed port", typ)
		}
		if strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), addr) {
			t.Errorf("%s: error %q holds the URL's path or query (or not the host)", typ, err)
		}
	}
}

func TestSlackMessage(t *testing.T) {
	var got SlackPayload
	r := newReceiver(t, func(h http.Header, body []byte) error {
		if h.Get("Content-Type") != "application/json" {
			return errors.New("content type " + h.Get("Content-Type"))
		}
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		return dec.Decode(&got)
	})
	s, _ := newSender(SinkConfig{Name: "s", Type: SinkSlack, URL: r.srv.URL}, 5*time.Second)
	if _, err := s.send(t.Context(), "m", testPayload(7), time.Now()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Text, "7 × new finding in pay (prod)") {
		t.Errorf("text = %q", got.Text)
	}
	if len(got.Blocks) != 2 || got.Blocks[0].Type != "header" || got.Blocks[1].Text == nil || got.Blocks[1].Text.Type != "mrkdwn" {
		t.Fatalf("blocks = %+v", got.Blocks)
	}
	sec := got.Blocks[1].Text.Text
	if !strings.Contains(sec, "GHSA-0 · HIGH · artifact api") || !strings.Contains(sec, "… and 2 more") {
		t.Errorf("section = %q", sec)
	}
}

// smtpBackend is a loopback SMTP server's backend: it records mail and
// whether the session was on TLS when it authenticated and sent.
type smtpBackend struct {
	mu    sync.Mutex
	mails []smtpMail
}

type smtpMail struct {
	From, User string
	To         []string
	Data       string
	TLS        bool
}

type smtpSession struct {
	b    *smtpBackend
	conn *smtp.Conn
	m    smtpMail
}

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{b: b, conn: c}, nil
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "vigil" || pass != "s3cret" {
			return errors.New("bad credentials")
		}
		s.m.User = user
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error { s.m.From = from; return nil }
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.m.To = append(s.m.To, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.Data = string(b)
	_, s.m.TLS = s.conn.TLSConnectionState()
	s.b.mu.Lock()
	s.b.mails = append(s.b.mails, s.m)
	s.b.mu.Unlock()
	return nil
}
func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

// testCert is a self-signed certificate for 127.0.0.1 and its PEM file.
func testCert(t testing.TB) (tls.Certificate, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vigil test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}

// startSMTP runs a loopback SMTP server; with tlsOn it offers STARTTLS.
func startSMTP(t testing.TB, tlsOn bool) (*smtpBackend, string, string) {
	be := &smtpBackend{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	cert, caFile := testCert(t)
	if tlsOn {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	} else {
		// Without TLS the server would take credentials in the clear: the
		// client must refuse to give them.
		srv.AllowInsecureAuth = true
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return be, l.Addr().String(), caFile
}

func TestEmailSTARTTLS(t *testing.T) {
	be, addr, ca := startSMTP(t, true)
	cfg := SinkConfig{Name: "mail", Type: SinkEmail, SMTP: addr, Username: "vigil", Password: "s3cret", From: "Vigil <vigil@example.com>", To: []string{"sec@example.com", "Ops <ops@example.com>"}, CAFile: ca}
	s, err := newSender(cfg, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.send(t.Context(), "msg_mail", testPayload(3), time.Now()); err != nil {
		t.Fatal(err)
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if len(be.mails) != 1 {
		t.Fatalf("%d mails", len(be.mails))
	}
	m := be.mails[0]
	if !m.TLS || m.User != "vigil" || m.From != "vigil@example.com" || len(m.To) != 2 || m.To[1] != "ops@example.com" {
		t.Errorf("mail %+v", m)
	}
	if !strings.Contains(m.Data, "Message-ID: <msg_mail@example.com>") || !strings.Contains(m.Data, "From: Vigil <vigil@example.com>") || !strings.Contains(m.Data, "3 × new finding in pay") || !strings.Contains(m.Data, "GHSA-2") {
		t.Errorf("data:\n%s", m.Data)
	}
}

func TestEmailRefusesWithoutTLS(t *testing.T) {
	be, addr, _ := startSMTP(t, false)
	cfg := SinkConfig{Name: "mail", Type: SinkEmail, SMTP: addr, Username: "vigil", Password: "s3cret", From: "vigil@example.com", To: []string{"sec@example.com"}}
	s, _ := newSender(cfg, 5*time.Second)
	if _, err := s.send(t.Context(), "m", testPayload(1), time.Now()); !errors.Is(err, errNoSTARTTLS) {
		t.Fatalf("send without STARTTLS: %v, want errNoSTARTTLS", err)
	}
	if len(be.mails) != 0 {
		t.Errorf("a mail was sent without TLS")
	}
}

func TestEmailUntrustedCertificate(t *testing.T) {
	_, addr, _ := startSMTP(t, true)
	// No ca_file: the system roots do not know the test certificate.
	cfg := SinkConfig{Name: "mail", Type: SinkEmail, SMTP: addr, Username: "vigil", Password: "s3cret", From: "vigil@example.com", To: []string{"sec@example.com"}}
	s, _ := newSender(cfg, 5*time.Second)
	if _, err := s.send(t.Context(), "m", testPayload(1), time.Now()); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("send to an untrusted certificate: %v", err)
	}
}
