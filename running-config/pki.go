package runningconfig

// PKI holds the `crypto pki ...` configuration.
type PKI struct{}

func (p *PKI) render(w *writer) {}
