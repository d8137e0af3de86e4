package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/vigil-sec/vigil/internal/vulndb"
	"golang.org/x/term"
)

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress draws a one-line bar on a terminal and stays quiet otherwise
// (CI logs get the final report lines only).
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	active bool
	drawn  bool
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, active: isTerminal(w) && os.Getenv("CI") == ""}
}

func (p *progress) update(pr vulndb.Progress) {
	if !p.active {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	const width = 30
	var frac float64
	var detail string
	switch pr.Phase {
	case vulndb.PhaseDownload:
		if pr.TotalBytes > 0 {
			frac = float64(pr.Bytes) / float64(pr.TotalBytes)
		}
		detail = fmt.Sprintf("download %.1f MiB", float64(pr.Bytes)/(1<<20))
	case vulndb.PhaseImport:
		if pr.TotalRecords > 0 {
			frac = float64(pr.Records) / float64(pr.TotalRecords)
		}
		detail = fmt.Sprintf("import %d/%d records", pr.Records, pr.TotalRecords)
	case vulndb.PhaseDone:
		frac, detail = 1, string(pr.Status)
	}
	frac = min(max(frac, 0), 1)
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r\x1b[K%-12s [%s%s] %3.0f%% %s", pr.Ecosystem, strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, detail)
	p.drawn = true
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
