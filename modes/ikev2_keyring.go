package modes

import (
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// IKEv2KeyringMode is `crypto ikev2 keyring NAME`:
// "Router(config-ikev2-keyring)#".
var IKEv2KeyringMode = NewConfigMode("config-ikev2-keyring", "IKEv2 keyring", ConfigMode)

// IKEv2KeyringPeerMode is `peer NAME` inside a keyring:
// "Router(config-ikev2-keyring-peer)#".
var IKEv2KeyringPeerMode = NewConfigMode("config-ikev2-keyring-peer", "IKEv2 keyring peer", IKEv2KeyringMode)

func init() {
	IKEv2KeyringMode.Add(&Command{
		Spec: "peer WORD",
		Help: []string{"Configure a Peer and associated keys", "Name of peer"},
		Run: func(c *Ctx, a parser.Args) error {
			c.Enter(IKEv2KeyringPeerMode, c.Frame.Obj.(*runningconfig.Keyring).Peer(a.Get("WORD"), true))
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			c.Frame.Obj.(*runningconfig.Keyring).Peers.Delete(a.Get("WORD"))
			return nil
		},
	})
	peer := func(c *Ctx) *runningconfig.KeyringPeer { return c.Frame.Obj.(*runningconfig.KeyringPeer) }
	IKEv2KeyringPeerMode.Add(
		&Command{
			Spec:  "description LINE",
			Help:  []string{"Specify a description of this peer", "Peer description"},
			No:    "description [LINE]",
			Run:   func(c *Ctx, a parser.Args) error { peer(c).Description = rawRest(c.Line, 1); return nil },
			Unset: func(c *Ctx, a parser.Args) error { peer(c).Description = ""; return nil },
		},
		&Command{
			Spec: "address {A.B.C.D [A.B.C.D$mask]|X:X::X:X/M}",
			Help: []string{"Specify IP address(es) of the peer", helpV2IPv4, helpV2Mask, helpV2Prefix},
			No:   "address [A.B.C.D [A.B.C.D$mask]|X:X::X:X/M]",
			Run: func(c *Ctx, a parser.Args) error {
				p := peer(c)
				p.Address, p.Mask = a.Get("A.B.C.D"), a.Get("mask")
				if p.Address == "" {
					p.Address = a.Get("X:X::X:X/M")
				}
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				p := peer(c)
				p.Address, p.Mask = "", ""
				return nil
			},
		},
		&Command{
			Spec:  "hostname WORD",
			Help:  []string{"Hostname of peer", "Hostname"},
			No:    "hostname [WORD]",
			Run:   func(c *Ctx, a parser.Args) error { peer(c).Hostname = a.Get("WORD"); return nil },
			Unset: func(c *Ctx, a parser.Args) error { peer(c).Hostname = ""; return nil },
		},
		&Command{
			Spec:   "identity " + identitySpec,
			Help:   append([]string{helpV2Identity}, identityHelp...),
			No:     "identity [LINE]",
			NoHelp: []string{helpV2Identity, helpV2Rest},
			Run: func(c *Ctx, a parser.Args) error {
				id := identityArgs(a)
				peer(c).Identity = &id
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error { peer(c).Identity = nil; return nil },
		},
		&Command{
			Spec: "pre-shared-key [local|remote] [0|6] LINE",
			Help: []string{"pre-shared-key", helpV2Local, helpV2Remote, helpV2Unencrypted, helpV2Encrypted, "The UNENCRYPTED (cleartext) user password"},
			No:   "pre-shared-key [local|remote] [LINE]",
			Run: func(c *Ctx, a parser.Args) error {
				setPSK(peer(c), a.Has("local"), a.Has("remote"), keyArg(a, "LINE"))
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				setPSK(peer(c), a.Has("local"), a.Has("remote"), nil)
				return nil
			},
		},
	)
}

// setPSK sets (or with k nil removes) the peer's key for one direction or
// both. A key for both directions replaces the one-way keys; a one-way key
// splits an existing two-way key so that the other direction keeps it.
func setPSK(p *runningconfig.KeyringPeer, local, remote bool, k *runningconfig.Key) {
	switch {
	case local || remote:
		if p.PSK != nil {
			p.PSKLocal, p.PSKRemote, p.PSK = p.PSK, p.PSK, nil
		}
		if local {
			p.PSKLocal = k
		} else {
			p.PSKRemote = k
		}
	default:
		p.PSK, p.PSKLocal, p.PSKRemote = k, nil, nil
	}
}
