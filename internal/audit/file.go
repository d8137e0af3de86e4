package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// MaxLine bounds one record of a file log (its JSON line, newline
// included); a longer line is a bad record, never a large allocation.
const MaxLine = 1 << 20

// ParseLine decodes one record line (without its newline). Unknown fields,
// trailing data and malformed hashes are errors.
func ParseLine(line []byte) (Record, error) {
	var r Record
	if len(line) > MaxLine {
		return r, fmt.Errorf("longer than %d bytes", MaxLine)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Record{}, fmt.Errorf("not a record: %v", err)
	}
	if dec.More() {
		return Record{}, errors.New("not a record: data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return Record{}, errors.New("not a record: data after the JSON object")
	}
	switch {
	case r.Seq < 1:
		return Record{}, fmt.Errorf("not a record: seq %d", r.Seq)
	case !validHash(r.Hash) || !validHash(r.PrevHash):
		return Record{}, errors.New("not a record: hash and prev_hash must be 64 lower-case hex digits")
	case len(r.Payload) == 0:
		return Record{}, errors.New("not a record: no payload")
	}
	return r, nil
}

// MarshalLine encodes a record as one line, newline included.
func MarshalLine(r *Record) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ReadLog reads a file log, calling fn with each record and its line
// number. A line that is not a record, too long, or a last line without
// its newline (a write cut short) is reported as a *LineError.
func ReadLog(ctx context.Context, r io.Reader, fn func(rec *Record, line int) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for line := 1; ; line++ {
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		b, err := readLine(br, &buf)
		if err == io.EOF && len(b) == 0 {
			return nil
		}
		if err != nil && err != io.EOF {
			var le *LineError
			if errors.As(err, &le) {
				le.Line = line
			}
			return err
		}
		if err == io.EOF {
			return &LineError{Line: line, Err: errors.New("the last line has no newline: the log was truncated or a write was cut short")}
		}
		rec, perr := ParseLine(b)
		if perr != nil {
			return &LineError{Line: line, Err: perr}
		}
		if err := fn(&rec, line); err != nil {
			return err
		}
	}
}

// LineError is a line of a file log that is not a record.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// readLine reads up to and without the next newline into *buf; io.EOF
// with data means the data had no newline.
func readLine(br *bufio.Reader, buf *[]byte) ([]byte, error) {
	*buf = (*buf)[:0]
	for {
		chunk, err := br.ReadSlice('\n')
		if len(*buf)+len(chunk) > MaxLine {
			// Skip the rest of the line is pointless: the log is bad here.
			return nil, &LineError{Err: fmt.Errorf("longer than %d bytes", MaxLine)}
		}
		*buf = append(*buf, chunk...)
		switch err {
		case nil:
			return (*buf)[:len(*buf)-1], nil
		case bufio.ErrBufferFull:
			continue
		default:
			return *buf, err
		}
	}
}

// VerifyLog verifies a file log with v. A line that is not a record is
// reported as the problem at the position it holds.
func VerifyLog(ctx context.Context, r io.Reader, v *Verifier) (Report, error) {
	err := ReadLog(ctx, r, func(rec *Record, line int) error { return v.Add(rec, line) })
	var le *LineError
	var ae *Error
	switch {
	case errors.As(err, &le):
		rep := v.Finish(nil)
		rep.OK = false
		rep.Problem = &Error{Seq: rep.Head.Seq + 1, Line: le.Line, Message: le.Err.Error()}
		return rep, nil
	case errors.As(err, &ae):
		return v.Finish(nil), nil
	case err != nil:
		return Report{}, err
	}
	return v.Finish(nil), nil
}

// VerifyFile verifies the file log at path.
func VerifyFile(ctx context.Context, path string, v *Verifier) (Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return Report{}, fmt.Errorf("verify audit log: %w", err)
	}
	defer f.Close()
	return VerifyLog(ctx, f, v)
}

// AppendFile appends a record to the file log at path (created when
// missing), chained to its last record, and syncs it. It holds an
// exclusive lock on the file meanwhile, so concurrent appends chain one
// after the other. It refuses to append to a log whose last line is not a
// sound record (verify it first).
func AppendFile(path string, at time.Time, actor, kind, subject string, payload any) (Record, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return Record{}, fmt.Errorf("open audit log: %w", err)
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return Record{}, fmt.Errorf("lock audit log %q: %w", path, err)
	}
	head, err := fileHead(f)
	if err != nil {
		return Record{}, fmt.Errorf("audit log %q: %w (check it with 'vigil audit verify --file')", path, err)
	}
	r, err := New(head, at, actor, kind, subject, payload)
	if err != nil {
		return Record{}, err
	}
	b, err := MarshalLine(&r)
	if err != nil {
		return Record{}, err
	}
	if len(b) > MaxLine {
		return Record{}, fmt.Errorf("audit record of %d bytes: longer than %d", len(b), MaxLine)
	}
	if _, err := f.Write(b); err != nil {
		return Record{}, fmt.Errorf("append to audit log %q: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return Record{}, fmt.Errorf("sync audit log %q: %w", path, err)
	}
	return r, nil
}

// fileHead reads the head of a file log from its last line.
func fileHead(f *os.File) (Head, error) {
	st, err := f.Stat()
	if err != nil {
		return Head{}, err
	}
	size := st.Size()
	if size == 0 {
		return EmptyHead, nil
	}
	off := max(0, size-MaxLine-1)
	b := make([]byte, size-off)
	if _, err := f.ReadAt(b, off); err != nil && err != io.EOF {
		return Head{}, err
	}
	if b[len(b)-1] != '\n' {
		return Head{}, errors.New("the last line has no newline")
	}
	b = b[:len(b)-1]
	i := bytes.LastIndexByte(b, '\n')
	if i < 0 && off > 0 {
		return Head{}, fmt.Errorf("the last line is longer than %d bytes", MaxLine)
	}
	r, err := ParseLine(b[i+1:])
	if err != nil {
		return Head{}, fmt.Errorf("the last line: %w", err)
	}
	if r.Sum() != r.Hash {
		return Head{}, fmt.Errorf("the last record (%d) does not match its hash", r.Seq)
	}
	return r.Head(), nil
}
