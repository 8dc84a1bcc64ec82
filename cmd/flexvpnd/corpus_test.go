package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/flexvpnd/flexvpnd/modes"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// The acceptance tests of issue 2 over the real IOS configurations of
// testdata/corpus/ios-flexvpn: `flexvpnd check` rejects exactly the lines
// listed in testdata/check/expected-rejections.txt, and every config
// re-renders stably (golden renderings under testdata/golden).
const (
	corpusDir     = "../../testdata/corpus/ios-flexvpn"
	goldenDir     = "../../testdata/golden"
	expectedFile  = "../../testdata/check/expected-rejections.txt"
	corpusEntries = 27
)

// rejection is one rejected line: where, what, the IOS error (its first
// line), and why it is rejected.
type rejection struct {
	File  string
	Line  int
	Text  string
	Error string
	// Reason says why a real IOS rejects the line too; Bug, instead, says
	// that a real IOS accepts it and flexvpnd must stop rejecting it.
	Reason, Bug string
}

func (r rejection) key() string { return fmt.Sprintf("%s:%d: %s", r.File, r.Line, r.Text) }

// corpusFiles lists the corpus configurations.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != corpusEntries {
		t.Fatalf("%d corpus configs in %s, want %d", len(files), corpusDir, corpusEntries)
	}
	return files
}

// checkRejections runs the check code path on a file and parses the
// rejected lines from its output.
func checkRejections(t *testing.T, path string) []rejection {
	t.Helper()
	var out bytes.Buffer
	if _, err := checkFile(path, false, &out); err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(path)
	head := regexp.MustCompile(`^` + regexp.QuoteMeta(path) + `:(\d+): (.*)$`)
	var rs []rejection
	for _, l := range strings.Split(out.String(), "\n") {
		if m := head.FindStringSubmatch(l); m != nil {
			if !strings.HasPrefix(m[2], "% Not applied: ") {
				var n int
				fmt.Sscan(m[1], &n)
				rs = append(rs, rejection{File: base, Line: n, Text: m[2]})
			}
			continue
		}
		if len(rs) > 0 && rs[len(rs)-1].Error == "" && strings.TrimSpace(l) != "" && strings.TrimSpace(l) != "^" {
			rs[len(rs)-1].Error = l
		}
	}
	return rs
}

// readExpected parses expected-rejections.txt: "FILE:LINE: TEXT" lines,
// each followed by "  error: ..." and "  reason: ..." or "  bug: ...".
func readExpected(t *testing.T) []rejection {
	t.Helper()
	f, err := os.Open(expectedFile)
	if err != nil {
		t.Fatalf("%v (run go test -run TestCorpusRejections -update to create it)", err)
	}
	defer f.Close()
	head := regexp.MustCompile(`^([^ :]+\.cfg):(\d+): (.*)$`)
	var rs []rejection
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "#") || strings.TrimSpace(l) == "" {
			continue
		}
		if m := head.FindStringSubmatch(l); m != nil {
			var n int
			fmt.Sscan(m[2], &n)
			rs = append(rs, rejection{File: m[1], Line: n, Text: m[3]})
			continue
		}
		if len(rs) == 0 {
			t.Fatalf("%s: unexpected line %q", expectedFile, l)
		}
		r := &rs[len(rs)-1]
		field, value, _ := strings.Cut(strings.TrimSpace(l), ": ")
		switch field {
		case "error":
			r.Error = value
		case "reason":
			r.Reason = value
		case "bug":
			r.Bug = value
		default:
			t.Fatalf("%s: unexpected line %q", expectedFile, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rs
}

// writeExpected rewrites expected-rejections.txt from the current
// rejections, keeping the reasons already written; a new entry is marked
// as a bug to classify.
func writeExpected(t *testing.T, got []rejection, old []rejection) {
	t.Helper()
	known := map[string]rejection{}
	for _, r := range old {
		known[r.key()] = r
	}
	var b strings.Builder
	b.WriteString(expectedHeader)
	for _, r := range got {
		if o, ok := known[r.key()]; ok {
			r.Reason, r.Bug = o.Reason, o.Bug
		}
		if r.Reason == "" && r.Bug == "" {
			r.Bug = "TODO: classify"
		}
		fmt.Fprintf(&b, "%s\n  error: %s\n", r.key(), r.Error)
		if r.Reason != "" {
			fmt.Fprintf(&b, "  reason: %s\n", r.Reason)
		} else {
			fmt.Fprintf(&b, "  bug: %s\n", r.Bug)
		}
	}
	if err := os.WriteFile(expectedFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

const expectedHeader = `# The lines of testdata/corpus/ios-flexvpn/*.cfg that ` + "`flexvpnd check`" + ` rejects,
# checked by cmd/flexvpnd/corpus_test.go (go test -update rewrites the list
# and keeps the reasons). Each entry: FILE:LINE: TEXT, the first line of the
# error, and either
#   reason: why a real IOS rejects the line too (docs/corpus-rejections.md), or
#   bug:    the line is valid IOS that flexvpnd still rejects (to be fixed).
# Lines not listed here are accepted. Paste artefacts (show running-config
# headers, prompt echoes) and exec commands after ` + "`end`" + ` are not rejections: the
# headers are skipped and the commands reported as not applied (see modes.Load).

`

// TestCorpusRejections checks that `flexvpnd check` rejects exactly the
// corpus lines listed in expected-rejections.txt, with the listed error,
// and that each entry says why.
func TestCorpusRejections(t *testing.T) {
	var got []rejection
	for _, path := range corpusFiles(t) {
		got = append(got, checkRejections(t, path)...)
	}
	var old []rejection
	if _, err := os.Stat(expectedFile); err == nil {
		old = readExpected(t)
	}
	if *update {
		writeExpected(t, got, old)
		return
	}
	want := map[string]rejection{}
	for _, r := range old {
		want[r.key()] = r
		switch {
		case r.Reason == "" && r.Bug == "":
			t.Errorf("%s: entry without a reason", r.key())
		case strings.HasPrefix(r.Bug, "TODO"):
			t.Errorf("%s: not classified (reason or bug)", r.key())
		case r.Bug != "":
			t.Logf("flexvpnd bug, valid IOS rejected: %s (%s)", r.key(), r.Bug)
		}
	}
	seen := map[string]bool{}
	for _, r := range got {
		seen[r.key()] = true
		w, ok := want[r.key()]
		switch {
		case !ok:
			t.Errorf("unexpected rejection %s\n  error: %s", r.key(), r.Error)
		case w.Error != r.Error:
			t.Errorf("%s: error %q, want %q", r.key(), r.Error, w.Error)
		}
	}
	for _, r := range old {
		if !seen[r.key()] {
			t.Errorf("expected rejection missing: %s", r.key())
		}
	}
}

// TestCorpusRoundTrip loads each corpus config, renders show
// running-config (compared with testdata/golden/NAME.showrun), loads that
// rendering into a fresh system without any rejection and checks that it
// renders byte-identically.
func TestCorpusRoundTrip(t *testing.T) {
	for _, path := range corpusFiles(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".cfg")
		t.Run(name, func(t *testing.T) {
			first := loadShow(t, path)
			golden(t, filepath.Join(goldenDir, name+".showrun"), first)
			tmp := filepath.Join(t.TempDir(), name+".showrun")
			if err := os.WriteFile(tmp, []byte(first), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, r := range checkRejections(t, tmp) {
				t.Errorf("rendering rejected on reload: line %d: %s\n  %s", r.Line, r.Text, r.Error)
			}
			if second := loadShow(t, tmp); second != first {
				t.Errorf("second rendering differs:\n--- second\n%s\n--- first\n%s", second, first)
			}
		})
	}
}

// loadShow loads a file as a startup-config and returns show
// running-config.
func loadShow(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sys := modes.NewSystem()
	if _, err := modes.Load(sys, f); err != nil {
		t.Fatal(err)
	}
	var out string
	sys.Config(func(c *runningconfig.Config) { out = c.ShowRunning() })
	return out
}
