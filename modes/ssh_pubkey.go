package modes

import (
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// SSHPubkeyMode is `ip ssh pubkey-chain`: "Router(conf-ssh-pubkey)#".
var SSHPubkeyMode = NewConfigMode("conf-ssh-pubkey", "SSH public key", ConfigMode)

// SSHPubkeyUserMode is `username NAME` under the pubkey chain:
// "Router(conf-ssh-pubkey-user)#".
var SSHPubkeyUserMode = NewConfigMode("conf-ssh-pubkey-user", "SSH public key user", SSHPubkeyMode)

// SSHPubkeyDataMode takes the base64 lines of one public key after
// `key-string` until `exit`: "Router(conf-ssh-pubkey-data)#". Its `exit`
// and `end` store the key's hash, so it is declared without
// NewConfigMode's plain exit.
var SSHPubkeyDataMode = &Mode{Name: "conf-ssh-pubkey-data", Title: "SSH public key data", Parent: SSHPubkeyUserMode}

// pubkeyData is the object of a data-mode frame: the user the key is for
// and the base64 text typed so far.
type pubkeyData struct {
	user *runningconfig.PubkeyUser
	text strings.Builder
}

// sshKeyTypes are the key algorithms `key-hash` takes.
const sshKeyTypes = "{ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|ssh-ed25519}"

var sshKeyTypeHelp = []string{"SSH RSA key type", "ECDSA NIST P-256 key type", "ECDSA NIST P-384 key type",
	"ECDSA NIST P-521 key type", "SSH Ed25519 key type"}

func init() {
	AllModes = append(AllModes, SSHPubkeyDataMode)
	ConfigMode.Add(&Command{
		Spec: "ip ssh pubkey-chain",
		Help: []string{HelpIP, helpSSH, "pubkey-chain"},
		Run: func(c *Ctx, a parser.Args) error {
			c.Cfg.Global.SSH.PubkeyChain = true
			c.Enter(SSHPubkeyMode, &c.Cfg.Global.SSH)
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			s := &c.Cfg.Global.SSH
			s.PubkeyChain, s.Pubkeys = false, runningconfig.Ordered[*runningconfig.PubkeyUser]{}
			return nil
		},
	})
	SSHPubkeyMode.Add(&Command{
		Spec: "username WORD",
		Help: []string{"Config public key for a local user", "SSH user name"},
		Run: func(c *Ctx, a parser.Args) error {
			u := c.Frame.Obj.(*runningconfig.SSHConfig).PubkeyUser(a.Get("WORD"), true)
			c.Enter(SSHPubkeyUserMode, u)
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			c.Frame.Obj.(*runningconfig.SSHConfig).Pubkeys.Delete(a.Get("WORD"))
			return nil
		},
	})
	SSHPubkeyUserMode.Add(
		&Command{
			Spec: "key-string", Help: []string{"Enter public key (RFC 4716 base64 body)"}, No: "-",
			Run: func(c *Ctx, a parser.Args) error {
				c.Enter(SSHPubkeyDataMode, &pubkeyData{user: c.Frame.Obj.(*runningconfig.PubkeyUser)})
				return nil
			},
		},
		&Command{
			Spec: "key-hash " + sshKeyTypes + " WORD [LINE]",
			Help: append(append([]string{"Enter public key hash"}, sshKeyTypeHelp...), "MD5 hash of the public key", "Key comment"),
			No:   "key-hash " + sshKeyTypes + " WORD",
			Run: func(c *Ctx, a parser.Args) error {
				k, err := runningconfig.ParseKeyHash(keyTypeArg(a), a.Get("WORD"), a.Get("LINE"))
				if err != nil {
					return Errorf("%%SSH: %v", err)
				}
				c.Frame.Obj.(*runningconfig.PubkeyUser).AddKey(k)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Frame.Obj.(*runningconfig.PubkeyUser).DeleteKey(keyTypeArg(a), a.Get("WORD"))
				return nil
			},
		},
	)
	SSHPubkeyDataMode.Add(
		&Command{
			Spec: "exit", Help: []string{"Exit from SSH public key data mode"}, No: "-",
			Run: func(c *Ctx, a parser.Args) error {
				err := c.Frame.Obj.(*pubkeyData).store()
				c.S.stack = c.S.stack[:c.level]
				return err
			},
		},
		&Command{
			Spec: "end", Help: []string{"Exit from configure mode"}, No: "-",
			Run: func(c *Ctx, a parser.Args) error {
				err := c.Frame.Obj.(*pubkeyData).store()
				c.S.ExitConfig()
				return err
			},
		},
		&Command{
			Spec: "LINE", Help: []string{"Public key data in base64"}, No: "-",
			Run: func(c *Ctx, a parser.Args) error {
				for i, w := range strings.Fields(a.Get("LINE")) {
					if strings.Trim(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != "" {
						return invalidWord(c.Line, i)
					}
					c.Frame.Obj.(*pubkeyData).text.WriteString(w)
				}
				return nil
			},
		},
	)
}

// keyTypeArg returns the key type chosen in a `key-hash` line.
func keyTypeArg(a parser.Args) string {
	for _, t := range strings.Split(strings.Trim(sshKeyTypes, "{}"), "|") {
		if a.Has(t) {
			return t
		}
	}
	return ""
}

// store decodes the key typed in data mode and adds its hash to the user;
// nothing typed stores nothing. The blob's first field names its type
// (RFC 4253 section 6.6).
func (d *pubkeyData) store() error {
	if d.text.Len() == 0 {
		return nil
	}
	blob, err := base64.StdEncoding.DecodeString(d.text.String())
	if err != nil || len(blob) < 4 {
		return Msg("%SSH: Failed to decode the key value")
	}
	n := binary.BigEndian.Uint32(blob)
	if n == 0 || uint64(n) > uint64(len(blob)-4) {
		return Msg("%SSH: Failed to decode the key value")
	}
	keyType := string(blob[4 : 4+n])
	if !slices.Contains(strings.Split(strings.Trim(sshKeyTypes, "{}"), "|"), keyType) {
		return Errorf("%%SSH: Unsupported key type %s", keyType)
	}
	d.user.AddKey(runningconfig.KeyHashOf(keyType, blob, ""))
	return nil
}
