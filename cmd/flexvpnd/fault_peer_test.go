package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"
)

// DPD of the peer-death test: `crypto ikev2 dpd 10 2 periodic` (IOS
// accepts intervals from 10 s), and the five retries the engine makes
// (ike.DefaultDPDRetries) before it declares the peer dead.
const (
	faultDPDInterval = 10 * time.Second
	faultDPDRetry    = 2 * time.Second
	faultDPDRetries  = 5
	faultDPDSlack    = 5 * time.Second
)

// faultSpokeConfig is spoke i of faultHubConfig, a static VTI to the hub
// with DPD.
func faultSpokeConfig(i int) string {
	return fmt.Sprintf(`hostname SPOKE%[1]d
crypto ikev2 dpd 10 2 periodic
crypto ikev2 proposal PROP
 encryption aes-gcm-256
 prf sha256
 group 19
crypto ikev2 policy POL
 proposal PROP
crypto ikev2 keyring KR
 peer HUB
  address %[2]s
  pre-shared-key %[4]s
crypto ikev2 profile SPOKE
 match identity remote fqdn hub.%[5]s
 identity local fqdn spoke%[1]d.%[5]s
 authentication remote pre-share
 authentication local pre-share
 keyring local KR
crypto ipsec transform-set TS esp-gcm 256
crypto ipsec profile IPS
 set transform-set TS
 set ikev2-profile SPOKE
interface Loopback0
 ip address 10.9.1.%[6]d 255.255.255.255
interface Tunnel0
 ip unnumbered Loopback0
 tunnel source %[3]s
 tunnel mode ipsec ipv4
 tunnel destination %[2]s
 tunnel protection ipsec profile IPS
end
`, i, faultHubAddr(i), faultEdgeAddr(i), faultKey, faultDomain, i+1)
}

var faultVARE = regexp.MustCompile(`(?m)^Virtual-Access\d+ `)

// TestFaultPeerDeath kills spokes and the hub with SIGKILL. A dead spoke:
// the hub's DPD removes its IKE SA and its Virtual-Access within the DPD
// interval plus the retries. A dead hub, restarted with the same
// startup-config and state directory: the spokes come back by themselves,
// and the startup-config and SSH host key are byte for byte intact.
func TestFaultPeerDeath(t *testing.T) {
	if testing.Short() {
		t.Skip("peer death test skipped in -short mode")
	}
	bin := buildBinary(t)
	s := newFaultStar(t, 2)
	startup, state := faultStartup(t, faultHubConfig("crypto ikev2 dpd 10 2 periodic\n"))
	hub := startFaultDaemon(t, bin, s.Hub, "--startup-config", startup, "--state-dir", state, "--ssh", faultHubAddr(0)+":2222",
		"--dataplane", "userspace", "--log-level", "info")
	var spokes []*faultDaemon
	for i, ns := range s.Edges {
		st, dir := faultStartup(t, faultSpokeConfig(i))
		spokes = append(spokes, startFaultDaemon(t, bin, ns, "--startup-config", st, "--state-dir", dir, "--listen", faultEdgeAddr(i), "--log-level", "info"))
	}
	both := faultHubHolds(faultEdgeAddr(0), faultEdgeAddr(1))
	up := hub.waitFor(t, "show crypto ikev2 sa", "both spokes READY", 60*time.Second, both)
	hub.waitFor(t, "show ip interface brief", "two Virtual-Access", 10*time.Second, faultVACount(2))
	t.Logf("both spokes up on the hub after %v", up.Round(time.Millisecond))

	// The saved state the hub must keep through a kill -9.
	hub.exec(t, "write memory")
	config, err := os.ReadFile(startup)
	if err != nil {
		t.Fatal(err)
	}
	key := faultWaitFile(t, filepath.Join(state, "ssh_host_ed25519_key"))

	// A dead spoke.
	spokes[0].kill9(t)
	bound := faultDPDInterval + faultDPDRetry*(faultDPDRetries+1) + faultDPDSlack
	gone := hub.waitFor(t, "show crypto ikev2 sa", "spoke 0 removed by DPD", bound, faultHubHolds(faultEdgeAddr(1)))
	vaGone := hub.waitFor(t, "show ip interface brief", "one Virtual-Access", 5*time.Second, faultVACount(1))
	t.Logf("spoke 0 killed: its IKE SA gone from the hub after %v, its Virtual-Access %v later (bound %v)", gone.Round(time.Millisecond), vaGone.Round(time.Millisecond), bound)

	// The spoke returns; then the hub dies and returns.
	spokes[0].start(t, bin)
	back := hub.waitFor(t, "show crypto ikev2 sa", "spoke 0 back", 60*time.Second, both)
	t.Logf("spoke 0 restarted: up on the hub after %v", back.Round(time.Millisecond))
	hub.kill9(t)
	hub.start(t, bin)
	again := hub.waitFor(t, "show crypto ikev2 sa", "both spokes back on the restarted hub", 90*time.Second, both)
	hub.waitFor(t, "show ip interface brief", "two Virtual-Access", 10*time.Second, faultVACount(2))
	t.Logf("hub killed and restarted: both spokes back after %v", again.Round(time.Millisecond))

	if got, _ := os.ReadFile(startup); !bytes.Equal(got, config) {
		t.Errorf("startup-config changed across kill -9 and restart:\n%s\nwas:\n%s", got, config)
	}
	if got, _ := os.ReadFile(filepath.Join(state, "ssh_host_ed25519_key")); !bytes.Equal(got, key) {
		t.Errorf("SSH host key changed across kill -9 and restart")
	}
	for _, d := range append([]*faultDaemon{hub}, spokes...) {
		faultCheckAlive(t, d)
	}
}

// faultHubHolds accepts a `show crypto ikev2 sa` with exactly one READY SA
// from each of the remote addresses and no other SA.
func faultHubHolds(remotes ...string) func(string) bool {
	return func(out string) bool {
		states := faultIKEStates(out)
		if len(states) != len(remotes) {
			return false
		}
		for _, r := range remotes {
			if !slices.Equal(states[r], []string{"READY"}) {
				return false
			}
		}
		return true
	}
}

// faultVACount accepts a `show ip interface brief` with n Virtual-Access
// interfaces.
func faultVACount(n int) func(string) bool {
	return func(out string) bool { return len(faultVARE.FindAllString(out, -1)) == n }
}

// faultWaitFile waits for path to exist and returns its contents.
func faultWaitFile(t *testing.T, path string) []byte {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
	}
}
