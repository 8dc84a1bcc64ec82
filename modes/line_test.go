package modes

import (
	"testing"

	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

func TestLines(t *testing.T) {
	const linep = "Router(config-line)#"
	runCLICases(t, []cliCase{
		{
			name: "corpus 04 blocks round-trip",
			lines: []string{"line con 0", " stopbits 1", "line vty 0", " login", "line vty 1", " login", " length 0",
				"line vty 2 4", " login"},
			section: "^line",
			want:    "line con 0\n stopbits 1\nline vty 0\n login\nline vty 1\n login\n length 0\nline vty 2 4\n login\n",
		},
		{
			name:    "identical consecutive lines share a block, vty 5 starts a new one",
			lines:   []string{"line vty 0 15", "login local", "transport input ssh", "line vty 16 20", "login local", "transport input ssh"},
			section: "^line",
			want:    "line vty 0 4\n login local\n transport input ssh\nline vty 5 20\n login local\n transport input ssh\n",
		},
		{
			name: "settings in IOS order, defaults hidden",
			lines: []string{"line con 0", "transport output none", "logging synchronous", "exec-timeout 0 0", "privilege level 15",
				"password 7 0822455D0A16", "session-timeout 30", "transport preferred none", "line aux 0", "exec-timeout 10", "privilege level 1",
				"line vty 0 4", "access-class 10 in vrf-also", "exec-timeout 5", "transport input telnet ssh", "login authentication SSH-DUO",
				"width 132", "history size 50", "escape-character 3"},
			section: "^line",
			want: "line con 0\n session-timeout 30\n exec-timeout 0 0\n privilege level 15\n password 7 0822455D0A16\n logging synchronous\n" +
				" transport preferred none\n transport output none\nline aux 0\nline vty 0 4\n access-class 10 in vrf-also\n exec-timeout 5 0\n" +
				" login authentication SSH-DUO\n history size 50\n width 132\n transport input telnet ssh\n escape-character 3\n",
		},
		{
			name: "no forms split a block",
			lines: []string{"line vty 0 4", "login", "length 0", "stopbits 1", "line vty 2", "no login", "no length", "no stopbits",
				"line vty 0 4", "exec-timeout 3 30", "no exec-timeout", "privilege level 7", "no privilege level", "transport input all", "no transport input"},
			section: "^line",
			want:    "line vty 0 1\n login\n length 0\n stopbits 1\nline vty 2\nline vty 3 4\n login\n length 0\n stopbits 1\n",
		},
		{
			name:    "rejections",
			lines:   []string{"line vty 4 2", "line con 1", "line vty 0 4", "exec-timeout 35792", "transport input ftp"},
			section: "^line",
			out: msgAt(cfgp, "line vty 4 2", "%Invalid line range") + invalidAt(cfgp, "line con 1", "1") +
				invalidAt(linep, "exec-timeout 35792", "35792") + invalidAt(linep, "transport input ftp", "ftp"),
			want: "line vty 0 4\n",
		},
		{
			name:    "no line removes lines",
			lines:   []string{"line vty 0 15", "no line vty 5 15"},
			section: "^line",
			want:    "line vty 0 4\n",
		},
	})
}

// TestLineTypedSettings checks the typed settings the SSH server reads.
func TestLineTypedSettings(t *testing.T) {
	sys, out := typeLines([]string{"line vty 0 4", "login local", "transport input ssh", "exec-timeout 5 30", "privilege level 15"})
	if out != "" {
		t.Fatalf("output: %q", out)
	}
	sys.Config(func(c *runningconfig.Config) {
		l, ok := c.Lines.Get(runningconfig.LineKey("vty", 3))
		if !ok {
			t.Fatal("vty 3 not created")
		}
		if !l.LoginLocal() || l.TransportInput != "ssh" || *l.ExecTimeout != [2]int{5, 30} || *l.Privilege != 15 {
			t.Errorf("vty 3 = %+v", l)
		}
	})
}
