package swanlab

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Conn is one swanctl.conf connection (an IKE_SA configuration) with its
// pre-shared key and children. Empty fields are left out of the rendered
// file, so strongSwan's defaults apply.
type Conn struct {
	// Name is the connection's name (swanctl --ike).
	Name string
	// LocalAddrs and RemoteAddrs are the IKE endpoints ("%any" allowed).
	LocalAddrs, RemoteAddrs string
	// Proposals are the IKE proposals, e.g. "aes256-sha256-modp2048",
	// "aes256gcm16-prfsha256-ecp256", "aes256-sha384-ecp384",
	// "aes256-sha256-curve25519".
	Proposals []string
	// LocalID and RemoteID are the IKE identities: an IP address
	// (ID_IPV4_ADDR) or an FQDN (ID_FQDN).
	LocalID, RemoteID string
	// PSK is the pre-shared key used for both directions.
	PSK string
	// RekeyTime and ReauthTime are the IKE_SA rekeying and
	// reauthentication intervals (0: default; swanctl rounds to seconds).
	RekeyTime, ReauthTime time.Duration
	// DPDDelay is the interval of charon's liveness checks (dpd_delay;
	// 0: none).
	DPDDelay time.Duration
	// Children are the CHILD_SA configurations.
	Children []Child
	// VIPs are the virtual IPs to request in a CFG_REQUEST, e.g.
	// "0.0.0.0" for any IPv4 address (RFC 7296 section 2.19).
	VIPs []string
}

// Child is one CHILD_SA configuration of a Conn.
type Child struct {
	// Name is the child's name (swanctl --child).
	Name string
	// ESPProposals are the ESP proposals, e.g. "aes256gcm16",
	// "aes256-sha256", "aes256gcm16-ecp256" (with PFS).
	ESPProposals []string
	// LocalTS and RemoteTS are the traffic selectors, e.g. "0.0.0.0/0".
	LocalTS, RemoteTS []string
	// StartAction is "none", "trap" or "start" (empty: none).
	StartAction string
	// RekeyTime and LifeTime bound the CHILD_SA (0: defaults).
	RekeyTime, LifeTime time.Duration
}

// Render returns the swanctl.conf text holding conns and their secrets.
func Render(conns ...Conn) string {
	var b strings.Builder
	b.WriteString("connections {\n")
	for _, c := range conns {
		fmt.Fprintf(&b, "  %s {\n    version = 2\n", c.Name)
		opt(&b, 4, "local_addrs", c.LocalAddrs)
		opt(&b, 4, "remote_addrs", c.RemoteAddrs)
		opt(&b, 4, "proposals", strings.Join(c.Proposals, ","))
		opt(&b, 4, "rekey_time", seconds(c.RekeyTime))
		opt(&b, 4, "reauth_time", seconds(c.ReauthTime))
		opt(&b, 4, "dpd_delay", seconds(c.DPDDelay))
		opt(&b, 4, "vips", strings.Join(c.VIPs, ","))
		fmt.Fprintf(&b, "    local {\n      auth = psk\n")
		opt(&b, 6, "id", c.LocalID)
		fmt.Fprintf(&b, "    }\n    remote {\n      auth = psk\n")
		opt(&b, 6, "id", c.RemoteID)
		b.WriteString("    }\n    children {\n")
		for _, ch := range c.Children {
			fmt.Fprintf(&b, "      %s {\n        mode = tunnel\n", ch.Name)
			opt(&b, 8, "esp_proposals", strings.Join(ch.ESPProposals, ","))
			opt(&b, 8, "local_ts", strings.Join(ch.LocalTS, ","))
			opt(&b, 8, "remote_ts", strings.Join(ch.RemoteTS, ","))
			opt(&b, 8, "start_action", ch.StartAction)
			opt(&b, 8, "rekey_time", seconds(ch.RekeyTime))
			opt(&b, 8, "life_time", seconds(ch.LifeTime))
			b.WriteString("      }\n")
		}
		b.WriteString("    }\n  }\n")
	}
	b.WriteString("}\nsecrets {\n")
	for _, c := range conns {
		if c.PSK == "" {
			continue
		}
		fmt.Fprintf(&b, "  ike-%s {\n", c.Name)
		opt(&b, 4, "id-local", c.LocalID)
		opt(&b, 4, "id-remote", c.RemoteID)
		fmt.Fprintf(&b, "    secret = %s\n  }\n", strconv.Quote(c.PSK))
	}
	b.WriteString("}\n")
	return b.String()
}

// opt writes "key = value" at the given indentation unless value is empty.
func opt(b *strings.Builder, indent int, key, value string) {
	if value != "" {
		fmt.Fprintf(b, "%s%s = %s\n", strings.Repeat(" ", indent), key, value)
	}
}

// seconds renders d as a swanctl time value ("3600s"), or "" for 0.
func seconds(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return fmt.Sprintf("%ds", int64(d.Round(time.Second)/time.Second))
}

// Load writes conns to the instance's swanctl.conf and loads them with
// swanctl --load-all, which replaces every connection and secret loaded
// before.
func (c *Charon) Load(conns ...Conn) error {
	path := filepath.Join(c.Dir, "swanctl.conf")
	if err := os.WriteFile(path, []byte(Render(conns...)), 0o600); err != nil {
		return fmt.Errorf("writing swanctl.conf: %w", err)
	}
	if _, err := c.Swanctl("--load-all", "--file", path); err != nil {
		return fmt.Errorf("charon in %s: %w", c.NS, err)
	}
	return nil
}

// Initiate initiates the CHILD_SA child of connection ike (and the IKE_SA
// it needs), waiting at most timeout for it to complete.
func (c *Charon) Initiate(ike, child string, timeout time.Duration) error {
	_, err := c.Swanctl("--initiate", "--ike", ike, "--child", child, "--timeout", timeoutArg(timeout))
	if err != nil {
		return fmt.Errorf("charon in %s: %w", c.NS, err)
	}
	return nil
}

// Terminate deletes the IKE_SAs of connection ike (with their CHILD_SAs),
// waiting at most timeout for the peer's answer.
func (c *Charon) Terminate(ike string, timeout time.Duration) error {
	_, err := c.Swanctl("--terminate", "--ike", ike, "--timeout", timeoutArg(timeout))
	if err != nil {
		return fmt.Errorf("charon in %s: %w", c.NS, err)
	}
	return nil
}

// timeoutArg renders a swanctl --timeout value: whole seconds, at least 1
// and below cmdTimeout so that swanctl gives up before it is killed.
func timeoutArg(d time.Duration) string {
	s := int64(d / time.Second)
	limit := int64(cmdTimeout/time.Second) - 1
	return strconv.FormatInt(max(1, min(s, limit)), 10)
}

// ListSAs returns the IKE_SAs charon knows, parsed from
// swanctl --list-sas --raw.
func (c *Charon) ListSAs() ([]IKESA, error) {
	out, err := c.Swanctl("--list-sas", "--raw")
	if err != nil {
		return nil, fmt.Errorf("charon in %s: %w", c.NS, err)
	}
	sas, err := ParseListSAs(out)
	if err != nil {
		return nil, fmt.Errorf("charon in %s: %w", c.NS, err)
	}
	return sas, nil
}

// WaitSAs polls ListSAs until ok accepts the listing or timeout elapses,
// and returns the last listing. what describes the awaited state for the
// error.
func (c *Charon) WaitSAs(timeout time.Duration, what string, ok func([]IKESA) bool) ([]IKESA, error) {
	deadline := time.Now().Add(timeout)
	for {
		sas, err := c.ListSAs()
		if err == nil && ok(sas) {
			return sas, nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return sas, fmt.Errorf("waiting %v for %s: %w", timeout, what, err)
			}
			return sas, fmt.Errorf("charon in %s: no %s after %v; SAs: %+v", c.NS, what, timeout, sas)
		}
		time.Sleep(pollInterval)
	}
}
