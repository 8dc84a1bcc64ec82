package modes

import (
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// ifNotApplied is reported for interface lines that are kept verbatim.
const ifNotApplied = "interface setting is kept but not applied"

// interfaceLines are the valid interface lines that flexvpnd keeps
// verbatim in the interface block (in IOS order, by rank) without acting on
// them.
var interfaceLines = []keptSpec{
	{Spec: "bandwidth <1-10000000>", Help: []string{"Set bandwidth informational parameter", "Bandwidth in kilobits"},
		No: "bandwidth [<1-10000000>]", Rank: runningconfig.RankIfHead, KeyWords: 1},
	{Spec: "mtu <64-9216>", Help: []string{"Set the interface Maximum Transmission Unit (MTU)", "MTU size in bytes"},
		No: "mtu [<64-9216>]", Rank: runningconfig.RankIfHead + 1, KeyWords: 1},
	{Spec: "encapsulation dot1Q <1-4094> [native]", Help: []string{"Set encapsulation type for an interface",
		"IEEE 802.1Q Virtual LAN", "IEEE 802.1Q VLAN ID", "Make this as native vlan"},
		No: "encapsulation dot1Q [<1-4094> [native]]", Rank: runningconfig.RankIfHead + 2, KeyWords: 1},
	{Spec: "ip redirects", Help: []string{HelpIfIP, "Enable sending ICMP Redirect messages"},
		Rank: runningconfig.RankIfIPFlags, NegDefault: true},
	{Spec: "ip unreachables", Help: []string{HelpIfIP, "Enable sending ICMP Unreachable messages"},
		Rank: runningconfig.RankIfIPFlags + 1, NegDefault: true},
	{Spec: "ip proxy-arp", Help: []string{HelpIfIP, "Enable proxy ARP"},
		Rank: runningconfig.RankIfIPFlags + 2, NegDefault: true},
	{Spec: "ip nat {inside|outside}", Help: []string{HelpIfIP, "NAT interface commands", "Inside interface for address translation",
		"Outside interface for address translation"}, Rank: runningconfig.RankIfIPFeature, KeyWords: 2},
	{Spec: "ip nhrp network-id <1-4294967295>", Help: []string{HelpIfIP, "NHRP interface subcommands", "NBMA network identifier", "Value"},
		No: "ip nhrp network-id [<1-4294967295>]", Rank: runningconfig.RankIfIPFeature + 1, KeyWords: 3},
	{Spec: "ip nhrp authentication WORD", Help: []string{HelpIfIP, "NHRP interface subcommands", "Authentication string", "Up to 8 character string"},
		No: "ip nhrp authentication [WORD]", Rank: runningconfig.RankIfIPFeature + 1, KeyWords: 3},
	{Spec: "ip nhrp holdtime <1-65535>", Help: []string{HelpIfIP, "NHRP interface subcommands", "Advertised holdtime", "Number of seconds"},
		No: "ip nhrp holdtime [<1-65535>]", Rank: runningconfig.RankIfIPFeature + 1, KeyWords: 3},
	{Spec: "ip nhrp map LINE", Help: []string{HelpIfIP, "NHRP interface subcommands", "Map dest IP addresses to NBMA addresses", "Mapping"},
		Rank: runningconfig.RankIfIPFeature + 1},
	{Spec: "ip nhrp nhs LINE", Help: []string{HelpIfIP, "NHRP interface subcommands", "Specify a next hop server", "Server"},
		Rank: runningconfig.RankIfIPFeature + 1},
	{Spec: "ip nhrp registration LINE", Help: []string{HelpIfIP, "NHRP interface subcommands", "Settings for registration packets", "Settings"},
		Rank: runningconfig.RankIfIPFeature + 1},
	{Spec: "ip nhrp redirect [timeout <2-30>]", Help: []string{HelpIfIP, "NHRP interface subcommands", "Enable NHRP redirect",
		"Interval that NHRP redirects are rate-limited", "Seconds"},
		No: "ip nhrp redirect", Rank: runningconfig.RankIfIPFeature + 1, KeyWords: 3},
	{Spec: "ip nhrp shortcut [virtual-template <1-1000>]", Help: []string{HelpIfIP, "NHRP interface subcommands", "Enable shortcut switching",
		"Virtual-template to use for shortcut tunnels", "Virtual-template number"},
		No: "ip nhrp shortcut", Rank: runningconfig.RankIfIPFeature + 1, KeyWords: 3},
	{Spec: "ip virtual-reassembly [in|out]", Help: []string{HelpIfIP, "Virtual Reassembly", "Enable on input", "Enable on output"},
		Rank: runningconfig.RankIfIPFeature + 2},
	{Spec: "ip ospf <1-65535> area {<0-4294967295>|A.B.C.D}", Help: []string{HelpIfIP, "OSPF interface commands", "Process ID",
		"Set the OSPF area ID", "OSPF area ID as a decimal value", "OSPF area ID in IP address format"},
		No: "ip ospf <1-65535> area [<0-4294967295>|A.B.C.D]", Rank: runningconfig.RankIfIPTail, KeyWords: 2},
	{Spec: "ip ospf network {broadcast|non-broadcast|point-to-multipoint [non-broadcast]|point-to-point}",
		Help: []string{HelpIfIP, "OSPF interface commands", "Network type", "Specify OSPF broadcast multi-access network",
			"Specify OSPF NBMA network", "Specify OSPF point-to-multipoint network", "Specify non-broadcast point-to-mpoint network",
			"Specify OSPF point-to-point network"},
		No: "ip ospf network", Rank: runningconfig.RankIfIPTail, KeyWords: 3},
	{Spec: "ip ospf cost <1-65535>", Help: []string{HelpIfIP, "OSPF interface commands", "Interface cost", "Cost"},
		No: "ip ospf cost [<1-65535>]", Rank: runningconfig.RankIfIPTail, KeyWords: 3},
	{Spec: "ip ospf mtu-ignore", Help: []string{HelpIfIP, "OSPF interface commands", "Ignores the MTU in DBD packets"},
		Rank: runningconfig.RankIfIPTail},
	{Spec: "load-interval <30-600>", Help: []string{"Specify interval for load calculation for an interface", "Load interval delay in seconds"},
		No: "load-interval [<30-600>]", Rank: runningconfig.RankIfIPTail + 1, KeyWords: 1},
	{Spec: "delay <1-16777215>", Help: []string{"Specify interface throughput delay", "Throughput delay (tens of microseconds)"},
		No: "delay [<1-16777215>]", Rank: runningconfig.RankIfIPTail + 2, KeyWords: 1},
	{Spec: "keepalive [<0-32767> [<1-255>]]", Help: []string{"Enable keepalive", "Keepalive period (default 10 seconds)", "Keepalive retries"},
		Rank: runningconfig.RankIfIPTail + 3, KeyWords: 1},
	{Spec: "negotiation auto", Help: []string{"Select Autonegotiation mode", "Enable link autonegotiation"},
		Rank: runningconfig.RankIfMedia, KeyWords: 1},
	{Spec: "speed {10|100|1000|10000|auto}", Help: []string{"Configure speed operation.", "Force 10 Mbps operation",
		"Force 100 Mbps operation", "Force 1000 Mbps operation", "Force 10000 Mbps operation", "Enable AUTO speed configuration"},
		No: "speed [10|100|1000|10000|auto]", Rank: runningconfig.RankIfMedia + 1, KeyWords: 1},
	{Spec: "duplex {auto|full|half}", Help: []string{"Configure duplex operation.", "Enable AUTO duplex configuration",
		"Force full duplex operation", "Force half-duplex operation"},
		No: "duplex [auto|full|half]", Rank: runningconfig.RankIfMedia + 2, KeyWords: 1},
	{Spec: "media-type {rj45|sfp|auto-select}", Help: []string{"Media type", "Copper RJ45 media", "SFP media", "Use whichever connector is attached"},
		No: "media-type [rj45|sfp|auto-select]", Rank: runningconfig.RankIfMedia + 3, KeyWords: 1},
	{Spec: "cdp enable", Help: []string{"CDP interface subcommands", "Enable CDP on interface"}, Rank: runningconfig.RankIfV6Tail},
	{Spec: "mop {enabled|sysid}", Help: []string{"DEC MOP server commands", "Enable MOP for interface", "Send out MOP periodic system ID messages"},
		Rank: runningconfig.RankIfV6Tail + 1, NegDefault: true},
	{Spec: "service-policy {input|output} WORD", Help: []string{"Configure CPL Service Policy", "Assign policy-map to the input of an interface",
		"Assign policy-map to the output of an interface", "policy-map name"},
		No: "service-policy {input|output} [WORD]", Rank: runningconfig.RankIfV6Tail + 2, KeyWords: 2},
	{Spec: "crypto map WORD", Help: []string{HelpCrypto, "Assign a Crypto Map", "Crypto Map tag"},
		No: "crypto map [WORD]", Rank: runningconfig.RankIfCrypto, KeyWords: 2},
}

func init() {
	lines := func(c *Ctx) *runningconfig.KeptLines { return &iface(c).Kept }
	for _, k := range interfaceLines {
		k.Reason = ifNotApplied
		InterfaceMode.Add(keptCommand(k, lines))
	}
}
