package modes

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// InterfaceMode is `interface NAME`: "Router(config-if)#".
var InterfaceMode = NewConfigMode("config-if", "Interface", ConfigMode)

// Help strings of interface keywords used by several commands.
const (
	helpIfName    = "Interface name"
	helpIfAddress = "Set the IP address of an interface"
	helpIfV6Addr  = "Configure IPv6 address on interface"
	helpIfVRF     = "Configure forwarding table"
	helpIfVRFName = "Table name"
)

func iface(c *Ctx) *runningconfig.Interface { return c.Frame.Obj.(*runningconfig.Interface) }

// ifSetter returns a Run handler that applies f to the interface.
func ifSetter(f func(c *Ctx, x *runningconfig.Interface, a parser.Args) error) func(*Ctx, parser.Args) error {
	return func(c *Ctx, a parser.Args) error { return f(c, iface(c), a) }
}

func init() {
	ConfigMode.Add(&Command{
		Spec: "interface IFNAME [type {tunnel|ethernet|serial}]",
		Help: []string{HelpInterface, helpIfName, "type of the virtual-template", "Tunnel interface", "Ethernet interface", "Serial interface"},
		No:   "interface IFNAME",
		Run:  enterInterface,
		Unset: func(c *Ctx, a parser.Args) error {
			// A virtual interface is deleted; a physical one returns to its
			// defaults, which are not rendered.
			c.Cfg.Ifaces.Delete(a.Get("IFNAME"))
			return nil
		},
	})
	InterfaceMode.Add(
		&Command{
			Spec: "description LINE", Help: []string{"Interface specific description", "Up to 240 characters describing this interface"},
			No: "description [LINE]",
			Run: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.Description = a.Get("LINE")
				return nil
			}),
			Unset: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.Description = ""
				return nil
			}),
		},
		&Command{
			Spec: "ip address A.B.C.D A.B.C.D [secondary]",
			Help: []string{HelpIfIP, helpIfAddress, "IP address", "IP subnet mask", "Make this IP address a secondary address"},
			No:   "ip address [A.B.C.D A.B.C.D [secondary]]",
			Run:  ifSetter(setIPAddress), Unset: ifSetter(unsetIPAddress),
		},
		&Command{
			Spec: "ip address {negotiated|dhcp}",
			Help: []string{HelpIfIP, helpIfAddress, "IP Address negotiated over PPP", "IP Address negotiated via DHCP"},
			Run: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.ClearIPv4()
				x.Negotiated, x.DHCP = a.Has("negotiated"), a.Has("dhcp")
				return nil
			}),
			Unset: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				if a.Has("negotiated") {
					x.Negotiated = false
				} else {
					x.DHCP = false
				}
				return nil
			}),
		},
		&Command{
			Spec: "ip unnumbered IFNAME", Help: []string{HelpIfIP, "Enable IP processing without an explicit address", helpIfName},
			No: "ip unnumbered [IFNAME]",
			Run: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				if a.Get("IFNAME") == x.Name {
					return invalidWord(c.Line, lastWord(c.Line))
				}
				x.ClearIPv4()
				x.Unnumbered = a.Get("IFNAME")
				return nil
			}),
			Unset: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.Unnumbered = ""
				return nil
			}),
		},
		&Command{
			Spec: "ip mtu <68-9216>", Help: []string{HelpIfIP, "Set IP Maximum Transmission Unit", "MTU (bytes)"},
			No: "ip mtu [<68-9216>]",
			Run: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.MTU = a.Int("<68-9216>")
				return nil
			}),
			Unset: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.MTU = 0
				return nil
			}),
		},
		&Command{
			Spec: "ip tcp adjust-mss <500-1460>",
			Help: []string{HelpIfIP, "TCP header compression and other parameters", "Adjust the mss of transit packets", "Maximum segment size in bytes"},
			No:   "ip tcp adjust-mss [<500-1460>]",
			Run: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.AdjustMSS = a.Int("<500-1460>")
				return nil
			}),
			Unset: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.AdjustMSS = 0
				return nil
			}),
		},
		&Command{
			Spec: "vrf forwarding WORD", Help: []string{"VPN Routing/Forwarding parameters on the interface", helpIfVRF, helpIfVRFName},
			No: "vrf forwarding [WORD]",
			Run: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				return setIfVRF(c, x, a.Get("WORD"), false)
			}),
			Unset: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { return setIfVRF(c, x, "", false) }),
		},
		&Command{
			Spec: "ip vrf forwarding WORD", Help: []string{HelpIfIP, "VPN Routing/Forwarding parameters on the interface", helpIfVRF, helpIfVRFName},
			No: "ip vrf forwarding [WORD]",
			Run: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				return setIfVRF(c, x, a.Get("WORD"), true)
			}),
			Unset: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { return setIfVRF(c, x, "", true) }),
		},
		&Command{
			Spec: "ipv6 address {X:X::X:X/M [eui-64|anycast]|X:X::X:X link-local|autoconfig [default]|dhcp}",
			Help: []string{HelpIfIPv6, helpIfV6Addr, "IPv6 prefix", "Use eui-64 interface identifier", "Configure as an anycast",
				"IPv6 link-local address", "Use link-local address", "Obtain address using autoconfiguration", "Insert default route",
				"Obtain IPv6 address from DHCP server"},
			No:  "ipv6 address [X:X::X:X/M [eui-64|anycast]|X:X::X:X link-local|autoconfig [default]|dhcp]",
			Run: ifSetter(setIPv6Address), Unset: ifSetter(unsetIPv6Address),
		},
		&Command{
			Spec: "ipv6 enable", Help: []string{HelpIfIPv6, "Enable IPv6 on interface"},
			Run:   ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.IPv6Enable = true; return nil }),
			Unset: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.IPv6Enable = false; return nil }),
		},
		&Command{
			Spec: "ipv6 unnumbered IFNAME", Help: []string{HelpIfIPv6, "Preferred interface for source address selection", helpIfName},
			No: "ipv6 unnumbered [IFNAME]",
			Run: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.IPv6Unnumbered = a.Get("IFNAME")
				return nil
			}),
			Unset: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.IPv6Unnumbered = ""; return nil }),
		},
		&Command{
			Spec: "ipv6 mtu <1280-9976>", Help: []string{HelpIfIPv6, "Set IPv6 Maximum Transmission Unit", "MTU (bytes)"},
			No: "ipv6 mtu [<1280-9976>]",
			Run: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.IPv6MTU = a.Int("<1280-9976>")
				return nil
			}),
			Unset: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.IPv6MTU = 0; return nil }),
		},
		&Command{
			Spec: "shutdown", Help: []string{"Shutdown the selected interface"},
			Run:   ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.Shutdown = true; return nil }),
			Unset: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.Shutdown = false; return nil }),
		},
		&Command{
			Spec: "crypto ipsec df-bit {clear|set|copy}",
			Help: concat([]string{HelpCrypto, HelpIPsec}, dfBitHelp),
			No:   "crypto ipsec df-bit [clear|set|copy]",
			Run: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.DFBit = dfBitValue(a)
				return nil
			}),
			Unset: ifSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.DFBit = ""; return nil }),
		},
	)
}

// enterInterface creates or selects an interface. `type` is only valid on
// a Virtual-Template, and cannot change the type of an existing one; serial
// is the default type, shown without `type` (UNCONFIRMED).
func enterInterface(c *Ctx, a parser.Args) error {
	name := a.Get("IFNAME")
	typ := ""
	for _, t := range []string{"tunnel", "ethernet"} {
		if a.Has(t) {
			typ = t
		}
	}
	if a.Has("type") && runningconfig.KindOf(name) != runningconfig.IfVirtualTemplate {
		return invalidWord(c.Line, len(strings.Fields(c.Line))-2)
	}
	x, exists := c.Cfg.Ifaces.Get(name)
	if exists && a.Has("type") && x.Type != typ {
		// UNCONFIRMED: the IOS message for a type change.
		return Errorf("%% %s already exists with a different type", name)
	}
	x = c.Cfg.Ifaces.Ensure(name)
	if !exists {
		x.Type = typ
	}
	c.Enter(InterfaceMode, x)
	return nil
}

// setIfVRF changes the interface's VRF; IOS removes the addresses and says
// so. The VRF must exist.
func setIfVRF(c *Ctx, x *runningconfig.Interface, vrf string, legacy bool) error {
	old := x.VRF
	if vrf != "" {
		v, ok := c.Cfg.Global.VRFs.Get(vrf)
		if !ok {
			return Errorf("%% VRF %s not configured.", vrf)
		}
		if legacy && !v.Legacy {
			// UNCONFIRMED wording.
			return Errorf("%% Use 'vrf forwarding' command for VRF '%s'", vrf)
		}
	}
	v4, v6 := x.SetVRF(vrf, legacy)
	verb, name := "enabling", vrf
	if vrf == "" {
		verb, name = "disabling", old
	}
	if v4 {
		c.Printf("%% Interface %s IPv4 disabled and address(es) removed due to %s VRF %s\n", x.Name, verb, name)
	}
	if v6 {
		c.Printf("%% Interface %s IPv6 disabled and address(es) removed due to %s VRF %s\n", x.Name, verb, name)
	}
	return nil
}

// checkMask validates an interface address as IOS does: the mask must be
// contiguous and the address must not be the subnet or broadcast address.
func checkMask(addr, mask string) error {
	a, _ := netip.ParseAddr(addr)
	m, _ := netip.ParseAddr(mask)
	mb := m.As4()
	mv := binary.BigEndian.Uint32(mb[:])
	if bits.OnesCount32(mv) != bits.LeadingZeros32(^mv) {
		return Msg(fmt.Sprintf("Bad mask 0x%X for address %s", mv, addr))
	}
	ones := bits.OnesCount32(mv)
	ab := a.As4()
	host := binary.BigEndian.Uint32(ab[:]) &^ mv
	if ones < 31 && (host == 0 || host == ^mv) {
		return Msg(fmt.Sprintf("Bad mask /%d for address %s", ones, addr))
	}
	return nil
}

func setIPAddress(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
	ips := a.All("A.B.C.D")
	addr := runningconfig.IfAddr{Addr: ips[0], Mask: ips[1]}
	if err := checkMask(addr.Addr, addr.Mask); err != nil {
		return err
	}
	if a.Has("secondary") {
		// IOS renders secondaries before the primary, so it accepts them
		// without one.
		for _, s := range x.Secondary {
			if s == addr {
				return nil
			}
		}
		x.Secondary = append(x.Secondary, addr)
		x.Negotiated, x.DHCP, x.Unnumbered = false, false, ""
		return nil
	}
	secondary := x.Secondary
	x.ClearIPv4()
	x.Address, x.Secondary = &addr, secondary
	return nil
}

func unsetIPAddress(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
	ips := a.All("A.B.C.D")
	if len(ips) == 0 {
		x.ClearIPv4()
		return nil
	}
	addr := runningconfig.IfAddr{Addr: ips[0], Mask: ips[1]}
	if a.Has("secondary") {
		for i, s := range x.Secondary {
			if s == addr {
				x.Secondary = append(x.Secondary[:i:i], x.Secondary[i+1:]...)
				return nil
			}
		}
		return Errorf("%% Address %s not found", addr.Addr)
	}
	if x.Address == nil || *x.Address != addr {
		return Msg("% Invalid address")
	}
	if len(x.Secondary) > 0 {
		return Msg("Must delete secondary before deleting primary")
	}
	x.Address = nil
	return nil
}

// ipv6Text is the `ipv6 address` argument as IOS renders it: the address
// in upper case, keywords as they are.
func ipv6Text(a parser.Args) string {
	words := strings.Fields(canonLine(a.After("address")))
	if a.Has("X:X::X:X/M") || a.Has("X:X::X:X") {
		words[0] = strings.ToUpper(words[0])
	}
	return strings.Join(words, " ")
}

func setIPv6Address(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
	text := ipv6Text(a)
	for _, v := range x.IPv6 {
		if v == text {
			return nil
		}
	}
	x.IPv6 = append(x.IPv6, text)
	return nil
}

func unsetIPv6Address(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
	if len(a.After("address")) == 0 {
		x.IPv6 = nil
		return nil
	}
	text := ipv6Text(a)
	for i, v := range x.IPv6 {
		if v == text {
			x.IPv6 = append(x.IPv6[:i:i], x.IPv6[i+1:]...)
			return nil
		}
	}
	return nil
}
