package modes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// corpusDir holds the real IOS FlexVPN configurations.
const corpusDir = "../testdata/corpus/ios-flexvpn"

// maxFuzzInput bounds a fuzz input so that one execution stays fast.
const maxFuzzInput = 8 << 10

// corpusBlocks splits a configuration into its top-level blocks: a line at
// column 0 with the indented lines after it. Each block reaches the
// sub-mode of its first line, so mutations of it exercise that mode.
func corpusBlocks(text string) []string {
	var blocks []string
	var cur strings.Builder
	for _, l := range strings.SplitAfter(text, "\n") {
		if l != "" && l[0] != ' ' && l[0] != '\t' && cur.Len() > 0 {
			blocks = append(blocks, cur.String())
			cur.Reset()
		}
		cur.WriteString(l)
	}
	if cur.Len() > 0 {
		blocks = append(blocks, cur.String())
	}
	return blocks
}

// addCorpusSeeds adds every corpus file, and each of its blocks, as seeds.
func addCorpusSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.cfg"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no corpus configs in %s: %v", corpusDir, err)
	}
	seen := map[string]bool{}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		seeds := append(corpusBlocks(string(b)), string(b))
		for _, s := range seeds {
			if !seen[s] && len(s) <= maxFuzzInput {
				seen[s] = true
				f.Add(s)
			}
		}
	}
}

// showRunning returns the system's `show running-config`.
func showRunning(sys *System) string {
	var out string
	sys.Config(func(c *runningconfig.Config) { out = c.ShowRunning() })
	return out
}

// FuzzExec feeds arbitrary configuration text to the executor, line by
// line, with `?` and TAB asked before each line: no input may panic. Then
// the resulting `show running-config`, loaded into a fresh system, must be
// accepted without a rejected line and render identically.
func FuzzExec(f *testing.F) {
	addCorpusSeeds(f)
	f.Add("crypto ikev2 keyring K\n peer P\n  address 10.0.0.1\n  pre-shared-key c1sco!23$*\n do show run | section ikev2\n exit\n exit\n")
	f.Add("interface tun 0\n ip address 10.0.0.1 255.255.255.0\n no ip address\n end\nconf t\nint tun0\n?\n")
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > maxFuzzInput {
			return
		}
		sys := NewSystem()
		s := NewSession(sys, "fuzz")
		s.EnterConfig()
		for _, line := range strings.Split(text, "\n") {
			s.Help(line)
			s.Complete(line)
			s.Exec(line)
			if !s.InConfig() {
				s.EnterConfig()
			}
		}
		first := showRunning(sys)
		again := NewSystem()
		diags, err := Load(again, strings.NewReader(first))
		if err != nil {
			t.Fatalf("reload: %v", err)
		}
		for _, d := range diags {
			if d.Err != nil {
				t.Fatalf("show running-config line %d rejected when loaded again: %q: %v\n--- input\n%s\n--- show running-config\n%s", d.Line, d.Text, d.Err, text, first)
			}
		}
		if second := showRunning(again); second != first {
			t.Fatalf("show running-config is not stable\n--- input\n%s\n--- first\n%s\n--- second\n%s", text, first, second)
		}
	})
}
