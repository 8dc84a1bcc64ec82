package modes

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

func init() {
	ExecMode.Add(&Command{
		Spec: "show ip route",
		Help: []string{HelpShow, "IP information", "IP routing table"},
		No:   "-", Priv: 15, Pipe: true,
		Run: func(c *Ctx, a parser.Args) error {
			c.Printf("%s", showIPRoute(c.Cfg, c.S.Sys.snapshot()))
			return nil
		},
	})
}

// routeCodes is the legend of `show ip route` (IOS-XE 16; UNCONFIRMED
// against a capture of this project's corpus).
const routeCodes = `Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP
       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area 
       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2
       E1 - OSPF external type 1, E2 - OSPF external type 2
       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2
       ia - IS-IS inter area, * - candidate default, U - per-user static route
       o - ODR, P - periodic downloaded static route, H - NHRP, l - LISP
       a - application route
       + - replicated route, % - next hop override, p - overrides from PfR

`

// ribRoute is one route of the global IPv4 table.
type ribRoute struct {
	code   string // "C", "L", "S"
	prefix netip.Prefix
	// via is the next hop (invalid when none); iface the outgoing
	// interface ("" when none); distance the administrative distance.
	via      netip.Addr
	iface    string
	distance int
}

// showIPRoute renders `show ip route`: the global IPv4 table that the
// configuration gives with the engine's state: connected and local routes
// of the interfaces whose line protocol is up (as `show ip interface
// brief` reports them), and the static routes whose interface is up or
// whose next hop is on a connected network. Routes are grouped under their
// classful network as IOS prints them. The routes the kernel has from
// other sources are not shown.
func showIPRoute(cfg *runningconfig.Config, snap status.Snapshot) string {
	up := protocolUp(cfg, snap)
	routes := connectedRoutes(cfg, up)
	routes = append(routes, staticRoutes(cfg, up, routes)...)
	var b strings.Builder
	b.WriteString(routeCodes)
	b.WriteString(lastResort(routes))
	b.WriteString("\n")
	writeRIB(&b, routes)
	return b.String()
}

// protocolUp returns the interfaces whose line protocol is up, as the
// last column of `show ip interface brief` reports them.
func protocolUp(cfg *runningconfig.Config, snap status.Snapshot) map[string]bool {
	up := map[string]bool{}
	for line := range strings.Lines(showIPInterfaceBrief(cfg, snap)) {
		f := strings.Fields(line)
		if len(f) >= 6 && f[len(f)-1] == "up" {
			up[f[0]] = true
		}
	}
	return up
}

// connectedRoutes returns the C and L routes of the configured interfaces
// that are up (an unnumbered one borrows its address and has none).
func connectedRoutes(cfg *runningconfig.Config, up map[string]bool) []ribRoute {
	var out []ribRoute
	for _, x := range cfg.Ifaces.Sorted() {
		if !up[x.Name] || x.Unnumbered != "" {
			continue
		}
		addrs := slices.Clone(x.Secondary)
		if x.Address != nil {
			addrs = append(addrs, *x.Address)
		}
		for _, a := range addrs {
			out = append(out, interfaceRoutes(x.Name, a)...)
		}
	}
	return out
}

// interfaceRoutes returns the connected route of an interface address
// and its local /32 (none for a /32 address, which is its own network).
func interfaceRoutes(iface string, a runningconfig.IfAddr) []ribRoute {
	addr, err := netip.ParseAddr(a.Addr)
	if err != nil {
		return nil
	}
	bits := maskBits(a.Mask)
	if bits < 0 {
		return nil
	}
	out := []ribRoute{{code: "C", prefix: netip.PrefixFrom(addr, bits).Masked(), iface: iface}}
	if bits < 32 {
		out = append(out, ribRoute{code: "L", prefix: netip.PrefixFrom(addr, 32), iface: iface})
	}
	return out
}

// maskBits returns the length of a dotted-quad mask, -1 when it is not
// contiguous.
func maskBits(mask string) int {
	m, err := netip.ParseAddr(mask)
	if err != nil || !m.Is4() {
		return -1
	}
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	if v != 0 {
		return -1
	}
	return n
}

// staticRoutes returns the global IPv4 static routes that are installed:
// those through an interface that is up, or through a next hop on a
// connected network.
func staticRoutes(cfg *runningconfig.Config, up map[string]bool, connected []ribRoute) []ribRoute {
	reachable := func(r *runningconfig.IPRoute) bool {
		if r.Iface != "" {
			return up[r.Iface]
		}
		for _, c := range connected {
			if c.code == "C" && c.prefix.Contains(r.NextHop) {
				return true
			}
		}
		return false
	}
	var out []ribRoute
	for _, r := range cfg.Routes {
		if r.VRF != "" || !r.Prefix.Addr().Is4() || !reachable(r) {
			continue
		}
		out = append(out, ribRoute{code: "S", prefix: r.Prefix, via: r.NextHop, iface: r.Iface, distance: cmp.Or(r.Distance, 1)})
	}
	return out
}

// lastResort is the "Gateway of last resort" line.
func lastResort(routes []ribRoute) string {
	for _, r := range routes {
		if r.prefix.Bits() == 0 {
			if r.via.IsValid() {
				return fmt.Sprintf("Gateway of last resort is %s to network 0.0.0.0\n", r.via)
			}
			return "Gateway of last resort is 0.0.0.0 to network 0.0.0.0\n"
		}
	}
	return "Gateway of last resort is not set\n"
}

// classful returns the classful network of an IPv4 address (class A /8,
// B /16, C and above /24).
func classful(a netip.Addr) netip.Prefix {
	b := a.As4()[0]
	switch {
	case b < 128:
		return netip.PrefixFrom(a, 8).Masked()
	case b < 192:
		return netip.PrefixFrom(a, 16).Masked()
	}
	return netip.PrefixFrom(a, 24).Masked()
}

// writeRIB writes the routes in IOS order and layout: a supernet or a
// classful network alone at the left; the subnets of a classful network
// under a line that counts them ("is subnetted" when they share a mask,
// "is variably subnetted" otherwise).
func writeRIB(b *strings.Builder, routes []ribRoute) {
	slices.SortStableFunc(routes, func(x, y ribRoute) int {
		return cmp.Or(x.prefix.Addr().Compare(y.prefix.Addr()), x.prefix.Bits()-y.prefix.Bits())
	})
	for i := 0; i < len(routes); {
		major := classful(routes[i].prefix.Addr())
		if routes[i].prefix.Bits() < major.Bits() {
			writeRoute(b, routes[i], 6, false)
			i++
			continue
		}
		j := i
		for j < len(routes) && major.Contains(routes[j].prefix.Addr()) && routes[j].prefix.Bits() >= major.Bits() {
			j++
		}
		group := routes[i:j]
		if len(group) == 1 && group[0].prefix == major {
			writeRoute(b, group[0], 6, false)
		} else {
			// Under a network with one subnet mask, the mask is in the
			// header only.
			oneMask := writeSubnetHeader(b, major, group)
			for _, r := range group {
				writeRoute(b, r, 9, oneMask)
			}
		}
		i = j
	}
}

// writeSubnetHeader writes the line above the subnets of a classful
// network and reports whether they share one mask.
func writeSubnetHeader(b *strings.Builder, major netip.Prefix, group []ribRoute) bool {
	masks := map[int]bool{}
	nets := map[netip.Prefix]bool{}
	for _, r := range group {
		masks[r.prefix.Bits()] = true
		nets[r.prefix] = true
	}
	// IOS says "1 subnets": the words are always plural.
	if len(masks) == 1 {
		fmt.Fprintf(b, "      %s/%d is subnetted, %d subnets\n", major.Addr(), group[0].prefix.Bits(), len(nets))
		return true
	}
	fmt.Fprintf(b, "      %s is variably subnetted, %d subnets, %d masks\n", major, len(nets), len(masks))
	return false
}

// writeRoute writes one route with its code padded to column width,
// the destination without its length when noMask.
func writeRoute(b *strings.Builder, r ribRoute, width int, noMask bool) {
	code := r.code
	if r.prefix.Bits() == 0 {
		code += "*"
	}
	dest := r.prefix.String()
	if noMask {
		dest = r.prefix.Addr().String()
	}
	fmt.Fprintf(b, "%-*s%s", width, code, dest)
	switch {
	case !r.via.IsValid():
		fmt.Fprintf(b, " is directly connected, %s\n", r.iface)
	case r.iface != "":
		fmt.Fprintf(b, " [%d/0] via %s, %s\n", r.distance, r.via, r.iface)
	default:
		fmt.Fprintf(b, " [%d/0] via %s\n", r.distance, r.via)
	}
}
