package cp

import "github.com/flexvpnd/flexvpnd/engine/ikev2/wire"

// Cisco private-use configuration attributes (RFC 7296 section 3.15.1:
// 16384-32767 are for private use). The numbers are those of the Cisco
// Unity extensions, confirmed in three public implementations:
// strongSwan's configuration_attribute_type_t
// (src/libstrongswan/attributes/attributes.h, UNITY_BANNER = 28672 ...
// UNITY_DDNS_HOSTNAME = 28682), racoon's isakmp_unity.h, and the INSIDE
// Secure IKEv2 toolkit (SshIkev2ConfAttributeType, where they are IKEv2
// attributes, SSH_IKEV2_CFG_ATTRIBUTE_CISCO_UNITY_*).
//
// IOS FlexVPN asks for `banner`, `def-domain`, `split-dns` and
// `backup-gateway` in its CFG_REQUEST ("Attrib type: split-dns, length: 0"
// in the IOS-XE 16.7 debug capture
// shared/corpus/ios-show/debug-crypto-ikev2-ipv6-no-proposal-chosen.txt),
// but the debug prints names, not numbers: that these names map to the
// Unity numbers below is UNCONFIRMED against a packet capture of a real IOS
// peer. IOS also asks for `config-url` and knows `smartdefs`; their numbers
// are unknown, so they are not typed and arrive in Attributes.Other.
const (
	// CiscoBanner is `banner` (UNITY_BANNER, 28672): the login banner
	// text. Confirmed number (Unity); IOS IKEv2 use unconfirmed.
	CiscoBanner = wire.UnityBanner
	// CiscoDefDomain is `def-domain` (UNITY_DEF_DOMAIN, 28674).
	// Confirmed number (Unity); IOS IKEv2 use unconfirmed.
	CiscoDefDomain = wire.UnityDefDomain
	// CiscoSavePassword is `save-password` (UNITY_SAVE_PASSWD, 28673): a
	// 16-bit flag in Unity. Confirmed number (Unity); IOS IKEv2 use and
	// length unconfirmed. IOS's `include-local-lan` and
	// `smartcard-removal-disconnect` have no known number (Unity's
	// UNITY_LOCAL_LAN carries networks, not a flag), so they are not
	// sent.
	CiscoSavePassword = wire.UnitySavePasswd
	// CiscoSplitDNS is `split-dns` (UNITY_SPLITDNS_NAME, 28675): a
	// comma-separated list of domain names in Unity (racoon sends
	// splitdns_list as one comma-separated string). Confirmed number
	// (Unity); IOS IKEv2 use and list format unconfirmed.
	CiscoSplitDNS = wire.UnitySplitDNSName
	// CiscoPFS is `pfs` (UNITY_PFS, 28679): a 16-bit flag in Unity.
	// Confirmed number (Unity); IOS IKEv2 use and length unconfirmed.
	CiscoPFS = wire.UnityPFS
	// CiscoBackupServers is `backup-gateway` (UNITY_BACKUP_SERVERS,
	// 28681). Confirmed number (Unity); that IOS's backup-gateway uses it,
	// and its list format, are unconfirmed.
	CiscoBackupServers = wire.UnityBackupServers
)

// FlexVPNRequest returns what an IOS FlexVPN client asks for in its
// CFG_REQUEST when no address is negotiated, in IOS's order (the debug
// capture above: app-version with the version string, then split-dns,
// banner, config-url, backup-gateway and def-domain, empty). config-url,
// whose number is unknown, is left out. An IOS client with `ip address
// negotiated` is expected to ask for INTERNAL_IP4_ADDRESS and
// INTERNAL_IP4_NETMASK too (not captured).
func FlexVPNRequest() []wire.CfgAttrType {
	return []wire.CfgAttrType{CiscoSplitDNS, CiscoBanner, CiscoBackupServers, CiscoDefDomain}
}
