package engine

import (
	"net/netip"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/google/go-cmp/cmp"
)

// TestIOSNames checks the IOS spelling of algorithms, transform sets,
// identities and selectors in the snapshot (as in the captures of `show
// crypto ikev2 sa detailed` and `show crypto ipsec sa`).
func TestIOSNames(t *testing.T) {
	for _, tc := range []struct {
		alg  dataplane.Algorithms
		want string
	}{
		{dataplane.Algorithms{Encr: uint16(wire.EncrAESCBC), EncrKeyBits: 256, Integ: uint16(wire.IntegHMACSHA196)}, "esp-256-aes esp-sha-hmac"},
		{dataplane.Algorithms{Encr: uint16(wire.EncrAESCBC), EncrKeyBits: 128, Integ: uint16(wire.IntegHMACSHA2256128)}, "esp-aes esp-sha256-hmac"},
		{dataplane.Algorithms{Encr: uint16(wire.EncrAESCBC), EncrKeyBits: 192, Integ: uint16(wire.IntegHMACSHA2512256)}, "esp-192-aes esp-sha512-hmac"},
		{dataplane.Algorithms{Encr: uint16(wire.EncrAESGCM16), EncrKeyBits: 256}, "esp-gcm 256"},
		{dataplane.Algorithms{Encr: uint16(wire.EncrAESGCM16), EncrKeyBits: 128}, "esp-gcm"},
		{dataplane.Algorithms{Encr: uint16(wire.EncrChaCha20Poly1305)}, "esp-chacha20-poly1305"},
	} {
		if got := espTransform(tc.alg); got != tc.want {
			t.Errorf("espTransform(%+v) = %q, want %q", tc.alg, got, tc.want)
		}
	}
	got := []string{encrName(wire.EncrAESCBC), encrName(wire.EncrAESGCM16), prfName(wire.PRFHMACSHA1), prfName(wire.PRFHMACSHA2512),
		hashName(wire.IntegHMACSHA196), hashName(wire.IntegHMACSHA2256128), hashName(wire.IntegNone)}
	want := []string{"AES-CBC", "AES-GCM", "SHA1", "SHA512", "SHA96", "SHA256", "None"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IKE algorithm names (-want +got):\n%s", diff)
	}
	ids := []string{
		idString(ike.AddrIdentity(netip.MustParseAddr("10.1.1.6"))), idString(ike.FQDNIdentity("cisco.hub.net")),
		idString(ike.Identity{Type: wire.IDKeyID, Data: []byte("*$AnyConnectClient$*")}), idString(ike.Identity{}),
	}
	if diff := cmp.Diff([]string{"10.1.1.6", "cisco.hub.net", "*$AnyConnectClient$*", ""}, ids); diff != "" {
		t.Errorf("identities (-want +got):\n%s", diff)
	}
	ts := []dataplane.TrafficSelector{dataplane.AnyIPv4, anyIPv6,
		{StartAddr: netip.MustParseAddr("10.0.0.1"), EndAddr: netip.MustParseAddr("10.0.0.1"), EndPort: 0xffff}}
	want2 := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"), netip.MustParsePrefix("10.0.0.1/32")}
	if diff := cmp.Diff(want2, prefixes(ts), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("selectors (-want +got):\n%s", diff)
	}
}
