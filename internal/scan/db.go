package scan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// StaleAfter is the database age past which a scan warns.
const StaleAfter = 7 * 24 * time.Hour

// DBOptions say where the vulnerability database is and whether the scan may
// download it.
type DBOptions struct {
	Dir string
	// Offline forbids any network access: a missing database is an error.
	Offline bool
	// Source is where a missing database (or a missing ecosystem) is
	// downloaded from ("" = the public OSV bucket).
	Source string
	// Progress receives download progress (may be nil).
	Progress func(vulndb.Progress)
	// OnUpdate is told about an automatic download before it starts.
	OnUpdate func(ecosystems []string, source string)
}

// ErrNoDatabase is returned when there is no database and the scan may not
// download one.
var ErrNoDatabase = errors.New("no vulnerability database")

// OfflineHint follows a failed first download: where to get the database
// from without the network.
const OfflineHint = "no network? point VIGIL_DB_SOURCE (or --db-source) at a mirror or a directory laid out like the OSV bucket, " +
	"or run 'vigil db update --from DIR' once; then --offline scans never touch the network"

// openDB opens the database, downloading it (or the ecosystems it lacks)
// first unless offline.
func openDB(ctx context.Context, o DBOptions, need []string, log *slog.Logger, now func() time.Time) (*vulndb.DB, *DBInfo, []string, error) {
	var warnings []string
	db, err := vulndb.Open(o.Dir)
	missing := need
	if err == nil {
		have := map[string]bool{}
		for _, e := range db.Status().Ecosystems {
			have[e.Name] = true
		}
		missing = slices.DeleteFunc(slices.Clone(need), func(e string) bool { return have[e] })
	} else if !errors.Is(err, vulndb.ErrNoDatabase) {
		return nil, nil, nil, fmt.Errorf("open vulnerability database %q: %w", o.Dir, err)
	}

	if len(missing) > 0 && !o.Offline {
		if db != nil {
			db.Close()
			db = nil
		}
		if o.OnUpdate != nil {
			o.OnUpdate(missing, o.Source)
		}
		_, uerr := vulndb.Update(ctx, vulndb.UpdateOptions{Dir: o.Dir, From: o.Source, Ecosystems: missing, Progress: o.Progress, Logger: log})
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, err
		}
		// An ecosystem the source does not have (or that failed) costs only
		// its own packages: warn, once per cause, and scan with what there
		// is. Only a source that gave nothing at all is an error.
		db, err = vulndb.Open(o.Dir)
		if err != nil && uerr != nil {
			return nil, nil, nil, fmt.Errorf("download vulnerability database: %w\n%s", uerr, OfflineHint)
		}
		var ue *vulndb.UpdateError
		switch {
		case errors.As(uerr, &ue):
			for _, c := range ue.Causes {
				warnings = append(warnings, "could not download advisories: "+c.String())
			}
		case uerr != nil:
			warnings = append(warnings, fmt.Sprintf("could not download advisories: %v", uerr))
		}
	}
	if err != nil {
		if errors.Is(err, vulndb.ErrNoDatabase) {
			return nil, nil, nil, fmt.Errorf("%w in %q: run 'vigil db update' (or scan without --offline)", ErrNoDatabase, o.Dir)
		}
		return nil, nil, nil, fmt.Errorf("open vulnerability database %q: %w", o.Dir, err)
	}

	st := db.Status()
	have := map[string]bool{}
	for _, e := range st.Ecosystems {
		have[e.Name] = true
	}
	var absent []string
	for _, e := range need {
		if !have[e] {
			absent = append(absent, e)
		}
	}
	if len(absent) > 0 {
		warnings = append(warnings, fmt.Sprintf("the database has no advisories for %s: those packages were not checked", strings.Join(absent, ", ")))
	}
	age := now().Sub(st.UpdatedAt)
	info := &DBInfo{Dir: o.Dir, Source: st.Source, UpdatedAt: st.UpdatedAt.UTC(), AgeDays: int(age.Hours() / 24), Stale: age > StaleAfter}
	if info.Stale {
		warnings = append(warnings, fmt.Sprintf("the vulnerability database is %d days old: run 'vigil db update'", info.AgeDays))
	}
	return db, info, warnings, nil
}
