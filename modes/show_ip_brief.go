package modes

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

func init() {
	ExecMode.Add(&Command{
		Spec: "show ip interface brief",
		Help: []string{HelpShow, "IP information", "IP interface status and configuration", "Brief summary of IP status and configuration"},
		No:   "-", Priv: 15, Pipe: true,
		Run: func(c *Ctx, a parser.Args) error {
			c.Printf("%s", showIPInterfaceBrief(c.Cfg, c.S.Sys.snapshot()))
			return nil
		},
	})
}

// briefRow is one row of `show ip interface brief`.
type briefRow struct {
	name, addr, method, status, protocol string
}

// showIPInterfaceBrief renders `show ip interface brief`: the configured
// interfaces, the Virtual-Access interfaces and the host's other
// interfaces, in the alphabetical order of the IOS captures. Layout of the
// Catalyst 8000v (IOS-XE 17) capture
// show-crypto-ikev2-proposal-policy-profile-ipsec-tset-profile-defaults-c8000v.txt.
// The Method is "manual" for a configured address (IOS says NVRAM for one
// read from the startup-config), TFTP for an unnumbered interface (capture
// show-ip-int-brief-tunnels-down-up-ikev2-session-ipsec-sa-not-established.txt).
func showIPInterfaceBrief(cfg *runningconfig.Config, snap status.Snapshot) string {
	tunnels := map[string]*status.Tunnel{}
	for i := range snap.Tunnels {
		tunnels[snap.Tunnels[i].Name] = &snap.Tunnels[i]
	}
	links := map[string]*status.Link{}
	for i := range snap.Links {
		links[snap.Links[i].Name] = &snap.Links[i]
	}
	var rows []briefRow
	seen := map[string]bool{}
	for _, x := range cfg.Ifaces.Sorted() {
		seen[x.Name] = true
		rows = append(rows, configuredRow(cfg, x, tunnels[x.Name], links[x.Name], links))
	}
	for _, t := range snap.Tunnels {
		if !seen[t.Name] {
			seen[t.Name] = true
			rows = append(rows, briefRow{t.Name, firstV4(t.Addrs), "unset", upDown(t.AdminUp, "administratively down"), upDown(t.ProtocolUp, "down")})
		}
	}
	for _, l := range snap.Links {
		if !seen[l.Name] {
			rows = append(rows, linkRow(l.Name, firstV4(l.Addrs), "unset", &l))
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return briefLess(rows[i].name, rows[j].name) })
	var b strings.Builder
	b.WriteString("Interface              IP-Address      OK? Method Status                Protocol\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-23s%-16s%-4s%-7s%-22s%-8s\n", r.name, r.addr, "YES", r.method, r.status, r.protocol)
	}
	return b.String()
}

// configuredRow is the row of a configured interface; t or l is its state
// in the snapshot (nil when the snapshot does not list it).
func configuredRow(cfg *runningconfig.Config, x *runningconfig.Interface, t *status.Tunnel, l *status.Link, links map[string]*status.Link) briefRow {
	addr, method := configuredAddr(cfg, x, links)
	switch {
	case x.Shutdown:
		return briefRow{x.Name, addr, method, "administratively down", "down"}
	case runningconfig.KindOf(x.Name) == runningconfig.IfLoopback:
		return briefRow{x.Name, addr, method, "up", "up"}
	case runningconfig.KindOf(x.Name) == runningconfig.IfVirtualTemplate:
		// A template carries no traffic: its line protocol stays down.
		return briefRow{x.Name, addr, method, "up", "down"}
	case t != nil:
		if addr == "unassigned" {
			addr = firstV4(t.Addrs)
		}
		return briefRow{x.Name, addr, method, upDown(t.AdminUp, "administratively down"), upDown(t.ProtocolUp, "down")}
	case x.IsTunnel():
		return briefRow{x.Name, addr, method, "up", "down"}
	}
	if addr == "unassigned" && l != nil {
		addr = firstV4(l.Addrs)
	}
	return linkRow(x.Name, addr, method, l)
}

// linkRow is the row of a host interface: down when the snapshot does
// not list it.
func linkRow(name, addr, method string, l *status.Link) briefRow {
	switch {
	case l == nil:
		return briefRow{name, addr, method, "down", "down"}
	case !l.AdminUp:
		return briefRow{name, addr, method, "administratively down", "down"}
	}
	return briefRow{name, addr, method, upDown(l.OperUp, "down"), upDown(l.OperUp, "down")}
}

// configuredAddr returns the IP-Address and Method columns of a
// configured interface.
func configuredAddr(cfg *runningconfig.Config, x *runningconfig.Interface, links map[string]*status.Link) (addr, method string) {
	switch {
	case x.Address != nil:
		return x.Address.Addr, "manual"
	case x.Unnumbered != "":
		if src, ok := cfg.Ifaces.Get(x.Unnumbered); ok && src.Address != nil {
			return src.Address.Addr, "TFTP"
		}
		if l := links[x.Unnumbered]; l != nil {
			return firstV4(l.Addrs), "TFTP"
		}
		return "unassigned", "TFTP"
	case x.DHCP:
		return "unassigned", "DHCP"
	case x.Negotiated:
		return "unassigned", "IPCP"
	}
	return "unassigned", "unset"
}

// firstV4 returns the first IPv4 address, "unassigned" when there is none.
func firstV4(addrs []netip.Prefix) string {
	for _, p := range addrs {
		if p.Addr().Unmap().Is4() {
			return p.Addr().Unmap().String()
		}
	}
	return "unassigned"
}

func upDown(up bool, down string) string {
	if up {
		return "up"
	}
	return down
}

// briefLess orders interfaces alphabetically by type, then by number.
func briefLess(a, b string) bool {
	ta, tb := ifType(a), ifType(b)
	if ta != tb {
		return ta < tb
	}
	return runningconfig.IfLess(a, b)
}

// ifType is the name of an interface up to its first digit.
func ifType(name string) string {
	if i := strings.IndexAny(name, "0123456789"); i >= 0 {
		return name[:i]
	}
	return name
}
