package modes

import (
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// PKICertMapMode is `crypto pki certificate map NAME SEQ`:
// "Router(ca-certificate-map)#".
var PKICertMapMode = NewConfigMode("ca-certificate-map", "Certificate map", ConfigMode)

// PKICertChainMode is `crypto pki certificate chain NAME`:
// "Router(config-cert-chain)#".
var PKICertChainMode = NewConfigMode("config-cert-chain", "Certificate chain", ConfigMode)

// PKIPubkeyMode takes the hex body of one certificate until `quit`:
// "Router(config-pubkey)#".
var PKIPubkeyMode = NewConfigMode("config-pubkey", "Certificate data", PKICertChainMode)

const helpPKICertificate = "Actions on certificates"

func init() {
	ConfigMode.Add(
		&Command{
			Spec: "crypto pki certificate map WORD <1-65535>",
			Help: []string{HelpCrypto, HelpPKI, helpPKICertificate, "Define a certificate map", "Certificate map tag", "Sequence to insert to map"},
			No:   "crypto pki certificate map WORD [<1-65535>]",
			Run: func(c *Ctx, a parser.Args) error {
				c.Enter(PKICertMapMode, c.Cfg.PKI.CertMap(a.Get("WORD"), a.Int("<1-65535>"), true))
				c.NotApplied(pkiNotApplied)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.PKI.DeleteCertMap(a.Get("WORD"), a.Int("<1-65535>"))
				return nil
			},
		},
		&Command{
			Spec: "crypto pki certificate chain WORD",
			Help: []string{HelpCrypto, HelpPKI, helpPKICertificate, "Certificate chain for a trustpoint", "Trustpoint name"},
			Run: func(c *Ctx, a parser.Args) error {
				c.Enter(PKICertChainMode, c.Cfg.PKI.Chain(a.Get("WORD"), true))
				c.NotApplied(pkiNotApplied)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.PKI.Chains.Delete(a.Get("WORD"))
				return nil
			},
		},
	)
	PKICertMapMode.Add(keptCommand(keptSpec{
		Spec: "{subject-name|issuer-name|unstructured-subject-name|alt-subject-name|name|serial-number|expires-on|valid-start} {co|eq|nc|ne|lt|ge} LINE",
		Help: []string{"Subject Name", "Issuer Name", "Unstructured Subject Name", "Subject Alternative Name", "Subject or Issuer Name",
			"Serial Number", "Expires on date", "Valid start date", "contains", "equal", "does not contain", "not equal",
			"less than", "greater than or equal", "Value to match"},
	}, func(c *Ctx) *runningconfig.KeptLines { return &c.Frame.Obj.(*runningconfig.CertMap).Lines }))
	PKICertChainMode.Add(&Command{
		Spec: "certificate [ca|self-signed|rollover] WORD",
		Help: []string{"Enter a certificate", "a CA certificate", "a self signed certificate", "a rollover certificate", "serial number"},
		No:   "certificate [ca|self-signed|rollover] WORD",
		Run: func(c *Ctx, a parser.Args) error {
			kind := ""
			for _, k := range []string{"ca", "self-signed", "rollover"} {
				if a.Has(k) {
					kind = k
				}
			}
			chain := c.Frame.Obj.(*runningconfig.CertChain)
			c.Enter(PKIPubkeyMode, chain.Certificate(kind, a.Get("WORD"), true))
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			c.Frame.Obj.(*runningconfig.CertChain).DeleteCertificate(a.Get("WORD"))
			return nil
		},
	})
	PKIPubkeyMode.Add(
		&Command{
			Spec: "quit", Help: []string{"Exit data entry mode"}, No: "-",
			Run: func(c *Ctx, a parser.Args) error {
				c.S.stack = c.S.stack[:c.level]
				return nil
			},
		},
		&Command{
			Spec: "LINE", Help: []string{"Certificate data in hex"}, No: "-",
			Run: func(c *Ctx, a parser.Args) error {
				words := strings.Fields(a.Get("LINE"))
				for i, w := range words {
					if strings.Trim(w, "0123456789abcdefABCDEF") != "" {
						return invalidWord(c.Line, i)
					}
				}
				cert := c.Frame.Obj.(*runningconfig.Certificate)
				cert.Hex = append(cert.Hex, strings.Join(words, " "))
				return nil
			},
		},
	)
}
