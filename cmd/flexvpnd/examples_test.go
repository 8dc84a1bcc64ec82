package main

import (
	"bytes"
	"path/filepath"
	"testing"
)

// TestExamplesCheck runs `flexvpnd check` on every example configuration
// (the demo's too): each line is accepted, and the configuration compiles
// without warnings, so everything in it reaches the engine.
func TestExamplesCheck(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.cfg")
	if err != nil {
		t.Fatal(err)
	}
	demo, err := filepath.Glob("../../examples/demo/*.cfg")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, demo...)
	if len(files) < 7 {
		t.Fatalf("only %d example configs: %v", len(files), files)
	}
	for _, path := range files {
		name, _ := filepath.Rel("../../examples", path)
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := runCheck([]string{path}, &out, &errOut); code != 0 {
				t.Errorf("flexvpnd check %s: exit %d\n%s%s", name, code, out.String(), errOut.String())
			}
			if _, ws := compileFile(t, path); len(ws) != 0 {
				t.Errorf("compile warnings: %v", ws)
			}
		})
	}
}
