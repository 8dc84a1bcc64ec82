package modes

// Help strings of keywords shared by commands declared in different files.
// A keyword must have one help string per position in a mode (checked by
// Mode.Validate), so shared keywords take their help from here.
const (
	HelpShow      = "Show running system information"
	HelpCrypto    = "Encryption module"
	HelpIKEv2     = "Configure IKEv2 Options"
	HelpIPsec     = "Configure IPSEC policy"
	HelpPKI       = "Public Key components"
	HelpIP        = "Global IP configuration subcommands"
	HelpIPv6      = "IPv6 configuration commands"
	HelpInterface = "Select an interface to configure"
	HelpAAA       = "Authentication, Authorization and Accounting."
	HelpIfIP      = "Interface Internet Protocol config commands"
	HelpIfIPv6    = "IPv6 interface subcommands"
	HelpTunnel    = "protocol-over-protocol tunneling"
	HelpClear     = "Reset functions"
	HelpDebug     = "Debugging functions (see also 'undebug')"
	HelpTerminal  = "Set terminal line parameters"
	HelpRouter    = "Enable a routing process"
	HelpLine      = "Configure a terminal line"
	HelpDefault   = "Set a command to its defaults"
	HelpShowIKEv2 = "Shows ikev2 information"
	HelpShowIPsec = "Show IPSEC policy"
)
