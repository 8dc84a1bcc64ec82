package modes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateAllModes compiles every mode's command table: a spec whose
// help count does not match its tokens, a bad bracket, a `no` form whose
// tokens have no help, two commands on one path, or a keyword declared with
// two different help strings at one position fails here.
func TestValidateAllModes(t *testing.T) {
	if len(AllModes) < 2 {
		t.Fatalf("AllModes has %d modes", len(AllModes))
	}
	names := map[string]bool{}
	for _, m := range AllModes {
		t.Run(m.Name, func(t *testing.T) {
			if err := m.Validate(); err != nil {
				t.Error(err)
			}
			if names[m.Name] {
				t.Errorf("mode name %q declared twice", m.Name)
			}
			names[m.Name] = true
			if m.Title == "" {
				t.Errorf("mode %q has no title for its `?` header", m.Name)
			}
			if !m.Exec && m != ConfigMode && m.Parent == nil {
				t.Errorf("config sub-mode %q has no parent to fall through to", m.Name)
			}
			for _, c := range m.Commands() {
				if c.Run == nil {
					t.Errorf("mode %q: %q has no handler", m.Name, c.Spec)
				}
			}
		})
	}
}

// TestExamples loads every example startup-config: no line may be
// rejected, and its show running-config must be stable when loaded again.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../examples/*.cfg")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			first := loadClean(t, string(b))
			if second := loadClean(t, first); second != first {
				t.Errorf("show running-config is not stable:\n--- first\n%s\n--- second\n%s", first, second)
			}
		})
	}
}

// loadClean loads text into a fresh system, fails the test on any rejected
// line, and returns the resulting show running-config.
func loadClean(t *testing.T, text string) string {
	t.Helper()
	sys := NewSystem()
	diags, err := Load(sys, strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diags {
		if d.Err != nil {
			t.Errorf("line %d rejected: %q: %v", d.Line, d.Text, d.Err)
		}
	}
	return showRunning(sys)
}
