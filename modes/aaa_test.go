package modes

import "testing"

func TestAAA(t *testing.T) {
	const aaaSection = "^(no )?aaa"
	runCLICases(t, []cliCase{
		{
			name:    "IOS prints no aaa new-model by default",
			section: aaaSection,
			want:    "no aaa new-model\n",
		},
		{
			name:    "method lists need aaa new-model",
			lines:   []string{"aaa authorization network FLEX local", "aaa authentication login L local", "no aaa authorization network FLEX", "aaa attribute list A"},
			section: aaaSection,
			out: invalidAt(cfgp, "aaa authorization network FLEX local", "authorization") +
				invalidAt(cfgp, "aaa authentication login L local", "authentication") +
				invalidAt(cfgp, "no aaa authorization network FLEX", "authorization") +
				invalidAt(cfgp, "aaa attribute list A", "attribute"),
			want: "no aaa new-model\n",
		},
		{
			name: "the AAA block in IOS order",
			lines: []string{"aaa new-model", "aaa authorization network FLEXVPN_LOCAL local", "aaa authentication login SSH-DUO group DUO-RADIUS local",
				"aaa group server radius DUO-RADIUS", "server name DUO", "aaa authorization network default group G local", "aaa session-id common",
				"aaa attribute list ATTR", `attribute type interface-config "ip mtu 1300" service any protocol ip`,
				"aaa accounting network ACC start-stop group radius", "aaa authorization network FLEXVPN_LOCAL local none",
				"aaa authorization commands 15 default local", "aaa authorization commands 1 default local", "no aaa authorization commands 1 default"},
			section: aaaSection,
			want: "aaa new-model\naaa group server radius DUO-RADIUS\n server name DUO\n" +
				"aaa authentication login SSH-DUO group DUO-RADIUS local\n" +
				"aaa authorization network FLEXVPN_LOCAL local none \naaa authorization network default group G local \n" +
				"aaa authorization commands 15 default local \n" +
				"aaa accounting network ACC start-stop group radius\n" +
				"aaa attribute list ATTR\n attribute type interface-config \"ip mtu 1300\" service any protocol ip\n" +
				"aaa session-id common\n",
		},
		{
			name: "no forms",
			lines: []string{"aaa new-model", "aaa authorization network A local", "aaa authentication login B local", "aaa accounting exec X start-stop group radius",
				"aaa attribute list L", "attribute type banner x", "attribute type dns-servers 1.1.1.1", "no attribute type banner",
				"aaa group server radius G", "server name S", "no server name S", "no aaa group server radius G",
				"no aaa authorization network A", "no aaa authentication login B", "no aaa accounting exec X", "aaa session-id unique"},
			section: aaaSection,
			want:    "aaa new-model\naaa attribute list L\n attribute type dns-servers 1.1.1.1\naaa session-id unique\n",
		},
		{
			name:    "no aaa new-model is rendered explicitly",
			lines:   []string{"aaa new-model", "aaa authorization network A local", "no aaa new-model"},
			section: aaaSection,
			want:    "no aaa new-model\n",
		},
		{
			name: "radius server blocks after the access lists",
			lines: []string{"radius server DUO", "address ipv4 192.0.2.112 auth-port 1812 acct-port 1813", "timeout 120", "retransmit 1",
				"key YOUR-RADIUS-SHARED-SECRET", "key 7 031352050200365F", "ip radius source-interface gi0/0/0",
				"ip access-list standard X", "permit any"},
			section: "^radius|^ip radius|^ip access-list",
			want: "ip radius source-interface GigabitEthernet0/0/0\nip access-list standard X\n permit any\n" +
				"radius server DUO\n address ipv4 192.0.2.112 auth-port 1812 acct-port 1813\n timeout 120\n retransmit 1\n key 7 031352050200365F\n",
		},
	})
}

func TestRadiusNotApplied(t *testing.T) {
	sys := NewSystem()
	s := NewSession(sys, "test")
	s.EnterConfig()
	var reasons []string
	s.OnNotApplied = func(r string) { reasons = append(reasons, r) }
	for _, l := range []string{"aaa new-model", "radius server R", "key x", "aaa group server radius G", "server name R"} {
		if r := s.Exec(l); r.Err != nil {
			t.Fatalf("%q: %v", l, r.Err)
		}
	}
	if len(reasons) != 2 {
		t.Errorf("not-applied reports = %q, want one per RADIUS block header", reasons)
	}
	if got := s.Prompt(); got != "Router(config-sg-radius)#" {
		t.Errorf("prompt = %q", got)
	}
}
