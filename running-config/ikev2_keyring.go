package runningconfig

// Keyring is a `crypto ikev2 keyring`.
type Keyring struct {
	Name  string
	Peers Ordered[*KeyringPeer]
}

// Peer returns the peer named name; with create it is made if missing.
func (k *Keyring) Peer(name string, create bool) *KeyringPeer {
	return getOrCreate(&k.Peers, name, create, func() *KeyringPeer { return &KeyringPeer{Name: name} })
}

// KeyringPeer is a `peer` inside a keyring.
type KeyringPeer struct {
	// Name is any word ("ANY", "<VWAN-0-PIP>", "20.115.177.8").
	Name        string
	Description string
	// Address is the canonical IPv4 address or IPv6 prefix ("" if none).
	Address string
	// Mask is the IPv4 mask given after the address ("" if none).
	Mask     string
	Hostname string
	// Identity is the peer's `identity` (nil if none).
	Identity *Identity
	// PSK is `pre-shared-key KEY` (both directions); PSKLocal and
	// PSKRemote the one-direction keys. nil when not set.
	PSK, PSKLocal, PSKRemote *Key
}

// render writes the keyring: peers at two spaces, each closed by ` !`, the
// keyring closed by `!` (IOS-XE 17 and 15.5 captures).
func (k *Keyring) render(w *writer) {
	w.line("crypto ikev2 keyring %s", k.Name)
	k.Peers.Each(func(_ string, p *KeyringPeer) {
		w.line(" peer %s", p.Name)
		if p.Description != "" {
			w.line("  description %s", p.Description)
		}
		if p.Address != "" {
			if p.Mask != "" {
				w.line("  address %s %s", p.Address, p.Mask)
			} else {
				w.line("  address %s", p.Address)
			}
		}
		if p.Hostname != "" {
			w.line("  hostname %s", p.Hostname)
		}
		if p.Identity != nil {
			w.line("  identity %s", p.Identity)
		}
		if p.PSK != nil {
			w.line("  pre-shared-key %s", p.PSK)
		}
		if p.PSKLocal != nil {
			w.line("  pre-shared-key local %s", p.PSKLocal)
		}
		if p.PSKRemote != nil {
			w.line("  pre-shared-key remote %s", p.PSKRemote)
		}
		w.line(" !")
	})
	w.bang()
}
