package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/flexvpnd/flexvpnd/modes"
)

// show runs an exec command at a new privileged session of the appliance.
func (a *testAppliance) show(t *testing.T, cmd string) string {
	t.Helper()
	r := modes.NewSession(a.sys, "console").Exec(cmd)
	if r.Err != nil {
		t.Fatalf("%s: %v", cmd, r.Err)
	}
	return r.Output
}

// TestShowLiveState brings a static VTI up between two appliances and
// checks the rows of the show commands against the running engine, then
// clears the session and sees it come back.
func TestShowLiveState(t *testing.T) {
	ikePort, natPort := testPorts(t)
	a := startAppliance(t, "127.0.0.1", ikePort, natPort, siteConfig("LEFT", "127.0.0.1", "127.0.0.2", "172.31.0.1", "S2S-Secret!2024"))
	startAppliance(t, "127.0.0.2", ikePort, natPort, siteConfig("RIGHT", "127.0.0.2", "127.0.0.1", "172.31.0.2", "S2S-Secret!2024"))
	a.waitUp(t, "LEFT Tunnel0 up", readyOn(1, "Tunnel0"))

	// The local port is the listener's (the test's ports, not 500).
	checks := []struct {
		cmd  string
		want []string // regular expressions, each matching a line
	}{
		{"show crypto ikev2 sa", []string{
			`^ IPv4 Crypto IKEv2  SA $`,
			`^Tunnel-id Local                 Remote                fvrf/ivrf            Status $`,
			`^\d+ +127\.0\.0\.1/\d+ +127\.0\.0\.2/\d+ +none/none            READY  $`,
			`^      Encr: AES-CBC, keysize: 256, PRF: SHA512, Hash: SHA512, DH Grp:19, Auth sign: PSK, Auth verify: PSK$`,
			`^      Life/Active Time: 86400/\d+ sec$`,
			`^ IPv6 Crypto IKEv2  SA $`,
		}},
		{"show crypto ikev2 sa detailed", []string{
			`^      Local id: 127\.0\.0\.1$`,
			`^      Remote id: 127\.0\.0\.2$`,
			`^      Local spi: [0-9A-F]{16}       Remote spi: [0-9A-F]{16}$`,
			`^      NAT-T is not detected  $`,
		}},
		{"show crypto ipsec sa", []string{
			`^interface: Tunnel0$`,
			`^    Crypto map tag: Tunnel0-head-0, local addr 127\.0\.0\.1$`,
			`^   local  ident \(addr/mask/prot/port\): \(0\.0\.0\.0/0\.0\.0\.0/0/0\)$`,
			`^   current_peer 127\.0\.0\.2 port \d+$`,
			`^    #pkts encaps: \d+, #pkts encrypt: \d+, #pkts digest: \d+$`,
			`^      spi: 0x[0-9A-F]+\(\d+\)$`,
			`^        in use settings =\{Tunnel, \}$`,
			`^        Status: ACTIVE\(ACTIVE\)$`,
		}},
		{"show crypto session detail", []string{
			`^Interface: Tunnel0$`,
			`^Profile: PROF$`,
			`^Session status: UP-ACTIVE$`,
			`^  IKEv2 SA: local 127\.0\.0\.1/\d+ remote 127\.0\.0\.2/\d+ Active$`,
			`^  IPSEC FLOW: permit ip 0\.0\.0\.0/0\.0\.0\.0 0\.0\.0\.0/0\.0\.0\.0$`,
		}},
		{"show ip interface brief", []string{
			`^Tunnel0                172\.31\.0\.1      YES manual up                    up      $`,
		}},
	}
	for _, c := range checks {
		out := a.show(t, c.cmd)
		for _, w := range c.want {
			if !regexp.MustCompile(`(?m)` + w).MatchString(out) {
				t.Errorf("%s: no line matches %s in\n%s", c.cmd, w, out)
			}
		}
	}

	first := a.ae.eng.Snapshot().IKESAs[0].LocalSPI
	a.show(t, "clear crypto session remote 127.0.0.2")
	a.waitUp(t, "LEFT back up with a new IKE SA", func(s status.Snapshot) bool {
		return readyOn(1, "Tunnel0")(s) && s.IKESAs[0].LocalSPI != first
	})
	if out := a.show(t, "show crypto session"); !strings.Contains(out, "Session status: UP-ACTIVE") {
		t.Errorf("after clear crypto session:\n%s", out)
	}
}
