//go:build unix

package vulndb

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	envKillChild = "VIGIL_TEST_KILL_CHILD" // "<db dir>|<source dir>"
	killBatch    = 500
)

// TestUpdateKill9 kills (SIGKILL) a process in the middle of an import,
// after some batches were committed to the new file, and checks that the
// previous database is intact, the lock was released, and the next update
// cleans up and succeeds.
func TestUpdateKill9(t *testing.T) {
	if spec := os.Getenv(envKillChild); spec != "" {
		killChild(t, spec)
		return
	}
	src, dir := t.TempDir(), t.TempDir()
	writeSource(t, src, baseArchives(t))
	if _, err := Update(t.Context(), UpdateOptions{Dir: dir, From: src}); err != nil {
		t.Fatal(err)
	}
	queries := [][2]string{{"PyPI", "other"}, {"PyPI", "new1"}, {"Debian:11", "openssl"}}
	before := snapshot(t, dir, queries)
	var many []member
	for i := range 10 * killBatch {
		many = append(many, rec("PYSEC-2102-"+strconv.Itoa(i), "PyPI", "new"+strconv.Itoa(i%10), "2024-01-01T00:00:00Z"))
	}
	writeSource(t, src, map[string][]member{"PyPI": many})

	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestUpdateKill9$")
	cmd.Env = append(os.Environ(), envKillChild+"="+dir+"|"+src)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "importing") {
				done <- sc.Text()
				return
			}
		}
		done <- ""
	}()
	select {
	case line := <-done:
		if line == "" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("child exited before importing")
		}
		t.Logf("child: %s; sending SIGKILL", line)
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("child did not start importing")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp-*"))
	if len(leftovers) == 0 {
		t.Errorf("no partial file: the child was not killed mid-write")
	}
	if diff := cmp.Diff(before, snapshot(t, dir, queries)); diff != "" {
		t.Errorf("database changed by a killed update (-before +after):\n%s", diff)
	}
	rep, err := Update(t.Context(), UpdateOptions{Dir: dir, From: src})
	if err != nil {
		t.Fatalf("Update after kill: %v", err)
	}
	if got := rep.Ecosystems[2]; got.Status != StatusUpdated || got.Records != len(many) {
		t.Errorf("PyPI after kill: %+v", got)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp-*")); len(leftovers) != 0 {
		t.Errorf("partial files not collected: %v", leftovers)
	}
}

// killChild runs the update that the parent kills: once a few batches are
// committed it says so and waits.
func killChild(t *testing.T, spec string) {
	dir, src, _ := strings.Cut(spec, "|")
	Update(t.Context(), UpdateOptions{Dir: dir, From: src, Ecosystems: []string{"PyPI"}, batch: killBatch,
		Progress: func(p Progress) {
			if p.Phase == PhaseImport && p.Records >= 3*killBatch {
				os.Stdout.WriteString("importing " + strconv.Itoa(p.Records) + "\n")
				select {}
			}
		}})
	t.Fatal("update finished before it was killed")
}
