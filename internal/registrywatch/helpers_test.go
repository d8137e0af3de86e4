package registrywatch

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

var testNow = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// fmtAny prints a redacted configuration deterministically.
func fmtAny(v any) string {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s=%s ", k, fmtAny(v[k]))
		}
		return "{" + b.String() + "}"
	case []map[string]any:
		var parts []string
		for _, m := range v {
			parts = append(parts, fmtAny(m))
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprint(v)
}
