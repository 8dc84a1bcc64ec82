package modes

import (
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// IKEv2ProposalMode is `crypto ikev2 proposal NAME`:
// "Router(config-ikev2-proposal)#".
var IKEv2ProposalMode = NewConfigMode("config-ikev2-proposal", "IKEv2 proposal", ConfigMode)

// IKEv2PolicyMode is `crypto ikev2 policy NAME`: "Router(config-ikev2-policy)#".
var IKEv2PolicyMode = NewConfigMode("config-ikev2-policy", "IKEv2 policy", ConfigMode)

func init() {
	IKEv2ProposalMode.Add(
		transformCommand(runningconfig.TransEncryption, "Set encryption algorithm(s)"),
		transformCommand(runningconfig.TransIntegrity, "Set integrity hash algorithm(s)"),
		transformCommand(runningconfig.TransPRF, "Set prf algorithm(s)"),
		transformCommand(runningconfig.TransGroup, "Set the Diffie-Hellman group(s)"),
	)
	IKEv2PolicyMode.Add(
		&Command{
			Spec: "proposal WORD",
			Help: []string{"Specify Proposal", "Specify IKEv2 proposal name"},
			Run: func(c *Ctx, a parser.Args) error {
				if !c.Frame.Obj.(*runningconfig.Policy).AddProposal(a.Get("WORD")) {
					return Msg(runningconfig.ErrSameProposal)
				}
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Frame.Obj.(*runningconfig.Policy).RemoveProposal(a.Get("WORD"))
				return nil
			},
		},
		&Command{
			Spec: "match fvrf {any|WORD}",
			Help: []string{helpV2Match, helpV2MatchFVRF, helpV2AnyVRF, helpV2VRFName},
			No:   "match fvrf [any|WORD]",
			Run: func(c *Ctx, a parser.Args) error {
				c.Frame.Obj.(*runningconfig.Policy).SetFVRF(fvrfArg(a))
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Frame.Obj.(*runningconfig.Policy).SetFVRF("")
				return nil
			},
		},
		&Command{
			Spec: "match address local {A.B.C.D|X:X::X:X}",
			Help: []string{helpV2Match, helpV2MatchAddr, helpV2MatchLocal, helpV2IPv4, helpV2IPv6},
			No:   "match address local [A.B.C.D|X:X::X:X]",
			Run: func(c *Ctx, a parser.Args) error {
				c.Frame.Obj.(*runningconfig.Policy).AddLocalAddress(addrArg(a))
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Frame.Obj.(*runningconfig.Policy).RemoveLocalAddress(addrArg(a))
				return nil
			},
		},
	)
}

// transformCommand declares `encryption|integrity|prf|group ALG...` with
// its `no` form: repeated lines add algorithms (IOS keeps one list per
// attribute and appends to it), `no KW ALG...` removes some, `no KW` all.
func transformCommand(t runningconfig.Transform, help string) *Command {
	spec, h := algListSpec(t.Keyword(), help, t.Table())
	return &Command{
		Spec: spec, Help: h,
		No: t.Keyword() + " [" + spec[len(t.Keyword())+1:] + "]",
		Run: func(c *Ctx, a parser.Args) error {
			c.Frame.Obj.(*runningconfig.Proposal).Add(t, a.All("alg")...)
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			c.Frame.Obj.(*runningconfig.Proposal).Remove(t, a.All("alg")...)
			return nil
		},
	}
}

// fvrfArg reads `{any|WORD}` after match fvrf ("" when absent).
func fvrfArg(a parser.Args) string {
	if a.Has("any") {
		return "any"
	}
	return a.Get("WORD")
}

// addrArg reads an A.B.C.D or X:X::X:X argument ("" when absent).
func addrArg(a parser.Args) string {
	if v := a.Get("A.B.C.D"); v != "" {
		return v
	}
	return a.Get("X:X::X:X")
}
