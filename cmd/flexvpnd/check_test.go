package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// update rewrites the golden files under testdata/ instead of comparing.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// checkDir holds the hand-written check inputs (*.cfg) and their golden
// outputs (*.out).
const checkDir = "../../testdata/check"

// golden compares got with the golden file (or rewrites it with -update).
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestCheckGolden runs `flexvpnd check --show-running` on each input of
// testdata/check and compares its output and exit status with the golden
// file.
func TestCheckGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join(checkDir, "*.cfg"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs in %s: %v", checkDir, err)
	}
	abs, err := filepath.Abs(checkDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(abs)
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			status := run([]string{"check", "--show-running", name}, nil, &out, &errOut)
			got := fmt.Sprintf("%s%sexit status %d\n", out.String(), errOut.String(), status)
			golden(t, strings.TrimSuffix(name, ".cfg")+".out", got)
		})
	}
}

// TestCheckExitStatus checks the exit statuses: 0 nothing rejected, 1 a
// line rejected, 2 bad usage or unreadable input (other files still
// checked).
func TestCheckExitStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := write("clean.cfg", "hostname A\n!\nntp server 192.0.2.1\nend\n")
	bad := write("bad.cfg", "hostname A\nhostname\n")
	missing := filepath.Join(dir, "missing.cfg")
	tests := []struct {
		name    string
		args    []string
		want    int
		wantOut string
	}{
		{"no files", nil, 2, ""},
		{"bad flag", []string{"--bogus", clean}, 2, ""},
		{"clean", []string{clean}, 0, clean + ":3: % Not applied: time synchronisation is left to the host\n"},
		{"rejected", []string{bad}, 1, bad + ":2: hostname\n% Incomplete command.\n"},
		{"missing", []string{missing}, 2, ""},
		{"directory", []string{dir}, 2, ""},
		{"missing and rejected", []string{missing, bad}, 2, bad + ":2: hostname\n% Incomplete command.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if got := runCheck(tt.args, &out, &errOut); got != tt.want {
				t.Errorf("status %d, want %d (stderr %q)", got, tt.want, errOut.String())
			}
			if out.String() != tt.wantOut {
				t.Errorf("stdout:\n%s\nwant:\n%s", out.String(), tt.wantOut)
			}
			if tt.want == 2 && errOut.Len() == 0 {
				t.Error("status 2 without a message on stderr")
			}
		})
	}
}
