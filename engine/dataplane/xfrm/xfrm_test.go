package xfrm

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

func TestAlgorithms(t *testing.T) {
	k := func(n int) []byte { return bytes.Repeat([]byte{0xab}, n) }
	tests := []struct {
		name      string
		alg       dataplane.Algorithms
		dir       dataplane.Direction
		aead      *netlink.XfrmStateAlgo
		crypt     *netlink.XfrmStateAlgo
		auth      *netlink.XfrmStateAlgo
		wantError bool
	}{
		{name: "gcm16-128", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 128},
			dir:  dataplane.Direction{EncrKey: k(20)},
			aead: &netlink.XfrmStateAlgo{Name: "rfc4106(gcm(aes))", Key: k(20), ICVLen: 128}},
		{name: "gcm8-256", alg: dataplane.Algorithms{Encr: encrAESGCM8, EncrKeyBits: 256},
			dir:  dataplane.Direction{EncrKey: k(36)},
			aead: &netlink.XfrmStateAlgo{Name: "rfc4106(gcm(aes))", Key: k(36), ICVLen: 64}},
		{name: "chacha20poly1305", alg: dataplane.Algorithms{Encr: encrChaCha20Poly1305},
			dir:  dataplane.Direction{EncrKey: k(36)},
			aead: &netlink.XfrmStateAlgo{Name: "rfc7539esp(chacha20,poly1305)", Key: k(36), ICVLen: 128}},
		{name: "cbc-sha256", alg: dataplane.Algorithms{Encr: encrAESCBC, EncrKeyBits: 256, Integ: integHMACSHA2_256_128},
			dir:   dataplane.Direction{EncrKey: k(32), IntegKey: k(32)},
			crypt: &netlink.XfrmStateAlgo{Name: "cbc(aes)", Key: k(32)},
			auth:  &netlink.XfrmStateAlgo{Name: "hmac(sha256)", Key: k(32), TruncateLen: 128}},
		{name: "cbc-sha1", alg: dataplane.Algorithms{Encr: encrAESCBC, EncrKeyBits: 128, Integ: integHMACSHA1_96},
			dir:   dataplane.Direction{EncrKey: k(16), IntegKey: k(20)},
			crypt: &netlink.XfrmStateAlgo{Name: "cbc(aes)", Key: k(16)},
			auth:  &netlink.XfrmStateAlgo{Name: "hmac(sha1)", Key: k(20), TruncateLen: 96}},
		{name: "gcm key without salt", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 128},
			dir: dataplane.Direction{EncrKey: k(16)}, wantError: true},
		{name: "gcm odd key bits", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 160},
			dir: dataplane.Direction{EncrKey: k(24)}, wantError: true},
		{name: "gcm with integrity", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 128, Integ: integHMACSHA2_256_128},
			dir: dataplane.Direction{EncrKey: k(20), IntegKey: k(32)}, wantError: true},
		{name: "cbc short integrity key", alg: dataplane.Algorithms{Encr: encrAESCBC, EncrKeyBits: 128, Integ: integHMACSHA2_256_128},
			dir: dataplane.Direction{EncrKey: k(16), IntegKey: k(20)}, wantError: true},
		{name: "cbc without integrity", alg: dataplane.Algorithms{Encr: encrAESCBC, EncrKeyBits: 128},
			dir: dataplane.Direction{EncrKey: k(16)}, wantError: true},
		{name: "3des", alg: dataplane.Algorithms{Encr: 3, EncrKeyBits: 192, Integ: integHMACSHA1_96},
			dir: dataplane.Direction{EncrKey: k(24), IntegKey: k(20)}, wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aead, crypt, auth, err := algorithms(tt.alg, tt.dir)
			if (err != nil) != tt.wantError {
				t.Fatalf("algorithms() error = %v, want error %v", err, tt.wantError)
			}
			for _, c := range []struct {
				what      string
				got, want *netlink.XfrmStateAlgo
			}{{"aead", aead, tt.aead}, {"crypt", crypt, tt.crypt}, {"auth", auth, tt.auth}} {
				if !sameAlgo(c.got, c.want) {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
}

// sameAlgo compares two algorithms, either of which may be absent.
func sameAlgo(a, b *netlink.XfrmStateAlgo) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Name == b.Name && bytes.Equal(a.Key, b.Key) && a.ICVLen == b.ICVLen && a.TruncateLen == b.TruncateLen
}

// TestProbeHost runs Probe on the host kernel in a scratch namespace: it
// either succeeds and leaves nothing behind, or fails naming the missing
// kernel feature (as on hosts without ESP or xfrm interfaces).
func TestProbeHost(t *testing.T) {
	if os.Getenv(inVMEnv) != "" {
		t.Skip("in the VM, TestXFRMKernel/probe runs instead")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a scratch network namespace")
	}
	s := newSite(t, fmt.Sprintf("xfrmprobe-%d", os.Getpid()))
	err := Probe(s.path)
	if err == nil {
		t.Log("this kernel can run the kernel backend")
		assertNoTunnelState(t, s, probeIfID)
		return
	}
	t.Logf("Probe: %v", err)
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "the kernel lacks") {
		t.Errorf("Probe error %q does not say which kernel feature is missing", err)
	}
}

// TestRefused checks the requests the backend refuses before asking the
// kernel.
func TestRefused(t *testing.T) {
	if os.Getenv(inVMEnv) == "" && os.Geteuid() != 0 {
		t.Skip("needs root for a scratch network namespace")
	}
	s := newSite(t, fmt.Sprintf("xfrmrefuse-%d", os.Getpid()))
	a, b2 := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	gcm := dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 128}
	dir := dataplane.Direction{SPI: 0xc0000001, EncrKey: make([]byte, 20)}
	for _, tt := range []struct {
		name string
		call func() error
	}{
		{"tunnel ID 0", func() error { return s.b.EnsureTunnel(dataplane.Tunnel{Name: "Tunnel0", IfName: "Tunnel0"}) }},
		{"long name", func() error {
			return s.b.EnsureTunnel(dataplane.Tunnel{ID: 1, Name: "Virtual-Access1234567", IfName: "Virtual-Access1234567"})
		}},
		{"transport mode", func() error {
			return s.b.InstallChildSA(dataplane.ChildSA{Local: a, Remote: b2, Algorithms: gcm, In: dir, Out: dir})
		}},
		{"mixed outer families", func() error {
			return s.b.InstallChildSA(dataplane.ChildSA{TunnelID: 1, Local: a, Remote: netip.IPv6Loopback(), Algorithms: gcm, In: dir, Out: dir})
		}},
		{"unknown CHILD SA", func() error {
			return s.b.DeleteChildSA(dataplane.ChildSAID{TunnelID: 1, Local: a, Remote: b2, InSPI: 1000, OutSPI: 1001})
		}},
	} {
		if err := tt.call(); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	if err := s.b.DeleteTunnel(7); err != nil {
		t.Errorf("DeleteTunnel of an unknown tunnel: %v", err)
	}
	// The same through a Backend on the caller's namespace (Config{}).
	inNamespace(t, s.ns, func() {
		b, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if err := b.DeleteTunnel(7); err != nil {
			t.Errorf("DeleteTunnel of an unknown tunnel: %v", err)
		}
		if _, ok := b.ChildSAStats(dataplane.ChildSAID{TunnelID: 1, Local: a, Remote: b2, InSPI: 1000, OutSPI: 1001}); ok {
			t.Error("ChildSAStats of an unknown CHILD SA reports it installed")
		}
	})
}

func TestStates(t *testing.T) {
	local, remote := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	sa := dataplane.ChildSA{
		TunnelID: 9, Local: local, Remote: remote,
		Algorithms: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 128, ESN: true},
		In:         dataplane.Direction{SPI: 0xc0000001, EncrKey: bytes.Repeat([]byte{1}, 20)},
		Out:        dataplane.Direction{SPI: 0xc0000002, EncrKey: bytes.Repeat([]byte{2}, 20)},
		Encap:      dataplane.UDPEncap{LocalPort: 4500, RemotePort: 31000},
	}
	in, out, err := states(sa)
	if err != nil {
		t.Fatal(err)
	}
	type summary struct {
		Src, Dst         string
		SPI, Reqid, Ifid int
		ESN              bool
		Window           int
		Sport, Dport     int
	}
	sum := func(st *netlink.XfrmState) summary {
		return summary{st.Src.String(), st.Dst.String(), st.Spi, st.Reqid, st.Ifid, st.ESN, st.ReplayWindow, st.Encap.SrcPort, st.Encap.DstPort}
	}
	want := []summary{
		{"2001:db8::2", "2001:db8::1", 0xc0000001, ReqID, 9, true, replayWindow, 31000, 4500},
		{"2001:db8::1", "2001:db8::2", 0xc0000002, ReqID, 9, true, replayWindow, 4500, 31000},
	}
	if diff := cmp.Diff(want, []summary{sum(in), sum(out)}); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	if in.Encap.Type != netlink.XFRM_ENCAP_ESPINUDP || in.Mode != netlink.XFRM_MODE_TUNNEL {
		t.Errorf("inbound SA encap %v mode %v, want espinudp tunnel", in.Encap.Type, in.Mode)
	}
}

func TestInnerFamilies(t *testing.T) {
	v4, v6 := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("2001:db8::1")
	anyV6 := dataplane.TrafficSelector{StartAddr: netip.IPv6Unspecified(), EndAddr: netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), EndPort: 0xffff}
	tests := []struct {
		name   string
		sa     dataplane.ChildSA
		want   []int
		policy []string
	}{
		{"no selectors, IPv4 outer", dataplane.ChildSA{Local: v4}, []int{unix.AF_INET}, nil},
		{"no selectors, IPv6 outer", dataplane.ChildSA{Local: v6}, []int{unix.AF_INET6}, nil},
		{"IPv6 in IPv4", dataplane.ChildSA{Local: v4, LocalTS: []dataplane.TrafficSelector{anyV6}, RemoteTS: []dataplane.TrafficSelector{anyV6}},
			[]int{unix.AF_INET6}, nil},
		{"dual stack", dataplane.ChildSA{Local: v6, LocalTS: []dataplane.TrafficSelector{dataplane.AnyIPv4, anyV6}, RemoteTS: []dataplane.TrafficSelector{anyV6}},
			[]int{unix.AF_INET, unix.AF_INET6}, nil},
	}
	for _, tt := range tests {
		if got := innerFamilies(tt.sa); !cmp.Equal(got, tt.want) {
			t.Errorf("%s: innerFamilies = %v, want %v", tt.name, got, tt.want)
		}
	}
	var got []string
	for _, fam := range []int{unix.AF_INET, unix.AF_INET6} {
		for _, p := range policies(5, fam, endpoints{v4, netip.MustParseAddr("198.18.0.2")}) {
			tm := p.Tmpls[0]
			got = append(got, fmt.Sprintf("%v %v if_id %d: %v->%v reqid %d", p.Dir, p.Dst, p.Ifid, tm.Src, tm.Dst, tm.Reqid))
		}
	}
	want := []string{
		"dir in 0.0.0.0/0 if_id 5: 198.18.0.2->198.18.0.1 reqid 1718384758",
		"dir fwd 0.0.0.0/0 if_id 5: 198.18.0.2->198.18.0.1 reqid 1718384758",
		"dir out 0.0.0.0/0 if_id 5: 198.18.0.1->198.18.0.2 reqid 1718384758",
		"dir in ::/0 if_id 5: 198.18.0.2->198.18.0.1 reqid 1718384758",
		"dir fwd ::/0 if_id 5: 198.18.0.2->198.18.0.1 reqid 1718384758",
		"dir out ::/0 if_id 5: 198.18.0.1->198.18.0.2 reqid 1718384758",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
}
