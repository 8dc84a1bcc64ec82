package runningconfig

import (
	"slices"
	"sort"
	"testing"
)

func TestIfOrder(t *testing.T) {
	want := []string{"Loopback0", "Loopback2", "Loopback10", "Tunnel0", "Tunnel1", "Tunnel11", "LISP0", "Ethernet0/0",
		"Ethernet0/1", "Ethernet1/0", "GigabitEthernet1", "GigabitEthernet1.15", "GigabitEthernet2", "GigabitEthernet10",
		"eth0", "eth1", "Virtual-Template1", "Virtual-Template2", "Virtual-Template100"}
	got := slices.Clone(want)
	slices.Reverse(got)
	sort.Slice(got, func(a, b int) bool { return IfLess(got[a], got[b]) })
	if !slices.Equal(got, want) {
		t.Errorf("order:\n%v\nwant:\n%v", got, want)
	}
}

func TestIfKinds(t *testing.T) {
	for name, want := range map[string]bool{"Tunnel1": true, "Loopback0": true, "Virtual-Template1": true,
		"GigabitEthernet1.15": true, "GigabitEthernet1": false, "eth0": false} {
		if got := IsVirtual(name); got != want {
			t.Errorf("IsVirtual(%s) = %v", name, got)
		}
	}
	vt := &Interface{Name: "Virtual-Template1", Type: "tunnel"}
	if !vt.IsTunnel() || (&Interface{Name: "Virtual-Template2"}).IsTunnel() || (&Interface{Name: "Loopback0"}).IsTunnel() {
		t.Error("IsTunnel")
	}
}

func TestSetVRFRemovesAddresses(t *testing.T) {
	x := &Interface{Name: "Tunnel1", Address: &IfAddr{"10.0.0.1", "255.255.255.0"}, IPv6: []string{"2001:DB8::1/64"}}
	if v4, v6 := x.SetVRF("A", false); !v4 || !v6 || x.HasIPv4() || len(x.IPv6) != 0 {
		t.Errorf("SetVRF: v4=%v v6=%v %+v", v4, v6, x)
	}
	x.Address = &IfAddr{"10.0.0.1", "255.255.255.0"}
	if v4, _ := x.SetVRF("A", false); v4 || !x.HasIPv4() {
		t.Error("same VRF removed the address")
	}
}

func TestRemoveVRF(t *testing.T) {
	var i Interfaces
	a := i.Ensure("Tunnel1")
	a.VRF, a.Address = "A", &IfAddr{"10.0.0.1", "255.255.255.0"}
	b := i.Ensure("Tunnel2")
	b.VRF = "B"
	if got := i.RemoveVRF("A"); len(got) != 1 || got[0] != "Tunnel1" || a.VRF != "" || a.HasIPv4() || b.VRF != "B" {
		t.Errorf("RemoveVRF: %v %+v %+v", got, a, b)
	}
}

func TestKeptLines(t *testing.T) {
	var k KeptLines
	k.Set(20, "load-interval", "load-interval 30")
	k.Set(10, "ip nhrp map multicast dynamic", "ip nhrp map multicast dynamic")
	k.Set(20, "load-interval", "load-interval 60")
	k.Set(10, "ip nhrp map 10.0.0.1 1.1.1.1", "ip nhrp map 10.0.0.1 1.1.1.1")
	var w writer
	k.renderRange(&w, " ", 0, 100)
	want := " ip nhrp map multicast dynamic\n ip nhrp map 10.0.0.1 1.1.1.1\n load-interval 60\n"
	if w.b.String() != want {
		t.Errorf("render:\n%q\nwant:\n%q", w.b.String(), want)
	}
	if !k.Delete("ip nhrp map") || len(k) != 1 || !k.Has("load-interval 60") {
		t.Errorf("Delete prefix: %v", k)
	}
	if k.Delete("load") || !k.DeleteKey("load-interval") || len(k) != 0 {
		t.Errorf("Delete whole words / DeleteKey: %v", k)
	}
}
