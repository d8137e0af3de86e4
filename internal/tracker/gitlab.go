package tracker

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// gitLab is a project through GitLab's client-go.
type gitLab struct {
	c       *gitlab.Client
	project string
}

func newGitLab(g *GitLab, getenv func(string) string, hc *http.Client) (*gitLab, error) {
	tok, err := g.Credentials.token(getenv)
	if err != nil {
		return nil, fmt.Errorf("gitlab: %w", err)
	}
	base := g.BaseURL
	if base == "" {
		base = "https://gitlab.com"
	}
	// Retries are the shared transport's (rateLimited): client-go's own
	// would retry a failed POST and could create an issue twice.
	c, err := gitlab.NewClient(tok, gitlab.WithBaseURL(strings.TrimSuffix(base, "/")+"/api/v4"), gitlab.WithHTTPClient(hc), gitlab.WithoutRetries())
	if err != nil {
		return nil, fmt.Errorf("gitlab: %w", err)
	}
	return &gitLab{c: c, project: g.Project}, nil
}

func (g *gitLab) Name() string { return "gitlab:" + g.project }

func (g *gitLab) Create(ctx context.Context, c Content) (Issue, error) {
	labels := gitlab.LabelOptions(c.Labels)
	is, _, err := g.c.Issues.CreateIssue(g.project, &gitlab.CreateIssueOptions{Title: &c.Title, Description: &c.Body, Labels: &labels}, gitlab.WithContext(ctx))
	if err != nil {
		return Issue{}, fmt.Errorf("%s: create issue: %w", g.Name(), err)
	}
	return glIssue(is), nil
}

func (g *gitLab) Update(ctx context.Context, number int64, c Content) error {
	labels := gitlab.LabelOptions(c.Labels)
	if _, _, err := g.c.Issues.UpdateIssue(g.project, number, &gitlab.UpdateIssueOptions{Title: &c.Title, Description: &c.Body, Labels: &labels}, gitlab.WithContext(ctx)); err != nil {
		return fmt.Errorf("%s: update issue %d: %w", g.Name(), number, err)
	}
	return nil
}

func (g *gitLab) SetState(ctx context.Context, number int64, open, _ bool, comment string) error {
	if comment != "" {
		if _, _, err := g.c.Notes.CreateIssueNote(g.project, number, &gitlab.CreateIssueNoteOptions{Body: &comment}, gitlab.WithContext(ctx)); err != nil {
			return fmt.Errorf("%s: comment on issue %d: %w", g.Name(), number, err)
		}
	}
	ev := "reopen"
	if !open {
		ev = "close"
	}
	if _, _, err := g.c.Issues.UpdateIssue(g.project, number, &gitlab.UpdateIssueOptions{StateEvent: &ev}, gitlab.WithContext(ctx)); err != nil {
		return fmt.Errorf("%s: %s issue %d: %w", g.Name(), ev, number, err)
	}
	return nil
}

// Find searches the project's issues' descriptions for the marker (GitLab
// searches its database: an issue is found as soon as it exists), every
// page.
func (g *gitLab) Find(ctx context.Context, marker string, since time.Time) (Issue, bool, error) {
	in := "description"
	opt := &gitlab.ListProjectIssuesOptions{Search: &marker, In: &in, UpdatedAfter: &since, ListOptions: gitlab.ListOptions{PerPage: 100}}
	for pages := 0; ; pages++ {
		if pages >= 1000 {
			return Issue{}, false, fmt.Errorf("%s: list issues: more than 1000 pages", g.Name())
		}
		list, resp, err := g.c.Issues.ListProjectIssues(g.project, opt, gitlab.WithContext(ctx))
		if err != nil {
			return Issue{}, false, fmt.Errorf("%s: list issues: %w", g.Name(), err)
		}
		for _, is := range list {
			if strings.HasPrefix(strings.TrimSpace(is.Description), marker) {
				return glIssue(is), true, nil
			}
		}
		if resp.NextPage == 0 {
			return Issue{}, false, nil
		}
		opt.Page = resp.NextPage
	}
}

func glIssue(is *gitlab.Issue) Issue {
	return Issue{Number: is.IID, URL: is.WebURL, Open: is.State != "closed", Body: is.Description}
}
