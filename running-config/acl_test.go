package runningconfig

import (
	"net/netip"
	"testing"
)

func TestACLAddrContains(t *testing.T) {
	net := ACLAddr{Addr: netip.MustParseAddr("192.0.2.0"), Wildcard: netip.MustParseAddr("0.0.0.255")}
	host := ACLAddr{Addr: netip.MustParseAddr("10.1.1.1"), Wildcard: netip.MustParseAddr("0.0.0.0")}
	odd := ACLAddr{Addr: netip.MustParseAddr("10.0.0.1"), Wildcard: netip.MustParseAddr("0.255.0.0")}
	v6 := ACLAddr{Prefix: netip.MustParsePrefix("2001:db8::/32")}
	tests := []struct {
		a    ACLAddr
		ip   string
		want bool
	}{
		{ACLAddr{Any: true}, "8.8.8.8", true},
		{net, "192.0.2.77", true},
		{net, "192.0.3.1", false},
		{host, "10.1.1.1", true},
		{host, "10.1.1.2", false},
		{odd, "10.77.0.1", true},
		{odd, "10.77.0.2", false},
		{v6, "2001:db8::5", true},
		{v6, "2001:db9::5", false},
	}
	for _, tc := range tests {
		if got := tc.a.Contains(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("%v contains %s = %v, want %v", tc.a.String(false), tc.ip, got, tc.want)
		}
	}
}

func TestPortNames(t *testing.T) {
	tests := []struct {
		proto, in string
		n         int
		ok        bool
		name      string
	}{
		{"udp", "500", 500, true, "isakmp"},
		{"udp", "non500-isakmp", 4500, true, "non500-isakmp"},
		{"tcp", "80", 80, true, "www"},
		{"tcp", "443", 443, true, "443"},
		{"tcp", "isakmp", 0, false, ""},
		{"tcp", "65536", 65536, false, ""},
	}
	for _, tc := range tests {
		n, ok := PortNumber(tc.proto, tc.in)
		if n != tc.n || ok != tc.ok {
			t.Errorf("PortNumber(%s, %s) = %d, %v; want %d, %v", tc.proto, tc.in, n, ok, tc.n, tc.ok)
		}
		if ok && PortName(tc.proto, n) != tc.name {
			t.Errorf("PortName(%s, %d) = %s, want %s", tc.proto, n, PortName(tc.proto, n), tc.name)
		}
	}
}

func TestACLEntries(t *testing.T) {
	l := &AccessList{Name: "A", Kind: ACLExtended}
	add := func(seq int, e *ACE) {
		if seq == 0 {
			seq = l.NextSeq()
		}
		e.Seq = seq
		l.Add(e)
	}
	add(0, &ACE{Action: "permit", Protocol: "udp", Src: ACLAddr{Any: true}, Dst: ACLAddr{Any: true}, DstPort: PortMatch{Op: "eq", Lo: 500}})
	add(5, &ACE{Remark: "first"})
	add(0, &ACE{Action: "deny", Protocol: "ip", Src: ACLAddr{Any: true}, Dst: ACLAddr{Any: true}, Log: "log"})
	want := []string{"remark first", "permit udp any any eq isakmp", "deny   ip any any log"}
	for i, e := range l.Entries {
		if e.Rule() != want[i] {
			t.Errorf("entry %d = %q, want %q", i, e.Rule(), want[i])
		}
	}
	if l.Entries[2].Seq != 20 || l.NextSeq() != 30 {
		t.Errorf("seqs: %d, next %d", l.Entries[2].Seq, l.NextSeq())
	}
	if !l.Delete(5) || l.Delete(5) || l.Find(&ACE{Remark: "first"}) != nil {
		t.Error("delete by sequence")
	}
}
