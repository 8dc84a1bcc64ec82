package modes

import (
	"net/netip"

	"github.com/flexvpnd/flexvpnd/parser"
)

// The clear commands of live crypto state (privileged exec). They print
// nothing, as on IOS; the engine deletes the SAs and tells the peers
// (INFORMATIONAL Delete, RFC 7296 section 1.4.1). Help texts: `clear
// crypto ikev2 ?` (sa) is from an IOS-XE capture; the others are
// UNCONFIRMED.
func init() {
	ExecMode.Add(
		&Command{
			Spec: "clear crypto ikev2 sa [fvrf WORD] [local " + addrSpec + "] [remote " + addrSpec + "]",
			Help: concat([]string{HelpClear, HelpCrypto, "IKEv2 information", "Clear ikev2 SAs", helpFVRF, helpFVRFName, helpLocalAddr},
				addrHelp, []string{helpRemoteAddr}, addrHelp),
			No: "-", Priv: 15,
			Run: clearIKESAs,
		},
		// A crypto session is an IKE SA with its CHILD SAs: clearing it
		// deletes the IKE SA, which takes the CHILD SAs with it.
		&Command{
			Spec: "clear crypto session [remote " + addrSpec + "]",
			Help: concat([]string{HelpClear, HelpCrypto, "Clear crypto session", helpSessRemote}, addrHelp),
			No:   "-", Priv: 15,
			Run: clearIKESAs,
		},
		&Command{
			Spec: "clear crypto sa [peer " + addrSpec + "]",
			Help: concat([]string{HelpClear, HelpCrypto, "Clear all crypto SAs", "Clear all SAs for a given crypto peer"}, addrHelp),
			No:   "-", Priv: 15,
			Run: func(c *Ctx, a parser.Args) error {
				if e := c.S.Sys.Engine; e != nil {
					e.ClearChildSAs(addrAfter(a, "peer"))
				}
				return nil
			},
		},
	)
}

// clearIKESAs deletes the IKE SAs that match the `fvrf`, `local` and
// `remote` filters (all of them without one). The engine deletes by remote
// address: with an fvrf or local filter, the remotes of the matching SAs
// of the snapshot are cleared.
func clearIKESAs(c *Ctx, a parser.Args) error {
	e := c.S.Sys.Engine
	if e == nil {
		return nil
	}
	f := saFilter{local: addrAfter(a, "local"), remote: addrAfter(a, "remote"), fvrf: a.Get("WORD")}
	if !f.local.IsValid() && f.fvrf == "" {
		e.ClearIKESAs(f.remote)
		return nil
	}
	done := map[netip.Addr]bool{}
	snap := e.Snapshot()
	for i := range snap.IKESAs {
		sa := &snap.IKESAs[i]
		if r := sa.Remote.Addr().Unmap(); f.match(sa) && !done[r] {
			done[r] = true
			e.ClearIKESAs(r)
		}
	}
	return nil
}
