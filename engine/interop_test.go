package engine

import (
	"net/netip"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/netns"
	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/flexvpnd/flexvpnd/engine/swanlab"
)

// newEngineIn starts an engine whose sockets belong to network namespace
// ns: New runs on a locked OS thread switched into ns and back. The engine
// is closed by t.Cleanup.
func newEngineIn(t *testing.T, ns string, cfg Config) *Engine {
	t.Helper()
	var e *Engine
	err := netns.Do(ns, func() error {
		var err error
		e, err = New(cfg)
		return err
	})
	if e != nil {
		t.Cleanup(func() {
			if err := e.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("start engine in %s: %v", ns, err)
	}
	return e
}

// TestInteropStrongSwan runs the engine in namespace A against
// strongSwan's charon in namespace B, with the specs the IOS configuration
// of a hub (`match identity remote address`, `virtual-template 1`) and of
// a site-to-site sVTI compile to: strongSwan as a spoke initiating to the
// hub gets Virtual-Access1, and the sVTI initiates to strongSwan on its
// own. Both sides see the IKE SA and its CHILD SA.
func TestInteropStrongSwan(t *testing.T) {
	if why := swanlab.Available(); why != "" {
		t.Skipf("no strongSwan lab: %s", why)
	}
	const psk = "interop-psk-0123456789"
	for _, tc := range []struct {
		name  string
		hub   bool // a hub for strongSwan as spoke; else an sVTI to it
		iface string
		id    uint32 // the interface's tunnel ID
	}{
		{"hub accepts a strongSwan spoke", true, "Virtual-Access1", VirtualAccessBase + 1},
		{"svti initiates to strongSwan", false, "Tunnel0", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lab := swanlab.New(t)
			peer := lab.StartCharon(lab.NSB, swanlab.CharonOptions{})
			if err := peer.Load(swanlab.Conn{
				Name: "flex", LocalAddrs: swanlab.AddrB, RemoteAddrs: swanlab.AddrA,
				Proposals: []string{"aes256gcm16-prfsha256-ecp256"},
				LocalID:   swanlab.AddrB, RemoteID: swanlab.AddrA, PSK: psk,
				Children: []swanlab.Child{{Name: "net", ESPProposals: []string{"aes256gcm16"},
					LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"}}},
			}); err != nil {
				t.Fatalf("load strongSwan config: %v", err)
			}
			dp := &fakeDP{}
			e := newEngineIn(t, lab.NSA, Config{
				Dataplane: dp, Listen: []netip.Addr{netip.MustParseAddr(swanlab.AddrA)}, IKEPort: 500, NATPort: 4500,
				Logger: testLogger(t), Backoff: testBackoff,
			})
			s := siteSpec(swanlab.AddrA, swanlab.AddrB, "10.0.0.1/30", psk)
			if tc.hub {
				// `match identity remote address 198.18.0.2 255.255.255.255`
				s = hubSpec(psk)
				s.Profiles[0].MatchIdentities[0].Prefix = netip.MustParsePrefix(swanlab.AddrB + "/32")
				s.Profiles[0].Keyring = keyring(psk, swanlab.AddrB+"/32")
			}
			e.Apply(s)
			if tc.hub {
				if err := peer.Initiate("flex", "net", 10*time.Second); err != nil {
					t.Logf("strongSwan initiate: %v", err)
				}
			}
			snap := waitSnap(t, e, tc.iface+" up", oneReady(tc.iface))
			ours := snap.IKESAs[0]
			sas, err := peer.WaitSAs(5*time.Second, "IKE_SA ESTABLISHED", func(s []swanlab.IKESA) bool {
				sa, ok := swanlab.FindIKE(s, "flex")
				return ok && sa.State == "ESTABLISHED" && len(sa.Children) == 1
			})
			if err != nil {
				t.Fatal(err)
			}
			theirs, _ := swanlab.FindIKE(sas, "flex")
			checkInteropSA(t, ours, theirs, !tc.hub)
			if ins := dp.Installed(); len(ins) != 1 || ins[0].Out.SPI != theirs.Children[0].SPIIn || ins[0].In.SPI != theirs.Children[0].SPIOut {
				t.Errorf("our CHILD SA %+v, strongSwan's %+v", ins, theirs.Children[0])
			}
			if _, ok := dp.tunnel(tc.id); !ok {
				t.Errorf("%s not in the data plane", tc.iface)
			}
			// Removing the config tears the session down on both sides.
			e.Apply(nil)
			if _, err := peer.WaitSAs(5*time.Second, "IKE_SA gone", func(s []swanlab.IKESA) bool { _, ok := swanlab.FindIKE(s, "flex"); return !ok }); err != nil {
				t.Fatal(err)
			}
			waitSnap(t, e, "no SA", noSA)
		})
	}
}

// checkInteropSA compares our IKE SA with strongSwan's.
func checkInteropSA(t *testing.T, ours status.IKESA, theirs swanlab.IKESA, weInit bool) {
	t.Helper()
	spiI, spiR := ours.RemoteSPI, ours.LocalSPI
	if weInit {
		spiI, spiR = ours.LocalSPI, ours.RemoteSPI
	}
	if theirs.InitiatorSPI != spiI || theirs.ResponderSPI != spiR || ours.Initiator != weInit {
		t.Errorf("IKE SPIs: strongSwan %016x_i %016x_r, ours %+v", theirs.InitiatorSPI, theirs.ResponderSPI, ours)
	}
	if theirs.EncrAlg != "AES_GCM_16" || theirs.DHGroup != "ECP_256" || ours.Encr != "AES-GCM" || ours.DHGroup != 19 || ours.PRF != "SHA256" {
		t.Errorf("algorithms: strongSwan %s/%s, ours %s/%s/%d", theirs.EncrAlg, theirs.DHGroup, ours.Encr, ours.PRF, ours.DHGroup)
	}
	if ours.RemoteID != swanlab.AddrB || theirs.RemoteID != swanlab.AddrA {
		t.Errorf("identities: ours sees %q, strongSwan sees %q", ours.RemoteID, theirs.RemoteID)
	}
}
