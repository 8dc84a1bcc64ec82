package wire

import "strconv"

// ExchangeType is the Exchange Type field of the IKE header (RFC 7296
// section 3.1).
type ExchangeType uint8

// Exchange types (RFC 7296 section 3.1).
const (
	IKESAInit     ExchangeType = 34
	IKEAuth       ExchangeType = 35
	CreateChildSA ExchangeType = 36
	Informational ExchangeType = 37
)

var exchangeNames = map[ExchangeType]string{
	IKESAInit:     "IKE_SA_INIT",
	IKEAuth:       "IKE_AUTH",
	CreateChildSA: "CREATE_CHILD_SA",
	Informational: "INFORMATIONAL",
}

// String returns the exchange name as strongSwan and IOS print it.
func (e ExchangeType) String() string { return lookup(exchangeNames, e) }

// Flags is the Flags octet of the IKE header (RFC 7296 section 3.1).
type Flags uint8

// Header flags (RFC 7296 section 3.1). The other five bits are reserved.
const (
	FlagInitiator Flags = 0x08 // I: sent by the original initiator of the IKE SA
	FlagVersion   Flags = 0x10 // V: sender can speak a higher major version
	FlagResponse  Flags = 0x20 // R: this message is a response
)

// String lists the set flags in strongSwan's style, e.g. "I|R".
func (f Flags) String() string {
	s := ""
	add := func(bit Flags, name string) {
		if f&bit != 0 {
			if s != "" {
				s += "|"
			}
			s += name
		}
	}
	add(FlagInitiator, "I")
	add(FlagVersion, "V")
	add(FlagResponse, "R")
	if rest := f &^ (FlagInitiator | FlagVersion | FlagResponse); rest != 0 {
		add(rest, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return s
}

// PayloadType is a Next Payload value (RFC 7296 section 3.2, RFC 7383
// section 2.5).
type PayloadType uint8

// Payload types (RFC 7296 section 3.2; SKF from RFC 7383 section 2.5).
const (
	NoNextPayload  PayloadType = 0
	PayloadSA      PayloadType = 33
	PayloadKE      PayloadType = 34
	PayloadIDi     PayloadType = 35
	PayloadIDr     PayloadType = 36
	PayloadCERT    PayloadType = 37
	PayloadCERTREQ PayloadType = 38
	PayloadAUTH    PayloadType = 39
	PayloadNonce   PayloadType = 40
	PayloadN       PayloadType = 41
	PayloadD       PayloadType = 42
	PayloadV       PayloadType = 43
	PayloadTSi     PayloadType = 44
	PayloadTSr     PayloadType = 45
	PayloadSK      PayloadType = 46
	PayloadCP      PayloadType = 47
	PayloadEAP     PayloadType = 48
	PayloadSKF     PayloadType = 53
)

// payloadNames are strongSwan's short payload names, the ones its message
// summaries print ("[ SA KE No N(NATD_S_IP) ]"): "No" is the nonce, "E" the
// Encrypted payload (RFC notation SK) and "EF" the Encrypted Fragment (SKF).
var payloadNames = map[PayloadType]string{
	NoNextPayload:  "NONE",
	PayloadSA:      "SA",
	PayloadKE:      "KE",
	PayloadIDi:     "IDi",
	PayloadIDr:     "IDr",
	PayloadCERT:    "CERT",
	PayloadCERTREQ: "CERTREQ",
	PayloadAUTH:    "AUTH",
	PayloadNonce:   "No",
	PayloadN:       "N",
	PayloadD:       "D",
	PayloadV:       "V",
	PayloadTSi:     "TSi",
	PayloadTSr:     "TSr",
	PayloadSK:      "E",
	PayloadCP:      "CP",
	PayloadEAP:     "EAP",
	PayloadSKF:     "EF",
}

// String returns strongSwan's short name of the payload type.
func (t PayloadType) String() string { return lookup(payloadNames, t) }

// known reports whether this package has a decoder for the payload type.
func (t PayloadType) known() bool {
	_, ok := payloadNames[t]
	return ok && t != NoNextPayload
}

// ProtocolID is the Protocol ID of a proposal, notification or delete
// (RFC 7296 sections 3.3.1, 3.10, 3.11).
type ProtocolID uint8

// Protocol IDs (RFC 7296 section 3.3.1).
const (
	ProtocolNone ProtocolID = 0
	ProtocolIKE  ProtocolID = 1
	ProtocolAH   ProtocolID = 2
	ProtocolESP  ProtocolID = 3
)

var protocolNames = map[ProtocolID]string{
	ProtocolNone: "NONE",
	ProtocolIKE:  "IKE",
	ProtocolAH:   "AH",
	ProtocolESP:  "ESP",
}

// String returns the protocol name ("IKE", "AH", "ESP").
func (p ProtocolID) String() string { return lookup(protocolNames, p) }

// TransformType is the Transform Type of a transform substructure (RFC 7296
// section 3.3.2).
type TransformType uint8

// Transform types (RFC 7296 section 3.3.2).
const (
	TransformENCR  TransformType = 1
	TransformPRF   TransformType = 2
	TransformINTEG TransformType = 3
	TransformDH    TransformType = 4
	TransformESN   TransformType = 5
)

var transformTypeNames = map[TransformType]string{
	TransformENCR:  "ENCRYPTION_ALGORITHM",
	TransformPRF:   "PSEUDO_RANDOM_FUNCTION",
	TransformINTEG: "INTEGRITY_ALGORITHM",
	TransformDH:    "DIFFIE_HELLMAN_GROUP",
	TransformESN:   "EXTENDED_SEQUENCE_NUMBERS",
}

// String returns strongSwan's name of the transform type.
func (t TransformType) String() string { return lookup(transformTypeNames, t) }

// EncrID is a Transform ID of transform type 1, ENCR (RFC 7296 section
// 3.3.2; IANA "IKEv2 Transform Type 1").
type EncrID uint16

// Encryption algorithms. AES-GCM is RFC 5282, ChaCha20-Poly1305 RFC 7634.
const (
	Encr3DES             EncrID = 3
	EncrNULL             EncrID = 11
	EncrAESCBC           EncrID = 12
	EncrAESCTR           EncrID = 13
	EncrAESGCM8          EncrID = 18
	EncrAESGCM12         EncrID = 19
	EncrAESGCM16         EncrID = 20
	EncrChaCha20Poly1305 EncrID = 28
)

var encrNames = map[EncrID]string{
	Encr3DES:             "3DES_CBC",
	EncrNULL:             "NULL",
	EncrAESCBC:           "AES_CBC",
	EncrAESCTR:           "AES_CTR",
	EncrAESGCM8:          "AES_GCM_8",
	EncrAESGCM12:         "AES_GCM_12",
	EncrAESGCM16:         "AES_GCM_16",
	EncrChaCha20Poly1305: "CHACHA20_POLY1305",
}

// String returns strongSwan's name of the algorithm ("AES_GCM_16").
func (id EncrID) String() string { return lookup(encrNames, id) }

// PRFID is a Transform ID of transform type 2, PRF (RFC 7296 section 3.3.2;
// SHA-2 from RFC 4868).
type PRFID uint16

// Pseudorandom functions.
const (
	PRFHMACMD5     PRFID = 1
	PRFHMACSHA1    PRFID = 2
	PRFAES128XCBC  PRFID = 4
	PRFHMACSHA2256 PRFID = 5
	PRFHMACSHA2384 PRFID = 6
	PRFHMACSHA2512 PRFID = 7
)

var prfNames = map[PRFID]string{
	PRFHMACMD5:     "PRF_HMAC_MD5",
	PRFHMACSHA1:    "PRF_HMAC_SHA1",
	PRFAES128XCBC:  "PRF_AES128_XCBC",
	PRFHMACSHA2256: "PRF_HMAC_SHA2_256",
	PRFHMACSHA2384: "PRF_HMAC_SHA2_384",
	PRFHMACSHA2512: "PRF_HMAC_SHA2_512",
}

// String returns strongSwan's name of the PRF ("PRF_HMAC_SHA2_256").
func (id PRFID) String() string { return lookup(prfNames, id) }

// IntegID is a Transform ID of transform type 3, INTEG (RFC 7296 section
// 3.3.2; SHA-2 from RFC 4868).
type IntegID uint16

// Integrity algorithms.
const (
	IntegNone           IntegID = 0
	IntegHMACMD596      IntegID = 1
	IntegHMACSHA196     IntegID = 2
	IntegAESXCBC96      IntegID = 5
	IntegHMACSHA2256128 IntegID = 12
	IntegHMACSHA2384192 IntegID = 13
	IntegHMACSHA2512256 IntegID = 14
)

var integNames = map[IntegID]string{
	IntegNone:           "NONE",
	IntegHMACMD596:      "HMAC_MD5_96",
	IntegHMACSHA196:     "HMAC_SHA1_96",
	IntegAESXCBC96:      "AES_XCBC_96",
	IntegHMACSHA2256128: "HMAC_SHA2_256_128",
	IntegHMACSHA2384192: "HMAC_SHA2_384_192",
	IntegHMACSHA2512256: "HMAC_SHA2_512_256",
}

// String returns strongSwan's name of the algorithm ("HMAC_SHA2_256_128").
func (id IntegID) String() string { return lookup(integNames, id) }

// DHGroup is a Transform ID of transform type 4, the Diffie-Hellman group
// (RFC 7296 section 3.3.2; MODP groups RFC 3526 and 5114, ECP RFC 5903,
// Curve25519 RFC 8031). It is also the group number of a KE payload.
type DHGroup uint16

// Diffie-Hellman groups.
const (
	DHNone        DHGroup = 0
	DHModp768     DHGroup = 1
	DHModp1024    DHGroup = 2
	DHModp1536    DHGroup = 5
	DHModp2048    DHGroup = 14
	DHModp3072    DHGroup = 15
	DHModp4096    DHGroup = 16
	DHECP256      DHGroup = 19
	DHECP384      DHGroup = 20
	DHECP521      DHGroup = 21
	DHModp2048256 DHGroup = 24
	DHCurve25519  DHGroup = 31
)

var dhNames = map[DHGroup]string{
	DHNone:        "MODP_NONE",
	DHModp768:     "MODP_768",
	DHModp1024:    "MODP_1024",
	DHModp1536:    "MODP_1536",
	DHModp2048:    "MODP_2048",
	DHModp3072:    "MODP_3072",
	DHModp4096:    "MODP_4096",
	DHECP256:      "ECP_256",
	DHECP384:      "ECP_384",
	DHECP521:      "ECP_521",
	DHModp2048256: "MODP_2048_256",
	DHCurve25519:  "CURVE_25519",
}

// String returns strongSwan's name of the group ("ECP_256").
func (g DHGroup) String() string { return lookup(dhNames, g) }

// ESNID is a Transform ID of transform type 5, Extended Sequence Numbers
// (RFC 7296 section 3.3.2).
type ESNID uint16

// ESN transform IDs.
const (
	ESNNo  ESNID = 0
	ESNYes ESNID = 1
)

var esnNames = map[ESNID]string{ESNNo: "NO_EXT_SEQ", ESNYes: "EXT_SEQ"}

// String returns strongSwan's name ("NO_EXT_SEQ", "EXT_SEQ").
func (id ESNID) String() string { return lookup(esnNames, id) }

// AttributeType is the type of a transform attribute (RFC 7296 section
// 3.3.5), without the AF bit.
type AttributeType uint16

// AttrKeyLength is the only attribute RFC 7296 defines: the key length in
// bits, always sent in TV format (section 3.3.5).
const AttrKeyLength AttributeType = 14

var attributeNames = map[AttributeType]string{AttrKeyLength: "KEY_LENGTH"}

// String returns the attribute name ("KEY_LENGTH").
func (t AttributeType) String() string { return lookup(attributeNames, t) }

// NotifyType is the Notify Message Type of a Notify payload (RFC 7296
// section 3.10.1 and the IANA registry). Values below 16384 are errors.
type NotifyType uint16

// Notify message types: errors.
const (
	UnsupportedCriticalPayload NotifyType = 1
	InvalidIKESPI              NotifyType = 4
	InvalidMajorVersion        NotifyType = 5
	InvalidSyntax              NotifyType = 7
	InvalidMessageID           NotifyType = 9
	InvalidSPI                 NotifyType = 11
	NoProposalChosen           NotifyType = 14
	InvalidKEPayload           NotifyType = 17
	AuthenticationFailed       NotifyType = 24
	SinglePairRequired         NotifyType = 34
	NoAdditionalSAs            NotifyType = 35
	InternalAddressFailure     NotifyType = 36
	FailedCPRequired           NotifyType = 37
	TSUnacceptable             NotifyType = 38
	InvalidSelectors           NotifyType = 39
	TemporaryFailure           NotifyType = 43
	ChildSANotFound            NotifyType = 44
)

// Notify message types: status.
const (
	InitialContact              NotifyType = 16384
	SetWindowSize               NotifyType = 16385
	AdditionalTSPossible        NotifyType = 16386
	IPCompSupported             NotifyType = 16387
	NATDetectionSourceIP        NotifyType = 16388
	NATDetectionDestinationIP   NotifyType = 16389
	Cookie                      NotifyType = 16390
	UseTransportMode            NotifyType = 16391
	HTTPCertLookupSupported     NotifyType = 16392
	RekeySA                     NotifyType = 16393
	ESPTFCPaddingNotSupported   NotifyType = 16394
	NonFirstFragmentsAlso       NotifyType = 16395
	MOBIKESupported             NotifyType = 16396
	MultipleAuthSupported       NotifyType = 16404
	AnotherAuthFollows          NotifyType = 16405
	RedirectSupported           NotifyType = 16406
	EAPOnlyAuthentication       NotifyType = 16417
	ChildlessIKEv2Supported     NotifyType = 16418
	IKEv2FragmentationSupported NotifyType = 16430
	SignatureHashAlgorithms     NotifyType = 16431
)

var notifyNames = map[NotifyType]string{
	UnsupportedCriticalPayload:  "UNSUPPORTED_CRITICAL_PAYLOAD",
	InvalidIKESPI:               "INVALID_IKE_SPI",
	InvalidMajorVersion:         "INVALID_MAJOR_VERSION",
	InvalidSyntax:               "INVALID_SYNTAX",
	InvalidMessageID:            "INVALID_MESSAGE_ID",
	InvalidSPI:                  "INVALID_SPI",
	NoProposalChosen:            "NO_PROPOSAL_CHOSEN",
	InvalidKEPayload:            "INVALID_KE_PAYLOAD",
	AuthenticationFailed:        "AUTHENTICATION_FAILED",
	SinglePairRequired:          "SINGLE_PAIR_REQUIRED",
	NoAdditionalSAs:             "NO_ADDITIONAL_SAS",
	InternalAddressFailure:      "INTERNAL_ADDRESS_FAILURE",
	FailedCPRequired:            "FAILED_CP_REQUIRED",
	TSUnacceptable:              "TS_UNACCEPTABLE",
	InvalidSelectors:            "INVALID_SELECTORS",
	TemporaryFailure:            "TEMPORARY_FAILURE",
	ChildSANotFound:             "CHILD_SA_NOT_FOUND",
	InitialContact:              "INITIAL_CONTACT",
	SetWindowSize:               "SET_WINDOW_SIZE",
	AdditionalTSPossible:        "ADDITIONAL_TS_POSSIBLE",
	IPCompSupported:             "IPCOMP_SUPPORTED",
	NATDetectionSourceIP:        "NAT_DETECTION_SOURCE_IP",
	NATDetectionDestinationIP:   "NAT_DETECTION_DESTINATION_IP",
	Cookie:                      "COOKIE",
	UseTransportMode:            "USE_TRANSPORT_MODE",
	HTTPCertLookupSupported:     "HTTP_CERT_LOOKUP_SUPPORTED",
	RekeySA:                     "REKEY_SA",
	ESPTFCPaddingNotSupported:   "ESP_TFC_PADDING_NOT_SUPPORTED",
	NonFirstFragmentsAlso:       "NON_FIRST_FRAGMENTS_ALSO",
	MOBIKESupported:             "MOBIKE_SUPPORTED",
	MultipleAuthSupported:       "MULTIPLE_AUTH_SUPPORTED",
	AnotherAuthFollows:          "ANOTHER_AUTH_FOLLOWS",
	RedirectSupported:           "REDIRECT_SUPPORTED",
	EAPOnlyAuthentication:       "EAP_ONLY_AUTHENTICATION",
	ChildlessIKEv2Supported:     "CHILDLESS_IKEV2_SUPPORTED",
	IKEv2FragmentationSupported: "IKEV2_FRAGMENTATION_SUPPORTED",
	SignatureHashAlgorithms:     "SIGNATURE_HASH_ALGORITHMS",
}

// String returns the IANA name of the notify type, which is also what
// strongSwan's long form and IOS debugs print ("NAT_DETECTION_SOURCE_IP").
func (t NotifyType) String() string { return lookup(notifyNames, t) }

// IsError reports whether the type is an error type (RFC 7296 section
// 3.10.1: types below 16384).
func (t NotifyType) IsError() bool { return t < 16384 }

// IDType is the ID Type of an IDi/IDr payload (RFC 7296 section 3.5).
type IDType uint8

// Identification types (RFC 7296 section 3.5; ID_NULL from RFC 7619).
const (
	IDIPv4Addr   IDType = 1
	IDFQDN       IDType = 2
	IDRFC822Addr IDType = 3
	IDIPv6Addr   IDType = 5
	IDDERASN1DN  IDType = 9
	IDDERASN1GN  IDType = 10
	IDKeyID      IDType = 11
	IDNull       IDType = 13
)

var idNames = map[IDType]string{
	IDIPv4Addr:   "ID_IPV4_ADDR",
	IDFQDN:       "ID_FQDN",
	IDRFC822Addr: "ID_RFC822_ADDR",
	IDIPv6Addr:   "ID_IPV6_ADDR",
	IDDERASN1DN:  "ID_DER_ASN1_DN",
	IDDERASN1GN:  "ID_DER_ASN1_GN",
	IDKeyID:      "ID_KEY_ID",
	IDNull:       "ID_NULL",
}

// String returns the RFC name of the ID type ("ID_FQDN").
func (t IDType) String() string { return lookup(idNames, t) }

// AuthMethod is the Auth Method of an AUTH payload (RFC 7296 section 3.8;
// ECDSA from RFC 4754, digital signature from RFC 7427).
type AuthMethod uint8

// Authentication methods.
const (
	AuthRSASignature     AuthMethod = 1
	AuthSharedKeyMIC     AuthMethod = 2
	AuthDSSSignature     AuthMethod = 3
	AuthECDSA256         AuthMethod = 9
	AuthECDSA384         AuthMethod = 10
	AuthECDSA521         AuthMethod = 11
	AuthNull             AuthMethod = 13
	AuthDigitalSignature AuthMethod = 14
)

var authNames = map[AuthMethod]string{
	AuthRSASignature:     "RSA signature",
	AuthSharedKeyMIC:     "pre-shared key",
	AuthDSSSignature:     "DSS signature",
	AuthECDSA256:         "ECDSA-256 signature",
	AuthECDSA384:         "ECDSA-384 signature",
	AuthECDSA521:         "ECDSA-521 signature",
	AuthNull:             "NULL authentication",
	AuthDigitalSignature: "digital signature",
}

// String returns strongSwan's name of the method ("pre-shared key").
func (m AuthMethod) String() string { return lookup(authNames, m) }

// CertEncoding is the Cert Encoding of a CERT or CERTREQ payload (RFC 7296
// section 3.6).
type CertEncoding uint8

// Certificate encodings (RFC 7296 section 3.6).
const (
	CertPKCS7X509         CertEncoding = 1
	CertX509Signature     CertEncoding = 4
	CertCRL               CertEncoding = 7
	CertHashURLX509       CertEncoding = 12
	CertHashURLX509Bundle CertEncoding = 13
)

var certNames = map[CertEncoding]string{
	CertPKCS7X509:         "ENC_PKCS7_WRAPPED_X509",
	CertX509Signature:     "ENC_X509_SIGNATURE",
	CertCRL:               "ENC_CRL",
	CertHashURLX509:       "ENC_X509_HASH_AND_URL",
	CertHashURLX509Bundle: "ENC_X509_HASH_AND_URL_BUNDLE",
}

// String returns strongSwan's name of the encoding.
func (e CertEncoding) String() string { return lookup(certNames, e) }

// TSType is the TS Type of a traffic selector (RFC 7296 section 3.13.1).
type TSType uint8

// Traffic selector types (RFC 7296 section 3.13.1).
const (
	TSIPv4AddrRange TSType = 7
	TSIPv6AddrRange TSType = 8
)

var tsNames = map[TSType]string{
	TSIPv4AddrRange: "TS_IPV4_ADDR_RANGE",
	TSIPv6AddrRange: "TS_IPV6_ADDR_RANGE",
}

// String returns the RFC name of the selector type.
func (t TSType) String() string { return lookup(tsNames, t) }

// CPType is the CFG Type of a Configuration payload (RFC 7296 section 3.15).
type CPType uint8

// Configuration payload types (RFC 7296 section 3.15).
const (
	CFGRequest CPType = 1
	CFGReply   CPType = 2
	CFGSet     CPType = 3
	CFGAck     CPType = 4
)

var cpNames = map[CPType]string{
	CFGRequest: "CFG_REQUEST",
	CFGReply:   "CFG_REPLY",
	CFGSet:     "CFG_SET",
	CFGAck:     "CFG_ACK",
}

// String returns the RFC name ("CFG_REQUEST").
func (t CPType) String() string { return lookup(cpNames, t) }

// CfgAttrType is the Attribute Type of a configuration attribute (RFC 7296
// section 3.15.1), without the reserved bit.
type CfgAttrType uint16

// Configuration attributes (RFC 7296 section 3.15.1; INTERNAL_DNS_DOMAIN is
// RFC 8598).
const (
	InternalIP4Address  CfgAttrType = 1
	InternalIP4Netmask  CfgAttrType = 2
	InternalIP4DNS      CfgAttrType = 3
	InternalIP4NBNS     CfgAttrType = 4
	InternalIP4DHCP     CfgAttrType = 6
	ApplicationVersion  CfgAttrType = 7
	InternalIP6Address  CfgAttrType = 8
	InternalIP6DNS      CfgAttrType = 10
	InternalIP6DHCP     CfgAttrType = 12
	InternalIP4Subnet   CfgAttrType = 13
	SupportedAttributes CfgAttrType = 14
	InternalIP6Subnet   CfgAttrType = 15
	InternalDNSDomain   CfgAttrType = 25
)

// Cisco Unity attributes from the private-use range (28672-32767). Their
// numbers are confirmed from strongSwan's attribute table, where they serve
// Cisco's IKEv1 mode config; whether IOS FlexVPN sends these same numbers in
// IKEv2 (for "split-dns", "def-domain", "banner", "route set") is NOT
// confirmed, and IOS's other IKEv2-only private attributes are not defined
// here for that reason.
const (
	UnityBanner        CfgAttrType = 28672
	UnitySavePasswd    CfgAttrType = 28673
	UnityDefDomain     CfgAttrType = 28674
	UnitySplitDNSName  CfgAttrType = 28675
	UnitySplitInclude  CfgAttrType = 28676
	UnityNATTPort      CfgAttrType = 28677
	UnityLocalLAN      CfgAttrType = 28678
	UnityPFS           CfgAttrType = 28679
	UnityFWType        CfgAttrType = 28680
	UnityBackupServers CfgAttrType = 28681
	UnityDDNSHostname  CfgAttrType = 28682
)

var cfgAttrNames = map[CfgAttrType]string{
	InternalIP4Address:  "INTERNAL_IP4_ADDRESS",
	InternalIP4Netmask:  "INTERNAL_IP4_NETMASK",
	InternalIP4DNS:      "INTERNAL_IP4_DNS",
	InternalIP4NBNS:     "INTERNAL_IP4_NBNS",
	InternalIP4DHCP:     "INTERNAL_IP4_DHCP",
	ApplicationVersion:  "APPLICATION_VERSION",
	InternalIP6Address:  "INTERNAL_IP6_ADDRESS",
	InternalIP6DNS:      "INTERNAL_IP6_DNS",
	InternalIP6DHCP:     "INTERNAL_IP6_DHCP",
	InternalIP4Subnet:   "INTERNAL_IP4_SUBNET",
	SupportedAttributes: "SUPPORTED_ATTRIBUTES",
	InternalIP6Subnet:   "INTERNAL_IP6_SUBNET",
	InternalDNSDomain:   "INTERNAL_DNS_DOMAIN",
	UnityBanner:         "UNITY_BANNER",
	UnitySavePasswd:     "UNITY_SAVE_PASSWD",
	UnityDefDomain:      "UNITY_DEF_DOMAIN",
	UnitySplitDNSName:   "UNITY_SPLITDNS_NAME",
	UnitySplitInclude:   "UNITY_SPLIT_INCLUDE",
	UnityNATTPort:       "UNITY_NATT_PORT",
	UnityLocalLAN:       "UNITY_LOCAL_LAN",
	UnityPFS:            "UNITY_PFS",
	UnityFWType:         "UNITY_FW_TYPE",
	UnityBackupServers:  "UNITY_BACKUP_SERVERS",
	UnityDDNSHostname:   "UNITY_DDNS_HOSTNAME",
}

// String returns strongSwan's name of the attribute ("INTERNAL_IP4_DNS").
func (t CfgAttrType) String() string { return lookup(cfgAttrNames, t) }

// lookup returns names[v], or the decimal value in parentheses for a value
// without a name, as strongSwan prints unknown enum values.
func lookup[T ~uint8 | ~uint16](names map[T]string, v T) string {
	if s, ok := names[v]; ok {
		return s
	}
	return "(" + strconv.FormatUint(uint64(v), 10) + ")"
}
