package report

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/vigil-sec/vigil/internal/scan"
)

func init() { register("junit", JUnit) }

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit writes one test suite per scanner and one test case per finding
// (a failure, or skipped when suppressed), so CI systems that read JUnit
// show findings as failed tests.
func JUnit(w io.Writer, r *scan.Result, _ Options) error {
	doc := junitSuites{Name: "vigil"}
	add := func(s *junitSuite, name, class, sev, msg, detail string, sup *scan.Suppression) {
		c := junitCase{Name: name, Classname: class}
		if sup != nil {
			c.Skipped = &junitSkipped{Message: "suppressed: " + sup.Reason}
			s.Skipped++
		} else {
			c.Failure = &junitFailure{Message: msg, Type: sev, Text: detail}
			s.Failures++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	vs := junitSuite{Name: "vulnerabilities"}
	for _, v := range r.Vulnerabilities {
		class := firstLoc(v.Locations)
		add(&vs, fmt.Sprintf("[%s] %s %s@%s", v.Severity, v.ID, v.Package.Name, v.Package.Version), class, v.Severity.String(),
			v.Summary, fmt.Sprintf("%s %s is affected by %s; fixed in %s", v.Package.Name, v.Package.Version, v.ID, orDash(v.FixedVersion)), v.Suppressed)
	}
	ms := junitSuite{Name: "misconfigurations"}
	for _, m := range r.Misconfigurations {
		add(&ms, fmt.Sprintf("[%s] %s %s", m.Severity, m.CheckID, m.Resource), m.Location.Path, m.Severity.String(),
			m.Message, fmt.Sprintf("%s:%d %s\n%s", m.Location.Path, m.Location.Line, m.Title, m.Remediation), m.Suppressed)
	}
	ss := junitSuite{Name: "secrets"}
	for _, s := range r.Secrets {
		add(&ss, fmt.Sprintf("[%s] %s %s", s.Severity, s.RuleID, s.Fingerprint), s.Location.Path, s.Severity.String(),
			s.Title, fmt.Sprintf("%s:%d:%d %s", s.Location.Path, s.Location.Line, s.Location.Column, s.Match), s.Suppressed)
	}
	for _, s := range []junitSuite{vs, ms, ss} {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Suites = append(doc.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func firstLoc(ls []scan.Location) string {
	if len(ls) == 0 {
		return ""
	}
	return ls[0].Path
}
