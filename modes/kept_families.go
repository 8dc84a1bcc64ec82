package modes

import (
	"net/netip"
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// The kept (valid but not applied) command families of global
// configuration mode, in IOS show running-config order within each slot,
// and the grammars of their sub-modes: the keywords that occur inside such
// blocks (docs/ios-command-catalog.md sections 4 and 5, plus the usual
// companions of those commands on IOS-XE). Sub-mode prompts other than
// config-isakmp and config-crypto-map are UNCONFIRMED (usual IOS names).

// Reasons reported for kept blocks.
const (
	reasonPlatform = "platform setting of a Cisco router; flexvpnd has no equivalent"
	reasonRouting  = "routing protocols and routing policy are not run by flexvpnd"
	reasonIKEv1    = "IKEv1 (crypto isakmp, crypto keyring) is not supported; only IKEv2 is applied"
	reasonCryptoMp = "crypto maps are not supported; flexvpnd protects tunnel interfaces (tunnel protection)"
	reasonServices = "management service not provided by flexvpnd"
	reasonLogging  = "only logging buffered, console, monitor, trap and host are applied by flexvpnd"
	reasonNTP      = "time synchronisation is left to the host"
	reasonBanner   = "banners are not displayed by flexvpnd"
	reasonQoS      = "QoS policies are not applied"
	reasonTrack    = "IP SLA and object tracking are not run by flexvpnd"
)

// Help strings of kept keywords used in several specs.
const (
	helpService  = "Modify use of network based services" // as global_user.go
	helpIsakmp   = "Configure ISAKMP policy"
	helpCryptoMp = "Enter a crypto map"
	helpSet      = "Set values for encryption/decryption"
	helpMatch    = "Match values."
	helpDescr    = "Description of the entry"
	helpIPSLA    = "IP Service Level Agreement"
)

var (
	routerAFIfMode = newVBMode("config-router-af-interface", "Address Family Interface",
		vbWord("split-horizon", "Perform split horizon"),
		vbWord("passive-interface", "Suppress address updates on an interface"),
		vbWord("next-hop-self", "Configures EIGRP next-hop-self"),
		vbWord("shutdown", "Disable Address-Family on interface"),
		vbArgs("hello-interval", "Configures hello interval"),
		vbArgs("hold-time", "Configures hold time"),
		vbArgs("summary-address", "Perform address summarization"),
		vbArgs("authentication", "authentication subcommands"),
		vbArgs("bandwidth-percent", "Set percentage of bandwidth percentage limit"),
		vbArgs("bfd", "Enable Bidirectional Forwarding Detection"),
		vbArgs("stub-site", "EIGRP stub-site"),
	)
	routerAFTopoMode = newVBMode("config-router-af-topology", "Address Family Topology",
		vbWord("auto-summary", "Enable automatic network number summarization"),
		vbArgs("variance", "Control load balancing variance"),
		vbArgs("maximum-paths", "Forward packets over multiple paths"),
		vbArgs("distance", "Define an administrative distance"),
		vbArgs("redistribute", "Redistribute IPv4 routes from another routing protocol"),
		vbArgs("default-metric", "Set metric of redistributed routes"),
		vbArgs("default-information", "Control distribution of default information"),
		vbArgs("distribute-list", "Filter entries in eigrp updates"),
		vbArgs("metric", "Modify metrics and parameters for advertisement"),
		vbArgs("summary-metric", "Specify summary to apply metric/filtering"),
		vbArgs("timers", "Adjust topology specific timers"),
		vbArgs("traffic-share", "How to compute traffic share over alternate paths"),
		vbArgs("offset-list", "Add or subtract offset from EIGRP metrics"),
	)
	routerAFMode = newVBMode("config-router-af", "Router Address Family",
		vbNest(vbArgs("af-interface", "Enter Address Family interface configuration"), routerAFIfMode, "exit-af-interface", true),
		vbNest(vbArgs("topology", "Topology configuration mode"), routerAFTopoMode, "exit-af-topology", true),
		bgpNeighbor(),
		vbWord("auto-summary", "Enable automatic network number summarization"),
		vbWord("synchronization", "Perform IGP synchronization"),
		vbArgs("network", "Specify a network to announce"),
		vbArgs("redistribute", "Redistribute information from another routing protocol"),
		vbArgs("aggregate-address", "Configure BGP aggregate entries"),
		vbArgs("bgp", "BGP specific commands"),
		vbArgs("eigrp", "EIGRP Address Family specific commands"),
		vbArgs("default-information", "Control distribution of default information"),
		vbArgs("default-metric", "Set metric of redistributed routes"),
		vbArgs("distance", "Define an administrative distance"),
		vbArgs("maximum-paths", "Forward packets over multiple paths"),
		vbArgs("metric", "Modify metrics and parameters for address advertisement"),
		vbArgs("table-map", "Map external entry attributes into routing table"),
		vbArgs("timers", "Adjust routing timers"),
	)
	routerMode = newVBMode("config-router", "Router",
		vbNest(vbArgs("address-family", "Enter Address Family command mode"), routerAFMode, "exit-address-family", true),
		bgpNeighbor(),
		vbWord("auto-summary", "Enable automatic network number summarization"),
		vbWord("synchronization", "Perform IGP synchronization"),
		vbWord("shutdown", "Shutdown the routing protocol"),
		vbArgs("area", "OSPF area parameters"),
		vbArgs("bgp", "BGP specific commands"),
		vbArgs("default-information", "Control distribution of default information"),
		vbArgs("default-metric", "Set metric of redistributed routes"),
		vbArgs("distance", "Define an administrative distance"),
		vbArgs("distribute-list", "Filter networks in routing updates"),
		vbArgs("eigrp", "EIGRP specific commands"),
		&vbSub{Spec: "log-adjacency-changes [LINE]", Help: []string{"Log changes in adjacency state", vbArgHelp}},
		vbArgs("aggregate-address", "Configure BGP aggregate entries"),
		vbArgs("auto-cost", "Calculate OSPF interface cost according to bandwidth"),
		vbArgs("bfd", "BFD configuration commands"),
		vbArgs("max-metric", "Set maximum metric"),
		vbArgs("metric-style", "Use old-style (ISO 10589) or new-style packet formats"),
		vbArgs("offset-list", "Add or subtract offset from routing metrics"),
		&vbSub{Spec: "nsf [LINE]", Help: []string{"Non-stop forwarding", vbArgHelp}},
		vbArgs("maximum-paths", "Forward packets over multiple paths"),
		vbArgs("metric", "Modify metrics and parameters for advertisement"),
		vbArgs("net", "A Network Entity Title for this process (ISO only)"),
		vbArgs("is-type", "IS Level for this routing process (ISO only)"),
		vbArgs("network", "Enable routing on an IP network"),
		vbArgs("passive-interface", "Suppress routing updates on an interface"),
		vbArgs("redistribute", "Redistribute information from another routing protocol"),
		vbArgs("router-id", "router-id for this OSPF process"),
		vbArgs("summary-address", "Configure IP address summaries"),
		vbArgs("template", "Enter template command mode"),
		vbArgs("timers", "Adjust routing timers"),
		vbArgs("variance", "Control load balancing variance"),
		vbArgs("version", "Set routing protocol version"),
	)
	routeMapMode = newVBMode("config-route-map", "Route Map",
		vbArgs("match", "Match values from routing table"),
		vbArgs("set", "Set values in destination routing protocol"),
		vbArgs("description", "Route-map comment"),
		&vbSub{Spec: "continue [LINE]", Help: []string{"Continue on a different entry within the route-map", vbArgHelp}},
	)
	isakmpPolicyMode = newVBMode("config-isakmp", "ISAKMP",
		&vbSub{Spec: "encryption LINE", Help: []string{"Set encryption algorithm for protection suite", vbArgHelp}, Show: "encr"},
		vbArgs("hash", "Set hash algorithm for protection suite"),
		vbArgs("authentication", "Set authentication method for protection suite"),
		vbArgs("group", "Set the Diffie-Hellman group"),
		vbArgs("lifetime", "Set lifetime for ISAKMP security association"),
	)
	isakmpProfileMode = newVBMode("conf-isa-prof", "ISAKMP Profile",
		vbArgs("description", "Specify a description of this profile"),
		&vbSub{Spec: "vrf WORD", Help: []string{"Specify the VRF it is related to", "VRF name"}},
		vbArgs("keyring", "Specify keyring to use"),
		vbArgs("ca", "Specify certificate authorities to trust"),
		vbArgs("match", "Match values of peer"),
		vbArgs("self-identity", "Specify Identity to use"),
		vbArgs("local-address", "Interface to use as local address for this isakmp profile"),
		vbArgs("keepalive", "Set a keepalive interval for use with IOS peers"),
		vbArgs("initiate", "Initiator property"),
		vbArgs("virtual-template", "Specify the virtual template for dynamic interface creation."),
		vbArgs("client", "Specify client configuration settings"),
		vbArgs("isakmp", "ISAKMP authorization/accounting"),
	)
	cryptoKeyringMode = newVBMode("conf-keyring", "Crypto Keyring",
		vbArgs("description", "Keyring description"),
		vbArgs("pre-shared-key", "specify pre-shared key by address or hostname"),
		vbArgs("local-address", "Limit the keyring usage to a local address"),
	)
	cryptoMapMode = newVBMode("config-crypto-map", "Crypto Map",
		&vbSub{Spec: "set transform-set LINE", Help: []string{helpSet, "Specify list of transform sets in priority order", vbArgHelp}, Trail: true},
		&vbSub{Spec: "set LINE", Help: []string{helpSet, vbArgHelp}},
		&vbSub{Spec: "match LINE", Help: []string{helpMatch, vbArgHelp}},
		vbArgs("description", "Description of the crypto map statement policy"),
		&vbSub{Spec: "reverse-route [LINE]", Help: []string{"Reverse Route Injection.", vbArgHelp}},
		vbArgs("qos", "Quality of Service related commands"),
	)
	ipSLAMode = newVBMode("config-ip-sla", "IP SLAs",
		vbArgs("icmp-echo", "ICMP Echo Operation"),
		vbArgs("udp-jitter", "UDP Jitter Operation"),
		vbArgs("udp-echo", "UDP Echo Operation"),
		vbArgs("tcp-connect", "TCP Connect Operation"),
		vbArgs("http", "HTTP Operation"),
		vbArgs("dns", "DNS Query Operation"),
		vbArgs("frequency", "Frequency of an operation"),
		vbArgs("threshold", "Operation threshold in milliseconds"),
		vbArgs("timeout", "Timeout of an operation"),
		vbArgs("tag", "User defined tag"),
		&vbSub{Spec: "vrf WORD", Help: []string{"Configure IP SLAs for a VPN Routing/Forwarding instance", "VPN Routing/Forwarding instance name"}},
		vbArgs("request-data-size", "Request data size"),
		vbArgs("tos", "Type Of Service"),
		vbArgs("owner", "Owner of Entry"),
		vbArgs("history", "History and Distribution Data"),
		vbWord("verify-data", "Verify data"),
	)
	redundancyMode = newVBMode("config-red", "Redundancy",
		vbArgs("mode", "redundancy mode for this chassis"),
		vbArgs("application", "Application redundancy"),
	)
	controlPlaneMode = newVBMode("config-cp", "Control Plane",
		vbArgs("service-policy", "Configure QoS Service Policy"),
	)
	virtualServiceMode = newVBMode("config-virt-serv", "Virtual Service",
		vbWord("activate", "Activate an application"),
		vbArgs("vnic", "Virtual Network Interface Card"),
		vbArgs("guest", "Guest configuration"),
		vbArgs("description", "Virtual service description"),
	)
	archiveLogMode = newVBMode("config-archive-log-cfg", "Archive Log Config",
		vbArgs("logging", "Modify config logging parameters"),
		vbArgs("notify", "Send config logging notifications"),
		vbWord("hidekeys", "Hide password/key in the log"),
	)
	archiveMode = newVBMode("config-archive", "Archive",
		vbNest(&vbSub{Spec: "log config", Help: []string{"Logging commands", "Logging configuration"}}, archiveLogMode, "", false),
		vbArgs("path", "path for backups"),
		vbArgs("maximum", "maximum number of backup copies"),
		vbArgs("time-period", "Period of time in minutes to automatically archive the running-config"),
		vbWord("write-memory", "Enable automatic backup generation during write memory"),
	)
	callHomeProfileMode = newVBMode("cfg-call-home-profile", "call-home profile",
		vbWord("active", "Activate the current profile"),
		vbWord("anonymous-reporting-only", "Enable anonymous reporting only"),
		vbArgs("destination", "Message destination related configuration"),
		vbArgs("reporting", "Reporting options"),
		vbArgs("subscribe-to-alert-group", "Subscribe to alert-group"),
	)
	callHomeMode = newVBMode("cfg-call-home", "call-home",
		vbNest(vbArgs("profile", "Enter call-home profile configuration mode"), callHomeProfileMode, "", false),
		vbArgs("contact-email-addr", "System Contact's email address"),
		vbArgs("http-proxy", "Configure http proxy server address and port"),
		vbArgs("http", "HTTP settings"),
		vbArgs("mail-server", "Configure call-home mail server"),
		vbArgs("sender", "Call home msg's sender email addresses"),
		vbArgs("site-id", "Site identification for Cisco Smart Call Home"),
		vbArgs("customer-id", "Customer identification for Cisco Smart Call Home"),
		vbArgs("contract-id", "Contract identification for Cisco Smart Call Home"),
		vbArgs("source-interface", "Source interface name for call-home messages"),
		&vbSub{Spec: "vrf WORD", Help: []string{"VPN Routing/Forwarding instance name", "VRF name"}},
	)
	appletMode = newVBMode("config-applet", "applet",
		vbArgs("event", "Add or modify event information"),
		vbArgs("action", "Add or modify an action statement"),
		vbArgs("description", "Add or modify an applet description"),
		vbArgs("trigger", "Add or modify a trigger"),
	)
	classMapMode = newVBMode("config-cmap", "QoS class-map",
		vbArgs("match", "classification criteria"),
		vbArgs("description", "Class-Map description"),
	)
	policyMapClassMode = newVBMode("config-pmap-c", "QoS policy-map class",
		vbArgs("bandwidth", "Bandwidth"),
		vbArgs("priority", "Strict Scheduling Priority for this Class"),
		vbArgs("police", "Police"),
		vbArgs("shape", "Traffic Shaping"),
		vbArgs("set", "Set QoS values"),
		vbArgs("service-policy", "Configure Flow Next"),
		vbArgs("queue-limit", "Queue Max Threshold for Tail Drop"),
		&vbSub{Spec: "fair-queue [LINE]", Help: []string{"Enable Flow-based Fair Queuing in this Class", vbArgHelp}},
		&vbSub{Spec: "random-detect [LINE]", Help: []string{"Enable Random Early Detection as drop policy", vbArgHelp}},
	)
	policyMapMode = newVBMode("config-pmap", "QoS policy-map",
		vbNest(vbArgs("class", "policy criteria"), policyMapClassMode, "", false),
		vbArgs("description", "Policy-Map description"),
	)
	keyChainKeyMode = newVBMode("config-keychain-key", "Key-chain key",
		vbArgs("key-string", "Set key string"),
		vbArgs("accept-lifetime", "Set accept lifetime of key"),
		vbArgs("send-lifetime", "Set send lifetime of key"),
		vbArgs("cryptographic-algorithm", "Set cryptographic authentication algorithm"),
	)
	keyChainMode = newVBMode("config-keychain", "Key-chain",
		vbNest(&vbSub{Spec: "key <0-2147483647>", Help: []string{"Configure a key", "Key identifier"}}, keyChainKeyMode, "", false),
	)
)

// bgpNeighbor is the `neighbor` command of router modes. A neighbor named
// by a WORD is a BGP peer-group, which must be created first (`neighbor
// NAME peer-group`); IOS rejects a name such as a template placeholder
// there. The message is UNCONFIRMED for IOS (it is the one of the IOS-like
// Zebra/Quagga CLI).
func bgpNeighbor() *vbSub {
	s := vbArgs("neighbor", "Specify a neighbor router")
	s.Check = func(c *Ctx, f *vbFrame, a parser.Args) error {
		if f.k.Family != "router-bgp" {
			return nil
		}
		words := strings.Fields(a.Get("LINE"))
		if _, err := netip.ParseAddr(words[0]); err == nil {
			return nil
		}
		if len(words) == 2 && words[1] == "peer-group" {
			return nil
		}
		for _, l := range f.k.Lines {
			if strings.TrimSpace(l) == "neighbor "+words[0]+" peer-group" {
				return nil
			}
		}
		return Msg("% Create the peer-group first")
	}
	return s
}

// routeMapCanon renders `route-map NAME` with the IOS defaults made
// explicit: `route-map NAME permit 10`.
func routeMapCanon(a parser.Args) string {
	action, seq := "permit", "10"
	for _, x := range a[2:] {
		if x.Kind == parser.Range {
			seq = x.Value
		} else {
			action = x.Value
		}
	}
	return "route-map " + a.Get("WORD") + " " + action + " " + seq
}

// cryptoMapCanon renders `crypto map NAME N` with the default type
// `ipsec-isakmp` made explicit.
func cryptoMapCanon(a parser.Args) string {
	text := vbText(a)
	if len(a) == 4 {
		text += " ipsec-isakmp"
	}
	return text
}

const cryptoMapNote = "% NOTE: This new crypto map will remain disabled until a peer\n        and a valid access list have been configured.\n"

func init() {
	s := runningconfig.SlotHeader
	keepVerbatim(
		&vbFamily{Name: "version", Spec: "version LINE", Help: []string{"Version", "Version number"}, Slot: s, Group: "header", Reason: reasonPlatform},
		&vbFamily{Name: "service", Spec: "service LINE", Help: []string{helpService, vbArgHelp}, Slot: s, Group: "header", Reason: reasonServices, NoKept: true},
		&vbFamily{Name: "platform", Spec: "platform LINE", Help: []string{"platform specific configuration", vbArgHelp}, Slot: s, Group: "header", Reason: reasonPlatform, NoKept: true},
	)
	s = runningconfig.SlotBoot
	keepVerbatim(
		&vbFamily{Name: "boot-start-marker", Spec: "boot-start-marker", Help: []string{"Boot Start Marker"}, Slot: s, Group: "boot", Reason: reasonPlatform},
		&vbFamily{Name: "boot", Spec: "boot LINE", Help: []string{"Modify system boot parameters", vbArgHelp}, Slot: s, Group: "boot", Reason: reasonPlatform, NoKept: true},
		&vbFamily{Name: "boot-end-marker", Spec: "boot-end-marker", Help: []string{"Boot End Marker"}, Slot: s, Group: "boot", Reason: reasonPlatform},
	)
	keepVerbatim(
		&vbFamily{Name: "logging", Spec: "logging LINE", Help: []string{"Modify message logging facilities", vbArgHelp}, Slot: runningconfig.SlotVRF, Reason: reasonLogging, NoKept: true},
	)
	s = runningconfig.SlotSystem
	keepVerbatim(
		&vbFamily{Name: "clock", Spec: "clock LINE", Help: []string{"Configure time-of-day clock", vbArgHelp}, Slot: s, Reason: reasonNTP},
		&vbFamily{Name: "ip-multicast-routing", Spec: "ip multicast-routing [LINE]", Help: []string{HelpIP, "Enable IP multicast forwarding", vbArgHelp}, Slot: s, Reason: reasonRouting},
		loginFamily,
		&vbFamily{Name: "subscriber", Spec: "subscriber templating", Help: []string{"Subscriber configuration", "Enable templating"}, Slot: s, Reason: reasonPlatform},
		&vbFamily{Name: "multilink", Spec: "multilink LINE", Help: []string{"PPP multilink global configuration", vbArgHelp}, Slot: s, Reason: reasonPlatform},
		&vbFamily{Name: "call-home", Spec: "call-home", Help: []string{"Enter call-home configuration mode"}, Slot: s, Reason: reasonServices, Block: true, Sub: callHomeMode},
		&vbFamily{Name: "license", Spec: "license LINE", Help: []string{"Configure license features", vbArgHelp}, Slot: s, Group: "license", Reason: reasonPlatform, NoKept: true},
		&vbFamily{Name: "diagnostic", Spec: "diagnostic LINE", Help: []string{"Configure diagnostic information", vbArgHelp}, Slot: s, Group: "license", Reason: reasonPlatform},
		&vbFamily{Name: "memory", Spec: "memory LINE", Help: []string{"Configure memory management", vbArgHelp}, Slot: s, Group: "license", Reason: reasonPlatform},
		&vbFamily{Name: "spanning-tree", Spec: "spanning-tree LINE", Help: []string{"Spanning Tree Subsystem", vbArgHelp}, Slot: s, Reason: reasonPlatform, NoKept: true},
		&vbFamily{Name: "key-chain", Spec: "key chain WORD", Help: []string{"Key management", "Key-chain management", "Key-chain name"}, Slot: s, Reason: reasonRouting, Block: true, Sub: keyChainMode},
		&vbFamily{Name: "archive", Spec: "archive", Help: []string{"Archive the configuration"}, Slot: s, Reason: reasonServices, Block: true, Sub: archiveMode},
		&vbFamily{Name: "redundancy", Spec: "redundancy", Help: []string{"Enter redundancy mode"}, Slot: s, Reason: reasonPlatform, Block: true, Sub: redundancyMode},
		&vbFamily{Name: "cdp", Spec: "cdp LINE", Help: []string{"Global CDP configuration subcommands", vbArgHelp}, Slot: s, Reason: reasonServices, NoKept: true},
		&vbFamily{Name: "lldp", Spec: "lldp LINE", Help: []string{"Global LLDP configuration subcommands", vbArgHelp}, Slot: s, Reason: reasonServices, NoKept: true},
		&vbFamily{Name: "class-map", Spec: "class-map LINE", Help: []string{"Configure QoS Class Map", vbArgHelp}, Slot: s, Reason: reasonQoS, Block: true, Sub: classMapMode},
		&vbFamily{Name: "policy-map", Spec: "policy-map LINE", Help: []string{"Configure QoS Policy Map", vbArgHelp}, Slot: s, Reason: reasonQoS, Block: true, Sub: policyMapMode},
	)
	keepVerbatim(
		&vbFamily{Name: "crypto-vpn", Spec: "crypto vpn anyconnect LINE", Help: []string{HelpCrypto, "Configure VPN", "Configure AnyConnect", vbArgHelp}, Slot: runningconfig.SlotPKI, Reason: "AnyConnect client profiles are not served by flexvpnd"},
	)
	s = runningconfig.SlotCryptoV2
	keepVerbatim(
		&vbFamily{Name: "crypto-keyring", Spec: "crypto keyring WORD [vrf WORD]", Help: []string{HelpCrypto, "Key ring commands", "Name of the keyring", "VRF the keyring is related to", "VRF name"}, Slot: s, Reason: reasonIKEv1, Block: true, Sub: cryptoKeyringMode},
		&vbFamily{Name: "isakmp-policy", Spec: "crypto isakmp policy <1-10000>", Help: []string{HelpCrypto, helpIsakmp, "Set policy for an ISAKMP protection suite", "Priority of protection suite"}, Slot: s, Group: "isakmp", Reason: reasonIKEv1, Block: true, Sub: isakmpPolicyMode},
		&vbFamily{Name: "isakmp-key", Spec: "crypto isakmp key LINE", Help: []string{HelpCrypto, helpIsakmp, "Set pre-shared key for remote peer", vbArgHelp}, Slot: s, Group: "isakmp", Reason: reasonIKEv1},
		&vbFamily{Name: "isakmp-global", Spec: "crypto isakmp {keepalive|nat|aggressive-mode|identity} LINE", Help: []string{HelpCrypto, helpIsakmp, "Set a keepalive interval for use with IOS peers", "Set a nat keepalive interval", "Disable ISAKMP aggressive mode", "Set the identity which ISAKMP will use", vbArgHelp}, Slot: s, Group: "isakmp", Reason: reasonIKEv1},
		&vbFamily{Name: "isakmp-global", Spec: "crypto isakmp {invalid-spi-recovery|fragmentation|enable}", Help: []string{HelpCrypto, helpIsakmp, "Initiate IKE and send Invalid SPI Notify", "IKE Fragmentation enable if required", "Enable ISAKMP"}, Slot: s, Group: "isakmp", Reason: reasonIKEv1, NoKept: true},
		&vbFamily{Name: "isakmp-profile", Spec: "crypto isakmp profile WORD", Help: []string{HelpCrypto, helpIsakmp, "Define ISAKMP Profiles", "name"}, Slot: s, Reason: reasonIKEv1, Block: true, Sub: isakmpProfileMode},
	)
	s = runningconfig.SlotCryptoMap
	keepVerbatim(
		&vbFamily{Name: "crypto-dynamic-map", Spec: "crypto dynamic-map WORD <1-65535>", Help: []string{HelpCrypto, "Enter a dynamic crypto map", "Dynamic crypto map template tag", "Sequence to insert into dynamic crypto map entry"}, Slot: s, Reason: reasonCryptoMp, Block: true, Sub: cryptoMapMode},
		&vbFamily{Name: "crypto-map", Spec: "crypto map WORD <1-65535> [ipsec-isakmp [dynamic WORD]|ipsec-manual|gdoi]", Help: []string{HelpCrypto, helpCryptoMp, "Crypto map tag", "Sequence to insert into crypto map entry", "IPSEC w/ISAKMP", "Enable dynamic crypto map support", "Name of dynamic crypto map template", "IPSEC w/manual keying", "Configure crypto map gdoi features"},
			No: "crypto map WORD [<1-65535>]", Slot: s, Reason: reasonCryptoMp, Block: true, Sub: cryptoMapMode, Trail: true, Canon: cryptoMapCanon, Note: cryptoMapNote},
		&vbFamily{Name: "crypto-map-global", Spec: "crypto map WORD local-address IFNAME", Help: []string{HelpCrypto, helpCryptoMp, "Crypto map tag", "Interface to use for local address for this crypto map", "Interface name"}, Slot: s, Reason: reasonCryptoMp},
	)
	s = runningconfig.SlotRouter
	keepVerbatim(
		&vbFamily{Name: "router-eigrp", Spec: "router eigrp {<1-65535>|WORD}", Help: []string{HelpRouter, "Enhanced Interior Gateway Routing Protocol (EIGRP)", "Autonomous System", "EIGRP Virtual-Instance Name"}, Slot: s, Reason: reasonRouting, Block: true, Sub: routerMode},
		&vbFamily{Name: "router-ospf", Spec: "router ospf <1-65535> [vrf WORD]", Help: []string{HelpRouter, "Open Shortest Path First (OSPF)", "Process ID", "VPN Routing/Forwarding Instance", "VPN Routing/Forwarding Instance (VRF) name"}, Slot: s, Reason: reasonRouting, Block: true, Sub: routerMode},
		&vbFamily{Name: "router-ospfv3", Spec: "router ospfv3 <1-65535>", Help: []string{HelpRouter, "OSPFv3", "Process ID"}, Slot: s, Reason: reasonRouting, Block: true, Sub: routerMode},
		&vbFamily{Name: "router-rip", Spec: "router rip", Help: []string{HelpRouter, "Routing Information Protocol (RIP)"}, Slot: s, Reason: reasonRouting, Block: true, Sub: routerMode},
		&vbFamily{Name: "router-isis", Spec: "router isis [WORD]", Help: []string{HelpRouter, "ISO IS-IS", "ISO routing area tag"}, Slot: s, Reason: reasonRouting, Block: true, Sub: routerMode},
		&vbFamily{Name: "router-bgp", Spec: "router bgp <1-4294967295>", Help: []string{HelpRouter, "Border Gateway Protocol (BGP)", "Autonomous system number"}, Slot: s, Reason: reasonRouting, Block: true, Sub: routerMode},
		&vbFamily{Name: "virtual-service", Spec: "virtual-service WORD", Help: []string{"Enter virtual-service mode", "Virtual service name"}, Slot: s, Reason: reasonPlatform, Block: true, Sub: virtualServiceMode},
		&vbFamily{Name: "ip-nat", Spec: "ip nat LINE", Help: []string{HelpIP, "NAT configuration commands", vbArgHelp}, Slot: s, Reason: "NAT is not configured by flexvpnd"},
	)
	s = runningconfig.SlotIPTail
	keepVerbatim(
		&vbFamily{Name: "prefix-list", Spec: "ip prefix-list LINE", Help: []string{HelpIP, "Build a prefix list", vbArgHelp}, Slot: s, Reason: reasonRouting},
		&vbFamily{Name: "bgp-lists", Spec: "ip {as-path|community-list|bgp-community} LINE", Help: []string{HelpIP, "BGP autonomous system path filter", "Add a community list entry", "format for BGP community", vbArgHelp}, Slot: s, Reason: reasonRouting},
		&vbFamily{Name: "ip-sla", Spec: "ip sla <1-2147483647>", Help: []string{HelpIP, helpIPSLA, "Entry number"}, Slot: s, Reason: reasonTrack, Block: true, Sub: ipSLAMode},
		&vbFamily{Name: "ip-sla-global", Spec: "ip sla {schedule|reaction-configuration|logging|group} LINE", Help: []string{HelpIP, helpIPSLA, "Schedule an operation", "Action on event occurrence", "Enable Syslog", "Group Configuration or Group Scheduling", vbArgHelp}, Slot: s, Reason: reasonTrack},
		&vbFamily{Name: "ip-sla-global", Spec: "ip sla responder", Help: []string{HelpIP, helpIPSLA, "Enable Responder"}, Slot: s, Reason: reasonTrack},
		&vbFamily{Name: "ipv6-prefix-list", Spec: "ipv6 prefix-list LINE", Help: []string{HelpIPv6, "Build a prefix list", vbArgHelp}, Slot: s, Reason: reasonRouting},
		&vbFamily{Name: "route-map", Spec: "route-map WORD [permit|deny] [<0-65535>]", Help: []string{"Create route-map or enable policy routing", "Route map tag", "Route map permits access to the networks", "Route map denies access to the networks", "Sequence to insert to/delete from existing route-map entry"},
			Slot: s, Reason: reasonRouting, Block: true, Sub: routeMapMode, Canon: routeMapCanon},
	)
	s = runningconfig.SlotTail
	keepVerbatim(
		&vbFamily{Name: "snmp-server", Spec: "snmp-server LINE", Help: []string{"Modify SNMP engine parameters", vbArgHelp}, Slot: s, Group: "snmp", Reason: reasonServices, NoKept: true},
		&vbFamily{Name: "snmp", Spec: "snmp LINE", Help: []string{"Modify SNMP parameters", vbArgHelp}, Slot: s, Group: "snmp", Reason: reasonServices, NoKept: true},
		&vbFamily{Name: "control-plane", Spec: "control-plane", Help: []string{"Configure control plane services"}, Slot: s, Reason: reasonPlatform, Block: true, Sub: controlPlaneMode},
		&vbFamily{Name: "banner", Spec: "banner {motd|login|exec|incoming|slip-ppp|prompt-timeout|config-save} LINE", Help: bannerHelp(vbArgHelp), No: "banner {motd|login|exec|incoming|slip-ppp|prompt-timeout|config-save}", NoHelp: bannerHelp(),
			Slot: s, Group: "banner", Reason: reasonBanner, Block: true, Run: vbBannerRun},
	)
	s = runningconfig.SlotEnd
	keepVerbatim(
		&vbFamily{Name: "ntp", Spec: "ntp LINE", Help: []string{"Configure NTP", vbArgHelp}, Slot: s, Reason: reasonNTP},
		&vbFamily{Name: "eem-global", Spec: "event manager {environment|session|directory|history|scheduler} LINE", Help: []string{"Event related commands", "Event Manager configuration commands", "Set an Embedded Event Manager environment variable", "Event Manager session", "Set Embedded Event Manager directories", "Set Event Manager history table sizes", "Event Manager scheduler", vbArgHelp}, Slot: s, Reason: reasonServices},
		&vbFamily{Name: "eem-applet", Spec: "event manager applet LINE", Help: []string{"Event related commands", "Event Manager configuration commands", "Register an Event Manager applet", vbArgHelp}, Slot: s, Reason: reasonServices, Block: true, Sub: appletMode},
	)
}

// bannerHelp is the help of the banner command's tokens (and of its `no`
// form without the text).
func bannerHelp(extra ...string) []string {
	return append([]string{"Define a login banner",
		"Set Message of the Day banner", "Set login banner", "Set EXEC process creation banner",
		"Set incoming terminal line banner", "Set Message for SLIP/PPP", "Set Message for login authentication timeout",
		"Set message for saving configuration"}, extra...)
}
