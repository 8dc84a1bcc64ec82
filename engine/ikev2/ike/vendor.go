package ike

import (
	"encoding/hex"
	"slices"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/cp"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// Vendor ID payloads (RFC 7296 section 3.12). Like IOS, we send the Cisco
// FlexVPN vendor IDs in every IKE_SA_INIT message (cp.FlexVPNVendorIDs;
// docs/cisco-compat.md section 1): FLEXVPN-SUPPORTED keeps an IOS hub from
// narrowing 0.0.0.0/0 selectors to a virtual IP. Those the peer sends, in
// any message, are recorded for status. Cisco's proprietary fragmentation
// vendor ID (CISCO-FRAGMENTATION) only says that the peer is an IOS with
// `crypto ikev2 fragmentation` configured: IOS sends it beside
// IKEV2_FRAGMENTATION_SUPPORTED, and fragments are exchanged only in the
// RFC 7383 format that notification negotiates (frag.go), so it is
// recorded and does not turn fragmentation on by itself.

// maxPeerVendorIDs bounds the vendor IDs recorded per SA, and
// maxVendorIDShown the octets of an unknown one kept, so that a peer
// cannot make us hold much.
const (
	maxPeerVendorIDs = 16
	maxVendorIDShown = 32
)

// vendorState is what the peer's vendor IDs told us.
type vendorState struct {
	ids   []string
	cisco bool
}

// addVendorIDs adds the vendor IDs IOS sends in IKE_SA_INIT.
func addVendorIDs(m *message) {
	for _, v := range cp.FlexVPNVendorIDs() {
		m.add(&wire.VendorID{Data: v})
	}
}

// noteVendorIDs records the vendor IDs of a message from the peer.
func (sa *SA) noteVendorIDs(ps []wire.Payload) {
	vs := &sa.owner().vendor
	n := 0
	for _, p := range ps {
		if _, ok := p.(*wire.VendorID); ok {
			n++
		}
	}
	vs.ids = slices.Grow(vs.ids, min(n, maxPeerVendorIDs-len(vs.ids))) // one array, not doubling
	for _, p := range ps {
		v, ok := p.(*wire.VendorID)
		if !ok || len(vs.ids) >= maxPeerVendorIDs {
			continue
		}
		name := cp.Recognise(v.Data)
		if name != "" {
			vs.cisco = true
		} else {
			name = hex.EncodeToString(v.Data[:min(len(v.Data), maxVendorIDShown)])
		}
		if !slices.Contains(vs.ids, name) {
			vs.ids = append(vs.ids, name)
		}
	}
}

// PeerVendorIDs returns the vendor IDs the peer sent, in the order first
// seen: the name cp.Recognise gives the known ones ("FLEXVPN-SUPPORTED",
// "CISCO-FRAGMENTATION"...), the first 32 octets in hexadecimal of the
// others. At most 16 are kept.
func (sa *SA) PeerVendorIDs() []string { return slices.Clone(sa.owner().vendor.ids) }

// IsCisco reports whether the peer sent one of Cisco's vendor IDs.
func (sa *SA) IsCisco() bool { return sa.owner().vendor.cisco }
