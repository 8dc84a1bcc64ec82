package runningconfig

// IKEv2 holds the `crypto ikev2 ...` configuration.
type IKEv2 struct {
	Proposals Ordered[*Proposal]
	Keyrings  Ordered[*Keyring]
}

// Proposal is a `crypto ikev2 proposal`.
type Proposal struct {
	Name       string
	Encryption []string
	Integrity  []string
	PRF        []string
	Group      []string
}

// Keyring is a `crypto ikev2 keyring`.
type Keyring struct {
	Name  string
	Peers Ordered[*KeyringPeer]
}

// KeyringPeer is a `peer` inside a keyring.
type KeyringPeer struct {
	Name string
}

func (k *IKEv2) initDefaults() {}

func (k *IKEv2) render(w *writer) {}
