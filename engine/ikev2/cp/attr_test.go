package cp

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

var cmpAttrs = cmp.Options{
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

// throughWire sends attrs through a real CP payload: encode, decode.
func throughWire(t *testing.T, typ wire.CPType, attrs []wire.CfgAttribute) []wire.CfgAttribute {
	t.Helper()
	b, err := wire.AppendPayloads(nil, []wire.Payload{&wire.CP{CFGType: typ, Attributes: attrs}})
	if err != nil {
		t.Fatalf("wire encode: %v", err)
	}
	ps, err := wire.DecodePayloads(wire.PayloadCP, b)
	if err != nil {
		t.Fatalf("wire decode: %v", err)
	}
	cp := ps[0].(*wire.CP)
	if cp.CFGType != typ {
		t.Fatalf("CFG type %v, want %v", cp.CFGType, typ)
	}
	return cp.Attributes
}

// attrCases hold one value of every typed attribute, its octets, and
// whether its length is fixed (so that one octet more or less is
// malformed).
var attrCases = []struct {
	name  string
	attrs Attributes
	typ   wire.CfgAttrType
	value []byte
	fixed bool
}{
	{"INTERNAL_IP4_ADDRESS", Attributes{Addrs4: []netip.Addr{netip.MustParseAddr("172.16.0.5")}}, wire.InternalIP4Address, []byte{172, 16, 0, 5}, true},
	{"INTERNAL_IP4_NETMASK", Attributes{Addrs4: []netip.Addr{netip.MustParseAddr("10.0.0.1")}, Netmask4: netip.MustParseAddr("255.255.255.0")}, wire.InternalIP4Netmask, []byte{255, 255, 255, 0}, true},
	{"INTERNAL_IP4_DNS", Attributes{DNS4: []netip.Addr{netip.MustParseAddr("192.0.2.53")}}, wire.InternalIP4DNS, []byte{192, 0, 2, 53}, true},
	{"INTERNAL_IP4_NBNS", Attributes{NBNS4: []netip.Addr{netip.MustParseAddr("192.0.2.137")}}, wire.InternalIP4NBNS, []byte{192, 0, 2, 137}, true},
	{"INTERNAL_IP4_DHCP", Attributes{DHCP4: []netip.Addr{netip.MustParseAddr("192.0.2.67")}}, wire.InternalIP4DHCP, []byte{192, 0, 2, 67}, true},
	{"APPLICATION_VERSION", Attributes{AppVersion: "Cisco IOS Software"}, wire.ApplicationVersion, []byte("Cisco IOS Software"), false},
	{"INTERNAL_IP6_ADDRESS", Attributes{Addrs6: []netip.Prefix{netip.MustParsePrefix("2001:db8::5/64")}}, wire.InternalIP6Address, append(netip.MustParseAddr("2001:db8::5").AsSlice(), 64), true},
	{"INTERNAL_IP6_DNS", Attributes{DNS6: []netip.Addr{netip.MustParseAddr("2001:db8::53")}}, wire.InternalIP6DNS, netip.MustParseAddr("2001:db8::53").AsSlice(), true},
	{"INTERNAL_IP6_DHCP", Attributes{DHCP6: []netip.Addr{netip.MustParseAddr("2001:db8::67")}}, wire.InternalIP6DHCP, netip.MustParseAddr("2001:db8::67").AsSlice(), true},
	{"INTERNAL_IP4_SUBNET", Attributes{Subnets4: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}, wire.InternalIP4Subnet, []byte{10, 1, 0, 0, 255, 255, 0, 0}, true},
	{"INTERNAL_IP4_SUBNET host", Attributes{Subnets4: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")}}, wire.InternalIP4Subnet, []byte{10, 0, 0, 1, 255, 255, 255, 255}, true},
	{"SUPPORTED_ATTRIBUTES", Attributes{Supported: []wire.CfgAttrType{1, 3, 28672}}, wire.SupportedAttributes, []byte{0, 1, 0, 3, 0x70, 0}, false},
	{"INTERNAL_IP6_SUBNET", Attributes{Subnets6: []netip.Prefix{netip.MustParsePrefix("2001:db8:1::/48")}}, wire.InternalIP6Subnet, append(netip.MustParseAddr("2001:db8:1::").AsSlice(), 48), true},
	{"INTERNAL_DNS_DOMAIN", Attributes{DNSDomains: []string{"corp.example"}}, wire.InternalDNSDomain, []byte("corp.example"), false},
	{"banner", Attributes{Banner: "Authorized use only\n"}, CiscoBanner, []byte("Authorized use only\n"), false},
	{"def-domain", Attributes{DefaultDomain: "example.com"}, CiscoDefDomain, []byte("example.com"), false},
	{"split-dns", Attributes{SplitDNS: []string{"a.example", "b.example"}}, CiscoSplitDNS, []byte("a.example,b.example"), false},
	{"pfs", Attributes{PFS: true}, CiscoPFS, []byte{0, 1}, false},
	{"save-password", Attributes{SavePassword: true}, CiscoSavePassword, []byte{0, 1}, false},
	{"INTERNAL_IP6_ADDRESS /128", Attributes{Addrs6: []netip.Prefix{netip.MustParsePrefix("2001:db8:0:1::/128")}}, wire.InternalIP6Address, append(netip.MustParseAddr("2001:db8:0:1::").AsSlice(), 128), true},
	{"INTERNAL_IP6_DNS two", Attributes{DNS6: []netip.Addr{netip.MustParseAddr("2001:db8::53"), netip.MustParseAddr("2001:db8::54")}}, wire.InternalIP6DNS, netip.MustParseAddr("2001:db8::54").AsSlice(), true},
	{"backup-gateway", Attributes{BackupServers: []string{"hub2.example", "192.0.2.2"}}, CiscoBackupServers, []byte("hub2.example,192.0.2.2"), false},
}

func TestAttributeRoundTrip(t *testing.T) {
	for _, tc := range attrCases {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := tc.attrs.Encode()
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			var got []byte
			for _, a := range enc {
				if a.Type == tc.typ {
					got = a.Value
				}
			}
			if diff := cmp.Diff(tc.value, got); diff != "" {
				t.Errorf("octets of %v (-want +got):\n%s", tc.typ, diff)
			}
			dec, err := Decode(throughWire(t, wire.CFGReply, enc))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tc.attrs, *dec, cmpAttrs); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAttributeRejectsWrongLength(t *testing.T) {
	for _, tc := range attrCases {
		if !tc.fixed {
			continue
		}
		for _, v := range [][]byte{tc.value[:len(tc.value)-1], append(append([]byte{}, tc.value...), 0)} {
			_, err := Decode([]wire.CfgAttribute{{Type: tc.typ, Value: v}})
			var ae *AttrError
			if !errors.As(err, &ae) || ae.Type != tc.typ || !errors.Is(err, wire.ErrSyntax) {
				t.Errorf("%s with %d octets: err = %v, want an *AttrError wrapping ErrSyntax", tc.name, len(v), err)
			}
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name  string
		attrs []wire.CfgAttribute
	}{
		{"odd SUPPORTED_ATTRIBUTES", []wire.CfgAttribute{{Type: wire.SupportedAttributes, Value: []byte{0, 1, 0}}}},
		{"non-contiguous subnet mask", []wire.CfgAttribute{{Type: wire.InternalIP4Subnet, Value: []byte{10, 0, 0, 0, 255, 0, 255, 0}}}},
		{"IPv6 prefix length 129", []wire.CfgAttribute{{Type: wire.InternalIP6Subnet, Value: append(make([]byte, 16), 129)}}},
		{"netmask alone", []wire.CfgAttribute{{Type: wire.InternalIP4Netmask, Value: []byte{255, 0, 0, 0}}}},
		{"two netmasks", []wire.CfgAttribute{
			{Type: wire.InternalIP4Address},
			{Type: wire.InternalIP4Netmask, Value: []byte{255, 0, 0, 0}},
			{Type: wire.InternalIP4Netmask, Value: []byte{255, 255, 0, 0}},
		}},
		{"two banners", []wire.CfgAttribute{{Type: CiscoBanner, Value: []byte("a")}, {Type: CiscoBanner, Value: []byte("b")}}},
		{"pfs of 3 octets", []wire.CfgAttribute{{Type: CiscoPFS, Value: []byte{0, 0, 1}}}},
		{"two pfs", []wire.CfgAttribute{{Type: CiscoPFS, Value: []byte{0, 1}}, {Type: CiscoPFS, Value: []byte{0, 1}}}},
		{"save-password of 1 octet", []wire.CfgAttribute{{Type: CiscoSavePassword, Value: []byte{1}}}},
		{"INTERNAL_IP6_ADDRESS prefix length 129", []wire.CfgAttribute{{Type: wire.InternalIP6Address, Value: append(make([]byte, 16), 129)}}},
	}
	for _, tc := range tests {
		if _, err := Decode(tc.attrs); !errors.Is(err, wire.ErrSyntax) {
			t.Errorf("%s: err = %v, want ErrSyntax", tc.name, err)
		}
	}
}

func TestEncodeRejects(t *testing.T) {
	tests := []struct {
		name  string
		attrs Attributes
	}{
		{"netmask without address", Attributes{Netmask4: netip.MustParseAddr("255.255.255.0")}},
		{"IPv6 as INTERNAL_IP4_DNS", Attributes{DNS4: []netip.Addr{netip.MustParseAddr("2001:db8::1")}}},
		{"IPv4 as INTERNAL_IP6_DNS", Attributes{DNS6: []netip.Addr{netip.MustParseAddr("192.0.2.1")}}},
		{"IPv4-mapped as INTERNAL_IP4_ADDRESS", Attributes{Addrs4: []netip.Addr{netip.MustParseAddr("::ffff:192.0.2.1")}}},
		{"IPv6 subnet as INTERNAL_IP4_SUBNET", Attributes{Subnets4: []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}}},
		{"invalid INTERNAL_IP6_SUBNET", Attributes{Subnets6: []netip.Prefix{{}}}},
		{"oversized banner", Attributes{Banner: string(make([]byte, 0x10000))}},
		{"empty DNS domain", Attributes{DNSDomains: []string{""}}},
		{"comma in split-dns", Attributes{SplitDNS: []string{"a,b"}}},
		{"known type in Other", Attributes{Other: []wire.CfgAttribute{{Type: wire.InternalIP4DNS, Value: []byte{1, 2, 3, 4}}}}},
		{"16-bit SUPPORTED_ATTRIBUTES entry", Attributes{Supported: []wire.CfgAttrType{0x8001}}},
	}
	for _, tc := range tests {
		if _, err := tc.attrs.Encode(); err == nil {
			t.Errorf("%s: Encode succeeded", tc.name)
		}
	}
}

// TestRequest covers a CFG_REQUEST as IOS sends it: an application version
// and empty attributes, plus unknown private ones kept raw.
func TestRequest(t *testing.T) {
	in := Request(append([]wire.CfgAttrType{wire.InternalIP4Address, wire.InternalIP4Netmask}, FlexVPNRequest()...)...)
	in.AppVersion = "Cisco IOS Software [Fuji]"
	in.Other = []wire.CfgAttribute{{Type: 28690, Value: []byte{1}}}
	enc, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	raw := throughWire(t, wire.CFGRequest, enc)
	empty := 0
	for _, a := range raw {
		if len(a.Value) == 0 {
			empty++
		}
	}
	if empty != 6 {
		t.Errorf("%d empty attributes on the wire, want 6", empty)
	}
	got, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, got, cmpAttrs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !got.Asks(wire.InternalIP4Address) || got.Asks(wire.InternalIP4DNS) {
		t.Errorf("Asks: address %v, DNS %v; want true, false", got.Asks(wire.InternalIP4Address), got.Asks(wire.InternalIP4DNS))
	}
}

func TestDecodeKeepsUnknownAndIgnoresReservedBit(t *testing.T) {
	v := []byte{9, 9}
	got, err := Decode([]wire.CfgAttribute{
		{Type: 30000, Value: v},
		{Reserved: true, Type: wire.InternalIP4DNS, Value: []byte{192, 0, 2, 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	v[0] = 0 // the result must not alias the input
	want := &Attributes{Other: []wire.CfgAttribute{{Type: 30000, Value: []byte{9, 9}}}, DNS4: []netip.Addr{netip.MustParseAddr("192.0.2.1")}}
	if diff := cmp.Diff(want, got, cmpAttrs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestFlagLengths covers the Cisco flags in their 2- and 4-octet forms
// and a zero value (off).
func TestFlagLengths(t *testing.T) {
	tests := []struct {
		typ   wire.CfgAttrType
		value []byte
		want  Attributes
	}{
		{CiscoPFS, []byte{0, 0, 0, 1}, Attributes{PFS: true}},
		{CiscoPFS, []byte{0, 0}, Attributes{}},
		{CiscoSavePassword, []byte{0, 0, 0, 1}, Attributes{SavePassword: true}},
		{CiscoSavePassword, []byte{0, 1}, Attributes{SavePassword: true}},
	}
	for _, tc := range tests {
		got, err := Decode([]wire.CfgAttribute{{Type: tc.typ, Value: tc.value}})
		if err != nil {
			t.Errorf("%v %x: %v", tc.typ, tc.value, err)
			continue
		}
		if diff := cmp.Diff(tc.want, *got, cmpAttrs); diff != "" {
			t.Errorf("%v %x (-want +got):\n%s", tc.typ, tc.value, diff)
		}
	}
}

func TestPrefix4(t *testing.T) {
	tests := []struct {
		attrs Attributes
		want  netip.Prefix
		ok    bool
	}{
		{Attributes{}, netip.Prefix{}, false},
		{Attributes{Addrs4: []netip.Addr{netip.MustParseAddr("10.0.0.7")}}, netip.MustParsePrefix("10.0.0.7/32"), true},
		{Attributes{Addrs4: []netip.Addr{netip.MustParseAddr("10.0.0.7")}, Netmask4: netip.MustParseAddr("255.255.255.0")}, netip.MustParsePrefix("10.0.0.7/24"), true},
	}
	for _, tc := range tests {
		got, ok := tc.attrs.Prefix4()
		if got != tc.want || ok != tc.ok {
			t.Errorf("Prefix4(%+v) = %v, %v; want %v, %v", tc.attrs, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPayload(t *testing.T) {
	a := &Attributes{DNS4: []netip.Addr{netip.MustParseAddr("192.0.2.53")}}
	p, err := a.Payload(wire.CFGReply)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromPayload(p)
	if err != nil {
		t.Fatal(err)
	}
	if p.CFGType != wire.CFGReply || !cmp.Equal(a, got, cmpAttrs) {
		t.Errorf("Payload/FromPayload: type %v, %+v; want CFG_REPLY, %+v", p.CFGType, got, a)
	}
}
