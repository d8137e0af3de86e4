// Package score computes a project's (or an environment's) security score:
// 0-100 with a letter grade, from its open findings, their fix
// availability, exploitation data, SLA breaches and the age of its running
// images. The formula is in docs/score.md; every component is returned
// with its weight and value so that a score explains itself.
//
// The score is monotonic: every component's penalty is a non-decreasing
// function of a value that only grows with more or worse findings (or
// older images), so more or worse findings never raise the score.
package score

import (
	"math"

	"github.com/vigil-sec/vigil/internal/severity"
)

// Finding kinds (as the store names them).
const (
	KindVulnerability    = "vulnerability"
	KindMisconfiguration = "misconfiguration"
	KindSecret           = "secret"
)

// Finding is one open finding as the score sees it.
type Finding struct {
	Kind     string
	Severity severity.Level
	// Fixable: a fixed version exists.
	Fixable bool
	// KEV: the vulnerability is in a known-exploited list; EPSS is its
	// exploit prediction score in [0, 1]. Both are zero when the finding
	// carries no exploitation data (see Exploit).
	KEV  bool
	EPSS float64
	// SLABreached: open past its remediation SLA.
	SLABreached bool
}

// Input is what a score is computed from.
type Input struct {
	Findings []Finding
	// OldestImageDays is the age of the oldest running image (0: none or
	// unknown).
	OldestImageDays float64
}

// Component is one term of the score.
type Component struct {
	Name string `json:"name"`
	// Weight is the most points the component can take away.
	Weight float64 `json:"weight"`
	// Value is the component's measure (see docs/score.md), Scale the
	// value at which it takes away 63% of its weight, and Penalty the
	// points it takes away: Weight * (1 - exp(-Value/Scale)).
	Value   float64 `json:"value"`
	Scale   float64 `json:"scale"`
	Penalty float64 `json:"penalty"`
	// Count is how many findings (or images) contribute.
	Count   int    `json:"count"`
	Explain string `json:"explain"`
}

// Score is a score with its explanation.
type Score struct {
	Score      int         `json:"score" minimum:"0" maximum:"100"`
	Grade      string      `json:"grade" enum:"A,B,C,D,F"`
	Components []Component `json:"components"`
}

// Severity weights of the finding components: an unknown severity counts
// as high (the gate fails closed on what it cannot rank; the score does
// not reward it either).
var severityWeight = map[severity.Level]float64{
	severity.Critical: 10,
	severity.High:     5,
	severity.Medium:   2,
	severity.Low:      1,
	severity.Unknown:  5,
}

// Weight returns the severity weight of l.
func Weight(l severity.Level) float64 {
	if w, ok := severityWeight[l]; ok {
		return w
	}
	return severityWeight[severity.Unknown]
}

// The components, their weights (summing to 100) and scales.
const (
	wVulns, sVulns       = 30, 25
	wFixable, sFixable   = 15, 10
	wExploit, sExploit   = 15, 10
	wSLA, sSLA           = 15, 5
	wImage, sImage       = 5, 90
	wMisconf, sMisconf   = 10, 20
	wSecrets, sSecrets   = 10, 10
	imageGraceDays       = 30
	kevValue, epssFactor = 10, 10
)

// Compute scores in.
func Compute(in Input) Score {
	c := []Component{
		{Name: "vulnerabilities", Weight: wVulns, Scale: sVulns, Explain: "open vulnerabilities, each weighted by severity (critical 10, high 5, medium 2, low 1, unknown 5)"},
		{Name: "fix_available", Weight: wFixable, Scale: sFixable, Explain: "open vulnerabilities that have a fixed version, weighted by severity"},
		{Name: "exploitation", Weight: wExploit, Scale: sExploit, Explain: "known exploitation: 10 per vulnerability in KEV plus 10 x EPSS; 0 when findings carry no kev/epss data"},
		{Name: "sla_breaches", Weight: wSLA, Scale: sSLA, Explain: "open findings past their remediation SLA"},
		{Name: "image_age", Weight: wImage, Scale: sImage, Explain: "days the oldest running image is older than 30 days"},
		{Name: "misconfigurations", Weight: wMisconf, Scale: sMisconf, Explain: "open misconfigurations, weighted by severity"},
		{Name: "secrets", Weight: wSecrets, Scale: sSecrets, Explain: "open secrets, weighted by severity"},
	}
	add := func(i int, v float64) {
		c[i].Value += v
		c[i].Count++
	}
	for _, f := range in.Findings {
		w := Weight(f.Severity)
		switch f.Kind {
		case KindVulnerability:
			add(0, w)
			if f.Fixable {
				add(1, w)
			}
			if e := exploitValue(f); e > 0 {
				add(2, e)
			}
		case KindMisconfiguration:
			add(5, w)
		case KindSecret:
			add(6, w)
		}
		if f.SLABreached {
			add(3, 1)
		}
	}
	if d := in.OldestImageDays - imageGraceDays; d > 0 && !math.IsNaN(d) {
		c[4].Value, c[4].Count = d, 1
	}
	total := 0.0
	for i := range c {
		c[i].Value = round2(c[i].Value)
		c[i].Penalty = round2(penalty(c[i].Weight, c[i].Value, c[i].Scale))
		total += penalty(c[i].Weight, c[i].Value, c[i].Scale)
	}
	s := int(math.Round(100 - total))
	s = max(0, min(100, s))
	return Score{Score: s, Grade: Grade(s), Components: c}
}

func exploitValue(f Finding) float64 {
	v := 0.0
	if f.KEV {
		v += kevValue
	}
	if e := f.EPSS; e > 0 && e <= 1 {
		v += epssFactor * e
	}
	return v
}

func penalty(weight, value, scale float64) float64 {
	if value <= 0 || math.IsNaN(value) {
		return 0
	}
	return weight * (1 - math.Exp(-value/scale))
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// Grade is the letter of a score: A 90+, B 80+, C 70+, D 60+, F below.
func Grade(s int) string {
	switch {
	case s >= 90:
		return "A"
	case s >= 80:
		return "B"
	case s >= 70:
		return "C"
	case s >= 60:
		return "D"
	}
	return "F"
}
