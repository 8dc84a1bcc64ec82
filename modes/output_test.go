package modes

import (
	"slices"
	"strings"
	"testing"
)

// chunkRecorder records the writes it gets (it takes no strings).
type chunkRecorder struct {
	got   strings.Builder
	sizes []int
}

func (r *chunkRecorder) Write(p []byte) (int, error) {
	r.sizes = append(r.sizes, len(p))
	r.got.Write(p)
	return len(p), nil
}

// TestWriteOutput checks that command output reaches a writer whole and
// in order, in one write when small and in 64 KiB chunks when large.
func TestWriteOutput(t *testing.T) {
	for _, tc := range []struct {
		size, writes int
	}{{0, 1}, {100, 1}, {outputChunk, 1}, {outputChunk + 1, 2}, {5*outputChunk + 7, 6}} {
		text := strings.Repeat("0123456789abcde\n", tc.size/16+1)[:tc.size]
		var r chunkRecorder
		writeOutput(&r, text)
		if r.got.String() != text || len(r.sizes) != tc.writes {
			t.Errorf("%d bytes: got %d bytes in writes %v, want them in %d writes", tc.size, r.got.Len(), r.sizes, tc.writes)
		}
		for _, n := range r.sizes {
			if n > outputChunk {
				t.Errorf("%d bytes: a write of %d bytes", tc.size, n)
			}
		}
	}
}

// TestPageScreens checks that Page writes each screen in one write, an
// unfinished last line included.
func TestPageScreens(t *testing.T) {
	var r chunkRecorder
	Page(&r, "1\n2\n3\n4\n5", 3, func() rune { return ' ' })
	if want := []int{4, 4, 1}; r.got.String() != "1\n2\n3\n4\n5" || !slices.Equal(r.sizes, want) {
		t.Errorf("wrote %q in writes %v, want writes %v", r.got.String(), r.sizes, want)
	}
}
