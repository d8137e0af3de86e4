package store

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Page sizes.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
	// MaxFilterValues bounds every list a filter carries (scope projects,
	// states, severities), so a request cannot build a huge query.
	MaxFilterValues = 1000
)

// ms is a time as stored: Unix milliseconds, NULL for the zero time.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMS reads a stored time.
func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

func msTime(v int64) time.Time { return time.UnixMilli(v).UTC() }

// jsonText marshals v for a TEXT column.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only maps and slices of strings and plain structs reach here.
		panic(fmt.Sprintf("store: marshal %T: %v", v, err))
	}
	return string(b)
}

// nullText is NULL for an empty byte slice.
func nullText(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

func textBytes(v sql.NullString) []byte {
	if !v.Valid || v.String == "" {
		return nil
	}
	return []byte(v.String)
}

func unmarshalText(v sql.NullString, dst any) error {
	if !v.Valid || v.String == "" {
		return nil
	}
	return json.Unmarshal([]byte(v.String), dst)
}

// limit is a page's size.
func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// after decodes the cursor: the last id of the previous page.
func (p Page) after() (int64, error) {
	if p.Cursor == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil {
		return 0, fmt.Errorf("%w: malformed cursor", ErrInvalid)
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || id < 0 {
		return 0, fmt.Errorf("%w: malformed cursor", ErrInvalid)
	}
	return id, nil
}

func cursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// where builds a conjunction of conditions with their placeholders.
type where struct {
	conds []string
	args  []any
	err   error
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds "col IN (?, ...)"; an empty list matches nothing.
func (w *where) in(col string, vals []any) {
	if len(vals) > MaxFilterValues {
		w.err = fmt.Errorf("%w: more than %d values for %s", ErrInvalid, MaxFilterValues, col)
		return
	}
	if len(vals) == 0 {
		w.add("1 = 0")
		return
	}
	w.add(col+" IN ("+placeholders(len(vals))+")", vals...)
}

// scope restricts projectCol (a projects.id column) to the scope.
func (w *where) scope(sc Scope, projectCol string) {
	if sc.Projects == nil {
		return
	}
	if len(sc.Projects) > MaxFilterValues {
		w.err = fmt.Errorf("%w: more than %d projects in scope", ErrInvalid, MaxFilterValues)
		return
	}
	if len(sc.Projects) == 0 {
		w.add("1 = 0")
		return
	}
	w.add(projectCol+" IN (SELECT id FROM projects WHERE name IN ("+placeholders(len(sc.Projects))+"))", anys(sc.Projects)...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func anys[T any](v []T) []any {
	out := make([]any, len(v))
	for i := range v {
		out[i] = v[i]
	}
	return out
}

// nullIfEmpty is s, or NULL when it is empty.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
