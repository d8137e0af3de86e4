package server_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestPagination: every list route honours limit and walks its pages
// with next_cursor: each item once, pages no bigger than limit, and an
// end. (A route that ignored cursor would send a client round forever.)
func TestPagination(t *testing.T) {
	e := startWith(t, startOptions{ecosystems: []string{"npm"}})
	var art struct {
		Artifact struct {
			ID int64 `json:"id"`
		} `json:"artifact"`
	}
	if code := e.do("POST", "/api/v1/projects/pages/artifacts", e.admin, bytes.NewReader(durSBOM(1)), &art); code != 201 {
		t.Fatalf("push: %d", code)
	}
	for i := 2; i <= 5; i++ {
		project := "pages"
		if i > 3 {
			project = fmt.Sprintf("pages-%d", i)
		}
		if code := e.do("POST", "/api/v1/projects/"+project+"/artifacts", e.admin, bytes.NewReader(durSBOM(i)), nil); code != 201 {
			t.Fatalf("push: %d", code)
		}
	}
	tests := []struct {
		path  string
		limit int
		want  int
	}{
		{fmt.Sprintf("/api/v1/artifacts/%d/packages", art.Artifact.ID), 40, durFillers + 2},
		{"/api/v1/projects", 1, 3},
		{"/api/v1/projects/pages/artifacts", 1, 3},
		{"/api/v1/findings?project=pages", 2, -1},
		{"/api/v1/findings", 3, -1},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			sep := "?"
			if strings.Contains(tt.path, "?") {
				sep = "&"
			}
			var ids []int64
			pages := 0
			for cursor := ""; ; pages++ {
				if pages > 1000 {
					t.Fatalf("still paging after %d pages", pages)
				}
				var page struct {
					Items []struct {
						ID int64 `json:"id"`
					} `json:"items"`
					NextCursor string `json:"next_cursor"`
				}
				if code := e.do("GET", fmt.Sprintf("%s%slimit=%d&cursor=%s", tt.path, sep, tt.limit, cursor), e.admin, nil, &page); code != 200 {
					t.Fatalf("page %d: %d", pages, code)
				}
				if len(page.Items) > tt.limit {
					t.Fatalf("page %d has %d items, limit %d", pages, len(page.Items), tt.limit)
				}
				for _, it := range page.Items {
					ids = append(ids, it.ID)
				}
				if cursor = page.NextCursor; cursor == "" {
					break
				}
			}
			n := len(ids)
			slices.Sort(ids)
			if ids = slices.Compact(ids); len(ids) != n {
				t.Errorf("%d items, %d distinct", n, len(ids))
			}
			if tt.want >= 0 && len(ids) != tt.want {
				t.Errorf("%d items, want %d", len(ids), tt.want)
			}
			if len(ids) < 2*tt.limit {
				t.Errorf("%d items at limit %d: the test does not page", len(ids), tt.limit)
			}
		})
	}
}
