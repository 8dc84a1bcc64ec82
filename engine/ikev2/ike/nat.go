package ike

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"net/netip"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// natHash returns the data of a NAT_DETECTION_SOURCE_IP or
// NAT_DETECTION_DESTINATION_IP notification (RFC 7296 section 2.23):
// SHA-1(SPIi | SPIr | IP | Port), with the SPIs as in the header of the
// message carrying it (SPIr zero in the IKE_SA_INIT request) and the
// address of the sender or of the recipient.
func natHash(spiI, spiR uint64, ap netip.AddrPort) []byte {
	b := make([]byte, 0, 8+8+16+2)
	b = binary.BigEndian.AppendUint64(b, spiI)
	b = binary.BigEndian.AppendUint64(b, spiR)
	b = append(b, ap.Addr().Unmap().AsSlice()...)
	b = binary.BigEndian.AppendUint16(b, ap.Port())
	h := sha1.Sum(b)
	return h[:]
}

// addNATDetection adds the NAT detection notifications to an IKE_SA_INIT
// message sent from sa.local to sa.remote (RFC 7296 section 2.23).
func (sa *SA) addNATDetection(m *message) {
	m.add(&wire.Notify{NotifyType: wire.NATDetectionSourceIP, Data: natHash(m.hdr.SPIi, m.hdr.SPIr, sa.local)},
		&wire.Notify{NotifyType: wire.NATDetectionDestinationIP, Data: natHash(m.hdr.SPIi, m.hdr.SPIr, sa.remote)})
}

// processNATDetection checks the NAT detection notifications of a received
// IKE_SA_INIT message against the addresses it travelled between (RFC 7296
// section 2.23): a source hash that matches none of the
// NAT_DETECTION_SOURCE_IP notifications means the peer is behind a NAT, a
// destination hash that does not match means we are. It reports whether the
// peer sent both kinds, that is, supports NAT traversal; otherwise the NAT
// state is left alone.
func (sa *SA) processNATDetection(m *message) bool {
	var src, dst, srcOK, dstOK bool
	wantSrc := natHash(m.hdr.SPIi, m.hdr.SPIr, m.remote)
	wantDst := natHash(m.hdr.SPIi, m.hdr.SPIr, m.local)
	for _, p := range m.payloads {
		n, ok := p.(*wire.Notify)
		if !ok {
			continue
		}
		switch n.NotifyType {
		case wire.NATDetectionSourceIP:
			src = true
			srcOK = srcOK || subtle.ConstantTimeCompare(n.Data, wantSrc) == 1
		case wire.NATDetectionDestinationIP:
			dst = true
			dstOK = dstOK || subtle.ConstantTimeCompare(n.Data, wantDst) == 1
		}
	}
	if !src || !dst {
		return false
	}
	sa.natRemote, sa.natLocal = !srcOK, !dstOK
	return true
}

// natDetected reports whether a NAT was detected on either side.
func (sa *SA) natDetected() bool { return sa.natLocal || sa.natRemote }

// floatToNATT moves the initiator's IKE endpoints to the NAT-T ports after
// an IKE_SA_INIT exchange that detected a NAT (RFC 7296 section 2.23: the
// initiator uses port 4500 from IKE_AUTH on; RFC 3948 section 2.1).
func (sa *SA) floatToNATT() {
	port := sa.cfg.NATPort
	if port == 0 {
		port = NATTPort
	}
	sa.local = netip.AddrPortFrom(sa.local.Addr(), port)
	sa.remote = netip.AddrPortFrom(sa.remote.Addr(), NATTPort)
}
