package modes

import (
	"strings"
	"testing"

	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// loadText loads a configuration given as text into a fresh system.
func loadText(t *testing.T, text string) (*System, []Diagnostic) {
	t.Helper()
	sys := NewSystem()
	diags, err := Load(sys, strings.NewReader(text))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return sys, diags
}

// keptText renders the kept blocks as show running-config prints them, in
// slot order (what the test cares about, without the typed objects).
func keptText(sys *System) string {
	var b strings.Builder
	sys.Config(func(c *runningconfig.Config) {
		body := c.Body()
		for _, l := range strings.SplitAfter(body, "\n") {
			for _, k := range c.Kept {
				for _, kl := range k.Lines {
					if strings.TrimSuffix(l, "\n") == kl {
						b.WriteString(l)
						goto next
					}
				}
			}
		next:
		}
	})
	return b.String()
}

// summary lists the diagnostics as "LINE: rejected|not applied".
func summary(diags []Diagnostic) []string {
	var out []string
	for _, d := range diags {
		kind := "not applied"
		if d.Err != nil {
			kind = "rejected: " + strings.SplitN(d.Err.Error(), "\n", 2)[0]
		}
		out = append(out, strings.TrimSpace(strings.Fields(d.Text + " .")[0])+" "+kind)
	}
	return out
}

func TestKeptBlocks(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string
		diags []string
	}{
		{
			name: "router bgp nested, unindented, falls through",
			in: `router bgp 65001
bgp log-neighbor-changes
neighbor 10.0.0.1 remote-as 65002
address-family ipv4
neighbor 10.0.0.1 activate
network 10.1.0.0 mask 255.255.0.0
exit-address-family
ntp server 192.0.2.1
`,
			want: `router bgp 65001
 bgp log-neighbor-changes
 neighbor 10.0.0.1 remote-as 65002
 !
 address-family ipv4
  neighbor 10.0.0.1 activate
  network 10.1.0.0 mask 255.255.0.0
 exit-address-family
ntp server 192.0.2.1
`,
			diags: []string{"router not applied", "ntp not applied"},
		},
		{
			name: "re-entering a block adds no duplicates; abbreviations expand",
			in: `router bgp 1
 neigh 10.0.0.1 remote-as 2
 address-family ipv4
  neighbor 10.0.0.1 activate
router bgp 1
 neighbor 10.0.0.1 remote-as 2
 address-family ipv4
  neighbor 10.0.0.1 activate
  neighbor 10.0.0.1 next-hop-self
`,
			want: `router bgp 1
 neighbor 10.0.0.1 remote-as 2
 !
 address-family ipv4
  neighbor 10.0.0.1 activate
  neighbor 10.0.0.1 next-hop-self
 exit-address-family
`,
			diags: []string{"router not applied"},
		},
		{
			name: "no forms in sub-modes",
			in: `router eigrp NAMED
 address-family ipv4 unicast autonomous-system 1
  af-interface Tunnel0
   no split-horizon
  exit-af-interface
  topology base
  exit-af-topology
  network 10.0.0.0
  network 10.1.0.0
  no network 10.0.0.0
  no topology base
`,
			want: `router eigrp NAMED
 !
 address-family ipv4 unicast autonomous-system 1
  !
  af-interface Tunnel0
   no split-horizon
  exit-af-interface
  network 10.1.0.0
 exit-address-family
`,
			diags: []string{"router not applied"},
		},
		{
			name: "no removes blocks and lines; no platform is kept",
			in: `router ospf 1
 network 10.0.0.0 0.0.0.255 area 0
router rip
 version 2
no router ospf 1
ntp server 192.0.2.1
ntp server 192.0.2.2
no ntp server 192.0.2.1
no platform punt-keepalive disable-kernel-core
`,
			want: `no platform punt-keepalive disable-kernel-core
router rip
 version 2
ntp server 192.0.2.2
`,
			diags: []string{"router not applied", "router not applied", "ntp not applied", "no not applied"},
		},
		{
			name: "header group is ordered and reported once",
			in: `platform console serial
service call-home
version 17.3
boot-start-marker
boot-end-marker
`,
			want: `version 17.3
service call-home
platform console serial
boot-start-marker
boot-end-marker
`,
			diags: []string{"platform not applied", "boot-start-marker not applied"},
		},
		{
			name: "IKEv1 and crypto map",
			in: `crypto isakmp policy 10
 encryption aes 256
 authentication pre-share
crypto isakmp key secret address 0.0.0.0
crypto map CMAP 10
 set peer 192.0.2.1
 set transform-set TS
 match address 101
`,
			want: `crypto isakmp policy 10
 encr aes 256
 authentication pre-share
crypto isakmp key secret address 0.0.0.0
crypto map CMAP 10 ipsec-isakmp 
 set peer 192.0.2.1
 set transform-set TS 
 match address 101
`,
			diags: []string{"crypto not applied", "crypto not applied"},
		},
		{
			name: "route-map defaults, peer-group check",
			in: `route-map RM
 set metric 10
router bgp 1
 neighbor PG remote-as 2
 neighbor PG peer-group
 neighbor PG remote-as 2
`,
			want: `router bgp 1
 neighbor PG peer-group
 neighbor PG remote-as 2
route-map RM permit 10
 set metric 10
`,
			diags: []string{"route-map not applied", "router not applied", "neighbor rejected: % Create the peer-group first"},
		},
		{
			name: "banners: multi-line, ^C and one-line",
			in: `banner motd #
Authorized access only
!not a comment here

#
banner login ^CHello^C
banner exec ^C
Welcome
^C
no banner login
`,
			want: `banner motd ^C
Authorized access only
!not a comment here

^C
banner exec ^C
Welcome
^C
`,
			diags: []string{"banner not applied"},
		},
		{
			name:  "garbage gets the IOS error",
			in:    "router bogus 1\nntp\nversion\n",
			want:  "",
			diags: []string{"router rejected: % Invalid input detected at '^' marker.", "ntp rejected: % Incomplete command.", "version rejected: % Incomplete command."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys, diags := loadText(t, tt.in)
			if got := keptText(sys); got != tt.want {
				t.Errorf("kept blocks:\n%s\nwant:\n%s", got, tt.want)
			}
			if got := strings.Join(summary(diags), "\n"); got != strings.Join(tt.diags, "\n") {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got, strings.Join(tt.diags, "\n"))
			}
			// Loading the rendering again gives the same configuration.
			var first string
			sys.Config(func(c *runningconfig.Config) { first = c.ShowRunning() })
			again, _ := loadText(t, first)
			var second string
			again.Config(func(c *runningconfig.Config) { second = c.ShowRunning() })
			if first != second {
				t.Errorf("reload of show running-config differs:\n%s\nthen:\n%s", first, second)
			}
		})
	}
}

func TestKeptModesValidate(t *testing.T) {
	for _, m := range AllModes {
		if err := m.Validate(); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// TestKeptSession drives kept sub-modes as the console does: prompts,
// `?`, nested modes, exact keywords of parent modes, `end`.
func TestKeptSession(t *testing.T) {
	s := NewSession(NewSystem(), "test")
	s.EnterConfig()
	steps := []struct {
		line   string
		prompt string // prompt after the line
	}{
		{"router ospf 1", "Router(config-router)#"},
		{"router-id 1.1.1.1", "Router(config-router)#"},
		{"router bgp 65000", "Router(config-router)#"},
		{"address-family ipv4 vrf A", "Router(config-router-af)#"},
		{"exit", "Router(config-router)#"},
		{"address-family ipv6", "Router(config-router-af)#"},
		{"exit-address-family", "Router(config-router)#"},
		{"crypto isakmp policy 10", "Router(config-isakmp)#"},
		{"crypto map M 10", "Router(config-crypto-map)#"},
		{"end", "Router#"},
	}
	for _, st := range steps {
		if r := s.Exec(st.line); r.Err != nil {
			t.Fatalf("%q: %v", st.line, r.Err)
		}
		if got := s.Prompt(); got != st.prompt {
			t.Errorf("after %q: prompt %q, want %q", st.line, got, st.prompt)
		}
	}
	var ospf, bgp []string
	s.Sys.Config(func(c *runningconfig.Config) {
		for _, k := range c.Kept {
			switch k.Family {
			case "router-ospf":
				ospf = k.Lines
			case "router-bgp":
				bgp = k.Lines
			}
		}
	})
	if strings.Join(ospf, "|") != "router ospf 1| router-id 1.1.1.1" {
		t.Errorf("ospf block %q", ospf)
	}
	if want := "router bgp 65000| !| address-family ipv4 vrf A| exit-address-family| !| address-family ipv6| exit-address-family"; strings.Join(bgp, "|") != want {
		t.Errorf("bgp block %q, want %q", strings.Join(bgp, "|"), want)
	}
	s.EnterConfig()
	s.Exec("router bgp 65000")
	help := s.Help("")
	for _, want := range []string{"Router configuration commands:\n", "  neighbor ", "  address-family "} {
		if !strings.Contains(help, want) {
			t.Errorf("? in router mode lacks %q:\n%s", want, help)
		}
	}
}
