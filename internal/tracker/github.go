package tracker

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v75/github"
)

// gitHub is a repository through go-github.
type gitHub struct {
	c           *github.Client
	owner, repo string
}

func newGitHub(g *GitHub, getenv func(string) string, hc *http.Client) (*gitHub, error) {
	tok, err := g.Credentials.token(getenv)
	if err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	c := github.NewClient(hc).WithAuthToken(tok)
	if g.BaseURL != "" {
		u, err := url.Parse(strings.TrimSuffix(g.BaseURL, "/") + "/")
		if err != nil {
			return nil, fmt.Errorf("github.base_url: %w", err)
		}
		c.BaseURL = u
	}
	owner, repo, _ := strings.Cut(g.Repo, "/")
	return &gitHub{c: c, owner: owner, repo: repo}, nil
}

func (g *gitHub) Name() string { return "github:" + g.owner + "/" + g.repo }

// ctx lets the transport handle rate limits (it waits for the reset)
// instead of go-github refusing calls before the reset on its own.
func ghCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, github.BypassRateLimitCheck, true)
}

func (g *gitHub) Create(ctx context.Context, c Content) (Issue, error) {
	labels := c.Labels
	is, _, err := g.c.Issues.Create(ghCtx(ctx), g.owner, g.repo, &github.IssueRequest{Title: &c.Title, Body: &c.Body, Labels: &labels})
	if err != nil {
		return Issue{}, fmt.Errorf("%s: create issue: %w", g.Name(), err)
	}
	return ghIssue(is), nil
}

func (g *gitHub) Update(ctx context.Context, number int64, c Content) error {
	labels := c.Labels
	if _, _, err := g.c.Issues.Edit(ghCtx(ctx), g.owner, g.repo, int(number), &github.IssueRequest{Title: &c.Title, Body: &c.Body, Labels: &labels}); err != nil {
		return fmt.Errorf("%s: update issue %d: %w", g.Name(), number, err)
	}
	return nil
}

func (g *gitHub) SetState(ctx context.Context, number int64, open, notPlanned bool, comment string) error {
	if comment != "" {
		if _, _, err := g.c.Issues.CreateComment(ghCtx(ctx), g.owner, g.repo, int(number), &github.IssueComment{Body: &comment}); err != nil {
			return fmt.Errorf("%s: comment on issue %d: %w", g.Name(), number, err)
		}
	}
	req := &github.IssueRequest{State: github.Ptr("open")}
	if !open {
		reason := "completed"
		if notPlanned {
			reason = "not_planned"
		}
		req = &github.IssueRequest{State: github.Ptr("closed"), StateReason: &reason}
	}
	if _, _, err := g.c.Issues.Edit(ghCtx(ctx), g.owner, g.repo, int(number), req); err != nil {
		return fmt.Errorf("%s: set issue %d %s: %w", g.Name(), number, *req.State, err)
	}
	return nil
}

// Find lists the repository's issues updated since (open and closed,
// every page) and looks for the marker in their bodies. The list is used
// rather than the search API: search is eventually consistent, and an
// issue created a moment before a crash may not be indexed yet.
func (g *gitHub) Find(ctx context.Context, marker string, since time.Time) (Issue, bool, error) {
	opt := &github.IssueListByRepoOptions{State: "all", Sort: "created", Direction: "desc", Since: since, ListOptions: github.ListOptions{PerPage: 100}}
	for pages := 0; ; pages++ {
		if pages >= 1000 {
			return Issue{}, false, fmt.Errorf("%s: list issues: more than 1000 pages", g.Name())
		}
		list, resp, err := g.c.Issues.ListByRepo(ghCtx(ctx), g.owner, g.repo, opt)
		if err != nil {
			return Issue{}, false, fmt.Errorf("%s: list issues: %w", g.Name(), err)
		}
		for _, is := range list {
			if is.IsPullRequest() {
				continue
			}
			if strings.HasPrefix(strings.TrimSpace(is.GetBody()), marker) {
				return ghIssue(is), true, nil
			}
		}
		if resp.NextPage == 0 {
			return Issue{}, false, nil
		}
		opt.ListOptions.Page = resp.NextPage
	}
}

func ghIssue(is *github.Issue) Issue {
	return Issue{Number: int64(is.GetNumber()), URL: is.GetHTMLURL(), Open: is.GetState() != "closed", Body: is.GetBody()}
}
