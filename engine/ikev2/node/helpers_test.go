package node

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

func encr(id wire.EncrID, bits uint16) ike.Transform {
	return ike.Transform{Type: wire.TransformENCR, ID: uint16(id), KeyBits: bits}
}

func prf(id wire.PRFID) ike.Transform {
	return ike.Transform{Type: wire.TransformPRF, ID: uint16(id)}
}

func integ(id wire.IntegID) ike.Transform {
	return ike.Transform{Type: wire.TransformINTEG, ID: uint16(id)}
}

func dh(g wire.DHGroup) ike.Transform {
	return ike.Transform{Type: wire.TransformDH, ID: uint16(g)}
}

var esnNo = ike.Transform{Type: wire.TransformESN, ID: uint16(wire.ESNNo)}

// suite is an IKE proposal, the matching ESP proposal, and their names in
// strongSwan's proposal syntax and in swanctl --list-sas.
type suite struct {
	name     string
	ike, esp ike.Proposal
	swanIKE  string
	swanESP  string
	// swanESPSelected is how charon logs the selected ESP proposal.
	swanESPSelected string
	swanEncr        string
	swanInteg       string
	swanDH          string
	espEncr         uint16
	espKeyBits      int
}

var (
	suiteGCM = suite{
		name:    "aes256gcm16-prfsha256-ecp256",
		ike:     ike.Proposal{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHECP256)},
		esp:     ike.Proposal{encr(wire.EncrAESGCM16, 256), esnNo},
		swanIKE: "aes256gcm16-prfsha256-ecp256", swanESP: "aes256gcm16", swanESPSelected: "AES_GCM_16_256/NO_EXT_SEQ",
		swanEncr: "AES_GCM_16", swanDH: "ECP_256",
		espEncr: uint16(wire.EncrAESGCM16), espKeyBits: 256,
	}
	suiteCBC = suite{
		name:    "aes256-sha256-modp2048",
		ike:     ike.Proposal{encr(wire.EncrAESCBC, 256), integ(wire.IntegHMACSHA2256128), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)},
		esp:     ike.Proposal{encr(wire.EncrAESCBC, 256), integ(wire.IntegHMACSHA2256128), esnNo},
		swanIKE: "aes256-sha256-modp2048", swanESP: "aes256-sha256", swanESPSelected: "AES_CBC_256/HMAC_SHA2_256_128/NO_EXT_SEQ",
		swanEncr: "AES_CBC", swanInteg: "HMAC_SHA2_256_128", swanDH: "MODP_2048",
		espEncr: uint16(wire.EncrAESCBC), espKeyBits: 256,
	}
	suiteX25519 = suite{
		name:    "aes256gcm16-prfsha256-curve25519",
		ike:     ike.Proposal{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHCurve25519)},
		esp:     ike.Proposal{encr(wire.EncrAESGCM16, 256), esnNo},
		swanIKE: "aes256gcm16-prfsha256-curve25519", swanESP: "aes256gcm16", swanESPSelected: "AES_GCM_16_256/NO_EXT_SEQ",
		swanEncr: "AES_GCM_16", swanDH: "CURVE_25519",
		espEncr: uint16(wire.EncrAESGCM16), espKeyBits: 256,
	}
)

// ikeConfig returns an SA configuration with any/any selectors.
func ikeConfig(s suite, local, remote netip.AddrPort, localID, remoteID ike.Identity, localPSK, remotePSK string) ike.Config {
	anyTS := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	return ike.Config{
		Local: local, Remote: remote,
		LocalID: localID, RemoteID: remoteID,
		LocalPSK: []byte(localPSK), RemotePSK: []byte(remotePSK),
		Proposals: []ike.Proposal{s.ike},
		Child:     ike.ChildConfig{Proposals: []ike.Proposal{s.esp}, LocalTS: anyTS, RemoteTS: anyTS, TunnelID: 1},
		// Fail fast: a lost exchange should not outlive the test.
		Retransmit: ike.Retransmit{Timeout: time.Second, Base: 1.5, Tries: 3},
	}
}

// startNode starts a node on addr with ephemeral ports and a recording
// data plane, closed by t.Cleanup.
func startNode(t *testing.T, addr netip.Addr) (*Node, *recording.Dataplane) {
	t.Helper()
	dp := &recording.Dataplane{}
	n, err := Start(context.Background(), Config{Addrs: []netip.Addr{addr}, Dataplane: dp, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return n, dp
}

// ikeEndpoint returns the node's IKE (port 500 role) socket.
func ikeEndpoint(t testing.TB, n *Node) netip.AddrPort {
	t.Helper()
	for _, e := range n.Endpoints() {
		if !e.NATT {
			return e.Addr
		}
	}
	t.Fatal("node has no IKE socket")
	return netip.AddrPort{}
}

// waitSAs polls n.Status until ok accepts it or timeout elapses.
func waitSAs(t *testing.T, n *Node, timeout time.Duration, what string, ok func([]SAStatus) bool) []SAStatus {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st, err := n.Status()
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; status: %+v", timeout, what, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settled reports whether there is exactly one SA and it is established
// or failed.
func settled(st []SAStatus) bool {
	return len(st) == 1 && (st[0].State == ike.StateEstablished || st[0].State == ike.StateFailed)
}
