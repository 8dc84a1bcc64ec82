package modes

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

func init() {
	ExecMode.Add(&Command{
		Spec: "show interfaces IFNAME",
		Help: []string{HelpShow, "Interface status and configuration", "Interface name"},
		No:   "-", Priv: 15, Pipe: true,
		Run: func(c *Ctx, a parser.Args) error {
			c.Printf("%s", showInterface(c.Cfg, c.S.Sys.snapshot(), a.Get("IFNAME")))
			return nil
		},
	})
}

// tunnelView is what `show interfaces` says of a tunnel: its
// configuration (a TunnelN's own, a Virtual-AccessN's template's) and its
// state in the snapshot.
type tunnelView struct {
	name string
	x    *runningconfig.Interface
	t    *status.Tunnel // nil when the engine does not run it
	// in and out add up the counters of the tunnel's CHILD SAs:
	// decapsulated packets are its input, encapsulated ones its output.
	inPkts, inBytes, outPkts, outBytes uint64
	drops                              uint64
}

// showInterface renders `show interfaces TunnelN|Virtual-AccessN`, from the
// configuration and the engine's snapshot; other interfaces and unknown
// ones print nothing. Lines after the IOS-XE layout of a tunnel
// interface; UNCONFIRMED against a capture of this project's corpus. The
// rates, queues and error counters IOS keeps per interface are not kept
// here and are not shown.
func showInterface(cfg *runningconfig.Config, snap status.Snapshot, name string) string {
	v, ok := viewTunnel(cfg, snap, name)
	if !ok {
		return ""
	}
	var b strings.Builder
	admin, proto := "up", "down"
	switch {
	case v.x.Shutdown || (v.t != nil && !v.t.AdminUp):
		admin = "administratively down"
	case v.t != nil && v.t.ProtocolUp:
		proto = "up"
	}
	fmt.Fprintf(&b, "%s is %s, line protocol is %s \n", name, admin, proto)
	if v.x.Name != name {
		b.WriteString("  Hardware is Virtual Access interface\n")
	} else {
		b.WriteString("  Hardware is Tunnel\n")
	}
	if v.x.Description != "" {
		fmt.Fprintf(&b, "  Description: %s\n", v.x.Description)
	}
	b.WriteString(addressLine(cfg, v.x))
	b.WriteString("  MTU 9938 bytes, BW 100 Kbit/sec, DLY 50000 usec, \n")
	b.WriteString("     reliability 255/255, txload 1/255, rxload 1/255\n")
	b.WriteString("  Encapsulation TUNNEL, loopback not set\n  Keepalive not set\n")
	if v.x.Name != name {
		fmt.Fprintf(&b, "  Tunnel vaccess, cloned from %s\n", v.x.Name)
	}
	b.WriteString(endpointsLine(v))
	fmt.Fprintf(&b, "  Tunnel protocol/transport %s\n", transport(v.x.TunnelMode))
	if v.t != nil && v.t.PathMTU > 0 {
		fmt.Fprintf(&b, "  Tunnel transport MTU %d bytes\n", v.t.PathMTU)
	}
	if v.x.TunnelProtection != "" {
		fmt.Fprintf(&b, "  Tunnel protection via IPSec (profile \"%s\")\n", v.x.TunnelProtection)
	}
	fmt.Fprintf(&b, "     %d packets input, %d bytes, 0 no buffer\n", v.inPkts, v.inBytes)
	fmt.Fprintf(&b, "     %d packets output, %d bytes, 0 underruns\n", v.outPkts, v.outBytes)
	fmt.Fprintf(&b, "     %d output errors, 0 collisions, 0 interface resets\n", v.drops)
	return b.String()
}

// viewTunnel finds the tunnel named name: a configured TunnelN, or a
// Virtual-AccessN of the snapshot whose template is configured.
func viewTunnel(cfg *runningconfig.Config, snap status.Snapshot, name string) (tunnelView, bool) {
	v := tunnelView{name: name}
	for i := range snap.Tunnels {
		if snap.Tunnels[i].Name == name {
			v.t = &snap.Tunnels[i]
		}
	}
	switch kind := runningconfig.KindOf(name); {
	case kind == runningconfig.IfTunnel:
		x, ok := cfg.Ifaces.Get(name)
		if !ok {
			return v, false
		}
		v.x = x
	case v.t != nil && v.t.Template != "":
		x, ok := cfg.Ifaces.Get(v.t.Template)
		if !ok {
			return v, false
		}
		v.x = x
	default:
		return v, false
	}
	for _, sa := range snap.IKESAs {
		if sa.Interface != name {
			continue
		}
		for _, c := range sa.Children {
			v.inPkts += c.InPackets
			v.inBytes += c.InBytes
			v.outPkts += c.OutPackets
			v.outBytes += c.OutBytes
			v.drops += c.OutDrops
		}
	}
	return v, true
}

// addressLine is the IPv4 address line of an interface.
func addressLine(cfg *runningconfig.Config, x *runningconfig.Interface) string {
	switch {
	case x.Unnumbered != "":
		addr := "unassigned"
		if src, ok := cfg.Ifaces.Get(x.Unnumbered); ok && src.Address != nil {
			addr = src.Address.Addr
		}
		return fmt.Sprintf("  Interface is unnumbered. Using address of %s (%s)\n", x.Unnumbered, addr)
	case x.Address != nil:
		a, err := netip.ParseAddr(x.Address.Addr)
		if bits := maskBits(x.Address.Mask); err == nil && bits >= 0 {
			return fmt.Sprintf("  Internet address is %s\n", netip.PrefixFrom(a, bits))
		}
	case x.Negotiated:
		return "  Internet address will be negotiated using IPCP\n"
	}
	return ""
}

// endpointsLine is the "Tunnel source ..., destination ..." line: the
// addresses the engine uses, else the configured ones.
func endpointsLine(v tunnelView) string {
	src, dst := v.x.TunnelSource, v.x.TunnelDest
	if v.t != nil && v.t.Source.IsValid() {
		src = v.t.Source.String()
		if v.x.TunnelSource != "" && v.x.TunnelSource != src {
			src += " (" + v.x.TunnelSource + ")"
		}
	}
	if v.t != nil && v.t.Destination.IsValid() {
		dst = v.t.Destination.String()
	}
	if src == "" && dst == "" {
		return ""
	}
	return fmt.Sprintf("  Tunnel source %s, destination %s\n", orUnknown(src), orUnknown(dst))
}

// orUnknown returns s, "UNKNOWN" when empty.
func orUnknown(s string) string {
	if s == "" {
		return "UNKNOWN"
	}
	return s
}

// transport is the "Tunnel protocol/transport" of a tunnel mode.
func transport(mode string) string {
	switch mode {
	case "ipsec ipv4", "ipsec ipv4 v6-overlay":
		return "IPSEC/IP"
	case "ipsec ipv6", "ipsec ipv6 v4-overlay":
		return "IPSEC/IPV6"
	case "ipsec dual-overlay":
		return "IPSEC/IP+IPV6"
	case "", "gre ip":
		return "GRE/IP"
	}
	return strings.ToUpper(strings.ReplaceAll(mode, " ", "/"))
}
