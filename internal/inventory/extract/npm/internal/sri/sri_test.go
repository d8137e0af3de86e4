package sri

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHashes(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string
	}{
		{"", nil},
		{"sha1-AAECAwQFBgcICQoLDA0ODxAREhM=", map[string]string{"sha1": "000102030405060708090a0b0c0d0e0f10111213"}},
		{"sha1-AAECAwQFBgcICQoLDA0ODxAREhM= sha1-//8= md5-AAAA", map[string]string{"sha1": "000102030405060708090a0b0c0d0e0f10111213"}},
		{"sha512-!!notbase64", nil},
		{"sha512-pKvURIxJVi2CgRXROh/M6pJ/UrTVRZKX+LQ+QtqJI4vBNibkPcs43bCCSIkn7JBPtCBXRDmD6IWFF51QVRr+Yg==", map[string]string{"sha512": "a4abd4448c49562d828115d13a1fccea927f52b4d5459297f8b43e42da89238bc13626e43dcb38ddb082488927ec904fb42057443983e88585179d50551afe62"}},
		{"nodash", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Hashes(tt.in)); diff != "" {
			t.Errorf("Hashes(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}
