package runningconfig

import (
	"fmt"
	"strconv"
	"strings"
)

// Algorithm is one IKEv2 transform keyword with the name `show crypto
// ikev2 proposal` prints for it.
type Algorithm struct {
	// Keyword is the configuration keyword ("aes-cbc-256").
	Keyword string
	// Show is the name in show output ("AES-CBC-256").
	Show string
	// Help is the `?` description.
	Help string
}

// EncryptionAlgorithms are the `encryption` keywords of an IKEv2 proposal.
var EncryptionAlgorithms = []Algorithm{
	{"3des", "3DES", "3DES"},
	{"aes-cbc-128", "AES-CBC-128", "AES-CBC-128"},
	{"aes-cbc-192", "AES-CBC-192", "AES-CBC-192"},
	{"aes-cbc-256", "AES-CBC-256", "AES-CBC-256"},
	{"aes-gcm-128", "AES-GCM-128", "Combined-mode,128 bit key,16 byte ICV(Authentication Tag)"},
	{"aes-gcm-256", "AES-GCM-256", "Combined-mode,256 bit key,16 byte ICV(Authentication Tag)"},
	{"des", "DES", "DES"},
}

// IntegrityAlgorithms are the `integrity` keywords.
var IntegrityAlgorithms = []Algorithm{
	{"md5", "MD596", "Message Digest 5"},
	{"sha1", "SHA96", "Secure Hash Standard"},
	{"sha256", "SHA256", "Secure Hash Standard 2 (256 bit)"},
	{"sha384", "SHA384", "Secure Hash Standard 2 (384 bit)"},
	{"sha512", "SHA512", "Secure Hash Standard 2 (512 bit)"},
}

// PRFAlgorithms are the `prf` keywords.
var PRFAlgorithms = []Algorithm{
	{"md5", "MD5", "Message Digest 5"},
	{"sha1", "SHA1", "Secure Hash Standard"},
	{"sha256", "SHA256", "Secure Hash Standard 2 (256 bit)"},
	{"sha384", "SHA384", "Secure Hash Standard 2 (384 bit)"},
	{"sha512", "SHA512", "Secure Hash Standard 2 (512 bit)"},
}

// DHGroups are the `group` numbers.
var DHGroups = []Algorithm{
	{"1", "DH_GROUP_768_MODP/Group 1", "DH 768 MODP"},
	{"2", "DH_GROUP_1024_MODP/Group 2", "DH 1024 MODP"},
	{"5", "DH_GROUP_1536_MODP/Group 5", "DH 1536 MODP"},
	{"14", "DH_GROUP_2048_MODP/Group 14", "DH 2048 MODP"},
	{"15", "DH_GROUP_3072_MODP/Group 15", "DH 3072 MODP"},
	{"16", "DH_GROUP_4096_MODP/Group 16", "DH 4096 MODP"},
	{"19", "DH_GROUP_256_ECP/Group 19", "DH 256 ECP"},
	{"20", "DH_GROUP_384_ECP/Group 20", "DH 384 ECP"},
	{"21", "DH_GROUP_521_ECP/Group 21", "DH 521 ECP"},
	{"24", "DH_GROUP_2048_256_MODP/Group 24", "DH 2048 (256 subgroup) MODP"},
}

// LookupAlgorithm returns the entry of table for keyword.
func LookupAlgorithm(table []Algorithm, keyword string) (Algorithm, bool) {
	for _, a := range table {
		if a.Keyword == keyword {
			return a, true
		}
	}
	return Algorithm{}, false
}

// Transform names a proposal attribute.
type Transform int

// The proposal attributes, in rendering order.
const (
	TransEncryption Transform = iota
	TransIntegrity
	TransPRF
	TransGroup
)

// Keyword is the attribute's configuration command.
func (t Transform) Keyword() string {
	return [...]string{"encryption", "integrity", "prf", "group"}[t]
}

// Table is the attribute's algorithm table.
func (t Transform) Table() []Algorithm {
	return [...][]Algorithm{EncryptionAlgorithms, IntegrityAlgorithms, PRFAlgorithms, DHGroups}[t]
}

// Proposal is a `crypto ikev2 proposal`: lists of algorithm keywords in the
// order configured (the order of preference).
type Proposal struct {
	Name       string
	Encryption []string
	Integrity  []string
	PRF        []string
	Group      []int

	// smart has one bit per Transform whose list still holds the smart
	// default values (the first line of that attribute replaces them).
	smart uint8
}

const allTransforms = 1<<TransEncryption | 1<<TransIntegrity | 1<<TransPRF | 1<<TransGroup

// NewDefaultProposal returns the IOS-XE 17 smart default proposal.
func NewDefaultProposal() *Proposal {
	return &Proposal{
		Name:       DefaultName,
		Encryption: []string{"aes-cbc-256"},
		Integrity:  []string{"sha512", "sha384"},
		Group:      []int{19, 14, 21, 5},
		smart:      allTransforms,
	}
}

// IsSmartDefault reports whether p is the untouched smart default.
func (p *Proposal) IsSmartDefault() bool { return p.smart == allTransforms }

// Values returns the attribute's keywords.
func (p *Proposal) Values(t Transform) []string {
	switch t {
	case TransEncryption:
		return p.Encryption
	case TransIntegrity:
		return p.Integrity
	case TransPRF:
		return p.PRF
	}
	out := make([]string, len(p.Group))
	for i, g := range p.Group {
		out[i] = strconv.Itoa(g)
	}
	return out
}

func (p *Proposal) setValues(t Transform, vals []string) {
	switch t {
	case TransEncryption:
		p.Encryption = vals
	case TransIntegrity:
		p.Integrity = vals
	case TransPRF:
		p.PRF = vals
	default:
		p.Group = nil
		for _, v := range vals {
			n, _ := strconv.Atoi(v)
			p.Group = append(p.Group, n)
		}
	}
}

// Add appends algorithms to an attribute, as IOS does when the command is
// repeated (values already present are kept where they are): IOS-XE's own
// data model has one presence leaf per algorithm, so a second `group 14`
// line adds group 14 to the set rather than replacing it; the order typed
// is kept because it is the order of preference shown (`group 19 14 21 5`
// of the smart default). The first line on an attribute of the smart
// default replaces its default values.
func (p *Proposal) Add(t Transform, vals ...string) {
	cur := p.Values(t)
	if p.smart&(1<<t) != 0 {
		cur = nil
		p.smart &^= 1 << t
	}
	p.setValues(t, AddUnique(cur, vals...))
}

// Remove deletes algorithms from an attribute (all of them when vals is
// empty): `no encryption [ALG...]`.
func (p *Proposal) Remove(t Transform, vals ...string) {
	p.smart &^= 1 << t
	if len(vals) == 0 {
		p.setValues(t, nil)
		return
	}
	p.setValues(t, RemoveValues(p.Values(t), vals...))
}

// renderProposals writes every configured proposal, then `no crypto ikev2
// proposal default` when the smart default was removed, then `!`. IOS
// prints consecutive proposals without `!` between them (the `no ...
// default` line follows the last proposal's body directly in a captured
// IOS-XE configuration).
func (k *IKEv2) renderProposals(w *writer) {
	n := 0
	k.Proposals.Each(func(_ string, p *Proposal) {
		if p.IsSmartDefault() {
			return
		}
		n++
		w.line("crypto ikev2 proposal %s ", p.Name)
		for t := TransEncryption; t <= TransGroup; t++ {
			if v := p.Values(t); len(v) > 0 {
				w.line(" %s %s", t.Keyword(), strings.Join(v, " "))
			}
		}
	})
	if k.NoDefaultProposal {
		n++
		w.line("no crypto ikev2 proposal default")
	}
	if n > 0 {
		w.bang()
	}
}

// showNames maps keywords to show names; "none" for an empty list.
func showNames(table []Algorithm, keywords []string) string {
	if len(keywords) == 0 {
		return "none"
	}
	names := make([]string, len(keywords))
	for i, k := range keywords {
		a, _ := LookupAlgorithm(table, k)
		names[i] = a.Show
	}
	return strings.Join(names, " ")
}

// ShowPRF is the PRF list `show crypto ikev2 proposal` prints: the
// configured prf, or the PRF that goes with each integrity algorithm.
func (p *Proposal) ShowPRF() string {
	if len(p.PRF) > 0 {
		return showNames(PRFAlgorithms, p.PRF)
	}
	return showNames(PRFAlgorithms, p.Integrity)
}

// Show renders the proposal as `show crypto ikev2 proposal` does. An empty
// list shows as "none" (UNCONFIRMED: no capture of an incomplete or AES-GCM
// proposal).
func (p *Proposal) Show() string {
	var b strings.Builder
	fmt.Fprintf(&b, " IKEv2 proposal: %s \n", p.Name)
	fmt.Fprintf(&b, "     Encryption : %s\n", showNames(EncryptionAlgorithms, p.Encryption))
	fmt.Fprintf(&b, "     Integrity  : %s\n", showNames(IntegrityAlgorithms, p.Integrity))
	fmt.Fprintf(&b, "     PRF        : %s\n", p.ShowPRF())
	fmt.Fprintf(&b, "     DH Group   : %s\n", showNames(DHGroups, p.Values(TransGroup)))
	return b.String()
}

// ShowProposals renders `show crypto ikev2 proposal [NAME]`: the default
// proposal first, then the others in configuration order, and a blank line.
// An unknown name prints nothing.
func (k *IKEv2) ShowProposals(name string) string {
	var b strings.Builder
	for _, p := range defaultFirst(&k.Proposals, name) {
		b.WriteString(p.Show())
	}
	if b.Len() == 0 {
		return ""
	}
	return b.String() + "\n"
}

// defaultFirst lists the objects of o named name (all when name is ""),
// the one named default first.
func defaultFirst[T any](o *Ordered[T], name string) []T {
	if name != "" {
		if v, ok := o.Get(name); ok {
			return []T{v}
		}
		return nil
	}
	var out []T
	if v, ok := o.Get(DefaultName); ok {
		out = append(out, v)
	}
	o.Each(func(n string, v T) {
		if n != DefaultName {
			out = append(out, v)
		}
	})
	return out
}

// Policy is a `crypto ikev2 policy`.
type Policy struct {
	Name string
	// Proposals are the proposal names in order.
	Proposals []string
	// FVRF is the `match fvrf`: "" (the global table), "any" or a VRF name.
	FVRF string
	// LocalAddresses are the `match address local` addresses (canonical
	// IPv4 or IPv6).
	LocalAddresses []string

	// smart: bit 0 proposals, bit 1 fvrf still hold the smart defaults.
	smart uint8
}

const (
	policySmartProposals = 1 << iota
	policySmartFVRF
	policySmartAll = policySmartProposals | policySmartFVRF
)

// NewDefaultPolicy returns the smart default policy: any fvrf, any local
// address, proposal default.
func NewDefaultPolicy() *Policy {
	return &Policy{Name: DefaultName, Proposals: []string{DefaultName}, FVRF: "any", smart: policySmartAll}
}

// IsSmartDefault reports whether p is the untouched smart default.
func (p *Policy) IsSmartDefault() bool {
	return p.smart == policySmartAll && len(p.LocalAddresses) == 0
}

// ErrSameProposal is IOS's message for a proposal a policy already has.
const ErrSameProposal = "% Policy already has same proposal set "

// AddProposal appends a proposal; it returns false if the policy already
// has it. The first proposal added to the smart default replaces default.
func (p *Policy) AddProposal(name string) bool {
	if p.smart&policySmartProposals != 0 {
		p.smart &^= policySmartProposals
		p.Proposals = nil
	}
	if indexOf(p.Proposals, name) >= 0 {
		return false
	}
	p.Proposals = append(p.Proposals, name)
	return true
}

// RemoveProposal is `no proposal NAME`.
func (p *Policy) RemoveProposal(name string) {
	p.smart &^= policySmartProposals
	p.Proposals = RemoveValues(p.Proposals, name)
}

// SetFVRF is `match fvrf NAME|any` ("" for `no match fvrf`).
func (p *Policy) SetFVRF(vrf string) {
	p.smart &^= policySmartFVRF
	p.FVRF = vrf
}

// AddLocalAddress is `match address local ADDR`.
func (p *Policy) AddLocalAddress(addr string) {
	p.LocalAddresses = AddUnique(p.LocalAddresses, addr)
}

// RemoveLocalAddress is `no match address local [ADDR]`.
func (p *Policy) RemoveLocalAddress(addr string) {
	if addr == "" {
		p.LocalAddresses = nil
		return
	}
	p.LocalAddresses = RemoveValues(p.LocalAddresses, addr)
}

// renderPolicies writes the policies like the proposals: consecutive
// blocks, `no crypto ikev2 policy default`, then `!`. Inside a policy:
// match fvrf, match address local, proposal (best knowledge).
func (k *IKEv2) renderPolicies(w *writer) {
	n := 0
	k.Policies.Each(func(_ string, p *Policy) {
		if p.IsSmartDefault() {
			return
		}
		n++
		w.line("crypto ikev2 policy %s ", p.Name)
		if p.FVRF != "" {
			w.line(" match fvrf %s", p.FVRF)
		}
		for _, a := range p.LocalAddresses {
			w.line(" match address local %s", a)
		}
		for _, pr := range p.Proposals {
			w.line(" proposal %s", pr)
		}
	})
	if k.NoDefaultPolicy {
		n++
		w.line("no crypto ikev2 policy default")
	}
	if n > 0 {
		w.bang()
	}
}

// Show renders the policy as `show crypto ikev2 policy` does. IOS prints
// "Match fvrf : any" but "Match fvrf  : global" (two spaces) in the capture;
// a named VRF is assumed to use the second layout.
func (p *Policy) Show() string {
	var b strings.Builder
	fmt.Fprintf(&b, " IKEv2 policy : %s\n", p.Name)
	switch p.FVRF {
	case "any":
		b.WriteString("      Match fvrf : any\n")
	case "":
		b.WriteString("      Match fvrf  : global\n")
	default:
		fmt.Fprintf(&b, "      Match fvrf  : %s\n", p.FVRF)
	}
	if len(p.LocalAddresses) == 0 {
		b.WriteString("      Match address local : any \n")
	}
	for _, a := range p.LocalAddresses {
		fmt.Fprintf(&b, "      Match address local : %s \n", a)
	}
	for _, pr := range p.Proposals {
		fmt.Fprintf(&b, "      Proposal    : %s \n", pr)
	}
	return b.String()
}

// ShowPolicies renders `show crypto ikev2 policy [NAME]`.
func (k *IKEv2) ShowPolicies(name string) string {
	var b strings.Builder
	for _, p := range defaultFirst(&k.Policies, name) {
		b.WriteString(p.Show())
	}
	if b.Len() == 0 {
		return ""
	}
	return b.String() + "\n"
}
