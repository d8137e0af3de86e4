package vulndb

import "sync"

// Phase is a step of updating one ecosystem.
type Phase string

// Phases, in order. An unchanged ecosystem goes from PhaseDownload straight
// to PhaseDone.
const (
	PhaseDownload Phase = "download" // fetching (HTTP) or hashing (directory) the archive
	PhaseImport   Phase = "import"   // reading records into the store
	PhaseDone     Phase = "done"     // finished, successfully or not
)

// Progress is one progress event. Events of different ecosystems interleave
// (ecosystems are updated in parallel) but the callback is never called
// concurrently.
type Progress struct {
	Ecosystem    string
	Phase        Phase
	Bytes        int64 // PhaseDownload: bytes read so far
	TotalBytes   int64 // PhaseDownload: archive size, -1 when unknown
	Records      int   // PhaseImport: zip members processed so far
	TotalRecords int   // PhaseImport: zip members in the archive
	Status       EcosystemStatusKind
}

type progressSink struct {
	mu sync.Mutex
	fn func(Progress)
}

func (p *progressSink) send(e Progress) {
	if p == nil || p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fn(e)
}
