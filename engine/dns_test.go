package engine

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// dnsServer answers A queries on 127.0.0.1 from hosts (NXDOMAIN for
// other names) until the test ends; it counts the queries. Only the
// resolver under test talks to it, over loopback.
func dnsServer(t *testing.T, hosts map[string]netip.Addr) (netip.AddrPort, *atomic.Int64) {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	queries := new(atomic.Int64)
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if resp := dnsAnswer(buf[:n], hosts); resp != nil {
				queries.Add(1)
				c.WriteToUDPAddrPort(resp, from)
			}
		}
	}()
	return c.LocalAddr().(*net.UDPAddr).AddrPort(), queries
}

// dnsAnswer builds the response to a query (RFC 1035 section 4.1): the
// question echoed, one A record when the name is known.
func dnsAnswer(q []byte, hosts map[string]netip.Addr) []byte {
	if len(q) < 12 {
		return nil
	}
	var labels []string
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	end := i + 5 // the root label, QTYPE, QCLASS
	if end > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])
	resp := append([]byte(nil), q[:end]...)
	binary.BigEndian.PutUint16(resp[2:], 0x8180) // response, recursion desired and available
	binary.BigEndian.PutUint16(resp[8:], 0)      // NSCOUNT
	binary.BigEndian.PutUint16(resp[10:], 0)     // ARCOUNT
	addr, ok := hosts[strings.ToLower(strings.Join(labels, "."))]
	switch {
	case !ok:
		resp[3] |= 3 // NXDOMAIN
		binary.BigEndian.PutUint16(resp[6:], 0)
	case qtype != 1:
		binary.BigEndian.PutUint16(resp[6:], 0) // no data of that type
	default:
		binary.BigEndian.PutUint16(resp[6:], 1)
		a := addr.As4()
		resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, a[0], a[1], a[2], a[3])
	}
	return resp
}

// TestNameServerResolver resolves through `ip name-server` servers: the
// first one does not answer, the second does.
func TestNameServerResolver(t *testing.T) {
	srv, queries := dnsServer(t, map[string]netip.Addr{"hub.test": netip.MustParseAddr("127.0.0.2")})
	dead, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.LocalAddr().(*net.UDPAddr).AddrPort()
	dead.Close() // a closed loopback port: the query is refused
	r := nameServers{deadAddr, srv}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := r.LookupNetIP(ctx, "ip4", "hub.test")
	if err != nil || len(got) != 1 || got[0] != netip.MustParseAddr("127.0.0.2") {
		t.Fatalf("LookupNetIP = %v, %v", got, err)
	}
	if _, err := r.LookupNetIP(ctx, "ip4", "nowhere.test"); err == nil {
		t.Error("unknown name resolved")
	}
	if queries.Load() == 0 {
		t.Error("the test server saw no query")
	}
}

// TestEngineResolverChoice checks which resolver the engine uses:
// Config.Resolver, else the spec's name servers, else the host's.
func TestEngineResolverChoice(t *testing.T) {
	e := &Engine{}
	e.spec.Store(&spec.Spec{})
	if e.resolver() != net.DefaultResolver {
		t.Error("without name servers: not the host's resolver")
	}
	e.spec.Store(&spec.Spec{NameServers: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	if r, ok := e.resolver().(nameServers); !ok || len(r) != 1 || r[0].Port() != 53 {
		t.Errorf("with name servers: %#v", e.resolver())
	}
	fake := &fakeResolver{}
	e.cfg.Resolver = fake
	if e.resolver() != fake {
		t.Error("Config.Resolver not used")
	}
}
