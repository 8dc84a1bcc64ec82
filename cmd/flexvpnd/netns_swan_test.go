package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/swanlab"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// swanSuite is one cipher suite of the strongSwan interop table, in IOS
// and in strongSwan terms.
type swanSuite struct {
	name     string
	proposal string // the body of `crypto ikev2 proposal`
	tset     string // the transforms of `crypto ipsec transform-set`
	group    int
	ike, esp string // strongSwan's proposals
	encr, dh string // strongSwan's names of the negotiated algorithms
}

var swanSuites = []swanSuite{
	{"aes-cbc-256/sha256/group14", " encryption aes-cbc-256\n integrity sha256\n group 14\n", "esp-aes 256 esp-sha256-hmac", 14, "aes256-sha256-modp2048", "aes256-sha256", "AES_CBC", "MODP_2048"},
	{"aes-gcm-256/group19", " encryption aes-gcm-256\n prf sha256\n group 19\n", "esp-gcm 256", 19, "aes256gcm16-prfsha256-ecp256", "aes256gcm16", "AES_GCM_16", "ECP_256"},
	{"aes-cbc-256/sha384/group20", " encryption aes-cbc-256\n integrity sha384\n group 20\n", "esp-aes 256 esp-sha384-hmac", 20, "aes256-sha384-ecp384", "aes256-sha384", "AES_CBC", "ECP_384"},
	{"aes-gcm-128/group31", " encryption aes-gcm-128\n prf sha256\n group 31\n", "esp-gcm 128", 31, "aes128gcm16-prfsha256-curve25519", "aes128gcm16", "AES_GCM_16", "CURVE_25519"},
}

// Addresses of the strongSwan interop test: strongSwan's inside address
// (on lo of its namespace) and the FQDN identities.
const (
	swanInside    = "198.19.2.1"
	swanInsideNet = "198.19.2.0"
	swanFQDN      = "swan.flex.lab"
	flexFQDN      = "flex.flex.lab"
	swanPSK       = "Interop!Swan-2024"
)

// swanFlexConfig is the IOS configuration of flexvpnd in the lab's
// namespace A: siteConfig's sVTI to strongSwan with the suite's proposal
// and transform set, a route of strongSwan's inside network into Tunnel0,
// FQDN identities if fqdn, and `responder-only` unless initiator.
func swanFlexConfig(s swanSuite, fqdn, initiator bool) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(siteConfig("FLEX", swanlab.AddrA, swanlab.AddrB, labTunA, swanPSK), "end\n"))
	fmt.Fprintf(&b, "crypto ikev2 proposal P\n%scrypto ikev2 policy POL\n proposal P\n", s.proposal)
	fmt.Fprintf(&b, "crypto ipsec transform-set TS %s\ncrypto ipsec profile IPS\n set transform-set TS\n", s.tset)
	if !initiator {
		b.WriteString(" responder-only\n")
	}
	if fqdn {
		fmt.Fprintf(&b, "crypto ikev2 profile PROF\n match identity remote fqdn %s\n identity local fqdn %s\n", swanFQDN, flexFQDN)
	}
	b.WriteString(tunnelRoute(swanInsideNet) + "end\n")
	return b.String()
}

// testStrongSwan runs flexvpnd (userspace data plane, configured by
// IOS text) against strongSwan with kernel-libipsec, for each suite as
// initiator and as responder, with IP-address and FQDN identities: the
// SA is READY/ESTABLISHED with the suite's algorithms on both sides, ICMP
// echo crosses the tunnel in both directions, and a delete from either
// side (flexvpnd's `clear crypto session` when it initiated, strongSwan's
// terminate when it did) ends the session on both.
func testStrongSwan(t *testing.T, bin string) {
	lab := swanlab.New(t)
	charon := lab.StartCharon(lab.NSB, swanlab.CharonOptions{LogLevel: 1})
	ipCmd(t, "-n", lab.NSB, "addr", "add", swanInside+"/32", "dev", "lo")
	for i, s := range swanSuites {
		for _, initiator := range []bool{true, false} {
			fqdn := (i+btoi(initiator))%2 == 1
			role, ids := "responder", "IP"
			if initiator {
				role = "initiator"
			}
			if fqdn {
				ids = "FQDN"
			}
			t.Run(fmt.Sprintf("%s/%s/%s", s.name, role, ids), func(t *testing.T) {
				swanCase(t, bin, lab, charon, s, fqdn, initiator)
			})
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// swanCase is one row of testStrongSwan.
func swanCase(t *testing.T, bin string, lab *swanlab.Lab, charon *swanlab.Charon, s swanSuite, fqdn, initiator bool) {
	if _, ok := runningconfig.LookupAlgorithm(runningconfig.DHGroups, strconv.Itoa(s.group)); !ok {
		t.Skipf("the IOS CLI has no `group %d` (crypto ikev2 proposal), as the IOS releases it follows", s.group)
	}
	conn := swanlab.Conn{
		Name: "flex", LocalAddrs: swanlab.AddrB, RemoteAddrs: swanlab.AddrA,
		Proposals: []string{s.ike}, LocalID: swanlab.AddrB, RemoteID: swanlab.AddrA, PSK: swanPSK,
		Children: []swanlab.Child{{Name: "net", ESPProposals: []string{s.esp},
			LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"}}},
	}
	if fqdn {
		conn.LocalID, conn.RemoteID = swanFQDN, flexFQDN
	}
	if err := charon.Load(conn); err != nil {
		t.Fatal(err)
	}
	p := runInNetns(t, bin, lab.NSA, swanFlexConfig(s, fqdn, initiator), "--listen", swanlab.AddrA, "--dataplane", "userspace", "--log-level", "info")
	// Cleanups run last in first: strongSwan deletes what is left of the
	// session (often nothing: its error is then moot) while flexvpnd
	// still answers.
	t.Cleanup(func() { _ = charon.Terminate("flex", 2*time.Second) })
	if !initiator {
		if !waitFor(5*time.Second, func() bool { return charon.Initiate("flex", "net", 3*time.Second) == nil }) {
			t.Fatalf("strongSwan cannot initiate to flexvpnd:\n%s", p.out.String())
		}
	}
	sas, err := charon.WaitSAs(15*time.Second, "CHILD SA INSTALLED", func(sas []swanlab.IKESA) bool {
		sa, ok := swanlab.FindIKE(sas, "flex")
		if !ok || sa.State != "ESTABLISHED" {
			return false
		}
		c, ok := sa.Child("net")
		return ok && c.State == "INSTALLED"
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, p.out.String())
	}
	sa, _ := swanlab.FindIKE(sas, "flex")
	if sa.Initiator == initiator || sa.EncrAlg != s.encr || sa.DHGroup != s.dh {
		t.Errorf("strongSwan's IKE SA: initiator %v, %s, %s; want initiator %v, %s, %s", sa.Initiator, sa.EncrAlg, sa.DHGroup, !initiator, s.encr, s.dh)
	}
	p.cli(t, "show crypto ikev2 sa", regexp.MustCompile(fmt.Sprintf(`(?s)READY.*DH Grp:%d,`, s.group)), 5*time.Second)

	if !newPinger(t, lab.NSA, "").until(swanInside, 15) {
		t.Fatalf("flexvpnd's side gets no echo reply from strongSwan's inside address:\n%s", p.out.String())
	}
	if n := newPinger(t, lab.NSB, swanInside).replies(labTunA, 3); n < 2 {
		t.Errorf("strongSwan's side -> flexvpnd's Tunnel0: %d of 3 echo replies", n)
	}

	// A delete from the initiator ends the session on both sides.
	if initiator {
		p.cli(t, "clear crypto session", regexp.MustCompile(`#`), 5*time.Second)
		if _, err := charon.WaitSAs(5*time.Second, "the IKE SA deleted", func(sas []swanlab.IKESA) bool {
			return !slices.ContainsFunc(sas, func(x swanlab.IKESA) bool { return x.InitiatorSPI == sa.InitiatorSPI })
		}); err != nil {
			t.Errorf("after clear crypto session on flexvpnd: %v", err)
		}
		return
	}
	if err := charon.Terminate("flex", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	p.cli(t, "show crypto ikev2 sa", regexp.MustCompile(`IPv4 Crypto IKEv2  SA \s*IPv6`), 5*time.Second)
}
