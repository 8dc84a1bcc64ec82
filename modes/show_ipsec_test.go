package modes

import (
	"os"
	"strings"
	"testing"
)

const c8000vCapture = "../testdata/corpus/ios-show/show-crypto-ikev2-proposal-policy-profile-ipsec-tset-profile-defaults-c8000v.txt"

// captureBlock returns the output printed after the prompt line that
// starts with cmd, up to the next prompt.
func captureBlock(t *testing.T, path, prompt, cmd string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	in := false
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if strings.HasPrefix(l, prompt) {
			in = strings.HasPrefix(l, prompt+cmd)
			continue
		}
		if in {
			out.WriteString(l)
		}
	}
	if out.Len() == 0 {
		t.Fatalf("%s: no output of %q", path, cmd)
	}
	return out.String()
}

// TestShowIPsecGolden reproduces the c8000v capture from the configuration
// of that router (its crypto ipsec part).
func TestShowIPsecGolden(t *testing.T) {
	sys, out := typeLines([]string{
		"crypto ipsec transform-set ipsec_transform1 esp-aes 256 esp-sha512-hmac ",
		" mode tunnel",
		"crypto ipsec profile p2p_pf1",
		" set transform-set ipsec_transform1 ",
		" set ikev2-profile ikev2_profile",
	})
	if out != "" {
		t.Fatalf("config output: %q", out)
	}
	s := NewSession(sys, "test")
	for _, tc := range []struct{ typed, captured string }{
		{"show crypto ipsec transform-set", "sh crypto ipsec transform-set"},
		{"sh crypto ipsec profile", "sh crypto ipsec profile"},
	} {
		want := captureBlock(t, c8000vCapture, "vEDGE01#", tc.captured)
		r := s.Exec(tc.typed)
		if r.Err != nil {
			t.Fatalf("%s: %v", tc.typed, r.Err)
		}
		if r.Output != want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.typed, quoteLines(r.Output), quoteLines(want))
		}
	}
}

func TestShowIPsecNamed(t *testing.T) {
	sys, _ := typeLines([]string{
		"crypto ipsec transform-set T esp-gcm 256",
		"crypto ipsec profile P", "set transform-set T", "set pfs group19", "responder-only",
		"set security-association lifetime kilobytes disable", "set security-association lifetime seconds 86400",
	})
	s := NewSession(sys, "test")
	for _, tc := range []struct{ line, want string }{
		{"show crypto ipsec transform-set T", "Transform set T: { esp-gcm 256  } \n   will negotiate = { Tunnel,  }, \n\n"},
		{"show crypto ipsec transform-set NONE", ""},
		{"show crypto ipsec profile P", "IPSEC profile P\nSecurity association lifetime: disabled kilobytes/86400 seconds\n" +
			"Dualstack (Y/N): N\nResponder-Only (Y/N): Y\nPFS (Y/N): Y\nDH group:  group19\nMixed-mode : Disabled\n" +
			"Transform sets={ \nT:  { esp-gcm 256  } , \n}\n\n"},
		{"show crypto ipsec profile default | include Transform|default", "IPSEC profile default\nTransform sets={ \ndefault:  { esp-aes esp-sha-hmac  } , \n"},
	} {
		r := s.Exec(tc.line)
		if r.Err != nil {
			t.Fatalf("%s: %v", tc.line, r.Err)
		}
		if r.Output != tc.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.line, quoteLines(r.Output), quoteLines(tc.want))
		}
	}
}
