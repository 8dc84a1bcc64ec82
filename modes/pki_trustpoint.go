package modes

import (
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// PKITrustpointMode is `crypto pki trustpoint NAME`:
// "Router(ca-trustpoint)#".
var PKITrustpointMode = NewConfigMode("ca-trustpoint", "CA trustpoint", ConfigMode)

// pkiNotApplied is reported for PKI blocks: kept and rendered, not used by
// the appliance yet.
const pkiNotApplied = "PKI configuration is kept but not used yet"

// trustpointLines are the trustpoint sub-commands, kept verbatim in IOS
// order (the rank). UNCONFIRMED: the relative order of vrf, source,
// password, usage and chain-validation.
var trustpointLines = []keptSpec{
	{Spec: "enrollment mode ra", Help: []string{"Enrollment parameters", "Mode supported by the Certificate Authority", "Registration Authority mode"},
		Rank: 10, KeyWords: 2},
	{Spec: "enrollment {url LINE|terminal [pem]|selfsigned|pkcs12|profile WORD}",
		Help: []string{"Enrollment parameters", "CA server enrollment URL", "URL", "Enroll via the terminal (cut-and-paste)",
			"Use PEM encapsulation", "Generate a Self Signed Certificate", "Import a PKCS12 file", "Specify the enrollment profile", "Profile name"},
		No: "enrollment [url|terminal|selfsigned|pkcs12|profile]", Rank: 11, KeyWords: 1},
	{Spec: "enrollment retry {count <1-100>|period <1-60>}", Help: []string{"Enrollment parameters", "Polling parameters",
		"How many times should the router poll the CA", "count", "Time between polls", "minutes"},
		Rank: 12, KeyWords: 3},
	{Spec: "vrf WORD", Help: []string{"VRF", "VRF name"}, No: "vrf", Rank: 13, KeyWords: 1},
	{Spec: "source interface IFNAME", Help: []string{"Interface used as source address", "Source interface", "Interface name"},
		No: "source interface", Rank: 14, KeyWords: 2},
	{Spec: "serial-number [none]", Help: []string{"Include serial number in certificate request", "Do not include serial number"},
		No: "serial-number", Rank: 20, KeyWords: 1},
	{Spec: "fqdn {none|WORD}", Help: []string{"Fully qualified domain name in certificate request", "Do not include fqdn", "Fully qualified domain name"},
		No: "fqdn", Rank: 21, KeyWords: 1},
	{Spec: "ip-address {none|A.B.C.D|IFNAME}", Help: []string{"Include IP address in certificate request", "Do not include IP address", "IP address", "Interface name"},
		No: "ip-address", Rank: 22, KeyWords: 1},
	{Spec: "password LINE", Help: []string{"Password for enrollment requests", "Password"}, No: "password", Rank: 23, KeyWords: 1},
	{Spec: "subject-name [LINE]", Help: []string{"Subject Name", "Subject name in X.500 DN format"}, No: "subject-name", Rank: 24, KeyWords: 1},
	{Spec: "subject-alt-name LINE", Help: []string{"Subject Alternative Name", "Subject alternative name"}, No: "subject-alt-name", Rank: 25, KeyWords: 1},
	{Spec: "revocation-check {crl|none|ocsp} [crl|none|ocsp] [crl|none|ocsp]",
		Help: []string{"Revocation checking options", "Revocation check by CRL", "Ignore revocation check", "Revocation check by OCSP",
			"Revocation check by CRL", "Ignore revocation check", "Revocation check by OCSP",
			"Revocation check by CRL", "Ignore revocation check", "Revocation check by OCSP"},
		No: "revocation-check", Rank: 30, KeyWords: 1},
	{Spec: "rsakeypair WORD [<360-4096> [<360-4096>]]", Help: []string{"Specify rsakeypair", "RSA key pair label",
		"Signature key length", "Encryption key length"}, No: "rsakeypair", Rank: 31, KeyWords: 1},
	{Spec: "eckeypair WORD", Help: []string{"Specify eckeypair", "EC key pair label"}, No: "eckeypair", Rank: 32, KeyWords: 1},
	{Spec: "usage {ike|ssl-client|ssl-server}", Help: []string{"Usage for the certificate", "IKE", "SSL client", "SSL server"},
		No: "usage", Rank: 33, KeyWords: 1},
	{Spec: "auto-enroll [<0-100>] [regenerate]", Help: []string{"Auto enroll", "Renew percentage", "Generate a new key pair"},
		No: "auto-enroll", Rank: 34, KeyWords: 1},
	{Spec: "chain-validation {stop|continue [WORD]}", Help: []string{"Chain validation", "Stop at this trustpoint",
		"Continue to the parent trustpoint", "Parent trustpoint"}, No: "chain-validation", Rank: 35, KeyWords: 1},
	{Spec: "hash {md5|sha1|sha256|sha384|sha512}", Help: []string{"Hash algorithm", "use md5 hash algorithm", "use sha1 hash algorithm",
		"use sha256 hash algorithm", "use sha384 hash algorithm", "use sha512 hash algorithm"}, No: "hash", Rank: 36, KeyWords: 1},
}

func init() {
	ConfigMode.Add(&Command{
		Spec: "crypto pki trustpoint WORD",
		Help: []string{HelpCrypto, HelpPKI, "Define a CA trustpoint", "Trustpoint name"},
		Run: func(c *Ctx, a parser.Args) error {
			c.Enter(PKITrustpointMode, c.Cfg.PKI.Trustpoint(a.Get("WORD"), true))
			c.NotApplied(pkiNotApplied)
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			c.Cfg.PKI.Trustpoints.Delete(a.Get("WORD"))
			return nil
		},
	})
	lines := func(c *Ctx) *runningconfig.KeptLines { return &c.Frame.Obj.(*runningconfig.Trustpoint).Lines }
	for _, k := range trustpointLines {
		PKITrustpointMode.Add(keptCommand(k, lines))
	}
}
