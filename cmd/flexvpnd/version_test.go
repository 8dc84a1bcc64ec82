package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildRevision(t *testing.T) {
	tests := []struct {
		name     string
		settings []debug.BuildSetting
		want     string
	}{
		{"none", nil, ""},
		{"clean", []debug.BuildSetting{{Key: "vcs.revision", Value: "f674a82e0123456789abcdef"}, {Key: "vcs.modified", Value: "false"}}, " (f674a82e0123)"},
		{"dirty", []debug.BuildSetting{{Key: "vcs.modified", Value: "true"}, {Key: "vcs.revision", Value: "f674a82"}}, " (f674a82+dirty)"},
		{"modified without revision", []debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}, ""},
	}
	for _, tc := range tests {
		if got := buildRevision(tc.settings); got != tc.want {
			t.Errorf("%s: buildRevision = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--version"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "flexvpnd devel") || !strings.HasSuffix(out.String(), "\n") || strings.Count(out.String(), "\n") != 1 {
		t.Errorf("--version printed %q, want one line flexvpnd devel...", out.String())
	}
}
