package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// KindCheckpoint is the kind of a signed checkpoint record.
const KindCheckpoint = "audit.checkpoint"

// Checkpoint is the payload of a checkpoint record: the head of the log
// before it, signed.
type Checkpoint struct {
	HeadSeq   int64  `json:"head_seq"`
	HeadHash  string `json:"head_hash"`
	PublicKey string `json:"public_key"` // base64, 32 bytes
	Signature string `json:"signature"`  // base64, over checkpointMessage
}

func checkpointMessage(h Head) []byte {
	return []byte("vigil-audit-checkpoint-v1\n" + strconv.FormatInt(h.Seq, 10) + "\n" + h.Hash)
}

// NewCheckpoint makes the checkpoint record that follows head, signing
// head with key.
func NewCheckpoint(head Head, at time.Time, actor string, key ed25519.PrivateKey) (Record, error) {
	c := Checkpoint{
		HeadSeq: head.Seq, HeadHash: head.Hash,
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, checkpointMessage(head))),
	}
	return New(head, at, actor, KindCheckpoint, "audit", c)
}

// checkpoint checks a checkpoint record that follows head.
func (v *Verifier) checkpoint(r *Record, head Head) error {
	var c Checkpoint
	if err := json.Unmarshal(r.Payload, &c); err != nil {
		return fmt.Errorf("checkpoint payload: %v", err)
	}
	if c.HeadSeq != head.Seq || c.HeadHash != head.Hash {
		return fmt.Errorf("the checkpoint signs head %d:%s, not the record before it (%s)", c.HeadSeq, c.HeadHash, head)
	}
	pub, err := base64.StdEncoding.DecodeString(c.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return errors.New("the checkpoint's public key is not 32 bytes of base64")
	}
	if len(v.Key) > 0 && !bytes.Equal(pub, v.Key) {
		return errors.New("the checkpoint is signed with another key than the trusted one")
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || !ed25519.Verify(pub, checkpointMessage(head), sig) {
		return errors.New("the checkpoint's signature does not verify")
	}
	v.rep.Checkpoints++
	v.rep.LastCheckpoint = r.Seq
	return nil
}

// maxKeyFile bounds a key file.
const maxKeyFile = 64 << 10

// LoadPrivateKey reads an Ed25519 private key: PEM PKCS#8 ("PRIVATE
// KEY", as `openssl genpkey -algorithm ed25519` writes it), or the raw
// 32-byte seed (binary, 64 hex digits or base64).
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("key %q: PEM block %q, want PRIVATE KEY (PKCS#8)", path, blk.Type)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", path, err)
		}
		ek, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key %q: a %T, want an Ed25519 key", path, k)
		}
		return ek, nil
	}
	seed, ok := raw32(b)
	if !ok {
		return nil, fmt.Errorf("key %q: neither PEM PKCS#8 nor a 32-byte seed (raw, hex or base64)", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// LoadPublicKey reads an Ed25519 public key: PEM PKIX ("PUBLIC KEY"), a
// private key file as LoadPrivateKey reads it, or the raw 32-byte public
// key (binary, hex or base64).
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	if blk, _ := pem.Decode(b); blk != nil {
		switch blk.Type {
		case "PRIVATE KEY":
			k, err := LoadPrivateKey(path)
			if err != nil {
				return nil, err
			}
			return k.Public().(ed25519.PublicKey), nil
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("public key %q: %w", path, err)
			}
			ek, ok := k.(ed25519.PublicKey)
			if !ok {
				return nil, fmt.Errorf("public key %q: a %T, want an Ed25519 key", path, k)
			}
			return ek, nil
		}
		return nil, fmt.Errorf("public key %q: PEM block %q, want PUBLIC KEY", path, blk.Type)
	}
	k, ok := raw32(b)
	if !ok {
		return nil, fmt.Errorf("public key %q: neither PEM nor 32 bytes (raw, hex or base64)", path)
	}
	return ed25519.PublicKey(k), nil
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("read key %q: %w", path, err)
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("key %q: larger than %d bytes", path, maxKeyFile)
	}
	return b, nil
}

// raw32 reads 32 bytes given raw, as hex or as base64.
func raw32(b []byte) ([]byte, bool) {
	if len(b) == 32 {
		return b, true
	}
	t := bytes.TrimSpace(b)
	if k, err := hex.DecodeString(string(t)); err == nil && len(k) == 32 {
		return k, true
	}
	if k, err := base64.StdEncoding.DecodeString(string(t)); err == nil && len(k) == 32 {
		return k, true
	}
	return nil, false
}
