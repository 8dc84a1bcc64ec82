package modes

import "testing"

func TestPKIModes(t *testing.T) {
	runCLICases(t, []cliCase{
		{
			name: "trustpoint lines in IOS order, canonical keywords",
			lines: []string{"crypto pki trustpoint msca", "rsakeypair ikev2rsa", "revocation-check none", "subject-name OU=IT,O=yinghli",
				"fqdn ikev2.yinghli.cn", "serial-number none", "enroll url http://10.1.1.5:80/certsrv/mscep/mscep.dll", "enrollment mode ra"},
			section: "^crypto pki",
			want: "crypto pki trustpoint msca\n enrollment mode ra\n enrollment url http://10.1.1.5:80/certsrv/mscep/mscep.dll\n" +
				" serial-number none\n fqdn ikev2.yinghli.cn\n subject-name OU=IT,O=yinghli\n revocation-check none\n rsakeypair ikev2rsa\n",
		},
		{
			name:    "trustpoint replace and no forms",
			lines:   []string{"crypto pki trustpoint TP", "enrollment url http://a", "enrollment terminal", "revocation-check crl", "revocation-check crl none", "hash sha256", "no hash", "serial-number", "no serial-number"},
			section: "^crypto pki",
			want:    "crypto pki trustpoint TP\n enrollment terminal\n revocation-check crl none\n",
		},
		{
			name:    "certificate map",
			lines:   []string{"crypto pki certificate map CERT-MAP 1", "subject-name co ou = dmvpn", "issuer-name co o = otus", "crypto pki certificate map win10 10", "issuer-name co yinghli"},
			section: "^crypto pki",
			want: "crypto pki certificate map CERT-MAP 1\n subject-name co ou = dmvpn\n issuer-name co o = otus\n" +
				"crypto pki certificate map win10 10\n issuer-name co yinghli\n",
		},
		{
			name: "certificate chain with hex bodies",
			lines: []string{"crypto pki certificate chain TP", " certificate 1004", "  3082036E 30820256 A0030201", "  02020100", "        quit",
				" certificate ca 01", "  30820122 300D0609", "  \tquit"},
			section: "^crypto pki",
			want: "crypto pki certificate chain TP\n certificate 1004\n  3082036E 30820256 A0030201\n  02020100\n        quit\n" +
				" certificate ca 01\n  30820122 300D0609\n        quit\n",
		},
		{
			name:    "certificate body must be hex",
			lines:   []string{"crypto pki certificate chain TP", "certificate 01", "3082 ZZ", "quit", "no certificate 01"},
			section: "^crypto pki",
			out:     invalidAt("Router(config-pubkey)#", "3082 ZZ", "ZZ"),
			want:    "crypto pki certificate chain TP\n",
		},
		{
			name:    "delete",
			lines:   []string{"crypto pki trustpoint TP", "crypto pki certificate map M 1", "crypto pki certificate chain TP", "no crypto pki trustpoint TP", "no crypto pki certificate map M", "no crypto pki certificate chain TP"},
			section: "^crypto pki",
		},
		{
			name:    "unknown trustpoint line",
			lines:   []string{"crypto pki trustpoint TP", "bogus 1"},
			section: "^crypto pki",
			out:     invalidAt("Router(ca-trustpoint)#", "bogus 1", "bogus"),
			want:    "crypto pki trustpoint TP\n",
		},
	})
}

// TestPKINotApplied checks that PKI blocks are reported once, at their
// first line.
func TestPKINotApplied(t *testing.T) {
	got := notAppliedLines(t, "crypto pki trustpoint TP\n enrollment selfsigned\ncrypto pki certificate map M 1\n subject-name co x\n")
	if len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Errorf("not-applied lines = %v, want [1 3]", got)
	}
}
