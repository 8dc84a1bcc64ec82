// Package runningconfig is flexvpnd's typed configuration model: the
// running-config as IOS objects keyed by their IOS names, with FlexVPN smart
// defaults, validation, and the canonical `show running-config` rendering
// (IOS order, indentation and `!` separators). It never imports the CLI
// packages; the CLI edits a *Config through its methods and fields.
package runningconfig

import (
	"fmt"
	"strings"
)

// Config is the whole running configuration.
type Config struct {
	// Hostname is the router name ("Router" by default).
	Hostname string

	Global  Global
	IKEv2   IKEv2
	IPsec   IPsec
	PKI     PKI
	Ifaces  Interfaces
	Routes  []*IPRoute
	ACLs    Ordered[*AccessList]
	Pools   Ordered[*LocalPool]
	V6Pools Ordered[*LocalPool]
	Lines   Ordered[*LineConfig]
	Logging Logging
	Tracks  Tracks
	Kept    []*Kept
}

// New returns the configuration of a router with nothing configured:
// hostname "Router" and the FlexVPN smart defaults.
func New() *Config {
	c := &Config{Hostname: "Router"}
	c.IKEv2.initDefaults()
	c.IPsec.initDefaults()
	return c
}

// Slot is the place in `show running-config` where a kept (not applied)
// block is rendered, following the IOS global order.
type Slot int

// The render slots, in IOS order.
const (
	SlotHeader    Slot = iota // version, service, platform (before hostname)
	SlotBoot                  // boot markers, boot system (after hostname)
	SlotVRF                   // vrf definition, ip vrf
	SlotAAA                   // aaa ..., radius/tacacs groups
	SlotSystem                // clock, ip domain, ip host, ipv6 unicast-routing, subscriber, multilink, license, username, spanning-tree, redundancy
	SlotPKI                   // crypto pki ...
	SlotCryptoV2              // after the crypto ikev2 blocks: crypto isakmp, crypto keyring (IKEv1)
	SlotCryptoMap             // crypto map, crypto dynamic-map (after crypto ipsec)
	SlotInterface             // interfaces not modelled
	SlotRouter                // router ..., virtual-service
	SlotIPTail                // ip forward-protocol, ip http, ip nat, ip sla, route-map, prefix-list
	SlotTail                  // radius server, snmp, control-plane, banner (before line)
	SlotEnd                   // ntp, event manager (after line)
)

// Kept is a block of valid IOS configuration that flexvpnd stores verbatim
// and renders back but does not act on.
type Kept struct {
	Slot Slot
	// Lines are the block's lines as they render: the first at column 0,
	// sub-mode lines indented as IOS shows them.
	Lines []string
	// Reason says why the block is not applied.
	Reason string
	// Family names the command family the block belongs to (its place in
	// the slot is chosen by family).
	Family string
	// Group, when set, joins the block to a following block of the same
	// group in its slot: no "!" is rendered between them (IOS prints
	// `version`, `service` and `platform` lines as one group).
	Group string
}

// writer accumulates rendered lines.
type writer struct {
	b strings.Builder
}

func (w *writer) line(format string, args ...any) {
	if len(args) == 0 {
		w.b.WriteString(format)
	} else {
		fmt.Fprintf(&w.b, format, args...)
	}
	w.b.WriteByte('\n')
}

func (w *writer) bang() { w.line("!") }

func (w *writer) kept(c *Config, slot Slot) {
	var prev *Kept
	for _, k := range c.Kept {
		if k.Slot != slot {
			continue
		}
		if prev != nil && (prev.Group == "" || prev.Group != k.Group) {
			w.bang()
		}
		for _, l := range k.Lines {
			w.line("%s", l)
		}
		prev = k
	}
	if prev != nil {
		w.bang()
	}
}

// Body renders the configuration as `show running-config` prints it between
// the "Current configuration" line and "end" (exclusive).
func (c *Config) Body() string {
	var w writer
	w.bang()
	c.renderHeader(&w)
	c.Global.renderService(&w)
	w.line("hostname %s", c.Hostname)
	w.bang()
	w.kept(c, SlotBoot)
	c.Global.renderHead(&w)
	c.Logging.render(&w)
	w.kept(c, SlotVRF)
	c.Global.renderAAA(&w)
	w.kept(c, SlotAAA)
	c.Global.renderSystem(&w)
	w.kept(c, SlotSystem)
	c.PKI.render(&w)
	w.kept(c, SlotPKI)
	c.IKEv2.render(&w)
	w.kept(c, SlotCryptoV2)
	c.IPsec.render(&w)
	w.kept(c, SlotCryptoMap)
	c.renderTracks(&w)
	c.Ifaces.render(&w)
	w.kept(c, SlotInterface)
	w.kept(c, SlotRouter)
	c.renderPools(&w)
	c.renderRoutes(&w)
	c.renderACLs(&w)
	w.kept(c, SlotIPTail)
	w.kept(c, SlotTail)
	c.renderLines(&w)
	w.kept(c, SlotEnd)
	return w.b.String()
}

// ShowRunning renders the complete `show running-config` output, from
// "Building configuration..." to "end".
func (c *Config) ShowRunning() string {
	body := c.Body() + "end\n"
	return fmt.Sprintf("Building configuration...\n\nCurrent configuration : %d bytes\n%s", len(body), body)
}
