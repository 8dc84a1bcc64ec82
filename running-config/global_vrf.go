package runningconfig

// VRF is a `vrf definition NAME` block or a legacy `ip vrf NAME` block. The
// data plane maps VRFs later; the name and route distinguisher are typed,
// the other sub-lines kept verbatim.
type VRF struct {
	Name string
	// Legacy marks an `ip vrf NAME` block.
	Legacy bool
	// Description and RD are `description LINE` and `rd ASN:NN`.
	Description string
	RD          string
	// Lines are the other sub-lines (route-target, ...), kept verbatim.
	Lines KeptLines
	// AFs are the `address-family ipv4|ipv6` sub-blocks (vrf definition
	// only).
	AFs Ordered[*VRFAF]
}

// VRFAF is an `address-family` block inside a `vrf definition`.
type VRFAF struct {
	Name  string
	Lines KeptLines
}

// HasAF reports whether the VRF has the address family af ("ipv4" or
// "ipv6"); a legacy `ip vrf` is IPv4 only.
func (v *VRF) HasAF(af string) bool {
	if v.Legacy {
		return af == "ipv4"
	}
	_, ok := v.AFs.Get(af)
	return ok
}

func (v *VRF) render(w *writer) {
	if v.Legacy {
		w.line("ip vrf %s", v.Name)
	} else {
		w.line("vrf definition %s", v.Name)
	}
	if v.Description != "" {
		w.line(" description %s", v.Description)
	}
	if v.RD != "" {
		w.line(" rd %s", v.RD)
	}
	v.Lines.renderRange(w, " ", 0, maxRank)
	v.AFs.Each(func(name string, af *VRFAF) {
		w.line(" !")
		w.line(" address-family %s", name)
		af.Lines.renderRange(w, "  ", 0, maxRank)
		w.line(" exit-address-family")
	})
	w.bang()
}
