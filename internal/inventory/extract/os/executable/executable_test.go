package executable

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestCandidate(t *testing.T) {
	fsys := fstest.MapFS{
		"usr/bin/ls":           {Mode: 0o755},
		"usr/local/bin/tool":   {Mode: 0o644},
		"app/server":           {Mode: 0o755},
		"app/config":           {Mode: 0o644},
		"app/run.sh":           {Mode: 0o755},
		"usr/share/doc/x/bin":  {Mode: 0o755},
		"etc/init.d/ssh":       {Mode: 0o755},
		"opt/x/bin/app.exe":    {Mode: 0o644},
		"usr/lib/x/libexec/y":  {Mode: 0o644},
		"usr/share/bin/script": {Mode: 0o755},
	}
	want := map[string]bool{
		"usr/bin/ls": true, "usr/local/bin/tool": true, "app/server": true, "app/config": false,
		"app/run.sh": false, "usr/share/doc/x/bin": false, "etc/init.d/ssh": false,
		"opt/x/bin/app.exe": true, "usr/lib/x/libexec/y": true, "usr/share/bin/script": false,
	}
	for p, w := range want {
		fi, err := fs.Stat(fsys, p)
		if err != nil {
			t.Fatal(err)
		}
		if got := Candidate(p, fs.FileInfoToDirEntry(fi)); got != w {
			t.Errorf("Candidate(%q) = %v, want %v", p, got, w)
		}
	}
}

func TestSniff(t *testing.T) {
	for in, want := range map[string]Kind{
		"\x7fELF\x02": ELF, "MZ\x90\x00": PE, "\xcf\xfa\xed\xfe": MachO, "\xfe\xed\xfa\xce": MachO,
		"\xca\xfe\xba\xbe": None, "#!/b": None, "": None,
	} {
		if got := Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %v, want %v", in, got, want)
		}
	}
}
