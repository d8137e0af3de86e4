package server_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/server"
)

// TestHTTPLimitsDefaults: a zero HTTPLimits gets every default, and the
// defaults bound every phase of a connection.
func TestHTTPLimitsDefaults(t *testing.T) {
	d := server.DefaultHTTPLimits
	if d.ReadHeaderTimeout <= 0 || d.ReadHeaderTimeout > 30*time.Second ||
		d.ReadTimeout <= 0 || d.ReadTimeout > 10*time.Minute ||
		d.WriteTimeout <= 0 || d.WriteTimeout > 15*time.Minute ||
		d.IdleTimeout <= 0 || d.IdleTimeout > 10*time.Minute ||
		d.MaxHeaderBytes <= 0 || d.MaxHeaderBytes > 1<<20 {
		t.Errorf("DefaultHTTPLimits %+v: want every limit set and modest", d)
	}
	e := startWith(t, startOptions{ecosystems: []string{"npm"}})
	hs := e.srv.HTTPServer()
	got := server.HTTPLimits{ReadHeaderTimeout: hs.ReadHeaderTimeout, ReadTimeout: hs.ReadTimeout, WriteTimeout: hs.WriteTimeout, IdleTimeout: hs.IdleTimeout, MaxHeaderBytes: hs.MaxHeaderBytes}
	if got != d {
		t.Errorf("HTTPServer() of a server without HTTP limits has %+v, want the defaults %+v", got, d)
	}
	if hs.Handler == nil || hs.ErrorLog == nil {
		t.Error("HTTPServer() has no handler or no error log")
	}
}

// hostileLimits are short so that the slow clients below are cut off
// within seconds.
var hostileLimits = server.HTTPLimits{
	ReadHeaderTimeout: time.Second,
	ReadTimeout:       2 * time.Second,
	WriteTimeout:      10 * time.Second,
	IdleTimeout:       time.Second,
	MaxHeaderBytes:    64 << 10,
}

// TestHostileConnections: oversized headers get 431 (the server's own
// limit, below net/http's default), slowloris clients sending headers or
// bodies a byte at a time and idle keep-alive connections are each closed
// by the server's timeouts, and a normal client stays fast meanwhile.
func TestHostileConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("seconds of slow clients")
	}
	e := startWith(t, startOptions{http: hostileLimits, ecosystems: []string{"npm"}})
	addr := strings.TrimPrefix(e.url, "http://")

	for _, n := range []int{100 << 10, 10 << 20} {
		t.Run(fmt.Sprintf("header of %d bytes", n), func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", e.url+"/api/v1/summary", nil)
			req.Header.Set("Authorization", "Bearer "+e.admin)
			req.Header.Set("X-Big", strings.Repeat("a", n))
			resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
			if err != nil {
				return // closed connection: fine
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("%d-byte header: %d, want 431", n, resp.StatusCode)
			}
		})
	}

	// Each slow connection must be closed by the server within its timeout
	// plus this slack (the test machine is small and shared).
	const slack = 3 * time.Second
	type cut struct {
		kind    string
		elapsed time.Duration
		status  string
		err     error
	}
	var (
		mu   sync.Mutex
		cuts []cut
		wg   sync.WaitGroup
	)
	slow := func(kind, head string, trickle string) {
		defer wg.Done()
		c := cut{kind: kind}
		c.elapsed, c.status, c.err = slowRequest(addr, head, trickle)
		mu.Lock()
		cuts = append(cuts, c)
		mu.Unlock()
	}
	for range 24 {
		wg.Add(1)
		go slow("headers", "GET /api/v1/summary HTTP/1.1\r\nHost: vigil\r\nX-Slow: ", "abcdefgh")
	}
	for range 8 {
		wg.Add(1)
		head := "POST /api/v1/projects/slow/artifacts HTTP/1.1\r\nHost: vigil\r\nAuthorization: Bearer " + e.admin +
			"\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n" + `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`
		go slow("body", head, " ")
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := cut{kind: "idle"}
			defer func() {
				mu.Lock()
				cuts = append(cuts, c)
				mu.Unlock()
			}()
			conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				c.err = err
				return
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: vigil\r\n\r\n")
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				c.err = err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			begin := time.Now()
			conn.SetReadDeadline(time.Now().Add(20 * time.Second))
			_, err = br.ReadByte() // blocks until the server closes
			c.elapsed = time.Since(begin)
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				c.err = fmt.Errorf("idle connection still open after %s", c.elapsed)
			}
		}()
	}

	// Meanwhile a normal client is served promptly, pushes included.
	var worst time.Duration
	for i := range 20 {
		begin := time.Now()
		if code := e.do("GET", "/api/v1/summary", e.admin, nil, nil); code != 200 {
			t.Errorf("summary during the attack: %d", code)
		}
		if i%5 == 0 {
			body := fmt.Sprintf(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"left-pad-%d","version":"1.0.0","purl":"pkg:npm/left-pad-%d@1.0.0"}]}`, i, i)
			if code := e.do("POST", "/api/v1/projects/normal/artifacts", e.admin, strings.NewReader(body), nil); code != 201 {
				t.Errorf("push during the attack: %d", code)
			}
		}
		worst = max(worst, time.Since(begin))
		time.Sleep(100 * time.Millisecond)
	}
	if worst > 1500*time.Millisecond {
		t.Errorf("a normal request took %s during the attack", worst)
	}
	wg.Wait()

	limit := map[string]time.Duration{
		"headers": hostileLimits.ReadHeaderTimeout,
		"body":    hostileLimits.ReadTimeout,
		"idle":    hostileLimits.IdleTimeout,
	}
	for _, c := range cuts {
		switch {
		case c.err != nil:
			t.Errorf("%s: %v", c.kind, c.err)
		case c.elapsed > limit[c.kind]+slack:
			t.Errorf("%s: closed after %s, want within %s", c.kind, c.elapsed.Round(time.Millisecond), limit[c.kind])
		case c.status != "" && !strings.Contains(c.status, " 4"):
			t.Errorf("%s: answered %q, want a 4xx or a closed connection", c.kind, c.status)
		}
	}
	if len(cuts) != 36 {
		t.Errorf("%d slow connections reported, want 36", len(cuts))
	}
	if code := e.do("GET", "/api/v1/summary", e.admin, nil, nil); code != 200 {
		t.Errorf("server unwell after the slow clients: %d", code)
	}
}

// TestHostileDocuments: malformed and hostile documents of every format
// TestHostileRequests does not already cover each get a 4xx (one that is
// odd but harmless a 201), never a 5xx or a dropped connection, and the
// server still answers.
func TestHostileDocuments(t *testing.T) {
	e := startWith(t, startOptions{limits: server.Limits{MaxBody: 1 << 20, MaxInflated: 8 << 20, MaxRatio: 100}, ecosystems: []string{"npm"}})
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	good := []byte(lodashSBOM)
	deepArr := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	vigilHead := `{"schema_version":"1.0","tool":{"name":"vigil","version":"1"},"packages":`
	billion := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` +
		`<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><components><component type="library"><name>&lol3;</name><version>1</version></component></components></bom>`
	cases := []struct {
		name string
		body []byte
		want int
	}{
		{"truncated gzip", gz(good)[:len(gz(good))/2], 422},
		{"gzip of garbage", gz([]byte("\x00\x01\x02 not a document")), 422},
		{"gzip magic only", []byte{0x1f, 0x8b}, 422},
		{"gzip of a body over the inflate limit", gz(bytes.Repeat([]byte(" "), 9<<20)), 413},
		{"nested gzip bomb", gz(gz(bytes.Repeat([]byte{0}, 8<<20))), 422},
		{"deep arrays in cyclonedx", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":` + deepArr + `}`), 422},
		{"deep arrays in spdx", []byte(`{"spdxVersion":"SPDX-2.3","packages":` + deepArr + `}`), 422},
		{"deep arrays in a vigil report", []byte(vigilHead + deepArr + `}`), 422},
		{"deep xml", []byte(`<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><components>` + strings.Repeat(`<component type="library"><name>a</name><components>`, 6000) + strings.Repeat("</components></component>", 6000) + `</components></bom>`), 422},
		{"xml entity expansion", []byte(billion), 422},
		{"components of the wrong type", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":"lodash"}`), 422},
		{"spdx 2.1 with a package the reader leaves nil", []byte(`{"spdxVersion":"SPDX-2.1","pACkAges":[{"":"","0000000":""}]}`), 201},
		{"truncated spdx", []byte(`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[{"name":"lodash","versionInfo":`), 422},
		{"spdx tag-value garbage", []byte("SPDXVersion: SPDX-2.3\nPackageName: \x00\x00\nPackageVersion\n\n\n:::"), 422},
		{"vigil report of another schema", []byte(`{"schema_version":"99.0","tool":{"name":"vigil"},"packages":[]}`), 422},
		{"vigil report with a bad field", []byte(vigilHead + `"lodash"}`), 422},
		{"over the body limit", bytes.Repeat([]byte(" "), 2<<20), 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code := e.do("POST", "/api/v1/projects/h/artifacts", e.admin, bytes.NewReader(c.body), nil)
			if code != c.want {
				t.Errorf("%d, want %d", code, c.want)
			}
		})
	}
	if code := e.do("POST", "/api/v1/projects/h/artifacts", e.admin, bytes.NewReader(gz(good)), nil); code != 201 {
		t.Errorf("a good gzip SBOM after the hostile ones: %d", code)
	}
}

// slowRequest sends head, then one byte of trickle every 100ms, until the
// server answers or closes the connection (or 20s pass: an error). It
// returns how long that took and the status line of the answer, if any.
func slowRequest(addr, head, trickle string) (time.Duration, string, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	begin := time.Now()
	closed := make(chan string, 1)
	go func() {
		// The server's answer, if any, then EOF or a reset.
		line, _ := bufio.NewReader(conn).ReadString('\n')
		io.Copy(io.Discard, conn)
		closed <- strings.TrimSpace(line)
	}()
	if _, err := io.WriteString(conn, head); err != nil {
		return 0, "", err
	}
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case status := <-closed:
			return time.Since(begin), status, nil
		case <-deadline:
			return time.Since(begin), "", fmt.Errorf("still open after %s", time.Since(begin).Round(time.Millisecond))
		case <-tick.C:
			// A write error means the server closed: the reader reports it.
			conn.Write([]byte{trickle[i%len(trickle)]})
		}
	}
}

// TestRouteBodyDeadline: a route's own body deadline (huma's 5s for JSON
// bodies) reaches the connection through the server's middleware, so a
// slow body is cut off before a long server-wide ReadTimeout.
func TestRouteBodyDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("seconds of a slow client")
	}
	e := startWith(t, startOptions{http: server.HTTPLimits{ReadTimeout: 30 * time.Second}, ecosystems: []string{"npm"}})
	head := "POST /api/v1/admin/clock HTTP/1.1\r\nHost: vigil\r\nAuthorization: Bearer " + e.admin +
		"\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"advance\":\""
	elapsed, status, err := slowRequest(strings.TrimPrefix(e.url, "http://"), head, "1")
	if err != nil {
		t.Fatal(err)
	}
	if elapsed > 10*time.Second {
		t.Errorf("slow JSON body cut off after %s, want about 5s (the route's deadline, not the 30s ReadTimeout)", elapsed.Round(time.Millisecond))
	}
	if status != "" && !strings.Contains(status, " 4") {
		t.Errorf("slow JSON body answered %q, want a 4xx or a closed connection", status)
	}
}
