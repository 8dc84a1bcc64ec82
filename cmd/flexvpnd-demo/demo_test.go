package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// buildFlexvpnd builds the flexvpnd binary into a temporary directory.
func buildFlexvpnd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "flexvpnd")
	out, err := exec.Command("go", "build", "-o", bin, "../flexvpnd").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// leftovers returns the namespaces named with prefix.
func leftovers(t *testing.T, prefix string) []string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatalf("ip netns list: %v", err)
	}
	var left []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, prefix+"-") {
			left = append(left, l)
		}
	}
	return left
}

// TestDemo runs the whole demo, as `make demo` does, and checks its
// transcript and that it left nothing behind; then again, interrupted
// once the routers run, as by Ctrl-C.
func TestDemo(t *testing.T) {
	if why := unavailable(); why != "" {
		t.Skip(why)
	}
	bin := buildFlexvpnd(t)
	t.Run("complete", func(t *testing.T) {
		prefix := fmt.Sprintf("fxdt-%d", os.Getpid())
		var out bytes.Buffer
		begin := time.Now()
		err := Run(t.Context(), Options{Binary: bin, Configs: "../../examples/demo", Out: &out, Prefix: prefix})
		t.Logf("demo took %v:\n%s", time.Since(begin), out.String())
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"HUB#show crypto ikev2 sa", "198.51.100.1/500      203.0.113.11/500", "198.51.100.1/500      192.0.2.12/500",
			"reply from 10.1.0.10", "reply from 192.168.2.10", "HUB#show crypto ipsec sa interface Tunnel1",
			"removed the namespaces",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("transcript lacks %q", want)
			}
		}
		if n := len(readyRow.FindAllString(out.String(), -1)); n != 2 {
			t.Errorf("the hub shows %d READY IKE SAs, want 2", n)
		}
		if left := leftovers(t, prefix); len(left) > 0 {
			t.Errorf("namespaces left behind: %v", left)
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		prefix := fmt.Sprintf("fxdi-%d", os.Getpid())
		ctx, cancel := context.WithCancel(t.Context())
		w := &cancelOn{text: "Waiting for the tunnels", cancel: cancel}
		err := Run(ctx, Options{Binary: bin, Configs: "../../examples/demo", Out: w, Prefix: prefix})
		if err == nil || ctx.Err() == nil {
			t.Fatalf("Run = %v after the interrupt, want an error:\n%s", err, w.b.String())
		}
		if !strings.Contains(w.b.String(), "removed the namespaces") {
			t.Errorf("no cleanup in the transcript:\n%s", w.b.String())
		}
		if left := leftovers(t, prefix); len(left) > 0 {
			t.Errorf("namespaces left behind: %v", left)
		}
	})
}

// readyRow matches a READY row of show crypto ikev2 sa.
var readyRow = regexp.MustCompile(`(?m)/500 .* READY +$`)

// cancelOn is a writer that cancels a context once text was written.
type cancelOn struct {
	b      bytes.Buffer
	text   string
	cancel func()
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.b.Write(p)
	if strings.Contains(c.b.String(), c.text) {
		c.cancel()
	}
	return len(p), nil
}

func TestUnavailableNames(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("runs as root: the demo is available")
	}
	if why := unavailable(); !strings.Contains(why, "root") {
		t.Errorf("unavailable() = %q, want the root requirement", why)
	}
}

func TestUndoStack(t *testing.T) {
	var u undoStack
	var order []string
	for _, name := range []string{"a", "b", "c"} {
		u.push(name, func() error {
			order = append(order, name)
			if name == "b" {
				return fmt.Errorf("busy")
			}
			return nil
		})
	}
	err := u.run()
	if err == nil || !strings.Contains(err.Error(), "remove b: busy") {
		t.Errorf("run() = %v, want the failure of b", err)
	}
	u.push("late", func() error { order = append(order, "late"); return nil })
	if err := u.run(); err != nil {
		t.Errorf("second run() = %v", err)
	}
	if got, want := strings.Join(order, ","), "c,b,a,late"; got != want {
		t.Errorf("removal order %s, want %s (reverse, then a late step at once)", got, want)
	}
}

func TestICMP(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want uint16
	}{
		// RFC 1071 section 3: the sum of 00 01 f2 03 f4 f5 f6 f7 is ddf2.
		{"rfc1071", []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, ^uint16(0xddf2)},
		{"odd length", []byte{0x01}, ^uint16(0x0100)},
		{"empty", nil, 0xffff},
	}
	for _, tc := range tests {
		if got := checksum(tc.b); got != tc.want {
			t.Errorf("%s: checksum = %#04x, want %#04x", tc.name, got, tc.want)
		}
	}
	req := echoRequest(0x1234, 7)
	if checksum(req) != 0 {
		t.Errorf("echo request does not check: %x", req)
	}
	reply := append([]byte{}, req...)
	reply[0] = 0
	for _, tc := range []struct {
		name    string
		m       []byte
		id, seq int
		want    bool
	}{
		{"reply", reply, 0x1234, 7, true},
		{"request", req, 0x1234, 7, false},
		{"other seq", reply, 0x1234, 8, false},
		{"other id", reply, 0x4321, 7, false},
		{"short", reply[:6], 0x1234, 7, false},
	} {
		if got := isEchoReply(tc.m, tc.id, tc.seq); got != tc.want {
			t.Errorf("%s: isEchoReply = %v, want %v", tc.name, got, tc.want)
		}
	}
}
