package runningconfig

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalizeTransforms(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"esp-aes 256|esp-sha-hmac", "esp-aes 256|esp-sha-hmac"},
		{"esp-sha256-hmac|esp-aes 128", "esp-aes|esp-sha256-hmac"},
		{"comp-lzs|esp-sha-hmac|esp-3des|ah-md5-hmac", "ah-md5-hmac|esp-3des|esp-sha-hmac|comp-lzs"},
		{"esp-gcm 128", "esp-gcm"},
	} {
		got := strings.Join(NormalizeTransforms(strings.Split(tc.in, "|")), "|")
		if got != tc.want {
			t.Errorf("NormalizeTransforms(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestShowName(t *testing.T) {
	for in, want := range map[string]string{"esp-aes 256": "esp-256-aes", "esp-aes": "esp-aes", "esp-aes 192": "esp-192-aes",
		"esp-sha-hmac": "esp-sha-hmac", "esp-gcm 256": "esp-gcm 256"} {
		if got := ShowName(in); got != want {
			t.Errorf("ShowName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIPsecSmartDefaults(t *testing.T) {
	c := New()
	ts, ok := c.IPsec.TransformSets.Get(DefaultName)
	if !ok || !slices.Equal(ts.Transforms, []string{"esp-aes", "esp-sha-hmac"}) || ts.Mode != "transport" {
		t.Fatalf("default transform-set = %+v", ts)
	}
	pr, ok := c.IPsec.Profiles.Get(DefaultName)
	if !ok {
		t.Fatal("no default ipsec profile")
	}
	if got := c.IPsec.ProfileTransformSets(pr); len(got) != 1 || got[0] != ts {
		t.Errorf("default profile transform-sets = %v", got)
	}
	if s, kb := c.IPsec.EffectiveLifetime(pr); s != 3600 || kb != 4608000 {
		t.Errorf("default lifetime = %d s / %d kB", s, kb)
	}
	if strings.Contains(c.Body(), "crypto ipsec") {
		t.Errorf("factory defaults rendered:\n%s", c.Body())
	}
	c.IPsec.DeleteTransformSet(DefaultName)
	c.IPsec.DeleteProfile(DefaultName)
	body := c.Body()
	if !strings.Contains(body, "no crypto ipsec transform-set default\n!\nno crypto ipsec profile default\n!\n") {
		t.Errorf("removed defaults not rendered:\n%s", body)
	}
	c.IPsec.TransformSet(DefaultName, true)
	c.IPsec.Profile(DefaultName, true)
	if c.IPsec.DefaultTransformSetRemoved || c.IPsec.DefaultProfileRemoved {
		t.Error("re-created defaults still marked removed")
	}
}

func TestEffectiveLifetime(t *testing.T) {
	p := IPsec{LifetimeSeconds: 7200, LifetimeKB: 100000}
	for _, tc := range []struct {
		pr      IPsecProfile
		sec, kb int
	}{
		{IPsecProfile{}, 7200, 100000},
		{IPsecProfile{LifetimeSeconds: 300, LifetimeKB: 5000}, 300, 5000},
		{IPsecProfile{LifetimeDays: 2, LifetimeKBDisable: true}, 172800, 0},
	} {
		if s, kb := p.EffectiveLifetime(&tc.pr); s != tc.sec || kb != tc.kb {
			t.Errorf("%+v: %d/%d, want %d/%d", tc.pr, s, kb, tc.sec, tc.kb)
		}
	}
}
