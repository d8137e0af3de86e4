package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// dbFlags are shared by every command that reads the database.
type dbFlags struct {
	dir     string
	offline bool
	source  string
}

func (f *dbFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dir, "db-dir", "", "vulnerability database directory (env VIGIL_DB_DIR; default: the user cache dir)")
	cmd.Flags().BoolVar(&f.offline, "offline", false, "never touch the network (use the database as it is)")
	cmd.Flags().StringVar(&f.source, "db-source", "", "where to download the database from when it is missing: URL or directory laid out like the OSV bucket (env VIGIL_DB_SOURCE; default: the public OSV bucket)")
}

func (f *dbFlags) resolveDir() (string, error) {
	if f.dir != "" {
		return f.dir, nil
	}
	return vulndb.DefaultDir()
}

func (f *dbFlags) resolveSource() string {
	if f.source != "" {
		return f.source
	}
	return os.Getenv("VIGIL_DB_SOURCE")
}

func newDBCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the local vulnerability database",
		Long: `The vulnerability database is a local, indexed copy of the OSV advisories,
kept under the user cache directory (or --db-dir / VIGIL_DB_DIR).`,
	}
	cmd.AddCommand(newDBUpdateCmd(e), newDBStatusCmd(e))
	return cmd
}

func newDBUpdateCmd(e *env) *cobra.Command {
	var (
		dbf        dbFlags
		from       string
		ecosystems []string
		asJSON     bool
		server     string
		xf         exploitFlags
	)
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download or refresh the vulnerability database",
		Long: `Download the OSV ecosystem archives and import them into the local database.
Unchanged archives are skipped (ETag, Last-Modified, checksum). An interrupted
update leaves the previous database usable.

  vigil db update                                # all ecosystems from the public OSV bucket
  vigil db update --ecosystems npm,PyPI          # only these
  vigil db update --from http://mirror.local/osv # a mirror laid out like the bucket
  vigil db update --from /media/osv              # an air-gapped copy`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if server != "" {
				if from != "" || len(ecosystems) > 0 || dbf.dir != "" {
					return usagef("--server: the server refreshes from its own --vulndb-from; --from, --ecosystems and --db-dir do not apply")
				}
				return refreshServer(cmd.Context(), e, server, asJSON)
			}
			dir, err := dbf.resolveDir()
			if err != nil {
				return err
			}
			if from == "" {
				from = dbf.resolveSource()
			}
			if dbf.offline && !isLocalDir(from) {
				return usagef("--offline: db update needs --from DIR to work without the network")
			}
			rep, err := updateDB(cmd.Context(), e, dir, from, splitList(ecosystems))
			if kev, epss := xf.sources(from, dbf.offline); rep != nil {
				err = errors.Join(err, updateExploit(cmd.Context(), e.stderr, dir, kev, epss))
			}
			if rep != nil {
				printUpdateReport(e.stderr, rep)
				if asJSON {
					if jerr := writeUpdateJSON(e.stdout, rep); jerr != nil && err == nil {
						err = jerr
					}
				}
			}
			return err
		},
	}
	dbf.register(cmd)
	cmd.Flags().StringVar(&from, "from", "", "source: URL of a mirror or a directory laid out like the OSV bucket (default: --db-source, VIGIL_DB_SOURCE, or the public OSV bucket)")
	cmd.Flags().StringSliceVar(&ecosystems, "ecosystems", nil, "ecosystems to download, comma separated (default: all listed in the source's ecosystems.txt)")
	cmd.Flags().StringVar(&server, "server", "", "refresh the database of the Vigil server at URL instead (POST /api/v1/admin/refresh with an admin token in VIGIL_TOKEN); returns when its re-match is committed")
	xf.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "also print the report as JSON on standard output: per ecosystem the status, the counts and the ids of the advisories added, modified and withdrawn")
	return cmd
}

// refreshServer asks a server to refresh its database and re-match.
func refreshServer(ctx context.Context, e *env, base string, asJSON bool) error {
	if os.Getenv("VIGIL_TOKEN") == "" {
		return usagef("--server needs an admin token in VIGIL_TOKEN")
	}
	u, err := serverURL(base, "/api/v1/admin/refresh")
	if err != nil {
		return err
	}
	var res struct {
		Ecosystems map[string]string `json:"ecosystems"`
		Changes    []struct {
			Ecosystem                  string
			Full                       bool
			Added, Modified, Withdrawn []string
		} `json:"changes"`
		Artifacts int    `json:"artifacts"`
		Created   int    `json:"created"`
		Resolved  int    `json:"resolved"`
		Reopened  int    `json:"reopened"`
		Updated   int    `json:"updated"`
		Duration  string `json:"duration"`
	}
	var raw json.RawMessage
	if err := apiCall(ctx, "POST", u, "", nil, false, &raw); err != nil {
		return err
	}
	if asJSON {
		_, err := fmt.Fprintln(e.stdout, string(raw))
		return err
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("read the server's answer: %w", err)
	}
	for _, c := range res.Changes {
		if c.Full {
			fmt.Fprintf(e.stderr, "%s: first import\n", c.Ecosystem)
			continue
		}
		fmt.Fprintf(e.stderr, "%s: +%d ~%d -%d advisories\n", c.Ecosystem, len(c.Added), len(c.Modified), len(c.Withdrawn))
	}
	fmt.Fprintf(e.stderr, "Server %s refreshed in %s: %d artifacts re-matched, %d findings created, %d resolved, %d re-opened, %d updated\n",
		base, res.Duration, res.Artifacts, res.Created, res.Resolved, res.Reopened, res.Updated)
	return nil
}

// updateJSON is the machine form of an update report (the change feed).
type updateJSON struct {
	Dir        string          `json:"dir"`
	Source     string          `json:"source"`
	DurationMS int64           `json:"duration_ms"`
	Ecosystems []ecosystemJSON `json:"ecosystems"`
}

type ecosystemJSON struct {
	Name     string `json:"name"`
	Status   string `json:"status"`
	Records  int    `json:"records"`
	Added    int    `json:"added"`
	Modified int    `json:"modified"`
	Removed  int    `json:"withdrawn"`
	// Full: a first import; every record is new and no ids are listed.
	Full        bool     `json:"full,omitempty"`
	AddedIDs    []string `json:"added_ids"`
	ModifiedIDs []string `json:"modified_ids"`
	RemovedIDs  []string `json:"withdrawn_ids"`
	Invalid     int      `json:"invalid"`
	// Incremental: the change listing was read, Fetched records downloaded.
	Incremental bool   `json:"incremental"`
	Fetched     int    `json:"fetched"`
	Error       string `json:"error,omitempty"`
}

func writeUpdateJSON(w io.Writer, rep *vulndb.UpdateReport) error {
	out := updateJSON{Dir: rep.Dir, Source: rep.Source, DurationMS: rep.Duration.Milliseconds(), Ecosystems: []ecosystemJSON{}}
	for _, e := range rep.Ecosystems {
		ej := ecosystemJSON{Name: e.Name, Status: string(e.Status), Records: e.Records, Added: e.Added, Modified: e.Modified, Removed: e.Removed,
			Full: e.Full, AddedIDs: nonNilStrings(e.AddedIDs), ModifiedIDs: nonNilStrings(e.ModifiedIDs), RemovedIDs: nonNilStrings(e.RemovedIDs), Invalid: e.Invalid,
			Incremental: e.Incremental, Fetched: e.Fetched}
		if e.Err != nil {
			ej.Error = e.Err.Error()
		}
		out.Ecosystems = append(out.Ecosystems, ej)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func isLocalDir(s string) bool {
	if s == "" || strings.Contains(s, "://") && !strings.HasPrefix(s, "file://") {
		return false
	}
	fi, err := os.Stat(strings.TrimPrefix(s, "file://"))
	return err == nil && fi.IsDir()
}

func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func newDBStatusCmd(e *env) *cobra.Command {
	var (
		dbf    dbFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the database's source, age and contents",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := dbf.resolveDir()
			if err != nil {
				return err
			}
			db, err := vulndb.Open(dir)
			if err != nil {
				return fmt.Errorf("open database %q: %w (run 'vigil db update')", dir, err)
			}
			defer db.Close()
			st := db.Status()
			switch format {
			case "json":
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Dir string `json:"dir"`
					vulndb.Status
				}{dir, st})
			case "table", "":
				printStatus(e.stdout, dir, st, time.Now())
				return nil
			}
			return usagef("unknown --format %q (want table or json)", format)
		},
	}
	dbf.register(cmd)
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table or json")
	return cmd
}

func printStatus(w io.Writer, dir string, st vulndb.Status, now time.Time) {
	fmt.Fprintf(w, "Database:   %s\n", dir)
	fmt.Fprintf(w, "Source:     %s\n", st.Source)
	fmt.Fprintf(w, "Schema:     %d\n", st.SchemaVersion)
	age := now.Sub(st.UpdatedAt)
	fmt.Fprintf(w, "Updated:    %s (%s ago)\n", st.UpdatedAt.UTC().Format(time.RFC3339), humanDuration(age))
	if age > staleAfter {
		fmt.Fprintf(w, "            older than %d days: run 'vigil db update'\n", int(staleAfter.Hours()/24))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nECOSYSTEM\tRECORDS\tINVALID\t")
	total := 0
	for _, eco := range st.Ecosystems {
		fmt.Fprintf(tw, "%s\t%d\t%d\t\n", eco.Name, eco.Records, eco.Invalid)
		total += eco.Records
	}
	fmt.Fprintf(tw, "total\t%d\t\t\n", total)
	tw.Flush()
}

// staleAfter is the age past which a scan warns about the database.
const staleAfter = 7 * 24 * time.Hour

func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// updateDB runs vulndb.Update with a progress bar on a terminal. On a
// partial failure it returns the report and the failures, one line per cause.
func updateDB(ctx context.Context, e *env, dir, from string, ecosystems []string) (*vulndb.UpdateReport, error) {
	prog := newProgress(e.stderr)
	rep, err := vulndb.Update(ctx, vulndb.UpdateOptions{Dir: dir, From: from, Ecosystems: ecosystems, Progress: prog.update, Logger: e.logger()})
	prog.done()
	switch {
	case err == nil:
		return rep, nil
	case errors.Is(err, vulndb.ErrUnreachable):
		err = fmt.Errorf("update vulnerability database: %w\n%s", err, scan.OfflineHint)
	case rep != nil:
		err = fmt.Errorf("update vulnerability database (the previous data of these ecosystems is kept): %w", err)
	default:
		err = fmt.Errorf("update vulnerability database: %w", err)
	}
	return rep, err
}

// printUpdateReport says what changed, one line per ecosystem that was
// updated; the failed ones are in the error, grouped by cause.
func printUpdateReport(w io.Writer, rep *vulndb.UpdateReport) {
	if rep.Failed() == len(rep.Ecosystems) {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var invalid int
	for _, eco := range rep.Ecosystems {
		var what string
		switch eco.Status {
		case vulndb.StatusUnchanged:
			what = "unchanged"
		case vulndb.StatusNew:
			what = fmt.Sprintf("new: %d records", eco.Records)
		case vulndb.StatusUpdated:
			what = fmt.Sprintf("updated: +%d ~%d -%d, %d records", eco.Added, eco.Modified, eco.Removed, eco.Records)
			if eco.Incremental {
				what += fmt.Sprintf(" (incremental: %d records fetched)", eco.Fetched)
			}
		default:
			continue
		}
		if eco.Invalid > 0 {
			what += fmt.Sprintf("; %d invalid records skipped", eco.Invalid)
			invalid += eco.Invalid
		}
		fmt.Fprintf(tw, "%s\t%s\n", eco.Name, what)
		for _, s := range eco.InvalidSamples {
			fmt.Fprintf(tw, "\t  invalid: %s\n", s)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "Database %s updated from %s in %s", rep.Dir, rep.Source, rep.Duration.Round(time.Millisecond))
	if failed := rep.Failed(); failed > 0 {
		fmt.Fprintf(w, "; %d ecosystems failed", failed)
	}
	if invalid > 0 {
		fmt.Fprintf(w, "; %d invalid records skipped", invalid)
	}
	fmt.Fprintln(w)
}
