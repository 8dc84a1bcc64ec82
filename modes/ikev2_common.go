package modes

import (
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// Help strings shared by the IKEv2 modes.
const (
	helpV2Local       = "Local"
	helpV2Remote      = "Remote"
	helpV2Unencrypted = "Specifies an UNENCRYPTED password will follow"
	helpV2Encrypted   = "Specifies an ENCRYPTED password will follow"
	helpV2Description = "Specify a description of this profile"
	helpV2Match       = "Match values of local and remote peers"
	helpV2MatchFVRF   = "fvrf of the profile"
	helpV2MatchAddr   = "Match address"
	helpV2MatchLocal  = "Local address"
	helpV2AnyVRF      = "Any fvrf"
	helpV2VRFName     = "VRF name"
	helpV2IPv4        = "IPv4 address"
	helpV2IPv6        = "IPv6 address"
	helpV2Mask        = "IP address mask"
	helpV2Prefix      = "IPv6 prefix"
	helpV2Domain      = "Domain name"
	helpV2Email       = "Email id"
	helpV2FQDN        = "Fully qualified domain name"
	helpV2KeyID       = "Key-ID"
	helpV2KeyIDValue  = "Key-id opaque string"
	helpV2Rest        = "Arguments of the line to remove"
	helpV2Identity    = "Specify peer identity"
	helpV2PSKMethod   = "Pre-Shared Key"
	helpV2RSASig      = "Rivest-Shamir-Adleman Signature"
	helpV2ECDSASig    = "Elliptic Curve Digital Signature Algorithm"
	helpV2EAP         = "Extensible Authentication Protocol"
	helpV2AnyConnect  = "AnyConnect EAP authentication method"
	helpV2Key         = "Specify the key"
	helpV2KeyValue    = "The key"
	helpV2Track       = "Track object"
	helpV2TrackNum    = "Tracked object number"
)

// algListSpec returns the grammar and help of a command taking one or more
// algorithms of table (`encryption aes-cbc-256 aes-cbc-128`): a repeated
// keyword choice, each value reported under the name "alg".
func algListSpec(kw, kwHelp string, table []runningconfig.Algorithm) (string, []string) {
	keys := make([]string, len(table))
	help := []string{kwHelp}
	for i, a := range table {
		keys[i] = a.Keyword + "$alg"
		help = append(help, a.Help)
	}
	return kw + " {" + strings.Join(keys, "|") + "}...", help
}

// span is a word's position in a line.
type span struct{ start, end int }

// wordSpans returns the positions of the words of line.
func wordSpans(line string) []span {
	var out []span
	i := 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if j > i {
			out = append(out, span{i, j})
		}
		i = j
	}
	return out
}

// rawRest returns the line from its n-th word (0-based) to the end,
// trailing spaces included: IOS keeps a description exactly as typed.
func rawRest(line string, n int) string {
	spans := wordSpans(line)
	if n >= len(spans) {
		return ""
	}
	return strings.TrimRight(line[spans[n].start:], "\r\n")
}

// keyArg reads an optional [0|6] type and the key text named name.
func keyArg(a parser.Args, name string) *runningconfig.Key {
	k := &runningconfig.Key{Text: a.Get(name)}
	if a.Has("6") {
		k.Type = 6
	}
	return k
}

// identityArgs reads an identity matched by the identity grammars below
// (address, fqdn [domain], email [domain], key-id, dn, any).
func identityArgs(a parser.Args) runningconfig.Identity {
	var id runningconfig.Identity
	for _, t := range []string{"address", "fqdn", "email", "key-id", "dn", "any"} {
		if a.Has(t) {
			id.Type = t
			break
		}
	}
	id.Domain = a.Has("domain")
	switch {
	case a.Has("A.B.C.D"):
		id.Value = a.Get("A.B.C.D")
	case a.Has("X:X::X:X"):
		id.Value = a.Get("X:X::X:X")
	case a.Has("X:X::X:X/M"):
		id.Value = a.Get("X:X::X:X/M")
	default:
		id.Value = a.Get("WORD")
	}
	id.Mask = a.Get("mask")
	return id
}

// identitySpec is the grammar of a peer identity (keyring peer `identity`).
const identitySpec = "{address {A.B.C.D|X:X::X:X}|fqdn [domain] WORD|email [domain] WORD|key-id WORD}"

var identityHelp = []string{
	"IP address", helpV2IPv4, helpV2IPv6,
	helpV2FQDN, "Use fqdn domain to match", helpV2Domain,
	helpV2Email, "Use email domain to match", helpV2Email,
	helpV2KeyID, helpV2KeyIDValue,
}
