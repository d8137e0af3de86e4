// Package severity is the severity scale shared by every kind of finding.
package severity

import (
	"fmt"
	"strings"
)

// Level is a severity, ordered: Unknown < Low < Medium < High < Critical.
type Level int

// Levels.
const (
	Unknown Level = iota
	Low
	Medium
	High
	Critical
)

var names = [...]string{"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

func (l Level) String() string {
	if l < 0 || int(l) >= len(names) {
		return "UNKNOWN"
	}
	return names[l]
}

// Parse reads a level name, case-insensitively. "moderate" and
// "important" (used by some ecosystems) map to Medium and High.
func Parse(s string) (Level, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "UNKNOWN", "NONE", "":
		return Unknown, nil
	case "LOW", "NEGLIGIBLE":
		return Low, nil
	case "MEDIUM", "MODERATE":
		return Medium, nil
	case "HIGH", "IMPORTANT":
		return High, nil
	case "CRITICAL":
		return Critical, nil
	}
	return Unknown, fmt.Errorf("unknown severity %q (want one of low, medium, high, critical)", s)
}

// FromScore maps a CVSS base score to a level using the CVSS v3/v4
// qualitative rating scale.
func FromScore(score float64) Level {
	switch {
	case score >= 9.0:
		return Critical
	case score >= 7.0:
		return High
	case score >= 4.0:
		return Medium
	case score > 0:
		return Low
	}
	return Unknown
}

// MarshalText implements encoding.TextMarshaler.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	*l = v
	return err
}
