package source

import (
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/vigil-sec/vigil/internal/source/imagetest"
)

func TestBuildTime(t *testing.T) {
	at := func(d int) v1.Time { return v1.Time{Time: time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC)} }
	tests := []struct {
		name     string
		cf       *v1.ConfigFile
		want     time.Time
		wantFrom string
	}{
		{"no config", nil, time.Time{}, ""},
		{"created", &v1.ConfigFile{Created: at(5), History: []v1.History{{Created: at(9)}}}, at(5).Time, "config"},
		{"zero created: newest history", &v1.ConfigFile{History: []v1.History{{Created: at(3)}, {Created: at(7)}, {Created: at(4)}}}, at(7).Time, "history"},
		{"epoch created (SOURCE_DATE_EPOCH=0)", &v1.ConfigFile{Created: v1.Time{Time: time.Unix(0, 0)}, History: []v1.History{{Created: at(2)}}}, at(2).Time, "history"},
		{"epoch everywhere", &v1.ConfigFile{Created: v1.Time{Time: time.Unix(0, 0)}, History: []v1.History{{Created: v1.Time{Time: time.Unix(1, 0)}}}}, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, from := BuildTime(tt.cf)
			if !got.Equal(tt.want) || from != tt.wantFrom {
				t.Errorf("BuildTime = %v %q, want %v %q", got, from, tt.want, tt.wantFrom)
			}
		})
	}
}

// TestImageFreshness scans a reproducible image (created at the epoch)
// that declares its base image: the age comes from the history, the base
// from the manifest annotations.
func TestImageFreshness(t *testing.T) {
	img, err := imagetest.Image([]v1.Layer{mustLayer(t, imagetest.Entry{Name: "etc/alpine-release", Body: "3.22.0\n"})}, []string{"ADD rootfs /"}, amd64, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: time.Unix(0, 0)}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	img = mutate.Annotations(img, map[string]string{
		AnnotationBaseName:   "docker.io/library/alpine:3.22",
		AnnotationBaseDigest: "sha256:" + "ab12" + "0000000000000000000000000000000000000000000000000000000000aa",
	}).(v1.Image)
	dir := filepath.Join(t.TempDir(), "layout")
	if err := imagetest.WriteLayout(dir, img, nil); err != nil {
		t.Fatal(err)
	}
	res, err := Scan(t.Context(), Target{Kind: KindOCILayout, Ref: dir}, Options{Extractors: osAndInstalled(), NoCache: true, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	im := res.Image
	if !im.Created.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || im.CreatedFrom != "history" || im.AgeDays != 22 {
		t.Errorf("created %v from %q age %d, want 2026-11-01 from history, 22 days", im.Created, im.CreatedFrom, im.AgeDays)
	}
	if im.BaseName != "docker.io/library/alpine:3.22" || im.BaseDigest == "" {
		t.Errorf("base = %q %q", im.BaseName, im.BaseDigest)
	}
}

func TestBaseImageHostile(t *testing.T) {
	long := make([]byte, maxAnnotation+1)
	for i := range long {
		long[i] = 'a'
	}
	tests := []struct {
		name     string
		ann      map[string]string
		cf       *v1.ConfigFile
		wantName string
		wantDig  string
	}{
		{"label fallback", nil, &v1.ConfigFile{Config: v1.Config{Labels: map[string]string{AnnotationBaseName: "debian:12"}}}, "debian:12", ""},
		{"annotation wins", map[string]string{AnnotationBaseName: "a"}, &v1.ConfigFile{Config: v1.Config{Labels: map[string]string{AnnotationBaseName: "b"}}}, "a", ""},
		{"control characters", map[string]string{AnnotationBaseName: "evil\x1b[31m"}, nil, "", ""},
		{"too long", map[string]string{AnnotationBaseName: string(long)}, nil, "", ""},
		{"digest without algorithm", map[string]string{AnnotationBaseDigest: "abc"}, nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, d := baseImage(tt.ann, tt.cf)
			if n != tt.wantName || d != tt.wantDig {
				t.Errorf("baseImage = %q %q, want %q %q", n, d, tt.wantName, tt.wantDig)
			}
		})
	}
}
