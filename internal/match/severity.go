package match

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// Severity sources, as reported in Finding.SeveritySource.
const (
	SourceCVSSv4 = "cvss_v4" // a CVSS_V4 vector in severity[]
	SourceCVSSv3 = "cvss_v3" // a CVSS_V3 vector in severity[]
	SourceCVSSv2 = "cvss_v2" // a CVSS_V2 vector in severity[]
	// SourceUbuntu is a severity[] entry of type "Ubuntu" (a priority name).
	SourceUbuntu = "ubuntu"
	// SourceDatabaseScore is a numeric CVSS score without a vector in
	// database_specific.cvss_v4/cvss_v3/cvss_v2 (RubySec data).
	SourceDatabaseScore = "database_specific.cvss"
	// SourceDatabase is a rating name in database_specific.severity
	// (GitHub: LOW, MODERATE, HIGH, CRITICAL), top level or per affected.
	SourceDatabase = "database_specific.severity"
	// SourceEcosystem is a rating name in affected[].ecosystem_specific.severity.
	SourceEcosystem = "ecosystem_specific.severity"
)

// sourceRank breaks ties between sources giving the same level: scored
// vectors first, newest CVSS version first.
var sourceRank = map[string]int{
	SourceCVSSv4:        6,
	SourceCVSSv3:        5,
	SourceCVSSv2:        4,
	SourceDatabaseScore: 3,
	SourceDatabase:      2,
	SourceEcosystem:     1,
	SourceUbuntu:        0,
}

// assessment is the severity of a group of records.
type assessment struct {
	cache  *cache
	level  severity.Level
	source string
	cvss   *severity.CVSS // best vector, nil when none
}

func (a *assessment) offer(l severity.Level, source string) {
	if l == severity.Unknown {
		return
	}
	if l > a.level || l == a.level && sourceRank[source] > sourceRank[a.source] {
		a.level, a.source = l, source
	}
}

// offerCVSS records a vector: it competes for the level, and for the best
// vector (newest CVSS version, then highest score, then vector text).
func (a *assessment) offerCVSS(c severity.CVSS) {
	src := SourceCVSSv3
	switch c.Version {
	case "4.0":
		src = SourceCVSSv4
	case "2.0":
		src = SourceCVSSv2
	}
	a.offer(c.Level(), src)
	if a.cvss == nil || betterCVSS(c, *a.cvss) {
		cc := c
		a.cvss = &cc
	}
}

func betterCVSS(x, y severity.CVSS) bool {
	if x.Version != y.Version {
		return x.Version > y.Version // "4.0" > "3.1" > "3.0" > "2.0"
	}
	if x.Score != y.Score {
		return x.Score > y.Score
	}
	return x.Vector < y.Vector
}

// addRecord folds one record's severities into a: its severity[], the
// severity[] of the affected entries that matched, and the
// database/ecosystem-specific ratings. Unreadable values are ignored.
func (a *assessment) addRecord(v *osv.Vulnerability, matched []*osv.Affected) {
	a.addSeverities(v.Severity)
	a.addSpecific(v.DatabaseSpecific, SourceDatabase)
	for _, af := range matched {
		a.addSeverities(af.Severity)
		a.addSpecific(af.DatabaseSpecific, SourceDatabase)
		a.addSpecific(af.EcosystemSpecific, SourceEcosystem)
	}
}

func (a *assessment) addSeverities(sevs []osv.Severity) {
	for _, s := range sevs {
		switch s.Type {
		case osv.SeverityCVSSv2, osv.SeverityCVSSv3, osv.SeverityCVSSv4:
			c, err := a.cache.cvss(s.Score)
			if err != nil {
				continue
			}
			a.offerCVSS(c)
		case osv.SeverityUbuntu:
			if l, err := severity.Parse(s.Score); err == nil {
				a.offer(l, SourceUbuntu)
			}
		}
	}
}

// specific is the part of a database_specific or ecosystem_specific object
// that carries a severity.
type specific struct {
	Severity json.RawMessage `json:"severity"`
	CVSSv4   json.RawMessage `json:"cvss_v4"`
	CVSSv3   json.RawMessage `json:"cvss_v3"`
	CVSSv2   json.RawMessage `json:"cvss_v2"`
}

func (a *assessment) addSpecific(raw json.RawMessage, source string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return
	}
	var s specific
	if err := json.Unmarshal(raw, &s); err != nil {
		return
	}
	if name, ok := jsonString(s.Severity); ok {
		if l, err := severity.Parse(name); err == nil {
			a.offer(l, source)
		} else if c, err := a.cache.cvss(name); err == nil {
			a.offerCVSS(c)
		}
	}
	if source != SourceDatabase {
		return
	}
	for _, f := range []struct {
		raw json.RawMessage
		v2  bool
	}{{s.CVSSv4, false}, {s.CVSSv3, false}, {s.CVSSv2, true}} {
		score, ok := jsonNumber(f.raw)
		if !ok {
			// A vector under these keys is used as a vector.
			if str, ok := jsonString(f.raw); ok {
				if c, err := a.cache.cvss(str); err == nil {
					a.offerCVSS(c)
				}
			}
			continue
		}
		if score < 0 || score > 10 {
			continue
		}
		l := severity.FromScore(score)
		if f.v2 {
			l = severity.CVSS{Version: "2.0", Score: score}.Level()
		}
		a.offer(l, SourceDatabaseScore)
	}
}

func jsonString(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return strings.TrimSpace(s), s != ""
}

// jsonNumber reads a number, or a string holding one ("9.8").
func jsonNumber(raw json.RawMessage) (float64, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		return f, true
	}
	if s, ok := jsonString(raw); ok {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, true
		}
	}
	return 0, false
}
