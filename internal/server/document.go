package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/sbom"
	"github.com/vigil-sec/vigil/internal/sbom/codec"
	"github.com/vigil-sec/vigil/internal/scan"
)

// FormatVigilJSON is a pushed Vigil JSON report (vigil scan --format json).
const FormatVigilJSON = "vigil-json"

// Limits bound what one pushed document may cost.
type Limits struct {
	// MaxBody is the most bytes read off the wire (compressed or not).
	MaxBody int64
	// MaxInflated is the most bytes a compressed body may expand to.
	MaxInflated int64
	// MaxRatio is the most a compressed body may expand, as a multiple of
	// its compressed size (checked past the first MiB).
	MaxRatio int64
}

// DefaultLimits suit SBOMs of the largest images seen in practice.
var DefaultLimits = Limits{MaxBody: 64 << 20, MaxInflated: 512 << 20, MaxRatio: 200}

// errDocument marks a body that is not a document we read (a 4xx).
var errDocument = errors.New("unreadable document")

// errDecoderPanic marks a document a decoder panicked on: the push gets a
// 422 rather than a dropped connection (and the fuzz test fails).
var errDecoderPanic = errors.New("decoder panic")

// errTooLarge marks a body past a limit (413).
var errTooLarge = errors.New("document too large")

// document is what a push carries, decoded.
type document struct {
	Format string
	// Report is the Vigil report: for an SBOM, one built from its
	// packages (no findings yet; the server matches).
	Report *scan.Result
	// Skipped counts SBOM components that cannot be matched.
	Skipped int
}

// readDocument decodes a pushed body: gzip (by magic, whatever the headers
// say) or plain, then CycloneDX, SPDX or a Vigil JSON report, told apart by
// content like `vigil scan FILE` does. The decoded document holds no
// reference to body or to the inflated bytes (the decoders copy what they
// keep), so both are reused: the inflated bytes in a pooled buffer sized
// from the gzip trailer.
func readDocument(body []byte, l Limits) (*document, error) {
	if int64(len(body)) > l.MaxBody {
		return nil, fmt.Errorf("%w: the body exceeds %d bytes", errTooLarge, l.MaxBody)
	}
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		return decodeDocument(body)
	}
	counted := &countingReader{r: bytes.NewReader(body)}
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(counted)
	} else {
		err = zr.Reset(counted)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %v", errDocument, err)
	}
	defer func() {
		// A pooled reader keeps its body until it is reused: only small
		// ones are kept.
		if len(body) <= maxPooledDocument {
			gzipReaders.Put(zr)
		}
	}()
	buf := documentBuffers.Get().(*bytes.Buffer)
	defer putDocumentBuffer(buf)
	buf.Reset()
	buf.Grow(inflatedSizeHint(body, l) + bytes.MinRead)
	if _, err := buf.ReadFrom(&inflateGuard{r: zr, compressed: counted, l: l}); err != nil {
		if errors.Is(err, errTooLarge) || errors.Is(err, errDocument) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errDocument, err)
	}
	return decodeDocument(buf.Bytes())
}

// Pools of the gzip readers (each holds a 32 KiB window) and of the
// buffers pushed documents inflate into (a 500-package SBOM is some
// 250 KiB); a buffer past maxPooledDocument is left to the collector.
var (
	gzipReaders     sync.Pool
	documentBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

const maxPooledDocument = 4 << 20

func putDocumentBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledDocument {
		documentBuffers.Put(b)
	}
}

// inflatedSizeHint is the inflated size a gzip body announces in its
// trailer (ISIZE: the last member's size mod 2^32), trusted only as far as
// the limits and 16 times the compressed size: a hint to allocate once,
// not a bound.
func inflatedSizeHint(body []byte, l Limits) int {
	if len(body) < 18 {
		return 0
	}
	n := int64(binary.LittleEndian.Uint32(body[len(body)-4:]))
	return int(min(n, l.MaxInflated, 16*int64(len(body))))
}

func decodeDocument(data []byte) (doc *document, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("%w: %w: %v", errDocument, errDecoderPanic, r)
		}
	}()
	head := data[:min(len(data), 4096)]
	if f := sbom.Sniff(head); f != "" {
		pkgs, format, skipped, err := codec.DecodeBytes(data, "sbom")
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errDocument, err)
		}
		res := &scan.Result{
			SchemaVersion: scan.SchemaVersion,
			Target:        scan.Target{Kind: "sbom", Name: "sbom"},
			Scanners:      []string{scan.ScannerVuln},
			Packages:      pkgs,
		}
		return &document{Format: format, Report: res, Skipped: skipped}, nil
	}
	if isVigilReport(head) {
		var res scan.Result
		dec := json.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&res); err != nil {
			return nil, fmt.Errorf("%w: vigil report: %s", errDocument, jsonErrorText(data, err))
		}
		if major, _, _ := strings.Cut(res.SchemaVersion, "."); major != strings.Split(scan.SchemaVersion, ".")[0] {
			return nil, fmt.Errorf("%w: vigil report schema %q is not supported (this server reads %s)", errDocument, res.SchemaVersion, scan.SchemaVersion)
		}
		return &document{Format: FormatVigilJSON, Report: &res}, nil
	}
	return nil, fmt.Errorf("%w: not a CycloneDX (JSON, XML), SPDX (JSON, tag-value) or Vigil JSON document", errDocument)
}

func isVigilReport(head []byte) bool {
	h := bytes.TrimSpace(head)
	return bytes.HasPrefix(h, []byte("{")) && bytes.Contains(h, []byte(`"schema_version"`)) && bytes.Contains(h, []byte(`"tool"`))
}

// jsonErrorText names the line and column of a JSON error.
func jsonErrorText(data []byte, err error) string {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err.Error()
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("line %d, column %d: %v", line, col, err)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// inflateGuard stops a decompression bomb: past MaxInflated bytes, or past
// MaxRatio times the compressed bytes read so far (after the first MiB).
// The compressed body itself is within MaxBody (readDocument checks its
// length first).
type inflateGuard struct {
	r          io.Reader
	compressed *countingReader
	l          Limits
	n          int64
}

func (g *inflateGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.n += int64(n)
	if g.n > g.l.MaxInflated {
		return n, fmt.Errorf("%w: it inflates past %d bytes", errTooLarge, g.l.MaxInflated)
	}
	if g.n > 1<<20 && g.n > g.l.MaxRatio*max(g.compressed.n, 1) {
		return n, fmt.Errorf("%w: it inflates more than %d times its compressed size", errTooLarge, g.l.MaxRatio)
	}
	return n, err
}

// inventoryDigest identifies an artifact that has no image digest: a
// sha256 over its packages (identity and locations) and its
// misconfigurations and secrets, independent of the document's order,
// serial number and timestamp, so that pushing the same inventory twice
// is one artifact.
func inventoryDigest(res *scan.Result) string {
	lines := make([]string, 0, len(res.Packages)+len(res.Misconfigurations)+len(res.Secrets))
	for i := range res.Packages {
		p := &res.Packages[i]
		locs := make([]string, 0, len(p.Locations))
		for _, l := range p.Locations {
			locs = append(locs, fmt.Sprintf("%s:%d@%s", l.Path, l.Line, l.Layer))
		}
		slices.Sort(locs)
		lines = append(lines, "p|"+packageIdentity(p)+"|"+strings.Join(locs, ","))
	}
	for _, m := range res.Misconfigurations {
		lines = append(lines, "m|"+engine.MisconfigKey(m))
	}
	for _, s := range res.Secrets {
		lines = append(lines, "s|"+engine.SecretKey(s))
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// packageIdentity is what tells two packages apart for matching.
func packageIdentity(p *inventory.Package) string {
	dev := ""
	if p.Dev {
		dev = "dev"
	}
	return strings.Join([]string{p.Ecosystem, p.Name, p.Version, p.PURL, p.Extractor, p.SourceName, p.SourceVersion, p.Platform, string(p.Relationship), dev}, "|")
}
