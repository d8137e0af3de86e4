package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The child of the durability test: it ingests from 4 goroutines until
// killed and prints "ack N" once the ingest of fixture N returned.
const childEnv = "VIGIL_STORE_DURABILITY_CHILD"

func TestMain(m *testing.M) {
	if url := os.Getenv(childEnv); url != "" {
		os.Exit(durabilityChild(url))
	}
	os.Exit(m.Run())
}

func durabilityChild(url string) int {
	ctx := context.Background()
	s, err := Open(ctx, Options{URL: url})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				mu.Lock()
				n := next
				next++
				mu.Unlock()
				if _, err := s.Ingest(ctx, fixture("dur", n, 120, 100, 10)); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "ack %d\n", n)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return 0
}

func TestDurabilitySQLite(t *testing.T) {
	_, url := openSQLite(t, nil)
	testDurability(t, url)
}

func TestDurabilityPostgres(t *testing.T) { testDurability(t, postgresSchema(t)) }

// testDurability kill -9s a child in the middle of concurrent ingests and
// checks that every acknowledged ingest is complete after a restart, and
// that no artifact is half-written.
func testDurability(t *testing.T, url string) {
	if testing.Short() {
		t.Skip("short")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+url)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int]bool{}
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(30 * time.Second)
	for sc.Scan() {
		n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "ack "))
		if err != nil {
			t.Fatalf("child said %q", sc.Text())
		}
		acked[n] = true
		if len(acked) == 40 || time.Now().After(deadline) {
			// Mid-burst: the other goroutines are inside transactions.
			cmd.Process.Signal(syscall.SIGKILL)
			break
		}
	}
	for sc.Scan() { // acks printed before the kill landed
		if n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "ack ")); err == nil {
			acked[n] = true
		}
	}
	cmd.Wait()
	if len(acked) < 10 {
		t.Fatalf("only %d acknowledged ingests before the kill", len(acked))
	}
	s := mustOpen(t, url, nil)
	ctx := t.Context()
	arts, _, err := s.ListArtifacts(ctx, ArtifactFilter{Page: Page{Limit: MaxLimit}})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]Artifact{}
	for _, a := range arts {
		stored[a.Digest] = a
	}
	for n := range acked {
		if _, ok := stored[fixture("dur", n, 0, 0, 0).Artifact.Digest]; !ok {
			t.Errorf("acknowledged ingest %d is missing", n)
		}
	}
	for _, a := range arts {
		var n int
		fmt.Sscanf(strings.TrimPrefix(a.Digest, "sha256:"), "%d", &n)
		want := fixture("dur", n, 120, 100, 10)
		inv, err := s.Inventory(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		fs, _, err := s.ListFindings(ctx, FindingFilter{ArtifactID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(inv) != len(want.Packages) || a.Packages != len(want.Packages) || len(fs) != len(want.Findings) {
			t.Errorf("artifact %d half-written: %d packages (artifact says %d), %d findings; want %d and %d",
				n, len(inv), a.Packages, len(fs), len(want.Packages), len(want.Findings))
		}
	}
	t.Logf("%d acknowledged, %d stored", len(acked), len(arts))
}
