package secrets

import "sort"

// keywordMatcher is a case-insensitive Aho–Corasick automaton compiled to a
// dense DFA over byte classes. Bytes that occur in no keyword share one class,
// so the transition table stays small (states × classes) and the inner loop
// is one table lookup per input byte, with no allocation.
//
// See docs/decisions/secrets-keyword-prefilter.md for why this is hand-written.
type keywordMatcher struct {
	class  [256]uint8 // input byte -> class (upper case folded to lower)
	nclass int
	delta  []int32 // delta[state*nclass+class] = next state
	// outputs of a state are outList[outStart[s]:outStart[s+1]]: keyword ids
	// ending at this state, including those reached through suffix links.
	outStart []int32
	outList  []int32
	hasOut   []bool
	keywords []string // lower-cased, indexed by keyword id
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// newKeywordMatcher builds the automaton. Keywords are matched
// case-insensitively; duplicates and empty strings are the caller's concern.
func newKeywordMatcher(keywords []string) *keywordMatcher {
	m := &keywordMatcher{keywords: make([]string, len(keywords))}
	// Byte classes: class 0 is "no keyword uses this byte".
	var used [256]bool
	for i, k := range keywords {
		lk := make([]byte, len(k))
		for j := 0; j < len(k); j++ {
			lk[j] = lower(k[j])
			used[lk[j]] = true
		}
		m.keywords[i] = string(lk)
	}
	n := 1
	for b := 0; b < 256; b++ {
		if used[b] {
			m.class[b] = uint8(n)
			n++
		}
	}
	for b := 'A'; b <= 'Z'; b++ {
		m.class[b] = m.class[b+'a'-'A']
	}
	m.nclass = n

	// Trie with sparse children while building.
	type node struct {
		next map[uint8]int32
		fail int32
		out  []int32
	}
	nodes := []node{{next: map[uint8]int32{}}}
	for id, k := range m.keywords {
		s := int32(0)
		for j := 0; j < len(k); j++ {
			c := m.class[k[j]]
			nx, ok := nodes[s].next[c]
			if !ok {
				nodes = append(nodes, node{next: map[uint8]int32{}})
				nx = int32(len(nodes) - 1)
				nodes[s].next[c] = nx
			}
			s = nx
		}
		nodes[s].out = append(nodes[s].out, int32(id))
	}
	// BFS to set failure links and fill the dense table.
	m.delta = make([]int32, len(nodes)*n)
	queue := make([]int32, 0, len(nodes))
	for c := 0; c < n; c++ {
		if nx, ok := nodes[0].next[uint8(c)]; ok {
			nodes[nx].fail = 0
			m.delta[c] = nx
			queue = append(queue, nx)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := nodes[s].fail
		nodes[s].out = append(nodes[s].out, nodes[f].out...)
		for c := 0; c < n; c++ {
			if nx, ok := nodes[s].next[uint8(c)]; ok {
				nodes[nx].fail = m.delta[int(f)*n+c]
				m.delta[int(s)*n+c] = nx
				queue = append(queue, nx)
			} else {
				m.delta[int(s)*n+c] = m.delta[int(f)*n+c]
			}
		}
	}
	m.outStart = make([]int32, len(nodes)+1)
	m.hasOut = make([]bool, len(nodes))
	for i := range nodes {
		out := nodes[i].out
		sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
		m.outStart[i] = int32(len(m.outList))
		m.outList = append(m.outList, out...)
		m.hasOut[i] = len(out) > 0
	}
	m.outStart[len(nodes)] = int32(len(m.outList))
	return m
}

// hit is one keyword occurrence: keyword id and the offset just past its
// last byte.
type hit struct {
	kw  int32
	end int32
}

// find appends every keyword occurrence in data to hits and returns it.
func (m *keywordMatcher) find(data []byte, hits []hit) []hit {
	s := int32(0)
	n := int32(m.nclass)
	delta := m.delta
	class := &m.class
	hasOut := m.hasOut
	for i := 0; i < len(data); i++ {
		s = delta[s*n+int32(class[data[i]])]
		if hasOut[s] {
			for _, kw := range m.outList[m.outStart[s]:m.outStart[s+1]] {
				hits = append(hits, hit{kw: kw, end: int32(i + 1)})
			}
		}
	}
	return hits
}
