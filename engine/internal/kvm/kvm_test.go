package kvm

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestModuleClosure(t *testing.T) {
	dir := t.TempDir()
	dep := "kernel/a.ko: kernel/b.ko kernel/c-d.ko\nkernel/b.ko: kernel/c-d.ko\nkernel/c-d.ko:\nkernel/e.ko:\n"
	if err := os.WriteFile(filepath.Join(dir, "modules.dep"), []byte(dep), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "modules.builtin"), []byte("kernel/f.ko\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		want    []string
		got     []string
		wantErr bool
	}{
		{want: []string{"a"}, got: []string{"c-d", "b", "a"}},
		{want: []string{"c_d", "e", "b"}, got: []string{"c-d", "e", "b"}},
		{want: []string{"f", "e"}, got: []string{"e"}},
		{want: []string{"nope"}, wantErr: true},
	}
	for _, tt := range tests {
		paths, err := moduleClosure(dir, tt.want)
		if (err != nil) != tt.wantErr {
			t.Errorf("moduleClosure(%v) error = %v, want error %v", tt.want, err, tt.wantErr)
			continue
		}
		var got []string
		for _, p := range paths {
			got = append(got, strings.TrimSuffix(filepath.Base(p), ".ko"))
		}
		if strings.Join(got, " ") != strings.Join(tt.got, " ") {
			t.Errorf("moduleClosure(%v) = %v, want %v", tt.want, got, tt.got)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":           "''",
		"a b":        "'a b'",
		"it's":       `'it'\''s'`,
		"K=$(x) `y`": "'K=$(x) `y`'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestCPIOReadable checks the archive with busybox's cpio applet, an
// independent reader of the newc format.
func TestCPIOReadable(t *testing.T) {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	path := filepath.Join(t.TempDir(), "a.cpio")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	c := newCPIOWriter(f)
	c.Dir("d")
	c.File("d/f", 0o644, []byte("hello"))
	c.Symlink("d/l", "f")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command(bb, "cpio", "-t", "-F", path).Output()
	if err != nil {
		t.Fatalf("busybox cpio -t: %v\n%s", err, out)
	}
	if got, want := strings.Fields(string(out)), []string{"d", "d/f", "d/l"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("listing = %v, want %v", got, want)
	}
	dir := t.TempDir()
	cmd := exec.Command(bb, "cpio", "-i", "-d", "-F", path)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("busybox cpio -i: %v\n%s", err, out)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "d/l")); err != nil || string(data) != "hello" {
		t.Errorf("extracted d/l = %q, %v; want hello", data, err)
	}
}

// TestRunExitStatus boots the machine with a small payload and checks that
// arguments, environment, output and exit status cross the boundary.
func TestRunExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a VM")
	}
	bin := filepath.Join(t.TempDir(), "exitwith")
	build := exec.Command("go", "build", "-o", bin, "./testdata/exitwith")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build payload: %v\n%s", err, out)
	}
	res := Run(t, Payload{Binary: bin, Args: []string{"3", "a b", "it's"}, Env: []string{"KVM_GREETING=hi there"}})
	t.Logf("accel %s, boot %v, total %v", res.Accel, res.Boot, res.Total)
	if res.ExitCode != 3 {
		t.Errorf("exit code = %d, want 3", res.ExitCode)
	}
	if want := `args=["3" "a b" "it's"] greeting="hi there"`; !strings.Contains(res.Output, want) {
		t.Errorf("output = %q, want it to contain %q", res.Output, want)
	}
}
