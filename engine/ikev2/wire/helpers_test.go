package wire

import "net/netip"

// netipAddr lets cmpopts.EquateComparable name netip.Addr.
type netipAddr struct{ netip.Addr }

var exampleV6 = netip.MustParseAddr("2001:db8::1")
