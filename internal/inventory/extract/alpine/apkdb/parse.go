package apkdb

import (
	"bufio"
	"fmt"
	"io"
)

// MaxLine bounds one line of the database.
const MaxLine = 1 << 20

// Entry is one package of an apk installed database.
type Entry struct {
	Name, Version, Arch, Origin, License string
	// Line is the 1-based line of the entry's first field.
	Line int
}

// Parse reads lib/apk/db/installed: entries of "K:value" lines separated by
// blank lines. Entries without a name or version are skipped.
func Parse(r io.Reader) ([]Entry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	var out []Entry
	var cur Entry
	flush := func() {
		if cur.Name != "" && cur.Version != "" {
			if cur.Origin == "" {
				cur.Origin = cur.Name
			}
			out = append(out, cur)
		}
		cur = Entry{}
	}
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			flush()
			continue
		}
		if len(b) < 2 || b[1] != ':' {
			return nil, fmt.Errorf("line %d: expected \"K:value\"", line)
		}
		if cur.Line == 0 {
			cur.Line = line
		}
		v := string(b[2:])
		switch b[0] {
		case 'P':
			cur.Name = v
		case 'V':
			cur.Version = v
		case 'A':
			cur.Arch = v
		case 'o':
			cur.Origin = v
		case 'L':
			cur.License = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	flush()
	return out, nil
}
