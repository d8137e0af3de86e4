package source

import (
	"io"
	"sync"
)

// asyncReader reads its source in a goroutine, a few chunks ahead, so that
// decompression overlaps tar parsing and extraction on another core.
type asyncReader struct {
	ch   chan chunk
	free chan []byte
	done chan struct{}
	wg   sync.WaitGroup
	cur  chunk
	off  int
	err  error
}

type chunk struct {
	b   []byte
	err error
}

const (
	asyncChunk = 256 << 10
	asyncAhead = 4
)

func newAsyncReader(r io.Reader) *asyncReader {
	a := &asyncReader{ch: make(chan chunk, asyncAhead), free: make(chan []byte, asyncAhead+2), done: make(chan struct{})}
	for range asyncAhead + 2 {
		a.free <- make([]byte, asyncChunk)
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(a.ch)
		for {
			var buf []byte
			select {
			case buf = <-a.free:
			case <-a.done:
				return
			}
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case a.ch <- chunk{buf[:n], err}:
			case <-a.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return a
}

func (a *asyncReader) Read(p []byte) (int, error) {
	for a.off >= len(a.cur.b) {
		if a.cur.err != nil {
			return 0, a.cur.err
		}
		if a.err != nil {
			return 0, a.err
		}
		if a.cur.b != nil {
			a.free <- a.cur.b[:cap(a.cur.b)]
		}
		c, ok := <-a.ch
		if !ok {
			a.err = io.ErrClosedPipe
			return 0, a.err
		}
		a.cur, a.off = c, 0
		if len(c.b) == 0 && c.err != nil {
			return 0, c.err
		}
	}
	n := copy(p, a.cur.b[a.off:])
	a.off += n
	return n, nil
}

// Close stops the goroutine and waits for it; the source must be closed
// (or return) for a blocked read to end.
func (a *asyncReader) Close() {
	close(a.done)
	a.wg.Wait()
}
