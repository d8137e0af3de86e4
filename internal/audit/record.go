// Package audit is Vigil's tamper-evident decision log: append-only
// records, each holding the hash of the one before it, so that an edited,
// removed, reordered or truncated record breaks the chain at its position.
// The server keeps the log in its database (internal/store); `vigil scan
// --audit-log FILE` keeps one as JSON lines (file.go). Both are verified by
// the same Verifier. Checkpoints signed with Ed25519 (checkpoint.go) anchor
// the chain to a key an attacker with database access does not hold.
//
// The format is described in docs/audit.md; changing the canonical
// encoding breaks every existing log, so it carries a version.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"
	"time"
)

// ZeroHash is the prev_hash of the first record.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// domain starts the canonical encoding of every record (its version).
const domain = "vigil-audit-v1"

// Record is one entry of the log.
type Record struct {
	// Seq is the record's position: 1, 2, 3, ... without gaps.
	Seq int64 `json:"seq"`
	// Time has millisecond precision (what the hash covers).
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Kind    string    `json:"kind"`
	Subject string    `json:"subject"`
	// Payload is the decision and its inputs: compact JSON, hashed as its
	// bytes (see Normalize).
	Payload  json.RawMessage `json:"payload"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// Head is the last record of a log: its position and hash (zero Seq and
// ZeroHash for an empty log).
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// EmptyHead is the head of an empty log.
var EmptyHead = Head{Hash: ZeroHash}

func (h Head) String() string { return strconv.FormatInt(h.Seq, 10) + ":" + h.Hash }

// ParseHead reads "SEQ:HASH" (as Head.String writes it).
func ParseHead(s string) (Head, error) {
	seq, h, ok := cutLast(s, ':')
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 0 || !validHash(h) {
		return Head{}, fmt.Errorf("head %q: want SEQ:HASH (a record number and its 64 hex digit hash)", s)
	}
	return Head{Seq: n, Hash: h}, nil
}

func cutLast(s string, sep byte) (string, string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// Normalize turns v (a value, or JSON bytes as json.RawMessage or []byte)
// into the payload bytes a record hashes: compact JSON as encoding/json
// writes it, so that the bytes survive a round trip through a JSON line
// unchanged.
func Normalize(v any) (json.RawMessage, error) {
	if b, ok := v.([]byte); ok {
		v = json.RawMessage(b)
	}
	if v == nil {
		v = struct{}{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit payload: %w", err)
	}
	return b, nil
}

// New makes the record that follows head, sealed (its Hash set). The time
// is truncated to milliseconds and kept in UTC.
func New(head Head, at time.Time, actor, kind, subject string, payload any) (Record, error) {
	p, err := Normalize(payload)
	if err != nil {
		return Record{}, err
	}
	r := Record{Seq: head.Seq + 1, Time: at.UTC().Truncate(time.Millisecond), Actor: actor, Kind: kind, Subject: subject, Payload: p, PrevHash: head.Hash}
	r.Hash = r.Sum()
	return r, nil
}

// Sum is the record's hash: SHA-256 over the canonical encoding of seq,
// time (Unix milliseconds), actor, kind, subject, payload and prev_hash,
// each as a big-endian 64-bit length and its bytes, after the domain
// string. It ignores r.Hash.
func (r *Record) Sum() string {
	h := sha256.New()
	field(h, []byte(domain))
	field(h, strconv.AppendInt(nil, r.Seq, 10))
	field(h, strconv.AppendInt(nil, r.Time.UnixMilli(), 10))
	field(h, []byte(r.Actor))
	field(h, []byte(r.Kind))
	field(h, []byte(r.Subject))
	field(h, r.Payload)
	field(h, []byte(r.PrevHash))
	return hex.EncodeToString(h.Sum(nil))
}

func field(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// Head is the head of a log whose last record is r.
func (r *Record) Head() Head { return Head{Seq: r.Seq, Hash: r.Hash} }

func validHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
