package parser

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// testSpecs is a small IOS-like grammar exercising every token kind.
var testSpecs = []struct {
	spec string
	help []string
}{
	{"hostname WORD", []string{"Set system's network name", "This system's network name"}},
	{"interface IFNAME", []string{"Select an interface to configure", "Interface name"}},
	{"interface Virtual-Template <1-4095> type tunnel", []string{"Select an interface to configure", "Virtual Template interface", "Virtual template number", "type of the virtual-template", "Tunnel interface"}},
	{"ip route A.B.C.D A.B.C.D {A.B.C.D|IFNAME} [<1-255>] [name WORD$rname]", []string{"Global IP configuration subcommands", "Establish static routes", "Destination prefix", "Destination prefix mask", "Forwarding router's address", "Interface name", "Distance metric for this route", "Specify name of the next hop", "Name of the next hop"}},
	{"ip access-list standard WORD", []string{"Global IP configuration subcommands", "Named access-list", "Standard Access List", "Access-list name"}},
	{"ipv6 address X:X::X:X/M", []string{"IPv6 configuration commands", "Configure IPv6 address on interface", "IPv6 prefix"}},
	{"ipv6 route X:X::X:X/M X:X::X:X", []string{"IPv6 configuration commands", "Configure static routing table", "IPv6 prefix", "IPv6 address of next-hop"}},
	{"network A.B.C.D/M", []string{"Specify a network", "Network prefix"}},
	{"description LINE", []string{"Interface specific description", "Up to 240 characters describing this interface"}},
	{"crypto ikev2 keyring WORD", []string{"Encryption module", "Configure IKEv2 Options", "Configure keyring", "Name of the keyring"}},
	{"crypto ikev2 profile WORD", []string{"Encryption module", "Configure IKEv2 Options", "Define IKEv2 profiles", "Name of IKEv2 profile"}},
	{"crypto ikev2 proposal {default|WORD$name}", []string{"Encryption module", "Configure IKEv2 Options", "Define IKEv2 proposals", "Default proposal", "Name of IKEv2 proposal"}},
	{"logging {A.B.C.D|host A.B.C.D|buffered <4096-2147483647>}", []string{"Modify message logging facilities", "IP address of the logging host", "Set syslog server IP address and parameters", "IP address of the syslog server", "Set buffered logging parameters", "Logging buffer size"}},
	{"tunnel source {IFNAME|A.B.C.D|dynamic}", []string{"protocol-over-protocol tunneling", "source of tunnel packets", "Interface name", "ip address", "dynamic source"}},
	{"tunnel destination {A.B.C.D|dynamic|WORD$host}", []string{"protocol-over-protocol tunneling", "destination of tunnel", "ip address", "dynamic destination", "ip name of the destination"}},
	{"tunnel mode ipsec {ipv4|ipv6} [v6-overlay]", []string{"protocol-over-protocol tunneling", "tunnel encapsulation method", "IPSec tunnel encapsulation", "over IPv4", "over IPv6", "IPv6 over IPv4 overlay"}},
	{"exp {<1-100>|10x}", []string{"Experiment", "A number", "A keyword with digits"}},
	{"shutdown", []string{"Shutdown the selected interface"}},
	{"show running-config", []string{"Show running system information", "Current operating configuration"}},
}

// testGraph compiles testSpecs; each command's data is its spec.
func testGraph(t testing.TB) *Graph {
	t.Helper()
	g := NewGraph()
	for _, s := range testSpecs {
		if err := g.Add(s.spec, s.help, s.spec); err != nil {
			t.Fatal(err)
		}
	}
	if c := g.HelpConflicts(); len(c) > 0 {
		t.Fatalf("help conflicts in the test grammar: %v", c)
	}
	return g
}

// argList renders matched arguments as "name=value" strings.
func argList(a Args) []string {
	out := make([]string, len(a))
	for i, x := range a {
		out[i] = x.Name + "=" + x.Value
	}
	return out
}

func TestMatch(t *testing.T) {
	g := testGraph(t)
	tests := []struct {
		line string
		spec string
		args []string
	}{
		{"hostname R1", "hostname WORD", []string{"hostname=hostname", "WORD=R1"}},
		{"HOSTNAME r1", "hostname WORD", []string{"hostname=hostname", "WORD=r1"}},
		{"  ho   R1  ", "hostname WORD", []string{"hostname=hostname", "WORD=R1"}},
		{"\tho\tR1", "hostname WORD", []string{"hostname=hostname", "WORD=R1"}},
		// An exact keyword beats an abbreviation of a longer one.
		{"ip ro 10.0.0.0 255.0.0.0 10.1.1.1", "ip route A.B.C.D A.B.C.D {A.B.C.D|IFNAME} [<1-255>] [name WORD$rname]",
			[]string{"ip=ip", "route=route", "A.B.C.D=10.0.0.0", "A.B.C.D=255.0.0.0", "A.B.C.D=10.1.1.1"}},
		{"ipv 6 address 2001:DB8::1/64", "", nil},
		{"ipv address 2001:DB8::1/64", "ipv6 address X:X::X:X/M", []string{"ipv6=ipv6", "address=address", "X:X::X:X/M=2001:db8::1/64"}},
		{"ip route 0.0.0.0 0.0.0.0 tun 5 250 name TO-HUB", "ip route A.B.C.D A.B.C.D {A.B.C.D|IFNAME} [<1-255>] [name WORD$rname]",
			[]string{"ip=ip", "route=route", "A.B.C.D=0.0.0.0", "A.B.C.D=0.0.0.0", "IFNAME=Tunnel5", "<1-255>=250", "name=name", "rname=TO-HUB"}},
		{"ip route 0.0.0.0 0.0.0.0 Null0 na X", "ip route A.B.C.D A.B.C.D {A.B.C.D|IFNAME} [<1-255>] [name WORD$rname]",
			[]string{"ip=ip", "route=route", "A.B.C.D=0.0.0.0", "A.B.C.D=0.0.0.0", "IFNAME=Null0", "name=name", "rname=X"}},
		{"ipv6 route ::/0 2001:db8::0001", "ipv6 route X:X::X:X/M X:X::X:X", []string{"ipv6=ipv6", "route=route", "X:X::X:X/M=::/0", "X:X::X:X=2001:db8::1"}},
		{"network 10.0.0.0/8", "network A.B.C.D/M", []string{"network=network", "A.B.C.D/M=10.0.0.0/8"}},
		{"ip access-list st ACL-1", "ip access-list standard WORD", []string{"ip=ip", "access-list=access-list", "standard=standard", "WORD=ACL-1"}},
		// LINE takes the rest verbatim (inner spacing kept, trailing space cut).
		{"description  to  hub #1!  ", "description LINE", []string{"description=description", "LINE=to  hub #1!"}},
		// Keywords beat WORD, exact or abbreviated.
		{"crypto ikev2 proposal default", "crypto ikev2 proposal {default|WORD$name}", []string{"crypto=crypto", "ikev2=ikev2", "proposal=proposal", "default=default"}},
		{"cry ikev2 propos def", "crypto ikev2 proposal {default|WORD$name}", []string{"crypto=crypto", "ikev2=ikev2", "proposal=proposal", "default=default"}},
		{"crypto ikev2 proposal PROP-1", "crypto ikev2 proposal {default|WORD$name}", []string{"crypto=crypto", "ikev2=ikev2", "proposal=proposal", "name=PROP-1"}},
		{"tunnel destination dyn", "tunnel destination {A.B.C.D|dynamic|WORD$host}", []string{"tunnel=tunnel", "destination=destination", "dynamic=dynamic"}},
		{"tunnel destination hub.example.com", "tunnel destination {A.B.C.D|dynamic|WORD$host}", []string{"tunnel=tunnel", "destination=destination", "host=hub.example.com"}},
		{"tunnel destination 192.0.2.1", "tunnel destination {A.B.C.D|dynamic|WORD$host}", []string{"tunnel=tunnel", "destination=destination", "A.B.C.D=192.0.2.1"}},
		// Typed tokens beat keyword abbreviations; exact keywords beat typed.
		{"exp 10", "exp {<1-100>|10x}", []string{"exp=exp", "<1-100>=10"}},
		{"exp 010", "exp {<1-100>|10x}", []string{"exp=exp", "<1-100>=10"}},
		{"exp 10X", "exp {<1-100>|10x}", []string{"exp=exp", "10x=10x"}},
		{"tunnel source d 1", "tunnel source {IFNAME|A.B.C.D|dynamic}", []string{"tunnel=tunnel", "source=source", "IFNAME=Dialer1"}},
		{"tunnel source dyn", "tunnel source {IFNAME|A.B.C.D|dynamic}", []string{"tunnel=tunnel", "source=source", "dynamic=dynamic"}},
		{"tunnel mode ipsec ipv4 v6", "tunnel mode ipsec {ipv4|ipv6} [v6-overlay]", []string{"tunnel=tunnel", "mode=mode", "ipsec=ipsec", "ipv4=ipv4", "v6-overlay=v6-overlay"}},
		{"logging buffered 20010", "logging {A.B.C.D|host A.B.C.D|buffered <4096-2147483647>}", []string{"logging=logging", "buffered=buffered", "<4096-2147483647>=20010"}},
		{"sho run", "show running-config", []string{"show=show", "running-config=running-config"}},
		{"SHO RUNning-config", "show running-config", []string{"show=show", "running-config=running-config"}},
		// Interface names.
		{"interface Tunnel0", "interface IFNAME", []string{"interface=interface", "IFNAME=Tunnel0"}},
		{"int tun 0", "interface IFNAME", []string{"interface=interface", "IFNAME=Tunnel0"}},
		{"INT TUNNEL 46", "interface IFNAME", []string{"interface=interface", "IFNAME=Tunnel46"}},
		{"int gi1.15", "interface IFNAME", []string{"interface=interface", "IFNAME=GigabitEthernet1.15"}},
		{"int Gi0/0/0", "interface IFNAME", []string{"interface=interface", "IFNAME=GigabitEthernet0/0/0"}},
		{"interface Virtual-Template1", "interface IFNAME", []string{"interface=interface", "IFNAME=Virtual-Template1"}},
		{"interface virtual-template 1 type tunnel", "interface Virtual-Template <1-4095> type tunnel", []string{"interface=interface", "virtual-template=Virtual-Template", "<1-4095>=1", "type=type", "tunnel=tunnel"}},
		{"interface eth0", "interface IFNAME", []string{"interface=interface", "IFNAME=eth0"}},
		{"interface eth0.100", "interface IFNAME", []string{"interface=interface", "IFNAME=eth0.100"}},
		{"interface Eth0/0", "interface IFNAME", []string{"interface=interface", "IFNAME=Ethernet0/0"}},
		{"interface eth 0", "interface IFNAME", []string{"interface=interface", "IFNAME=Ethernet0"}},
		{"interface ens3", "interface IFNAME", []string{"interface=interface", "IFNAME=ens3"}},
		{"interface enp0s3", "interface IFNAME", []string{"interface=interface", "IFNAME=enp0s3"}},
		{"interface lo0", "interface IFNAME", []string{"interface=interface", "IFNAME=Loopback0"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			m, err := g.Match(tt.line)
			if tt.spec == "" {
				if err == nil {
					t.Fatalf("Match(%q) = %v, want an error", tt.line, m.Data)
				}
				return
			}
			if err != nil {
				t.Fatalf("Match(%q): %v", tt.line, err)
			}
			if m.Data != tt.spec {
				t.Errorf("Match(%q) matched %q, want %q", tt.line, m.Data, tt.spec)
			}
			if got := argList(m.Args); !reflect.DeepEqual(got, tt.args) {
				t.Errorf("Match(%q) args\n got %q\nwant %q", tt.line, got, tt.args)
			}
		})
	}
}

func TestMatchErrors(t *testing.T) {
	g := testGraph(t)
	tests := []struct {
		line string
		kind ErrKind
		word string // the word the error points at ("" for the end of line)
	}{
		{"", ErrIncomplete, ""},
		{"   ", ErrIncomplete, ""},
		{"hostname", ErrIncomplete, ""},
		{"hostname ", ErrIncomplete, ""},
		{"description", ErrIncomplete, ""},
		{"crypto ikev2", ErrIncomplete, ""},
		{"logging", ErrIncomplete, ""},
		{"logging buffered", ErrIncomplete, ""},
		{"interface tun", ErrIncomplete, ""},
		{"hostname R1 extra", ErrInvalid, "extra"},
		{"hostnamex R1", ErrInvalid, "hostnamex"},
		{"logging 0255.255.1", ErrInvalid, "0255.255.1"},
		{"logging buffered 100", ErrInvalid, "100"},
		{"logging buffered 4096 9", ErrInvalid, "9"},
		{"ip route 10.0.0.300 255.0.0.0 Null0", ErrInvalid, "10.0.0.300"},
		{"ip route 10.0.0.0 255.0.0.0 Null0 256", ErrInvalid, "256"},
		{"network 10.0.0.0/33", ErrInvalid, "10.0.0.0/33"},
		{"network 10.0.0.0", ErrInvalid, "10.0.0.0"},
		{"ipv6 address 10.0.0.0/8", ErrInvalid, "10.0.0.0/8"},
		{"ipv6 route ::/0 10.0.0.1", ErrInvalid, "10.0.0.1"},
		{"interface foo", ErrInvalid, "foo"},
		{"interface Tunnel0 extra", ErrInvalid, "extra"},
		{"exp 101", ErrInvalid, "101"},
		{"tunnel mode ipsec ipv4 v6-overlay x", ErrInvalid, "x"},
		{"i", ErrAmbiguous, "i"},
		{"sh run", ErrAmbiguous, "sh"},
		{"crypto ikev2 p X", ErrAmbiguous, "p"},
		{"tunnel mode ipsec ipv X", ErrAmbiguous, "ipv"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			_, err := g.Match(tt.line)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Match(%q) error = %v, want a *Error", tt.line, err)
			}
			if pe.Kind != tt.kind {
				t.Errorf("Match(%q) kind = %v (%v), want %v", tt.line, pe.Kind, pe, tt.kind)
			}
			wantPos := len(tt.line)
			if tt.word != "" {
				wantPos = strings.Index(tt.line, " "+tt.word) + 1
				if strings.HasPrefix(tt.line, tt.word) {
					wantPos = 0
				}
			}
			if pe.Pos != wantPos {
				t.Errorf("Match(%q) pos = %d, want %d", tt.line, pe.Pos, wantPos)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	g := testGraph(t)
	tests := []struct {
		prompt, line, want string
	}{
		// The capture in ios-reference.md section 2, character for character.
		{"R1(config)#", "logging 0255.255.1", "                   ^\n% Invalid input detected at '^' marker.\n"},
		{"R1(config)#", "logging", "% Incomplete command.\n"},
		{"R1(config)#", "i", "% Ambiguous command:  \"i\"\n"},
		{"R1#", "  crypto ikev2 p X", "% Ambiguous command:  \"crypto ikev2 p\"\n"},
		{"R1(config-if)#", "tunnel mode ipsec ipv5", "                                ^\n% Invalid input detected at '^' marker.\n"},
		// A tab advances the caret to the next multiple of 8 columns.
		{"R(config)#", "hostname\tR1 x", "                           ^\n% Invalid input detected at '^' marker.\n"},
	}
	for _, tt := range tests {
		_, err := g.Match(tt.line)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Fatalf("Match(%q) error = %v, want a *Error", tt.line, err)
		}
		if got := pe.Format(len(tt.prompt)); got != tt.want {
			t.Errorf("%s%s:\n got %q\nwant %q", tt.prompt, tt.line, got, tt.want)
		}
	}
	// An error built by hand with positions past the line does not panic.
	if got := (&Error{Kind: ErrInvalid, Line: "ab", Pos: 9}).Format(1); got != "   ^\n% Invalid input detected at '^' marker.\n" {
		t.Errorf("caret past the line: got %q", got)
	}
	if got := (&Error{Kind: ErrAmbiguous, Line: "ab", End: 9}).Error(); got != `% Ambiguous command:  "ab"` {
		t.Errorf("ambiguous past the line: got %q", got)
	}
	if got := (&Error{Kind: ErrUnrecognized, Line: "xyz"}).Format(4); got != "% Unrecognized command\n" {
		t.Errorf("unrecognized: got %q", got)
	}
}

// ifTypeRows is the `?` listing of an IFNAME position: every interface type,
// sorted like keywords.
func ifTypeRows(extra ...HelpItem) []HelpItem {
	var l helpList
	for _, it := range ifTypes {
		l.keyword(HelpItem{Token: it.name, Help: it.help})
	}
	for _, it := range extra {
		l.keyword(it)
	}
	return l.items()
}

func TestHelp(t *testing.T) {
	g := testGraph(t)
	tests := []struct {
		line string
		want []HelpItem
	}{
		{"", []HelpItem{
			{"crypto", "Encryption module"},
			{"description", "Interface specific description"},
			{"exp", "Experiment"},
			{"hostname", "Set system's network name"},
			{"interface", "Select an interface to configure"},
			{"ip", "Global IP configuration subcommands"},
			{"ipv6", "IPv6 configuration commands"},
			{"logging", "Modify message logging facilities"},
			{"network", "Specify a network"},
			{"show", "Show running system information"},
			{"shutdown", "Shutdown the selected interface"},
			{"tunnel", "protocol-over-protocol tunneling"},
		}},
		{"tunnel mode ipsec ", []HelpItem{{"ipv4", "over IPv4"}, {"ipv6", "over IPv6"}}},
		{"tunnel mode ipsec ipv4 ", []HelpItem{{"v6-overlay", "IPv6 over IPv4 overlay"}, crItem}},
		{"hostname R1 ", []HelpItem{crItem}},
		{"description ", []HelpItem{{"LINE", "Up to 240 characters describing this interface"}}},
		{"description to hub ", []HelpItem{{"LINE", "Up to 240 characters describing this interface"}, crItem}},
		// Typed tokens first, then keywords sorted.
		{"crypto ikev2 proposal ", []HelpItem{{"WORD", "Name of IKEv2 proposal"}, {"default", "Default proposal"}}},
		{"exp ", []HelpItem{{"<1-100>", "A number"}, {"10x", "A keyword with digits"}}},
		{"logging ", []HelpItem{{"A.B.C.D", "IP address of the logging host"}, {"buffered", "Set buffered logging parameters"}, {"host", "Set syslog server IP address and parameters"}}},
		{"tunnel destination ", []HelpItem{{"A.B.C.D", "ip address"}, {"WORD", "ip name of the destination"}, {"dynamic", "dynamic destination"}}},
		{"tunnel source ", append([]HelpItem{{"A.B.C.D", "ip address"}}, ifTypeRows(HelpItem{"dynamic", "dynamic source"})...)},
		{"ip route 10.0.0.0 255.0.0.0 Tunnel0 ", []HelpItem{{"<1-255>", "Distance metric for this route"}, {"name", "Specify name of the next hop"}, crItem}},
		{"int ", append(ifTypeRows(), HelpItem{"Virtual-Template", "Virtual Template interface"})[:len(ifTypes)]},
		{"int tun ", []HelpItem{{"<0-2147483647>", "Tunnel interface number"}}},
		{"sho ", []HelpItem{{"running-config", "Current operating configuration"}}},
		// Partial words: the tokens the word may begin.
		{"crypto ikev2 p", []HelpItem{{Token: "profile"}, {Token: "proposal"}}},
		{"S", []HelpItem{{Token: "show"}, {Token: "shutdown"}}},
		{"int tu", []HelpItem{{Token: "Tunnel"}}},
		{"int v", []HelpItem{{Token: "Virtual-Access"}, {Token: "Virtual-Template"}, {Token: "Vlan"}}},
		{"int tun 0", []HelpItem{{Token: "<0-2147483647>"}}},
		{"int Tunnel1", []HelpItem{{Token: "<0-2147483647>"}}},
		{"int ens3", []HelpItem{{Token: "ens3"}}},
		{"ip route 1", []HelpItem{{Token: "A.B.C.D"}}},
		{"crypto ikev2 proposal d", []HelpItem{{Token: "WORD"}, {Token: "default"}}},
		{"description to hu", []HelpItem{{Token: "LINE"}}},
		{"exp 1", []HelpItem{{Token: "<1-100>"}, {Token: "10x"}}},
		{"ipv6 address 20", []HelpItem{{Token: "X:X::X:X/M"}}},
	}
	for _, tt := range tests {
		got, err := g.Help(tt.line)
		if err != nil {
			t.Errorf("Help(%q): %v", tt.line, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Help(%q)\n got %v\nwant %v", tt.line, got, tt.want)
		}
	}
}

func TestHelpErrors(t *testing.T) {
	g := testGraph(t)
	tests := []struct {
		line string
		kind ErrKind
	}{
		{"xyz", ErrUnrecognized},
		{"hostname R1 x", ErrUnrecognized},
		{"hostname R1 extra ", ErrInvalid},
		{"i ", ErrAmbiguous},
		{"logging 1.2.3.4 x ", ErrInvalid},
	}
	for _, tt := range tests {
		_, err := g.Help(tt.line)
		var pe *Error
		if !errors.As(err, &pe) || pe.Kind != tt.kind {
			t.Errorf("Help(%q) error = %v, want kind %v", tt.line, err, tt.kind)
		}
	}
}

func TestFormatHelp(t *testing.T) {
	items := []HelpItem{{"transport", "transport (payload encapsulation) mode"}, {"tunnel", "tunnel (datagram encapsulation) mode"}}
	// ios-reference.md section 3, `mode ?` in cfg-crypto-trans.
	want := "  transport  transport (payload encapsulation) mode\n" +
		"  tunnel     tunnel (datagram encapsulation) mode\n"
	if got := FormatHelp(items); got != want {
		t.Errorf("FormatHelp:\n got %q\nwant %q", got, want)
	}
	want = "  v6-overlay  IPv6 over IPv4 overlay\n  <cr>        <cr>\n"
	if got := FormatHelp([]HelpItem{{"v6-overlay", "IPv6 over IPv4 overlay"}, crItem}); got != want {
		t.Errorf("FormatHelp with <cr>:\n got %q\nwant %q", got, want)
	}
	if got, want := FormatPartialHelp([]HelpItem{{Token: "profile"}, {Token: "proposal"}}), "profile  proposal  \n"; got != want {
		t.Errorf("FormatPartialHelp: got %q, want %q", got, want)
	}
	var many []HelpItem
	for i := range 12 {
		many = append(many, HelpItem{Token: fmt.Sprintf("keyword-%02d", i)})
	}
	for _, l := range strings.Split(strings.TrimSuffix(FormatPartialHelp(many), "\n"), "\n") {
		if len(strings.TrimRight(l, " ")) >= partialHelpWidth {
			t.Errorf("partial help line longer than the terminal: %q", l)
		}
	}
}

func TestComplete(t *testing.T) {
	g := testGraph(t)
	tests := []struct{ line, want string }{
		{"hostn", "hostname "},
		{"SHO", "show "},
		{"sh", "sh"}, // show, shutdown
		{"shu", "shutdown "},
		{"ip", "ip "}, // exact beats the longer ipv6
		{"ipv", "ipv6 "},
		{"i", "i"},
		{"crypto ikev2 p", "crypto ikev2 pro"},
		{"crypto ikev2 pro", "crypto ikev2 pro"},
		{"crypto ikev2 prof", "crypto ikev2 profile "},
		{"cry", "crypto "},
		{"  cry", "  crypto "},
		{"int tu", "int Tunnel"},
		{"int Virtual-T", "int Virtual-Template"},
		{"int v", "int v"},
		{"ip route 1.1.1.1", "ip route 1.1.1.1"},
		{"exp 10", "exp 10"}, // a complete number, not the keyword 10x
		{"xyz", "xyz"},
		{"hostname ", "hostname "},
		{"", ""},
		{"hostname R1 x", "hostname R1 x"},
		{"tunnel mode ipsec ipv4 v", "tunnel mode ipsec ipv4 v6-overlay "},
	}
	for _, tt := range tests {
		if got := g.Complete(tt.line); got != tt.want {
			t.Errorf("Complete(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestSpecErrors(t *testing.T) {
	tests := []struct {
		spec string
		help []string
		want string // substring of the error
	}{
		{"hostname WORD", []string{"only one"}, "2 tokens but 1 help strings"},
		{"hostname", []string{"a", "b"}, "1 tokens but 2 help strings"},
		{"a [b", []string{"a", "b"}, "unclosed bracket"},
		{"a {b|c", []string{"a", "b", "c"}, "unclosed bracket"},
		{"a b]", []string{"a", "b"}, "unexpected"},
		{"a {b]", []string{"a", "b"}, "mismatched bracket"},
		{"a {b|}", []string{"a", "b"}, "empty alternative"},
		{"a []", []string{"a"}, "empty alternative"},
		{"a b|c", []string{"a", "b", "c"}, "unexpected"},
		{"a <5-1>", []string{"a", "b"}, "bad range"},
		{"a <x-9>", []string{"a", "b"}, "bad range"},
		{"a <1-9", []string{"a", "b"}, "bad range"},
		{"a WORD$", []string{"a", "b"}, "bad argument name"},
		{"a WORD$x$y", []string{"a", "b"}, "bad argument name"},
		{"a LINE WORD", []string{"a", "b", "c"}, "LINE must be the last token"},
		{"[a]", []string{"a"}, "empty line"},
		{"a b", []string{"a", " "}, "empty help"},
		{"a [b] [c] [d] [e] [f] [g] [h] [i] [j] [k] [l] [m] [n]", strings.Split("a b c d e f g h i j k l m n", " "), "alternative paths"},
	}
	for _, tt := range tests {
		g := NewGraph()
		err := g.Add(tt.spec, tt.help, 1)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Add(%q) error = %v, want one containing %q", tt.spec, err, tt.want)
		}
		if len(g.root.children) != 0 {
			t.Errorf("Add(%q) failed but changed the graph", tt.spec)
		}
	}
}

func TestAddConflicts(t *testing.T) {
	g := NewGraph()
	if err := g.Add("ip route [<1-255>]", []string{"IP", "Route", "Distance"}, 1); err != nil {
		t.Fatalf("optional range: %v", err)
	}
	if err := g.Add("ip route", []string{"IP", "Route"}, 1); err != nil {
		t.Errorf("re-adding a path of the same command: %v", err)
	}
	if err := g.Add("ip route", []string{"IP", "Route"}, 2); err == nil || !strings.Contains(err.Error(), "already taken") {
		t.Errorf("a path of another command: error = %v", err)
	}
	if c := g.HelpConflicts(); len(c) != 0 {
		t.Errorf("HelpConflicts = %q, want none", c)
	}
	if err := g.Add("IP address A.B.C.D", []string{"Interface IP", "Address", "The address"}, 3); err != nil {
		t.Fatal(err)
	}
	want := []string{`IP: "IP" vs "Interface IP"`}
	if c := g.HelpConflicts(); !reflect.DeepEqual(c, want) {
		t.Errorf("HelpConflicts = %q, want %q", c, want)
	}
	// The keyword keeps its first spelling and matches in any case.
	m, err := g.Match("ip ADD 1.2.3.4")
	if err != nil || m.Data != 3 {
		t.Fatalf("Match = %v, %v", m, err)
	}
	if got := m.Args.Get("ip"); got != "ip" {
		t.Errorf("ip = %q, want the canonical %q", got, "ip")
	}
}

func TestArgs(t *testing.T) {
	g := NewGraph()
	g.MustAdd("peer WORD address A.B.C.D A.B.C.D [<1-65535>$port]", []string{"Peer", "Name", "Address", "IP", "Mask", "Port"}, nil)
	m, err := g.Match("peer P1 address 10.0.0.1 255.255.255.255 500")
	if err != nil {
		t.Fatal(err)
	}
	a := m.Args
	if !a.Has("port") || a.Has("missing") {
		t.Errorf("Has: port %v missing %v", a.Has("port"), a.Has("missing"))
	}
	if got := a.Get("WORD"); got != "P1" {
		t.Errorf("Get(WORD) = %q", got)
	}
	if got := a.All("A.B.C.D"); !reflect.DeepEqual(got, []string{"10.0.0.1", "255.255.255.255"}) {
		t.Errorf("All(A.B.C.D) = %q", got)
	}
	if got := a.Int("port"); got != 500 {
		t.Errorf("Int(port) = %d", got)
	}
	if got := a.Int("missing"); got != 0 {
		t.Errorf("Int(missing) = %d", got)
	}
	if got := argList(a.After("address")); !reflect.DeepEqual(got, []string{"A.B.C.D=10.0.0.1", "A.B.C.D=255.255.255.255", "port=500"}) {
		t.Errorf("After(address) = %q", got)
	}
	if a.After("missing") != nil {
		t.Errorf("After(missing) not nil")
	}
	if a[0].Kind != Keyword || a[1].Kind != Word || a[3].Kind != IPv4 || a[5].Kind != Range {
		t.Errorf("kinds = %v", a)
	}
}

func TestParseIfName(t *testing.T) {
	tests := []struct {
		w, next  string
		name     string
		consumed int
	}{
		{"Tunnel0", "", "Tunnel0", 1},
		{"tun", "0", "Tunnel0", 2},
		{"t", "5", "Tunnel5", 2},
		{"gi1.15", "", "GigabitEthernet1.15", 1},
		{"Gi", "0/0/1", "GigabitEthernet0/0/1", 2},
		{"Virtual-Template1", "", "Virtual-Template1", 1},
		{"virtual-template", "1", "Virtual-Template1", 2},
		{"Virtual-Access12", "", "Virtual-Access12", 1},
		{"se0/0/0:1", "", "Serial0/0/0:1", 1},
		{"Po10", "", "Port-channel10", 1},
		{"eth0", "", "eth0", 1},
		{"eth0.100", "", "eth0.100", 1},
		{"Eth0", "", "Ethernet0", 1},
		{"eth0/1", "", "Ethernet0/1", 1},
		{"ens3", "", "ens3", 1},
		{"wg0", "", "wg0", 1},
		{"tun0", "", "Tunnel0", 1},
		{"Tunnel", "", "", 0},
		{"Tunnel", "x", "", 0},
		{"Tunnel0/", "", "", 0},
		{"0", "", "", 0},
		{"dynamic", "", "", 0},
		{"a-very-long-interface0", "", "", 0},
		{"br$0", "", "", 0},
	}
	for _, tt := range tests {
		name, n, ok := ParseIfName(tt.w, tt.next)
		if name != tt.name || n != tt.consumed || ok != (tt.consumed > 0) {
			t.Errorf("ParseIfName(%q, %q) = %q, %d, %v; want %q, %d", tt.w, tt.next, name, n, ok, tt.name, tt.consumed)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Keyword: "keyword", Word: "WORD", Line: "LINE", IPv4: "A.B.C.D", IPv4Prefix: "A.B.C.D/M",
		IPv6: "X:X::X:X", IPv6Prefix: "X:X::X:X/M", Range: "<lo-hi>", IfName: "IFNAME", Kind(99): "?"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
}

// BenchmarkMatch matches typical configuration lines against a graph with
// as many root keywords as global configuration mode has.
func BenchmarkMatch(b *testing.B) {
	g := testGraph(b)
	for i := range 150 {
		w := fmt.Sprintf("%c%ckeyword%d", 'a'+i%26, 'a'+i/26, i)
		g.MustAdd(w+" WORD", []string{"synthetic", "name"}, w)
	}
	lines := []string{
		"crypto ikev2 profile SPOKE00001",
		"ip route 0.0.0.0 0.0.0.0 Tunnel0 250 name DEFAULT",
		"interface virtual-template 1 type tunnel",
		"description a line of free text",
		"tunnel mode ipsec ipv4",
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			if _, err := g.Match(l); err != nil {
				b.Fatal(err)
			}
		}
	}
}
