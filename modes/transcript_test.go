package modes_test

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flexvpnd/flexvpnd/modes"
	"github.com/flexvpnd/flexvpnd/modes/console"
)

// The -update flag rewrites golden files; it is declared here unless
// another test file of the binary declared it first.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

// update reports whether -update was given.
func update() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// transcriptDir holds the CLI transcripts: NAME.in is what is typed, one
// line per Enter, with `?` and <TAB> inline; NAME.txt is the screen a
// console shows for it.
const transcriptDir = "../testdata/transcripts"

// tabMark stands for the TAB key in a transcript script (a tab character
// would be invisible in the file).
const tabMark = "<TAB>"

// runTranscript types a script at the console of a fresh appliance and
// returns the screen.
func runTranscript(t *testing.T, script []byte) string {
	t.Helper()
	var screen bytes.Buffer
	tr := console.NewTranscript(modes.NewSession(modes.NewSystem(), "console"), &screen)
	sc := bufio.NewScanner(bytes.NewReader(script))
	for sc.Scan() {
		if tr.Line(strings.ReplaceAll(sc.Text(), tabMark, "\t")) == modes.ErrExit {
			break
		}
	}
	return screen.String()
}

// TestTranscripts replays every script of testdata/transcripts and
// compares the screen with its golden file (go test -run Transcripts
// -update rewrites them).
func TestTranscripts(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join(transcriptDir, "*.in"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no transcripts in %s: %v", transcriptDir, err)
	}
	for _, in := range scripts {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		t.Run(name, func(t *testing.T) {
			script, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := runTranscript(t, script)
			golden := strings.TrimSuffix(in, ".in") + ".txt"
			if update() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("screen differs from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

// TestTranscriptsCoverEveryMode fails when a mode's prompt appears in no
// golden transcript: a new mode needs a transcript.
func TestTranscriptsCoverEveryMode(t *testing.T) {
	goldens, err := filepath.Glob(filepath.Join(transcriptDir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, name := range goldens {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	for _, m := range modes.AllModes {
		prompt := "Router#"
		if !m.Exec {
			prompt = "(" + m.Name + ")#"
		}
		if !strings.Contains(all.String(), prompt) {
			t.Errorf("no transcript in %s shows mode %q (prompt %q)", transcriptDir, m.Title, prompt)
		}
	}
}

// FuzzTranscriptKeys types arbitrary lines, `?` and tabs included, in
// every mode a seed reaches: `?`, TAB and the executor must never panic.
func FuzzTranscriptKeys(f *testing.F) {
	for _, seed := range []string{
		"conf t\ncry ikev2 pro?file P\nmatch ?",
		"conf t\ndo sh run | inc\t?",
		"configure\n\ninterface Tu\t0\ntun\t?",
		"sh run |?\n  do ?\nd?",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, script string) {
		var screen bytes.Buffer
		tr := console.NewTranscript(modes.NewSession(modes.NewSystem(), "console"), &screen)
		for _, line := range strings.Split(script, "\n") {
			if tr.Line(line) == modes.ErrExit {
				return
			}
		}
	})
}
