package runningconfig

// Global holds global-mode settings that are not objects of their own.
type Global struct{}

func (g *Global) renderHead(w *writer)   {}
func (g *Global) renderAAA(w *writer)    {}
func (g *Global) renderSystem(w *writer) {}

// IPRoute is one `ip route` line.
type IPRoute struct{}

// AccessList is a named or numbered IP access list.
type AccessList struct{}

// LocalPool is an `ip local pool` / `ipv6 local pool`.
type LocalPool struct{}

// LineConfig is a `line con|vty` block.
type LineConfig struct{}

func (c *Config) renderPools(w *writer)  {}
func (c *Config) renderRoutes(w *writer) {}
func (c *Config) renderACLs(w *writer)   {}
func (c *Config) renderLines(w *writer)  {}
