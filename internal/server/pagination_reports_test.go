package server_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestPagination walks every list endpoint page by page with a small
// limit: each page holds at most limit items, the pages together hold each
// item exactly once, in the same order as one big page. (limit and cursor
// were silently ignored once: the query struct was unexported.)
func TestPaginationOfPushedReports(t *testing.T) {
	e := start(t)
	writer := e.token(store.RoleWriter, "shop")
	t.Setenv("VIGIL_TOKEN", writer)
	root := testutil.ModuleRoot(t)
	for _, app := range []string{"goapp", "pyapp", "rubyapp"} {
		dir := filepath.Join(root, "internal", "scan", "testdata", "realistic", app)
		if code, _, stderr := vigil(t, "scan", dir, "--offline", "--db-dir", filepath.Join(e.data, "vulndb"), "--scanners", "vuln", "-f", "json", "-o", filepath.Join(t.TempDir(), "r.json"), "--push", e.url, "--project", "shop"); code != 0 {
			t.Fatalf("push %s: %d %s", app, code, stderr)
		}
	}
	for _, path := range []string{"/api/v1/findings?project=shop", "/api/v1/projects/shop/artifacts?x=1", "/api/v1/projects?x=1"} {
		var all struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if code := e.do("GET", path+"&limit=1000", e.admin, nil, &all); code != 200 || all.NextCursor != "" {
			t.Fatalf("%s limit=1000: %d, next %q", path, code, all.NextCursor)
		}
		if len(all.Items) < 3 && path != "/api/v1/projects?x=1" {
			t.Fatalf("%s: only %d items, the test needs 3", path, len(all.Items))
		}
		var got []int64
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > len(all.Items)+1 {
				t.Fatalf("%s: more pages than items: the cursor does not advance", path)
			}
			var page struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			q := path + "&limit=2"
			if cursor != "" {
				q += "&cursor=" + cursor
			}
			if code := e.do("GET", q, e.admin, nil, &page); code != 200 {
				t.Fatalf("%s: %d", q, code)
			}
			if len(page.Items) > 2 {
				t.Fatalf("%s: %d items on a page of 2", q, len(page.Items))
			}
			for _, it := range page.Items {
				got = append(got, it.ID)
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		want := make([]int64, 0, len(all.Items))
		for _, it := range all.Items {
			want = append(want, it.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: pages give %v, one page %v", path, got, want)
		}
	}
	if code := e.do("GET", "/api/v1/findings?limit=1001", e.admin, nil, nil); code != 422 {
		t.Errorf("limit=1001: %d, want 422", code)
	}
}
