package audit

import (
	"crypto/ed25519"
	"fmt"
)

// Error is the first bad position of a log.
type Error struct {
	// Seq is the first record that is not what the chain says it must be.
	Seq int64 `json:"seq"`
	// Line is the line of a file log it was found on (0 for a database).
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("record %d (line %d): %s", e.Seq, e.Line, e.Message)
	}
	return fmt.Sprintf("record %d: %s", e.Seq, e.Message)
}

// Report is the outcome of a verification.
type Report struct {
	OK bool `json:"ok"`
	// Records counts the records read; Head is the last good one.
	Records int64 `json:"records"`
	First   int64 `json:"first_seq,omitempty"`
	Head    Head  `json:"head"`
	// Checkpoints counts the signed checkpoints verified; LastCheckpoint
	// is the position of the newest.
	Checkpoints    int   `json:"checkpoints"`
	LastCheckpoint int64 `json:"last_checkpoint,omitempty"`
	// KeyTrusted says checkpoints were checked against a key given to the
	// verifier (not only against the key each carries).
	KeyTrusted bool   `json:"key_trusted"`
	Problem    *Error `json:"problem,omitempty"`
}

// Verifier checks a log record by record, in the order it is stored.
// The zero value verifies a complete log (from record 1) whose checkpoints
// are checked against the key each carries.
type Verifier struct {
	// Key, when set, is the only key checkpoints may be signed with.
	Key ed25519.PublicKey
	// Partial accepts a log that starts after record 1 (an export of a
	// time range): its first record's prev_hash is taken on trust.
	Partial bool
	// Anchors are records known from elsewhere (a head printed by a scan,
	// stated in a report, or a signed checkpoint kept outside): each must
	// be in the log with that hash.
	Anchors []Head

	rep     Report
	started bool
	err     *Error
}

// Add checks the next record; line is its line in a file log (0 else).
// After the first problem it returns that problem for every call.
func (v *Verifier) Add(r *Record, line int) error {
	if v.err != nil {
		return v.err
	}
	head := v.rep.Head
	if !v.started {
		head = EmptyHead
		if v.Partial && r.Seq > 1 {
			head = Head{Seq: r.Seq - 1, Hash: r.PrevHash}
		}
		v.rep.First = head.Seq + 1
	}
	want := head.Seq + 1
	fail := func(seq int64, format string, args ...any) error {
		v.err = &Error{Seq: seq, Line: line, Message: fmt.Sprintf(format, args...)}
		return v.err
	}
	if r.Sum() != r.Hash {
		if r.Seq != want {
			return fail(want, "expected here, found a record that says it is record %d and whose hash does not match its contents", r.Seq)
		}
		return fail(r.Seq, "its hash does not match its contents: the record was edited (or moved here)")
	}
	switch {
	case r.Seq > want && head.Seq == 0:
		return fail(want, "missing: the log starts at record %d (records %d to %d were removed)", r.Seq, want, r.Seq-1)
	case r.Seq > want:
		return fail(want, "missing: record %d follows record %d (record %d was removed, or the records were reordered)", r.Seq, head.Seq, want)
	case r.Seq < want:
		return fail(want, "expected here, found record %d again: the records were reordered or duplicated", r.Seq)
	}
	if r.PrevHash != head.Hash {
		if head.Seq == 0 {
			return fail(r.Seq, "the first record does not start the chain (prev_hash is not the zero hash)")
		}
		// r is sealed over the hash the record before it had: that record
		// is the one that changed (edited and re-hashed, or replaced).
		return fail(head.Seq, "changed after record %d was chained to it: its hash is not the prev_hash of record %d", r.Seq, r.Seq)
	}
	for _, a := range v.Anchors {
		if a.Seq == r.Seq && a.Hash != r.Hash {
			return fail(r.Seq, "its hash %s is not the anchored %s: this record or one before it was rewritten", r.Hash, a.Hash)
		}
	}
	if r.Kind == KindCheckpoint {
		if err := v.checkpoint(r, head); err != nil {
			return fail(r.Seq, "%v", err)
		}
	}
	v.started = true
	v.rep.Head = r.Head()
	v.rep.Records++
	return nil
}

// Finish ends the verification. end, when set, is where the log must end
// (the head the database records beside it): a shorter log was truncated.
func (v *Verifier) Finish(end *Head) Report {
	rep := v.rep
	rep.KeyTrusted = len(v.Key) > 0
	if v.err != nil {
		rep.Problem = v.err
		return rep
	}
	last := rep.Head.Seq
	fail := func(seq int64, format string, args ...any) Report {
		rep.Problem = &Error{Seq: seq, Message: fmt.Sprintf(format, args...)}
		return rep
	}
	if end != nil {
		switch {
		case end.Seq > last:
			return fail(last+1, "missing: the log ends at record %d but its head is record %d (records %d to %d were removed: truncated)", last, end.Seq, last+1, end.Seq)
		case end.Seq < last:
			return fail(end.Seq+1, "the log goes on past its recorded head %d to record %d: records were added outside Vigil, or the head was rolled back", end.Seq, last)
		case end.Hash != rep.Head.Hash:
			return fail(last, "its hash is not the recorded head's hash: the last record was rewritten")
		}
	}
	for _, a := range v.Anchors {
		if a.Seq > last {
			return fail(last+1, "missing: the log ends at record %d but record %d is anchored (truncated)", last, a.Seq)
		}
	}
	rep.OK = true
	return rep
}
