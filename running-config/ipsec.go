package runningconfig

// IPsec holds the `crypto ipsec ...` configuration.
type IPsec struct{}

func (p *IPsec) initDefaults() {}

func (p *IPsec) render(w *writer) {}
