package severity

import (
	"errors"
	"fmt"
	"math"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// MaxVectorLen is the longest CVSS vector accepted, in bytes. A full v4.0
// vector with every environmental and supplemental metric is under 400.
const MaxVectorLen = 512

// ErrVector is returned (wrapped) for a malformed or unsupported CVSS
// vector.
var ErrVector = errors.New("invalid CVSS vector")

// CVSS is a CVSS vector with its computed base score.
type CVSS struct {
	// Version is "2.0", "3.0", "3.1" or "4.0".
	Version string `json:"version"`
	Vector  string `json:"vector"`
	// Score is the base score (CVSS-BTE for 4.0), rounded to one decimal.
	Score float64 `json:"score"`
}

// Level is the qualitative rating of the score: the v3/v4 scale, or for
// CVSS v2 the NVD v2 scale (Low < 4.0 <= Medium < 7.0 <= High; v2 has no
// Critical).
func (c CVSS) Level() Level {
	if c.Version == "2.0" {
		switch {
		case c.Score >= 7.0:
			return High
		case c.Score >= 4.0:
			return Medium
		case c.Score > 0:
			return Low
		}
		return Unknown
	}
	return FromScore(c.Score)
}

// ParseCVSS parses a CVSS vector and computes its base score. The version
// comes from the "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/" prefix; a vector
// without a prefix is read as CVSS v2 ("AV:N/AC:L/Au:N/C:P/I:P/A:P", also
// with a "(...)" wrapper or a "CVSS:2.0/" prefix as some feeds write it).
func ParseCVSS(vector string) (CVSS, error) {
	v := strings.TrimSpace(vector)
	if len(v) > MaxVectorLen {
		return CVSS{}, fmt.Errorf("%w: %d bytes (limit %d)", ErrVector, len(v), MaxVectorLen)
	}
	switch {
	case strings.HasPrefix(v, "CVSS:4.0/"):
		c, err := gocvss40.ParseVector(v)
		if err != nil {
			return CVSS{}, fmt.Errorf("%w %q: %v", ErrVector, vector, err)
		}
		return CVSS{Version: "4.0", Vector: v, Score: round1(c.Score())}, nil
	case strings.HasPrefix(v, "CVSS:3.1/"):
		c, err := gocvss31.ParseVector(v)
		if err != nil {
			return CVSS{}, fmt.Errorf("%w %q: %v", ErrVector, vector, err)
		}
		return CVSS{Version: "3.1", Vector: v, Score: round1(c.BaseScore())}, nil
	case strings.HasPrefix(v, "CVSS:3.0/"):
		c, err := gocvss30.ParseVector(v)
		if err != nil {
			return CVSS{}, fmt.Errorf("%w %q: %v", ErrVector, vector, err)
		}
		return CVSS{Version: "3.0", Vector: v, Score: round1(c.BaseScore())}, nil
	case strings.HasPrefix(v, "CVSS:"):
		if rest, ok := strings.CutPrefix(v, "CVSS:2.0/"); ok {
			return parseV2(vector, rest)
		}
		return CVSS{}, fmt.Errorf("%w %q: unsupported version", ErrVector, vector)
	}
	return parseV2(vector, strings.TrimSuffix(strings.TrimPrefix(v, "("), ")"))
}

func parseV2(orig, v string) (CVSS, error) {
	c, err := gocvss20.ParseVector(v)
	if err != nil {
		return CVSS{}, fmt.Errorf("%w %q: %v", ErrVector, orig, err)
	}
	return CVSS{Version: "2.0", Vector: v, Score: round1(c.BaseScore())}, nil
}

// round1 rounds to one decimal, removing float noise (9.799999 -> 9.8).
func round1(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0
	}
	return math.Round(f*10) / 10
}
