package swanlab

import (
	"errors"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	psk        = "swanlab self-test key"
	idA        = AddrA       // ID_IPV4_ADDR
	idB        = "b.swanlab" // ID_FQDN
	childRekey = 20 * time.Minute
	childLife  = 30 * time.Minute
	ikeRekey   = time.Hour
	saTimeout  = 5 * time.Second
)

// pair returns the two ends of one site-to-site connection: A (IP
// identity, responder) and B (FQDN identity, initiator).
func pair(ike, esp, pskB string) (a, b Conn) {
	child := Child{
		Name: "net", ESPProposals: []string{esp},
		LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"},
		StartAction: "none", RekeyTime: childRekey, LifeTime: childLife,
	}
	a = Conn{
		Name: "s2s", LocalAddrs: AddrA, RemoteAddrs: AddrB, Proposals: []string{ike},
		LocalID: idA, RemoteID: idB, PSK: psk, RekeyTime: ikeRekey, Children: []Child{child},
	}
	b = a
	b.LocalAddrs, b.RemoteAddrs, b.LocalID, b.RemoteID, b.PSK = AddrB, AddrA, idB, idA, pskB
	return a, b
}

// TestEstablish runs two real charons, one per namespace, and checks that
// each proposal pair gives an IKE_SA and a CHILD_SA that both sides report
// alike, and that terminating removes them on both sides. Afterwards the
// lab must have removed its namespaces and processes.
func TestEstablish(t *testing.T) {
	start := time.Now()
	tests := []struct {
		name, ike, esp     string
		encr, integ, group string
		childEncr          string
	}{
		{"gcm-ecp256", "aes256gcm16-prfsha256-ecp256", "aes256gcm16", "AES_GCM_16", "", "ECP_256", "AES_GCM_16"},
		{"cbc-modp2048", "aes256-sha256-modp2048", "aes256-sha256", "AES_CBC", "HMAC_SHA2_256_128", "MODP_2048", "AES_CBC"},
		{"cbc-ecp384", "aes256-sha384-ecp384", "aes256gcm16-ecp384", "AES_CBC", "HMAC_SHA2_384_192", "ECP_384", "AES_GCM_16"},
		{"gcm-curve25519", "aes256gcm16-prfsha256-curve25519", "aes256gcm16", "AES_GCM_16", "", "CURVE_25519", "AES_GCM_16"},
	}
	var namespaces []string
	var pids []int
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(t)
			namespaces = append(namespaces, l.NSA, l.NSB)
			t0 := time.Now()
			a := l.StartCharon(l.NSA, CharonOptions{})
			b := l.StartCharon(l.NSB, CharonOptions{})
			pids = append(pids, a.PID(), b.PID())
			ca, cb := pair(tt.ike, tt.esp, psk)
			if err := a.Load(ca); err != nil {
				t.Fatal(err)
			}
			if err := b.Load(cb); err != nil {
				t.Fatal(err)
			}
			t1 := time.Now()
			if err := b.Initiate("s2s", "net", saTimeout); err != nil {
				t.Fatal(err)
			}
			t2 := time.Now()
			established := func(sas []IKESA) bool {
				s, ok := FindIKE(sas, "s2s")
				c, cok := s.Child("net")
				return ok && cok && s.State == "ESTABLISHED" && c.State == "INSTALLED"
			}
			sasA, err := a.WaitSAs(saTimeout, "ESTABLISHED/INSTALLED s2s", established)
			if err != nil {
				t.Fatal(err)
			}
			sasB, err := b.WaitSAs(saTimeout, "ESTABLISHED/INSTALLED s2s", established)
			if err != nil {
				t.Fatal(err)
			}
			checkPair(t, sasA[0], sasB[0], tt.encr, tt.integ, tt.group, tt.childEncr)
			// kernel-libipsec routes 0.0.0.0/0 into its TUN device, in
			// table 220, and nothing of it leaks out of the namespace.
			routes, err := l.Exec(l.NSB, "ip", "route", "show", "table", "220")
			if err != nil || !strings.Contains(routes, "default dev ipsec0") {
				t.Errorf("table 220 in %s: %q, %v; want a default route via ipsec0", l.NSB, routes, err)
			}
			t3 := time.Now()
			if err := b.Terminate("s2s", saTimeout); err != nil {
				t.Fatal(err)
			}
			gone := func(sas []IKESA) bool { return len(sas) == 0 }
			for _, c := range []*Charon{a, b} {
				if _, err := c.WaitSAs(saTimeout, "empty SA list", gone); err != nil {
					t.Fatal(err)
				}
			}
			t4 := time.Now()
			t.Logf("timing: lab+charons %v, IKE_SA_INIT+IKE_AUTH (swanctl --initiate) %v, terminate+both empty %v",
				t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond), t4.Sub(t3).Round(time.Millisecond))
		})
	}
	t.Run("wrong-psk", func(t *testing.T) {
		l := New(t)
		namespaces = append(namespaces, l.NSA, l.NSB)
		a := l.StartCharon(l.NSA, CharonOptions{})
		b := l.StartCharon(l.NSB, CharonOptions{})
		pids = append(pids, a.PID(), b.PID())
		ca, cb := pair("aes256gcm16-prfsha256-ecp256", "aes256gcm16", "not the key")
		if err := a.Load(ca); err != nil {
			t.Fatal(err)
		}
		if err := b.Load(cb); err != nil {
			t.Fatal(err)
		}
		if err := b.Initiate("s2s", "net", saTimeout); err == nil {
			t.Fatal("Initiate with a wrong PSK succeeded")
		}
		if sas, err := a.ListSAs(); err != nil || len(sas) != 0 {
			t.Errorf("responder after failed auth: SAs %+v, err %v; want none", sas, err)
		}
	})
	checkCleanedUp(t, namespaces, pids)
	// Logged, not asserted: wall time on a shared machine is no test.
	t.Logf("timing: whole self-test %v", time.Since(start).Round(time.Millisecond))
}

// checkPair compares the responder's (a) and initiator's (b) view of the
// same SAs.
func checkPair(t *testing.T, a, b IKESA, encr, integ, group, childEncr string) {
	t.Helper()
	if a.Initiator || !b.Initiator {
		t.Errorf("initiator flags: A %v, B %v; want false, true", a.Initiator, b.Initiator)
	}
	if a.InitiatorSPI != b.InitiatorSPI || a.ResponderSPI != b.ResponderSPI || a.InitiatorSPI == 0 || a.ResponderSPI == 0 {
		t.Errorf("IKE SPIs differ: A %x/%x, B %x/%x", a.InitiatorSPI, a.ResponderSPI, b.InitiatorSPI, b.ResponderSPI)
	}
	for _, s := range []IKESA{a, b} {
		if s.Version != 2 || s.EncrAlg != encr || s.EncrKeysize != 256 || s.IntegAlg != integ || s.DHGroup != group {
			t.Errorf("IKE_SA %s: v%d %s-%d/%s/%s, want v2 %s-256/%s/%s",
				s.LocalID, s.Version, s.EncrAlg, s.EncrKeysize, s.IntegAlg, s.DHGroup, encr, integ, group)
		}
		if s.RekeyTime <= 0 || s.RekeyTime > ikeRekey {
			t.Errorf("IKE_SA %s: rekey in %v, want within (0, %v]", s.LocalID, s.RekeyTime, ikeRekey)
		}
		// kernel-libipsec forces ESP-in-UDP: both sides float to 4500.
		if s.LocalPort != 4500 || s.RemotePort != 4500 {
			t.Errorf("IKE_SA %s: ports %d/%d, want 4500/4500", s.LocalID, s.LocalPort, s.RemotePort)
		}
	}
	if a.LocalID != idA || a.RemoteID != idB || b.LocalID != idB || b.RemoteID != idA {
		t.Errorf("identities: A %s/%s, B %s/%s", a.LocalID, a.RemoteID, b.LocalID, b.RemoteID)
	}
	ca, _ := a.Child("net")
	cb, _ := b.Child("net")
	if ca.SPIIn != cb.SPIOut || ca.SPIOut != cb.SPIIn || ca.SPIIn == 0 || ca.SPIOut == 0 {
		t.Errorf("ESP SPIs do not mirror: A in %x out %x, B in %x out %x", ca.SPIIn, ca.SPIOut, cb.SPIIn, cb.SPIOut)
	}
	for _, c := range []ChildSA{ca, cb} {
		if c.Mode != "TUNNEL" || c.Protocol != "ESP" || !c.Encap || c.EncrAlg != childEncr {
			t.Errorf("CHILD_SA: %s %s encap=%v %s, want TUNNEL ESP encap=true %s", c.Mode, c.Protocol, c.Encap, c.EncrAlg, childEncr)
		}
		if c.LifeTime <= 0 || c.LifeTime > childLife || c.RekeyTime <= 0 || c.RekeyTime > childRekey {
			t.Errorf("CHILD_SA: rekey in %v, expiry in %v; want within %v and %v", c.RekeyTime, c.LifeTime, childRekey, childLife)
		}
		want := []string{"0.0.0.0/0"}
		if !slices.Equal(c.LocalTS, want) || !slices.Equal(c.RemoteTS, want) {
			t.Errorf("CHILD_SA TS %v === %v, want %v === %v", c.LocalTS, c.RemoteTS, want, want)
		}
	}
}

// checkCleanedUp verifies that the subtests' cleanups removed their
// namespaces and stopped their charons.
func checkCleanedUp(t *testing.T, namespaces []string, pids []int) {
	t.Helper()
	out, err := run("ip", "netns", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range namespaces {
		if strings.Contains(out, ns) {
			t.Errorf("namespace %s left behind", ns)
		}
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("charon %d still exists after cleanup (kill 0: %v)", pid, err)
		}
	}
}

func TestRender(t *testing.T) {
	a, _ := pair("aes256-sha256-modp2048", "aes256gcm16-ecp256", psk)
	a.Proposals = append(a.Proposals, "aes256gcm16-prfsha256-curve25519")
	got := Render(a)
	for _, want := range []string{
		"  s2s {\n    version = 2\n    local_addrs = 198.18.0.1\n    remote_addrs = 198.18.0.2\n",
		"    proposals = aes256-sha256-modp2048,aes256gcm16-prfsha256-curve25519\n    rekey_time = 3600s\n",
		"    local {\n      auth = psk\n      id = 198.18.0.1\n    }\n    remote {\n      auth = psk\n      id = b.swanlab\n    }\n",
		"      net {\n        mode = tunnel\n        esp_proposals = aes256gcm16-ecp256\n        local_ts = 0.0.0.0/0\n" +
			"        remote_ts = 0.0.0.0/0\n        start_action = none\n        rekey_time = 1200s\n        life_time = 1800s\n      }\n",
		"  ike-s2s {\n    id-local = 198.18.0.1\n    id-remote = b.swanlab\n    secret = \"swanlab self-test key\"\n  }\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Render lacks\n%s\nin\n%s", want, got)
		}
	}
	if strings.Contains(got, "reauth_time") {
		t.Errorf("Render wrote an unset reauth_time:\n%s", got)
	}
}
