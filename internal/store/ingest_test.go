package store

import (
	"fmt"
	"testing"
)

// TestBatches checks that batches covers [0, n) in order with windows of
// few distinct sizes.
func TestBatches(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 99, 100, 399, 400, 401, 799, 800, 1001} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			next := 0
			sizes := map[int]bool{}
			err := batches(n, 400, func(lo, hi int) error {
				if lo != next || hi <= lo || hi-lo > 400 {
					t.Errorf("window [%d, %d) after %d", lo, hi, next)
				}
				sizes[hi-lo] = true
				next = hi
				return nil
			})
			if err != nil || next != n {
				t.Errorf("batches(%d) ended at %d, err %v", n, next, err)
			}
			for sz := range sizes {
				if sz != 400 && sz&(sz-1) != 0 {
					t.Errorf("window of %d rows: neither the batch size nor a power of two", sz)
				}
			}
		})
	}
}
