package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTranscriptConsole runs the appliance with a script on standard input
// (not a terminal): each line is echoed after the prompt, `?` is answered
// without running the line, bare `configure` takes the next line as its
// answer, and `exit` ends the console.
func TestTranscriptConsole(t *testing.T) {
	script := "write ?\nconfigure\n\nhostname EDGE\nend\nexit\nshow running-config\n"
	want := "Router#write ?\n" +
		"  memory  Write to NV memory\n" +
		"  <cr>    <cr>\n\n" +
		"Router#configure\n" +
		"Configuring from terminal, memory, or network [terminal]? \n" +
		"Enter configuration commands, one per line.  End with CNTL/Z.\n" +
		"Router(config)#hostname EDGE\n" +
		"EDGE(config)#end\n" +
		"EDGE#exit\n"
	var stdout, stderr bytes.Buffer
	startup := filepath.Join(t.TempDir(), "startup-config")
	if status := run([]string{"--startup-config", startup}, strings.NewReader(script), &stdout, &stderr); status != 0 {
		t.Fatalf("status %d, stderr:\n%s", status, stderr.String())
	}
	if diff := cmp.Diff(want, stdout.String()); diff != "" {
		t.Errorf("screen (-want +got):\n%s", diff)
	}
}

// appliance runs the flexvpnd binary with a console script on its standard
// input and returns the screen. wrap, if set, is a shell prefix that sets
// limits before exec'ing the binary.
func appliance(t *testing.T, bin, startup, script, wrap string) string {
	t.Helper()
	cmd := exec.Command(bin, "--startup-config", startup)
	if wrap != "" {
		cmd = exec.Command("sh", "-c", wrap+` && exec "$0" "$@"`, bin, "--startup-config", startup)
	}
	cmd.Stdin = strings.NewReader(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("flexvpnd: %v\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("flexvpnd wrote to stderr:\n%s", stderr.String())
	}
	return string(out)
}

// afterLine returns what the screen shows after the echoed line.
func afterLine(t *testing.T, screen, line string) string {
	t.Helper()
	_, after, ok := strings.Cut(screen, line+"\n")
	if !ok {
		t.Fatalf("screen has no line %q:\n%s", line, screen)
	}
	return after
}

// TestStartupConfig checks `write memory` against fresh processes: the
// saved file is loaded at boot and shows the same running-config, and a
// write that fails half-way leaves the old file as it was.
func TestStartupConfig(t *testing.T) {
	bin := buildBinary(t)
	config := "configure terminal\n" +
		"hostname HUB\n" +
		"crypto ikev2 keyring KR\n" +
		" peer ANY\n" +
		"  address 0.0.0.0 0.0.0.0\n" +
		"  pre-shared-key Cisco!123\n" +
		"crypto ikev2 profile PROF\n" +
		" match identity remote any\n" +
		" authentication remote pre-share\n" +
		" authentication local pre-share\n" +
		" keyring local KR\n" +
		"end\n"

	t.Run("write memory then boot", func(t *testing.T) {
		startup := filepath.Join(t.TempDir(), "etc", "startup-config")
		screen := appliance(t, bin, startup, config+"write memory\nshow running-config\n", "")
		if got := afterLine(t, screen, "HUB#write memory"); !strings.HasPrefix(got, "Building configuration...\n[OK]\nHUB#") {
			t.Errorf("write memory printed:\n%s", got)
		}
		before := afterLine(t, screen, "HUB#show running-config")
		after := afterLine(t, appliance(t, bin, startup, "show running-config\n", ""), "HUB#show running-config")
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("show running-config after a reboot (-before +after):\n%s", diff)
		}
		entries, err := os.ReadDir(filepath.Dir(startup))
		if err != nil || len(entries) != 1 {
			t.Errorf("startup-config directory holds %v (%v), want only the file", entries, err)
		}
	})

	t.Run("failed write keeps the old file", func(t *testing.T) {
		dir := t.TempDir()
		startup := filepath.Join(dir, "startup-config")
		old := "hostname OLD\nend\n"
		if err := os.WriteFile(startup, []byte(old), 0o600); err != nil {
			t.Fatal(err)
		}
		// No file may grow past 0 blocks: writing the temporary file fails
		// (EFBIG), as a full disk would, root or not.
		screen := appliance(t, bin, startup, config+"write memory\nshow startup-config\n", "ulimit -f 0")
		got := afterLine(t, screen, "HUB#write memory")
		if !strings.HasPrefix(got, "Building configuration...\n% Error writing startup-config: ") || strings.Contains(got, "[OK]") {
			t.Errorf("write memory printed:\n%s", got)
		}
		if got := afterLine(t, screen, "HUB#show startup-config"); !strings.HasSuffix(got, old) {
			t.Errorf("show startup-config after the failure:\n%s", got)
		}
		b, err := os.ReadFile(startup)
		if err != nil || string(b) != old {
			t.Errorf("startup-config is %q (%v), want the old %q", b, err, old)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("a temporary file was left behind: %v", entries)
		}
	})
}
