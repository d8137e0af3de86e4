package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// decode builds the generic value of the next JSON value with the Scanner:
// maps, slices, strings, json.Number, bools and nil, as encoding/json does
// with UseNumber.
func decode(s *Scanner) (any, error) {
	switch s.Peek() {
	case '{':
		o, err := s.Object()
		if err != nil {
			return nil, err
		}
		m := map[string]any{}
		for {
			k, ok, err := o.Next()
			if err != nil {
				return nil, err
			}
			if !ok {
				return m, nil
			}
			if m[k], err = decode(s); err != nil {
				return nil, err
			}
		}
	case '[':
		a, err := s.Array()
		if err != nil {
			return nil, err
		}
		l := []any{}
		for {
			ok, err := a.Next()
			if err != nil {
				return nil, err
			}
			if !ok {
				return l, nil
			}
			v, err := decode(s)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
	case '"':
		return s.String()
	case '0':
		n, err := s.Number()
		return json.Number(n), err
	case 't', 'f':
		return s.Bool()
	case 'n':
		_, err := s.Null()
		return nil, err
	}
	return nil, s.unexpected()
}

func decodeAll(src string) (any, error) {
	s := New(src, 10000)
	v, err := decode(s)
	if err != nil {
		return nil, err
	}
	return v, s.End()
}

func skipAll(src string) error {
	s := New(src, 10000)
	if err := s.Skip(); err != nil {
		return err
	}
	return s.End()
}

// checkAgainstStdlib holds the Scanner to encoding/json: the same inputs
// are valid, and valid UTF-8 inputs decode to the same value.
func checkAgainstStdlib(t *testing.T, data []byte) {
	t.Helper()
	valid := json.Valid(data)
	if err := skipAll(string(data)); (err == nil) != valid {
		t.Fatalf("Skip(%q) error = %v, encoding/json valid = %v", data, err, valid)
	}
	got, err := decodeAll(string(data))
	if (err == nil) != valid {
		t.Fatalf("decode(%q) error = %v, encoding/json valid = %v", data, err, valid)
	}
	if err != nil {
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(data) {
			t.Fatalf("decode(%q) error %v has no offset in range", data, err)
		}
		return
	}
	if !utf8.Valid(data) {
		return
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var want any
	if err := d.Decode(&want); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decode(%q) = %#v, encoding/json %#v", data, got, want)
	}
}

var corpus = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `-0.5e+10`, `1E3`, `true`, `false`, `null`,
	` { "a" : [ 1 , 2.5 , "x" , { } , [ ] , null ] , "b" : { "c" : true } } `,
	`{"esc":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x"}`,
	`{"dup":1,"dup":2}`,
	`{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{a:1}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`,
	`"\x"`, `"\u12"`, "\"a\tb\"", `"abc`, `{"a":1}x`, `tru`, `nul`, `[`, `{"a":`,
	`{"a":1}{"b":2}`, `"\u00"`, `[1,[2,[3]]]`, `"é"`,
}

func TestAgainstStdlib(t *testing.T) {
	for _, c := range corpus {
		checkAgainstStdlib(t, []byte(c))
	}
}

func FuzzScanner(f *testing.F) {
	for _, c := range corpus {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		checkAgainstStdlib(t, data)
	})
}

func TestDepthLimit(t *testing.T) {
	deep := strings.Repeat("[", 50) + strings.Repeat("]", 50)
	if err := New(deep, 50).Skip(); err != nil {
		t.Fatalf("50 levels with limit 50: %v", err)
	}
	err := New(deep, 49).Skip()
	var se *SyntaxError
	if !errors.Is(err, ErrDepth) && (!errors.As(err, &se) || !strings.Contains(se.Msg, ErrDepth.Error())) {
		t.Fatalf("50 levels with limit 49: %v, want depth error", err)
	}
	if se == nil || se.Offset != 49 {
		t.Fatalf("depth error offset = %+v, want 49", se)
	}
}

func TestNoAllocations(t *testing.T) {
	src := `{"name":"left-pad","version":"1.3.0","dependencies":{"a":"^1","b":"~2"},"dev":true,"n":[1,2,{"x":null}]}`
	allocs := testing.AllocsPerRun(100, func() {
		s := Scanner{src: src, maxDepth: 10}
		o, err := s.Object()
		if err != nil {
			t.Fatal(err)
		}
		for {
			k, ok, err := o.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			switch k {
			case "name", "version":
				if _, err := s.String(); err != nil {
					t.Fatal(err)
				}
			default:
				if err := s.Skip(); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per object, want 0", allocs)
	}
}

func TestErrorOffsets(t *testing.T) {
	for _, tc := range []struct {
		src string
		off int
	}{
		{`{"a":1,}`, 7},
		{`{"a":tru}`, 8},
		{"[\"a\nb\"]", 3},
		{`{"a":"\q"}`, 6},
		{`[1,2`, 4},
	} {
		err := skipAll(tc.src)
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset != tc.off {
			t.Errorf("Skip(%q) = %v, want a syntax error at offset %d", tc.src, err, tc.off)
		}
	}
}
