package cp

import "bytes"

// Vendor IDs (RFC 7296 section 3.12) that IOS FlexVPN sends in IKE_SA_INIT
// and IKE_AUTH. IOS-XE 16.7 sends four Vendor ID payloads in IKE_SA_INIT and
// one in IKE_AUTH ("SA KE N VID VID VID VID NOTIFY(NAT_DETECTION_SOURCE_IP)"
// in shared/corpus/ios-show/debug-crypto-ikev2-ipv6-no-proposal-chosen.txt;
// the debug does not print their contents). Sources of the octets:
// strongSwan's IKEv2 vendor table (src/libcharon/sa/ikev2/tasks/ike_vendor.c:
// "Cisco Delete Reason", "Cisco FlexVPN Supported", "Cisco Copyright (c)
// 2009", "FRAGMENTATION") and Libreswan's (programs/pluto/vendorid.c:
// VID_CISCO_DELETE_REASON, VID_CISCO_DYNAMIC_ROUTE,
// VID_CISCO_FLEXVPN_SUPPORTED, VID_IKE_FRAGMENTATION), which agree.
var (
	// VIDFlexVPNSupported is "FLEXVPN-SUPPORTED" in ASCII. A peer that
	// sends it may negotiate 0.0.0.0/0 traffic selectors after taking a
	// virtual IP instead of having them narrowed to the address (strongSwan
	// pull request 180 and Cisco bug CSCvv05031, observed behaviour).
	VIDFlexVPNSupported = []byte("FLEXVPN-SUPPORTED")
	// VIDCiscoDeleteReason is "CISCO-DELETE-REASON" in ASCII: the peer
	// understands Cisco's delete-reason notify.
	VIDCiscoDeleteReason = []byte("CISCO-DELETE-REASON")
	// VIDCiscoDynamicRoute is "CISCO-DYNAMIC-ROUTE" in ASCII (Libreswan
	// only): the peer takes part in the IKEv2 route exchange.
	VIDCiscoDynamicRoute = []byte("CISCO-DYNAMIC-ROUTE")
	// VIDCiscoCopyright is Cisco's copyright string, sent by IOS in
	// IKE_SA_INIT.
	VIDCiscoCopyright = []byte("CISCO(COPYRIGHT)&Copyright (c) 2009 Cisco Systems, Inc.")
	// VIDCiscoFragmentation is MD5("FRAGMENTATION"), Cisco's proprietary
	// IKE fragmentation. In IKEv1 it is followed by four flag octets
	// (80000000 or c0000000); in IKEv2 IOS sends the 16 octets alone (a
	// Vendor ID payload of length 20 next to IKEV2_FRAGMENTATION_SUPPORTED
	// in Cisco's "Configuring IKEv2 Fragmentation" debug sample).
	// strongSwan matches the 16-octet form, Libreswan a prefix, and so
	// does Recognise.
	VIDCiscoFragmentation = []byte{0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85, 0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3}
)

// vendorIDs are the recognised vendor IDs with their names; prefix marks
// those matched as a prefix.
var vendorIDs = []struct {
	name   string
	id     []byte
	prefix bool
}{
	{"FLEXVPN-SUPPORTED", VIDFlexVPNSupported, false},
	{"CISCO-DELETE-REASON", VIDCiscoDeleteReason, false},
	{"CISCO-DYNAMIC-ROUTE", VIDCiscoDynamicRoute, false},
	{"CISCO-COPYRIGHT", VIDCiscoCopyright, false},
	{"CISCO-FRAGMENTATION", VIDCiscoFragmentation, true},
}

// Recognise returns the name of a known vendor ID ("FLEXVPN-SUPPORTED",
// "CISCO-DELETE-REASON", "CISCO-DYNAMIC-ROUTE", "CISCO-COPYRIGHT",
// "CISCO-FRAGMENTATION"), or "" for any other.
func Recognise(vid []byte) string {
	for _, v := range vendorIDs {
		if bytes.Equal(vid, v.id) || (v.prefix && bytes.HasPrefix(vid, v.id)) {
			return v.name
		}
	}
	return ""
}

// FlexVPNVendorIDs returns the vendor IDs flexvpnd sends in IKE_SA_INIT, as
// IOS does (fresh copies): FLEXVPN-SUPPORTED so that an IOS hub keeps
// 0.0.0.0/0 selectors, CISCO-DELETE-REASON, CISCO-DYNAMIC-ROUTE and the
// copyright string. Cisco's fragmentation VID is not sent: flexvpnd
// fragments per RFC 7383 (IKEV2_FRAGMENTATION_SUPPORTED notify).
func FlexVPNVendorIDs() [][]byte {
	return [][]byte{
		bytes.Clone(VIDCiscoDeleteReason),
		bytes.Clone(VIDCiscoCopyright),
		bytes.Clone(VIDCiscoDynamicRoute),
		bytes.Clone(VIDFlexVPNSupported),
	}
}
