package modes

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// diagLine describes a diagnostic for comparison: line number, prompt and
// outcome.
func diagLine(d Diagnostic) string {
	var pe *parser.Error
	switch {
	case errors.As(d.Err, &pe):
		return fmt.Sprintf("%03d %s rejected at %03d %s", d.Line, d.Prompt, pe.Pos, pe.Error())
	case d.Err != nil:
		return fmt.Sprintf("%03d %s rejected %v", d.Line, d.Prompt, d.Err)
	}
	return fmt.Sprintf("%03d %s not applied: %s", d.Line, d.Prompt, d.NotApplied)
}

func TestLoadPaste(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		hostname string
		diags    []string
	}{
		{
			name: "show running-config capture with prompt echo and headers",
			in: "HUB#sh run\n" +
				"Building configuration...\n" +
				"\n" +
				"Current configuration : 120 bytes\n" +
				"!\n" +
				"! Last configuration change at 17:37:09 UTC Tue Mar 27 2018\n" +
				"!\n" +
				"hostname HUB\n" +
				"     \n" +
				"!comment without a space\n" +
				"end\n",
			hostname: "HUB",
			diags:    []string{"001 Router(config)# not applied: " + notAppliedTranscript},
		},
		{
			name: "exit at global level stays in configuration mode",
			in: "hostname A\n" +
				"exit\n" +
				"hostname B\n",
			hostname: "B",
		},
		{
			name: "after end: exec commands, configure terminal, garbage",
			in: "hostname A\n" +
				"end\n" +
				"!\n" +
				"wr mem\n" +
				"hostname X\n" +
				"config t\n" +
				"hostname C\n",
			hostname: "C",
			diags: []string{
				"004 A# not applied: " + notAppliedExec,
				"005 A# rejected at 000 % Invalid input detected at '^' marker.",
			},
		},
		{
			name: "exec command in configuration mode is rejected; the rest goes on",
			in: "wr mem\n" +
				"hostname D\n",
			hostname: "D",
			diags:    []string{"001 Router(config)# rejected at 000 % Invalid input detected at '^' marker."},
		},
		{
			name: "configuration prompt echo runs the command, caret counts the prompt",
			in: "R1(config)#hostname E\n" +
				"E(config)#$m-set X esp-aes\n",
			hostname: "E",
			diags:    []string{"002 E(config)# rejected at 010 % Invalid input detected at '^' marker."},
		},
		{
			name: "a banner swallows comment and prompt-like lines",
			in: "banner motd #\n" +
				"R1>not a prompt\n" +
				"!\n" +
				"#\n" +
				"hostname F\n",
			hostname: "F",
			diags:    []string{"001 Router(config)# not applied: " + reasonBanner},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys, diags := loadText(t, tt.in)
			var got []string
			for _, d := range diags {
				got = append(got, diagLine(d))
			}
			if strings.Join(got, "\n") != strings.Join(tt.diags, "\n") {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.diags, "\n"))
			}
			var host string
			sys.Config(func(c *runningconfig.Config) { host = c.Hostname })
			if host != tt.hostname {
				t.Errorf("hostname %q, want %q", host, tt.hostname)
			}
		})
	}
}

func TestIsCaptureHeader(t *testing.T) {
	for line, want := range map[string]bool{
		"Building configuration...":          true,
		"Current configuration : 2961 bytes": true,
		"Current configuration : 160 bytes ": true,
		"Using 1234 out of 33554432 bytes":   true,
		"Derived configuration : 261 bytes":  true,
		"Building configuration":             false,
		"hostname Building":                  false,
	} {
		if got := IsCaptureHeader(line); got != want {
			t.Errorf("IsCaptureHeader(%q) = %v, want %v", line, got, want)
		}
	}
}
