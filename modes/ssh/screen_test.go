package ssh

import (
	"bytes"
	"strings"
	"testing"
)

// TestScreenWriterCRLF checks the newline translation of a pseudo-terminal
// session: "\n" becomes "\r\n" unless a '\r' comes before it, also across
// writes and across the writer's chunks, and every byte arrives once.
func TestScreenWriterCRLF(t *testing.T) {
	long := strings.Repeat("0123456789abcdef\n", crlfChunk/8)
	for _, tc := range []struct {
		name   string
		writes []string
		want   string
	}{
		{"plain", []string{"a\nb\n"}, "a\r\nb\r\n"},
		{"already crlf", []string{"a\r\nb\n"}, "a\r\nb\r\n"},
		{"cr ends a write", []string{"a\r", "\nb"}, "a\r\nb"},
		{"newline first", []string{"a", "\n\n"}, "a\r\n\r\n"},
		{"no newline", []string{"abc"}, "abc"},
		{"empty", []string{""}, ""},
		{"several chunks", []string{long}, strings.ReplaceAll(long, "\n", "\r\n")},
		{"long line", []string{strings.Repeat("x", 3*crlfChunk) + "\n"}, strings.Repeat("x", 3*crlfChunk) + "\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			w := &screenWriter{w: &out, crlf: true}
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write(%d bytes) = %d, %v", len(s), n, err)
				}
			}
			if got := out.String(); got != tc.want {
				t.Errorf("screen = %q..., want %q... (%d and %d bytes)", trim(got), trim(tc.want), len(got), len(tc.want))
			}
		})
	}
}

func trim(s string) string { return s[:min(len(s), 40)] }
