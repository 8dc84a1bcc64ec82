package engine

import (
	"bufio"
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// HostTracks reads tracked objects from the host of the engine's network
// namespace: links through the kernel's interface flags, routes from
// /proc/net/route (the IPv4 main table).
type HostTracks struct{}

// Read evaluates one object.
func (HostTracks) Read(t spec.Track) TrackReading {
	if t.Kind == spec.TrackLineProtocol {
		return lineProtocol(t.Interface)
	}
	return routeReachability(t.Prefix)
}

// lineProtocol is up while the interface is administratively up with a
// carrier (IFF_UP and IFF_RUNNING).
func lineProtocol(name string) TrackReading {
	ifi, err := net.InterfaceByName(dataplane.LinuxName(name))
	switch {
	case err != nil:
		return TrackReading{Reason: "no interface"}
	case ifi.Flags&net.FlagUp == 0:
		return TrackReading{Reason: "hw admin-down"}
	case ifi.Flags&net.FlagRunning == 0:
		return TrackReading{Reason: "hw down"}
	}
	return TrackReading{Up: true}
}

// routeReachability is up while the main table has a route for exactly p
// through an interface that is up.
func routeReachability(p netip.Prefix) TrackReading {
	routes, err := readProcRoutes("/proc/net/route")
	if err != nil {
		return TrackReading{Reason: "no ip route"}
	}
	for _, r := range routes {
		if r.prefix != p {
			continue
		}
		if ifi, err := net.InterfaceByName(r.iface); err != nil || ifi.Flags&net.FlagUp == 0 {
			continue
		}
		reason := "connected"
		if r.gateway {
			reason = "static"
		}
		return TrackReading{Up: true, Reason: reason, FirstHop: r.iface}
	}
	return TrackReading{Reason: "no ip route"}
}

// procRoute is one usable line of /proc/net/route.
type procRoute struct {
	iface   string
	prefix  netip.Prefix
	gateway bool
}

// rtfUp and rtfGateway are the RTF_UP and RTF_GATEWAY route flags
// (linux/route.h).
const (
	rtfUp      = 0x1
	rtfGateway = 0x2
)

// readProcRoutes parses the kernel's IPv4 route listing: a header line,
// then Iface, Destination, Gateway, Flags, RefCnt, Use, Metric, Mask...
// with addresses as host-order (little-endian) hex.
func readProcRoutes(path string) ([]procRoute, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []procRoute
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 8 {
			continue
		}
		flags, err1 := strconv.ParseUint(fl[3], 16, 32)
		dst, err2 := procAddr(fl[1])
		mask, err3 := procAddr(fl[7])
		if err := errors.Join(err1, err2, err3); err != nil || flags&rtfUp == 0 {
			continue
		}
		bits, ok := maskBits(mask)
		if !ok {
			continue
		}
		out = append(out, procRoute{iface: fl[0], prefix: netip.PrefixFrom(dst, bits), gateway: flags&rtfGateway != 0})
	}
	return out, sc.Err()
}

// procAddr decodes an address of /proc/net/route.
func procAddr(h string) (netip.Addr, error) {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 4 {
		return netip.Addr{}, errors.New("bad address " + h)
	}
	return netip.AddrFrom4([4]byte{b[3], b[2], b[1], b[0]}), nil
}

// maskBits is the prefix length of a contiguous IPv4 mask.
func maskBits(m netip.Addr) (int, bool) {
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&(1<<31) != 0 {
		n++
		v <<= 1
	}
	return n, v == 0
}
