package notify

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/severity"
)

const goodConfig = `
max_attempts: 5
backoff: 100ms
window: 10s
sinks:
  - name: hook
    type: webhook
    url: https://hooks.example.com/vigil
    secret_env: HOOK_SECRET
  - name: gh
    type: webhook
    url: http://127.0.0.1:9000/x
    signature: github
    secret: plain-shared-secret
  - name: chat
    type: slack
    url: https://hooks.slack.com/services/T000/B000/XXXX
  - name: mail
    type: email
    smtp: smtp.example.com:587
    username: vigil
    password_env: SMTP_PASSWORD
    from: vigil@example.com
    to: [sec@example.com]
rules:
  - name: prod-critical
    select:
      kinds: [finding.new, finding.reopened]
      projects: ["pay-*"]
      environments: [prod]
      min_severity: high
      fixable_only: true
    sinks: [hook, chat]
    digest: per_project
    window: 1m
  - name: breaches
    select: {kinds: [sla.breach, sla.breach_soon]}
    sinks: [mail]
    sla_soon_days: 3
  - name: old-images
    select: {kinds: [image.too_old]}
    sinks: [gh]
    digest: per_event
`

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var goodEnv = env(map[string]string{"HOOK_SECRET": testSecret, "SMTP_PASSWORD": "p4ss"})

func TestParse(t *testing.T) {
	c, err := Parse([]byte(goodConfig), "vigil.yaml", goodEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxAttempts != 5 || time.Duration(c.Backoff) != 100*time.Millisecond || time.Duration(c.Poll) != time.Second {
		t.Errorf("settings %+v", c)
	}
	hook, _ := c.Sink("hook")
	if hook.Secret != testSecret || hook.SecretEnv != "" || hook.Signature != SignStandard {
		t.Errorf("hook sink %+v", hook)
	}
	mail, _ := c.Sink("mail")
	if mail.Password != "p4ss" {
		t.Errorf("mail password not read from the environment")
	}
	r := c.Rules[0]
	if r.Select.MinSeverity != severity.High || !r.Select.FixableOnly || time.Duration(r.Window) != time.Minute {
		t.Errorf("rule %+v", r)
	}
	if c.Rules[1].Digest != DigestPerProject || c.Rules[1].SLASoonDays != 3 || c.Rules[2].MaxImageAgeDays != 0 || c.Rules[2].ImageAgeDays(90) != 90 {
		t.Errorf("rule defaults %+v %+v", c.Rules[1], c.Rules[2])
	}
	// The masked configuration holds no secret.
	b, _ := json.Marshal(c.Masked())
	for _, secret := range []string{testSecret, "p4ss", "plain-shared-secret", "XXXX"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("masked configuration holds %q: %s", secret, b)
		}
	}
	if hook2, _ := c.Sink("hook"); hook2.Secret != testSecret {
		t.Error("Masked changed the configuration")
	}
}

func TestParseErrors(t *testing.T) {
	base := func(rule string) string {
		return "sinks:\n  - {name: hook, type: webhook, url: 'https://h.example.com', secret: " + testSecret + "}\nrules:\n" + rule
	}
	cases := map[string]struct {
		doc, want string
		env       map[string]string
	}{
		"unknown key":       {doc: "sinks: []\nretries: 3\n", want: "line 2: field retries not found"},
		"unknown sink key":  {doc: "sinks:\n  - {name: a, type: slack, url: 'https://x.example.com', token: 1}\n", want: "field token not found"},
		"unknown kind":      {doc: base("  - {name: r, select: {kinds: [finding.exploded]}, sinks: [hook]}\n"), want: `unknown kind "finding.exploded"`},
		"unknown sink":      {doc: base("  - {name: r, sinks: [nope]}\n"), want: `rules[0] (r): sinks: unknown sink "nope"`},
		"no sinks":          {doc: base("  - {name: r}\n"), want: "name at least one sink"},
		"bad glob":          {doc: base("  - {name: r, select: {projects: ['[']}, sinks: [hook]}\n"), want: "glob"},
		"bad severity":      {doc: base("  - {name: r, select: {min_severity: scary}, sinks: [hook]}\n"), want: "scary"},
		"bad digest":        {doc: base("  - {name: r, sinks: [hook], digest: hourly}\n"), want: "digest \"hourly\""},
		"duplicate rule":    {doc: base("  - {name: r, sinks: [hook]}\n  - {name: r, sinks: [hook]}\n"), want: "duplicate name"},
		"section age":       {doc: "max_image_age_days: 30\nsinks: []\n", want: "set it in the freshness section"},
		"env unset":         {doc: "sinks:\n  - {name: a, type: webhook, url: 'https://x.example.com', secret_env: NOPE}\n", want: "NOPE is empty or unset"},
		"secret and env":    {doc: "sinks:\n  - {name: a, type: webhook, url: 'https://x.example.com', secret: x, secret_env: Y}\n", want: "not both", env: map[string]string{"Y": "y"}},
		"bad whsec":         {doc: "sinks:\n  - {name: a, type: webhook, url: 'https://x.example.com', secret: notwhsec}\n", want: "whsec_<base64>"},
		"no secret":         {doc: "sinks:\n  - {name: a, type: webhook, url: 'https://x.example.com'}\n", want: "needs a secret"},
		"plain http":        {doc: "sinks:\n  - {name: a, type: slack, url: 'http://hooks.example.com/x'}\n", want: "plain http"},
		"url credentials":   {doc: "sinks:\n  - {name: a, type: slack, url: 'https://u:p@hooks.example.com/x'}\n", want: "no credentials in the URL"},
		"not a url":         {doc: "sinks:\n  - {name: a, type: slack, url: 'file:///etc/passwd'}\n", want: "want an absolute http(s) URL"},
		"mail no to":        {doc: "sinks:\n  - {name: m, type: email, smtp: 'h:25', from: a@b.c}\n", want: "recipients"},
		"mail user no pass": {doc: "sinks:\n  - {name: m, type: email, smtp: 'h:25', from: a@b.c, to: [x@y.z], username: u}\n", want: "go together"},
		"mail smuggling":    {doc: "sinks:\n  - {name: m, type: email, smtp: 'h:25', from: '\"a> SIZE=1\"@b.c', to: [x@y.z]}\n", want: "angle brackets"},
		"mail bad smtp":     {doc: "sinks:\n  - {name: m, type: email, smtp: 'h', from: a@b.c, to: [x@y.z]}\n", want: "host:port"},
		"sink type":         {doc: "sinks:\n  - {name: m, type: pager}\n", want: `type "pager"`},
		"bad name":          {doc: "sinks:\n  - {name: 'a b', type: slack, url: 'https://x.example.com'}\n", want: "name \"a b\""},
		"alias":             {doc: "sinks: &s []\nrules: *s\n", want: "anchors and aliases are not allowed"},
		"bad duration":      {doc: "poll: soon\n", want: "soon"},
		"negative":          {doc: "window: -1s\n", want: "negative"},
		"timeout vs lease":  {doc: "lease: 2s\ntimeout: 5s\n", want: "shorter than lease"},
		"too deep":          {doc: "rules: " + strings.Repeat("[", 30) + strings.Repeat("]", 30) + "\n", want: "nested deeper"},
		"not yaml":          {doc: "sinks: [\n", want: "yaml"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc), "conf.yaml", env(c.env))
			if err == nil {
				t.Fatalf("parsed; want an error with %q", c.want)
			}
			if !strings.HasPrefix(err.Error(), "conf.yaml: notifications: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to name the file and contain %q", err, c.want)
			}
		})
	}
	if _, err := Parse(make([]byte, MaxConfigBytes+1), "big.yaml", env(nil)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized section: %v", err)
	}
}

func TestParseRule(t *testing.T) {
	c, err := Parse([]byte(goodConfig), "vigil.yaml", goodEnv)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.ParseRule([]byte(`{"name":"api","select":{"kinds":["finding.new"],"min_severity":"CRITICAL"},"sinks":["hook"],"digest":"per_refresh"}`))
	if err != nil || r.Select.MinSeverity != severity.Critical || time.Duration(r.Window) != 10*time.Second {
		t.Fatalf("ParseRule = %+v, %v", r, err)
	}
	for _, bad := range []string{`{"name":"x","sinks":["nope"]}`, `{"name":"x","sinks":["hook"],"extra":1}`, `[]`} {
		if _, err := c.ParseRule([]byte(bad)); err == nil {
			t.Errorf("ParseRule(%s) accepted", bad)
		}
	}
}

func TestBackoff(t *testing.T) {
	base, max := 100*time.Millisecond, time.Second
	for attempt := 1; attempt <= 10; attempt++ {
		ceil := min(max, base<<(attempt-1))
		seenHigh := false
		for range 200 {
			d := backoff(base, max, attempt)
			if d < 0 || d > ceil {
				t.Fatalf("backoff(attempt %d) = %v, outside [0, %v]", attempt, d, ceil)
			}
			if d > ceil/2 {
				seenHigh = true
			}
		}
		if !seenHigh {
			t.Errorf("attempt %d: 200 draws all in the lower half of [0, %v]: not full jitter", attempt, ceil)
		}
	}
}
