package source

import (
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// OCI annotation keys of the base image (image-spec annotations.md).
const (
	AnnotationBaseName   = "org.opencontainers.image.base.name"
	AnnotationBaseDigest = "org.opencontainers.image.base.digest"
)

// epochish is the latest time a reproducible build's "zero" created time
// can be: SOURCE_DATE_EPOCH=0 gives 1970-01-01, and some builders write a
// day or so after it.
var epochish = time.Unix(7*24*3600, 0)

// BuildTime is when an image was built: its config's created time, or,
// when that is missing or zero (reproducible builds set it to the Unix
// epoch), the newest created time of its history. from is "config",
// "history" or "" (unknown).
func BuildTime(cf *v1.ConfigFile) (t time.Time, from string) {
	if cf == nil {
		return time.Time{}, ""
	}
	if c := cf.Created.Time; c.After(epochish) {
		return c.UTC(), "config"
	}
	for _, h := range cf.History {
		if c := h.Created.Time; c.After(epochish) && c.After(t) {
			t = c
		}
	}
	if t.IsZero() {
		return t, ""
	}
	return t.UTC(), "history"
}

// maxAnnotation bounds a base image name or digest taken from an image.
const maxAnnotation = 512

// baseImage is the base image an image declares: manifest annotations
// first, then config labels with the same keys. Values that are too long
// or hold control characters are dropped (they end up in tables and API
// answers).
func baseImage(ann map[string]string, cf *v1.ConfigFile) (name, digest string) {
	get := func(k string) string {
		v := ann[k]
		if v == "" && cf != nil {
			v = cf.Config.Labels[k]
		}
		v = strings.TrimSpace(v)
		if len(v) > maxAnnotation || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return ""
		}
		return v
	}
	name, digest = get(AnnotationBaseName), get(AnnotationBaseDigest)
	if digest != "" && !strings.Contains(digest, ":") {
		digest = ""
	}
	return name, digest
}
