package modes

import (
	"strings"
	"testing"
)

func TestTransformSetMode(t *testing.T) {
	runCLICases(t, []cliCase{
		{
			name:    "aes256 sha tunnel by default",
			lines:   []string{"crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac"},
			section: "^crypto ipsec",
			want:    "crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac \n mode tunnel\n",
		},
		{
			name:    "abbreviated, mode transport",
			lines:   []string{"cry ips transform-set TS esp-gcm 256", "mo trans"},
			section: "^crypto ipsec",
			want:    "crypto ipsec transform-set TS esp-gcm 256 \n mode transport\n",
		},
		{
			name:    "transforms in IOS order, default key size dropped",
			lines:   []string{"crypto ipsec transform-set X esp-sha256-hmac ah-sha-hmac esp-aes 128 comp-lzs"},
			section: "^crypto ipsec",
			want:    "crypto ipsec transform-set X ah-sha-hmac esp-aes esp-sha256-hmac comp-lzs \n mode tunnel\n",
		},
		{
			name:    "no mode returns to tunnel",
			lines:   []string{"crypto ipsec transform-set TS esp-aes esp-md5-hmac", "mode transport", "no mode"},
			section: "^crypto ipsec",
			want:    "crypto ipsec transform-set TS esp-aes esp-md5-hmac \n mode tunnel\n",
		},
		{
			name:    "redefining keeps the mode",
			lines:   []string{"crypto ipsec transform-set TS esp-aes esp-md5-hmac", "mode transport", "crypto ipsec transform-set TS esp-3des esp-sha-hmac"},
			section: "^crypto ipsec",
			want:    "crypto ipsec transform-set TS esp-3des esp-sha-hmac \n mode transport\n",
		},
		{
			name:    "delete",
			lines:   []string{"crypto ipsec transform-set TS esp-aes esp-md5-hmac", "no crypto ipsec transform-set TS"},
			section: "^crypto ipsec",
		},
		{
			name:    "gcm takes no hmac",
			lines:   []string{"crypto ipsec transform-set TS esp-gcm 256 esp-sha-hmac"},
			section: "^crypto ipsec",
			out:     invalidAt("Router(config)#", "crypto ipsec transform-set TS esp-gcm 256 esp-sha-hmac", "esp-sha"),
		},
		{
			name:    "two ciphers",
			lines:   []string{"crypto ipsec transform-set TS esp-aes esp-3des"},
			section: "^crypto ipsec",
			out:     invalidAt("Router(config)#", "crypto ipsec transform-set TS esp-aes esp-3des", "esp-3des"),
		},
		{
			name:    "no transform",
			lines:   []string{"crypto ipsec transform-set TS"},
			section: "^crypto ipsec",
			out:     "Router(config)#crypto ipsec transform-set TS\n% Incomplete command.\n\n",
		},
		{
			name:    "default removed and modified",
			lines:   []string{"no crypto ipsec transform-set default"},
			section: "^(no )?crypto ipsec",
			want:    "no crypto ipsec transform-set default\n",
		},
		{
			name:    "default modified is rendered",
			lines:   []string{"crypto ipsec transform-set default esp-aes 256 esp-sha-hmac"},
			section: "^crypto ipsec",
			want:    "crypto ipsec transform-set default esp-aes 256 esp-sha-hmac \n mode transport\n",
		},
		{
			name:    "factory default not rendered",
			lines:   []string{"crypto ipsec transform-set default esp-aes esp-sha-hmac", "mode transport"},
			section: "^(no )?crypto ipsec",
		},
	})
}

func TestIPsecProfileMode(t *testing.T) {
	ts := "crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac"
	tsBlock := "crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac \n mode tunnel\n"
	runCLICases(t, []cliCase{
		{
			name: "IOS order",
			lines: []string{ts, "crypto ipsec profile P", "set ikev2-profile IKP", "set pfs group14", "set transform-set TS",
				"set security-policy limit 1", "set security-association lifetime seconds 3601",
				"set security-association lifetime kilobytes 4608001", "responder-only"},
			section: "^crypto ipsec profile",
			want: "crypto ipsec profile P\n set security-association lifetime kilobytes 4608001\n" +
				" set security-association lifetime seconds 3601\n set security-policy limit 1\n set transform-set TS \n" +
				" set pfs group14\n set ikev2-profile IKP\n responder-only\n",
		},
		{
			name:    "kilobytes disable, several transform-sets, idle-time, replay",
			lines:   []string{ts, "crypto ipsec transform-set T2 esp-gcm", "crypto ipsec profile P", "set security-association lifetime kilobytes disable", "set transform-set T2 TS", "set security-association idle-time 600 default", "set security-association replay window-size 1024"},
			section: "^crypto ipsec profile",
			want: "crypto ipsec profile P\n set security-association lifetime kilobytes disable\n" +
				" set security-association idle-time 600 default\n set security-association replay window-size 1024\n" +
				" set transform-set T2 TS \n",
		},
		{
			name:    "no forms",
			lines:   []string{ts, "crypto ipsec profile P", "set transform-set TS", "set pfs group2", "set ikev2-profile X", "set security-association lifetime seconds 900", "responder-only", "no set transform-set", "no set pfs", "no set ikev2-profile", "no set security-association lifetime seconds", "no responder-only"},
			section: "^crypto ipsec profile",
			want:    "crypto ipsec profile P\n",
		},
		{
			name:    "deleting a transform-set drops the references",
			lines:   []string{ts, "crypto ipsec transform-set T2 esp-gcm", "crypto ipsec profile P", "set transform-set TS T2", "no crypto ipsec transform-set TS"},
			section: "^crypto ipsec profile",
			want:    "crypto ipsec profile P\n set transform-set T2 \n",
		},
		{
			name:    "unknown transform-set",
			lines:   []string{"crypto ipsec profile P", "set transform-set NOPE"},
			section: "^crypto ipsec profile",
			want:    "crypto ipsec profile P\n",
			out:     "Router(ipsec-profile)#set transform-set NOPE\nERROR: transform set with tag \"NOPE\" does not exist.\n",
		},
		{
			name:    "virtual-template is not an ipsec-profile command",
			lines:   []string{"crypto ipsec profile P", "virtual-template 1"},
			section: "^crypto ipsec profile",
			want:    "crypto ipsec profile P\n",
			out:     invalidAt("Router(ipsec-profile)#", "virtual-template 1", "virtual"),
		},
		{
			name:    "lifetime out of range",
			lines:   []string{"crypto ipsec profile P", "set security-association lifetime seconds 60"},
			section: "^crypto ipsec profile",
			want:    "crypto ipsec profile P\n",
			out:     invalidAt("Router(ipsec-profile)#", "set security-association lifetime seconds 60", "60"),
		},
		{
			name:    "smart default profile with ikev2-profile",
			lines:   []string{"crypto ipsec profile default", "set ikev2-profile default"},
			section: "^(no )?crypto ipsec",
			want:    "crypto ipsec profile default\n set ikev2-profile default\n",
		},
		{
			name:    "smart default profile removed",
			lines:   []string{"no crypto ipsec profile default"},
			section: "^(no )?crypto ipsec",
			want:    "no crypto ipsec profile default\n",
		},
		{
			name:    "unindented block falls through",
			lines:   []string{ts, "crypto ipsec profile P", "set transform-set TS", "interface Loopback0"},
			section: "^crypto ipsec",
			want:    tsBlock + "crypto ipsec profile P\n set transform-set TS \n",
		},
	})
}

func TestIPsecGlobal(t *testing.T) {
	runCLICases(t, []cliCase{
		{
			name: "global lines",
			lines: []string{"crypto ipsec security-association replay window-size 1024", "crypto ipsec df-bit clear",
				"crypto ipsec security-association lifetime seconds 7200", "crypto ipsec nat-transparency spi-matching",
				"no crypto ipsec nat-transparency udp-encapsulation", "crypto ipsec transform-set TS esp-aes esp-sha-hmac"},
			section: "^(no )?crypto ipsec",
			want: "crypto ipsec security-association lifetime seconds 7200\ncrypto ipsec security-association replay window-size 1024\n" +
				"crypto ipsec df-bit clear\ncrypto ipsec transform-set TS esp-aes esp-sha-hmac \n mode tunnel\n" +
				"no crypto ipsec nat-transparency udp-encapsulation\ncrypto ipsec nat-transparency spi-matching\n",
		},
		{
			name:    "replay disable and no forms",
			lines:   []string{"crypto ipsec security-association replay disable", "crypto ipsec df-bit set", "no crypto ipsec df-bit", "crypto ipsec nat-transparency spi-matching", "no crypto ipsec nat-transparency spi-matching"},
			section: "^crypto ipsec",
			want:    "crypto ipsec security-association replay disable\n",
		},
		{
			name:    "replay window must be a listed size",
			lines:   []string{"crypto ipsec security-association replay window-size 100"},
			section: "^crypto ipsec",
			out:     invalidAt("Router(config)#", "crypto ipsec security-association replay window-size 100", "100"),
		},
	})
}

// TestIPsecNotApplied checks what is reported as kept but not applied.
func TestIPsecNotApplied(t *testing.T) {
	got := notAppliedLines(t, "crypto ipsec nat-transparency spi-matching\ncrypto ipsec profile P\n set isakmp-profile I\n set transform-set default\n")
	if len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Errorf("not-applied lines = %v, want [1 3]", got)
	}
}

// TestTransformHelp checks `?` against the captured IOS listing
// (ios-reference.md section 3).
func TestTransformHelp(t *testing.T) {
	sys := NewSystem()
	s := NewSession(sys, "test")
	s.EnterConfig()
	if r := s.Exec("crypto ipsec transform-set T esp-aes esp-sha-hmac"); r.Err != nil {
		t.Fatal(r.Err)
	}
	want := "  transport  transport (payload encapsulation) mode\n  tunnel     tunnel (datagram encapsulation) mode\n\n"
	if got := s.Help("mode "); got != want {
		t.Errorf("mode ?:\n%s\nwant:\n%s", quoteLines(got), quoteLines(want))
	}
	s.ExitConfig()
	s.EnterConfig()
	got := s.Help("crypto ipsec transform-set T esp-gcm ")
	for _, w := range []string{"  128 ", "  ah-sha-hmac ", "  comp-lzs ", "  <cr>"} {
		if !strings.Contains(got, w) {
			t.Errorf("esp-gcm ? lacks %q:\n%s", w, got)
		}
	}
	for _, w := range []string{"esp-sha-hmac", "esp-aes"} {
		if strings.Contains(got, w) {
			t.Errorf("esp-gcm ? offers %q:\n%s", w, got)
		}
	}
}
