package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMakeInstall runs `make install` into a temporary DESTDIR and checks
// the files it installs: the binary (with the version the Makefile gives
// it), the systemd unit pointing at it, and the example configs.
func TestMakeInstall(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
	dest, bin := t.TempDir(), t.TempDir()
	cmd := exec.Command("make", "-C", "../..", "install", "DESTDIR="+dest, "PREFIX=/usr/local", "BIN="+bin, "VERSION=v9.9.9-test")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	var got []string
	filepath.WalkDir(dest, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dest, path)
			got = append(got, rel)
		}
		return err
	})
	examples, _ := filepath.Glob("../../examples/*.cfg")
	demo, _ := filepath.Glob("../../examples/demo/*.cfg")
	want := []string{"usr/local/sbin/flexvpnd", "usr/local/lib/systemd/system/flexvpnd.service"}
	for _, e := range examples {
		want = append(want, "usr/local/share/flexvpnd/examples/"+filepath.Base(e))
	}
	for _, e := range demo {
		want = append(want, "usr/local/share/flexvpnd/examples/demo/"+filepath.Base(e))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || len(demo) != 3 {
		t.Errorf("installed files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	installed := filepath.Join(dest, "usr/local/sbin/flexvpnd")
	out, err := exec.Command(installed, "--version").Output()
	if err != nil || string(out) != "flexvpnd v9.9.9-test\n" {
		t.Errorf("flexvpnd --version = %q, %v; want the Makefile's VERSION", out, err)
	}
	unit, err := os.ReadFile(filepath.Join(dest, "usr/local/lib/systemd/system/flexvpnd.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ExecStart=/usr/local/sbin/flexvpnd --startup-config /var/lib/flexvpnd/startup-config --state-dir /var/lib/flexvpnd --ssh ",
		"StateDirectory=flexvpnd\n", "StandardInput=null\n", "WantedBy=multi-user.target\n",
	} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lacks %q", want)
		}
	}
	verifyUnit(t, unit, installed)
}

// verifyUnit checks the unit with systemd-analyze verify, its ExecStart
// pointed at the binary installed under DESTDIR, when systemd-analyze
// is installed.
func verifyUnit(t *testing.T, unit []byte, binary string) {
	t.Helper()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Log("systemd-analyze not installed: the unit's syntax is not verified")
		return
	}
	path := filepath.Join(t.TempDir(), "flexvpnd.service")
	unit = bytes.ReplaceAll(unit, []byte("/usr/local/sbin/flexvpnd"), []byte(binary))
	if err := os.WriteFile(path, unit, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
