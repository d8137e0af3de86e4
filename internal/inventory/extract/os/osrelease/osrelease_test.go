package osrelease

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func read(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func date(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

func TestFromFiles(t *testing.T) {
	tests := []struct {
		name  string
		files map[string][]byte
		want  *Info
	}{
		{"debian os-release", map[string][]byte{"etc/os-release": read(t, "testdata/debian12")},
			&Info{ID: "debian", VersionID: "12", Codename: "bookworm", PrettyName: "Debian GNU/Linux 12 (bookworm)", Ecosystem: "Debian:12", EOL: date("2028-06-30"), Source: "etc/os-release"}},
		{"rocky os-release in usr/lib", map[string][]byte{"usr/lib/os-release": read(t, "testdata/rocky9")},
			&Info{ID: "rocky", VersionID: "9.3", PrettyName: "Rocky Linux 9.3 (Blue Onyx)", Ecosystem: "Rocky Linux:9", Source: "usr/lib/os-release"}},
		{"ubuntu LTS", map[string][]byte{"etc/os-release": []byte("ID=ubuntu\nVERSION_ID=\"22.04\"\n")},
			&Info{ID: "ubuntu", VersionID: "22.04", Ecosystem: "Ubuntu:22.04:LTS", EOL: date("2027-06-01"), Source: "etc/os-release"}},
		{"ubuntu interim", map[string][]byte{"etc/os-release": []byte("ID=ubuntu\nVERSION_ID=\"23.10\"\n")},
			&Info{ID: "ubuntu", VersionID: "23.10", Ecosystem: "Ubuntu:23.10", EOL: date("2024-07-11"), Source: "etc/os-release"}},
		{"alpine-release fallback", map[string][]byte{"etc/alpine-release": []byte("3.20.3\n")},
			&Info{ID: "alpine", VersionID: "3.20.3", PrettyName: "Alpine Linux v3.20.3", Ecosystem: "Alpine:v3.20", EOL: date("2026-04-01"), Source: "etc/alpine-release"}},
		{"debian_version fallback", map[string][]byte{"etc/debian_version": []byte("11.9\n")},
			&Info{ID: "debian", VersionID: "11.9", PrettyName: "Debian 11.9", Ecosystem: "Debian:11", EOL: date("2026-08-31"), Source: "etc/debian_version"}},
		{"debian sid", map[string][]byte{"etc/debian_version": []byte("trixie/sid\n")},
			&Info{ID: "debian", PrettyName: "Debian trixie/sid", Ecosystem: "Debian", Source: "etc/debian_version"}},
		{"redhat-release", map[string][]byte{"etc/redhat-release": []byte("AlmaLinux release 9.4 (Seafoam Ocelot)\n")},
			&Info{ID: "almalinux", VersionID: "9.4", PrettyName: "AlmaLinux release 9.4 (Seafoam Ocelot)", Ecosystem: "AlmaLinux:9", Source: "etc/redhat-release"}},
		{"unknown distribution", map[string][]byte{"etc/os-release": []byte("ID=plan9\nVERSION_ID=4\n")},
			&Info{ID: "plan9", VersionID: "4", Source: "etc/os-release"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromFiles(tt.files)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FromFiles mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := FromFiles(nil); err != ErrUnknown {
		t.Errorf("FromFiles(nil) error = %v, want ErrUnknown", err)
	}
}

func TestSupportStatus(t *testing.T) {
	now := date("2026-11-23")
	for _, tt := range []struct {
		id, v string
		want  Status
	}{
		{"debian", "12", StatusSupported}, {"debian", "11", StatusEOL}, {"alpine", "3.20.1", StatusEOL},
		{"alpine", "3.22.0", StatusSupported}, {"ubuntu", "20.04", StatusEOL}, {"plan9", "4", StatusUnknown},
	} {
		info := &Info{ID: tt.id, VersionID: tt.v, EOL: EOL(tt.id, tt.v)}
		if got := SupportStatus(info, now); got != tt.want {
			t.Errorf("SupportStatus(%s %s) = %s, want %s", tt.id, tt.v, got, tt.want)
		}
	}
}
