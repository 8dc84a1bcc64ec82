package runningconfig

import (
	"strconv"
	"strings"
)

// PKI holds the `crypto pki ...` configuration. flexvpnd keeps it and
// renders it back; trustpoint settings are stored verbatim.
type PKI struct {
	Trustpoints Ordered[*Trustpoint]
	// Maps are keyed by "NAME SEQ".
	Maps   Ordered[*CertMap]
	Chains Ordered[*CertChain]
}

// Trustpoint is a `crypto pki trustpoint` block.
type Trustpoint struct {
	Name string
	// Lines are the sub-mode lines (enrollment, subject-name, ...).
	Lines KeptLines
}

// CertMap is a `crypto pki certificate map NAME SEQ` block.
type CertMap struct {
	Name string
	Seq  int
	// Lines are the match rules ("subject-name co ou = dmvpn"), kept in
	// the order typed.
	Lines KeptLines
}

// CertChain is a `crypto pki certificate chain` block.
type CertChain struct {
	Name  string
	Certs []*Certificate
}

// Certificate is one ` certificate [ca|self-signed|rollover] SERIAL` entry
// of a chain with its hex body.
type Certificate struct {
	// Kind is "", "ca", "self-signed" or "rollover".
	Kind   string
	Serial string
	// Hex are the body lines, words separated by one space.
	Hex []string
}

// Trustpoint returns the trustpoint named name, creating it if asked.
func (p *PKI) Trustpoint(name string, create bool) *Trustpoint {
	if t, ok := p.Trustpoints.Get(name); ok || !create {
		return t
	}
	t := &Trustpoint{Name: name}
	p.Trustpoints.Set(name, t)
	return t
}

// CertMap returns the certificate map entry NAME SEQ, creating it if asked.
func (p *PKI) CertMap(name string, seq int, create bool) *CertMap {
	key := name + " " + strconv.Itoa(seq)
	if m, ok := p.Maps.Get(key); ok || !create {
		return m
	}
	m := &CertMap{Name: name, Seq: seq}
	p.Maps.Set(key, m)
	return m
}

// DeleteCertMap removes the entry NAME SEQ, or every entry of NAME when seq
// is 0.
func (p *PKI) DeleteCertMap(name string, seq int) bool {
	removed := false
	for _, k := range p.Maps.Keys() {
		n, s, _ := strings.Cut(k, " ")
		if n == name && (seq == 0 || s == strconv.Itoa(seq)) {
			removed = p.Maps.Delete(k) || removed
		}
	}
	return removed
}

// Chain returns the certificate chain named name, creating it if asked.
func (p *PKI) Chain(name string, create bool) *CertChain {
	if c, ok := p.Chains.Get(name); ok || !create {
		return c
	}
	c := &CertChain{Name: name}
	p.Chains.Set(name, c)
	return c
}

// Certificate returns the chain's certificate with this serial, replacing
// its kind and body when it is entered again (create), or nil.
func (c *CertChain) Certificate(kind, serial string, create bool) *Certificate {
	for i, cert := range c.Certs {
		if strings.EqualFold(cert.Serial, serial) {
			if create {
				c.Certs[i] = &Certificate{Kind: kind, Serial: serial}
				return c.Certs[i]
			}
			return cert
		}
	}
	if !create {
		return nil
	}
	cert := &Certificate{Kind: kind, Serial: serial}
	c.Certs = append(c.Certs, cert)
	return cert
}

// DeleteCertificate removes the certificate with this serial.
func (c *CertChain) DeleteCertificate(serial string) bool {
	for i, cert := range c.Certs {
		if strings.EqualFold(cert.Serial, serial) {
			c.Certs = append(c.Certs[:i:i], c.Certs[i+1:]...)
			return true
		}
	}
	return false
}

// render writes trustpoints, certificate maps and chains. UNCONFIRMED: the
// place of certificate maps relative to chains.
func (p *PKI) render(w *writer) {
	p.Trustpoints.Each(func(_ string, t *Trustpoint) {
		w.line("crypto pki trustpoint %s", t.Name)
		t.Lines.renderRange(w, " ", 0, 1<<30)
		w.bang()
	})
	p.Maps.Each(func(_ string, m *CertMap) {
		w.line("crypto pki certificate map %s %d", m.Name, m.Seq)
		m.Lines.renderRange(w, " ", 0, 1<<30)
		w.bang()
	})
	if p.Chains.Len() == 0 {
		return
	}
	p.Chains.Each(func(_ string, c *CertChain) {
		w.line("crypto pki certificate chain %s", c.Name)
		for _, cert := range c.Certs {
			head := " certificate "
			if cert.Kind != "" {
				head += cert.Kind + " "
			}
			w.line("%s%s", head, cert.Serial)
			for _, h := range cert.Hex {
				w.line("  %s", h)
			}
			w.line("        quit")
		}
	})
	w.bang()
}
