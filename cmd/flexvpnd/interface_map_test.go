package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestInterfaceMapFlag checks the parsing of --interface-map: IOS names
// canonicalised as the CLI does, Linux names checked, bad syntax refused.
func TestInterfaceMapFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string
		wantErr string
	}{
		{"", map[string]string{}, ""},
		{"GigabitEthernet1=eth0", map[string]string{"GigabitEthernet1": "eth0"}, ""},
		{"Gi1=eth0, gi 2 = ens4,Ethernet0/0=veth-a", map[string]string{
			"GigabitEthernet1": "eth0", "GigabitEthernet2": "ens4", "Ethernet0/0": "veth-a",
		}, ""},
		{"Loopback0=lo", map[string]string{"Loopback0": "lo"}, ""},
		{"Gi1", nil, "want IOS=LINUX"},
		{"=eth0", nil, "not an interface name"},
		{"Gi1=", nil, "not a Linux interface name"},
		{"Gi1=a/b", nil, "not a Linux interface name"},
		{"Gi1=averyveryverylongname", nil, "not a Linux interface name"},
		{"Gi1=eth0,GigabitEthernet1=eth1", nil, "mapped twice"},
		{"gi 1 2=eth0", nil, "not an interface name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseInterfaceMap(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseInterfaceMap(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseInterfaceMap(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestInterfaceMapFlagRun checks that a bad --interface-map stops the
// daemon at start with a clear error.
func TestInterfaceMapFlagRun(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--interface-map", "Gi1:eth0"}, strings.NewReader(""), &out, &errOut); code != 2 {
		t.Fatalf("exit status %d, want 2 (stderr %q)", code, errOut.String())
	}
	if want := "--interface-map"; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr %q lacks %q", errOut.String(), want)
	}
}
