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
// algorithms of table: the first two are keyword choices (so `?` lists
// them), the others are words checked by algValues. The parser has no
// repetition token, and nesting more keyword choices would grow the graph
// exponentially.
func algListSpec(kw, kwHelp string, table []runningconfig.Algorithm) (string, []string) {
	keys := make([]string, len(table))
	var algHelp []string
	for i, a := range table {
		keys[i] = a.Keyword
		algHelp = append(algHelp, a.Help)
	}
	choice := "{" + strings.Join(keys, "|") + "}"
	spec := kw + " " + choice + " [" + choice
	help := concat([]string{kwHelp}, algHelp, algHelp)
	for range len(table) - 2 {
		spec += " [WORD$more"
		help = append(help, "Further algorithm, as above")
	}
	return spec + strings.Repeat("]", len(table)-1), help
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

// algValues returns the algorithm keywords of a line matched by an
// algListSpec: the keyword choices and each further word resolved against
// table (exact, or a unique abbreviation). A word that is not an algorithm
// gets the IOS error with the caret under it.
func algValues(c *Ctx, a parser.Args, table []runningconfig.Algorithm) ([]string, error) {
	more := a.All("more")
	var out []string
	for _, x := range a[1:] {
		if _, ok := runningconfig.LookupAlgorithm(table, x.Value); ok && x.Kind == parser.Keyword {
			out = append(out, x.Value)
		}
	}
	spans := wordSpans(c.Line)
	base := len(spans) - len(more)
	for i, w := range more {
		sp := spans[base+i]
		v, kind := resolveAlg(table, w)
		if kind >= 0 {
			return nil, &parser.Error{Kind: parser.ErrKind(kind), Line: c.Line, Pos: sp.start, End: sp.end}
		}
		out = append(out, v)
	}
	return out, nil
}

// resolveAlg resolves w against the keywords of table; kind is -1 on
// success, else the parser error kind.
func resolveAlg(table []runningconfig.Algorithm, w string) (string, int) {
	lw := strings.ToLower(w)
	var found []string
	for _, a := range table {
		if a.Keyword == lw {
			return a.Keyword, -1
		}
		if strings.HasPrefix(a.Keyword, lw) {
			found = append(found, a.Keyword)
		}
	}
	switch len(found) {
	case 1:
		return found[0], -1
	case 0:
		return "", int(parser.ErrInvalid)
	}
	return "", int(parser.ErrAmbiguous)
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
