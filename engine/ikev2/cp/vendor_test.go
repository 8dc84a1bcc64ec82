package cp

import (
	"encoding/hex"
	"testing"
)

func TestRecognise(t *testing.T) {
	tests := []struct {
		hex  string
		want string
	}{
		// The hex forms Libreswan's vendorid.c gives in its comments.
		{"464c455856504e2d535550504f52544544", "FLEXVPN-SUPPORTED"},
		{"434953434f2d44454c4554452d524541534f4e", "CISCO-DELETE-REASON"},
		{"434953434f2d44594e414d49432d524f555445", "CISCO-DYNAMIC-ROUTE"},
		{hex.EncodeToString([]byte("CISCO(COPYRIGHT)&Copyright (c) 2009 Cisco Systems, Inc.")), "CISCO-COPYRIGHT"},
		{"4048b7d56ebce88525e7de7f00d6c2d3", "CISCO-FRAGMENTATION"},
		{"4048b7d56ebce88525e7de7f00d6c2d380000000", "CISCO-FRAGMENTATION"},
		{"882fe56d6fd20dbc2251613b2ebe5beb", ""}, // strongSwan
		{"464c455856504e2d535550504f525445", ""}, // FLEXVPN-SUPPORTE, truncated
		{"", ""},
	}
	for _, tc := range tests {
		b, err := hex.DecodeString(tc.hex)
		if err != nil {
			t.Fatal(err)
		}
		if got := Recognise(b); got != tc.want {
			t.Errorf("Recognise(%s) = %q, want %q", tc.hex, got, tc.want)
		}
	}
}

func TestFlexVPNVendorIDsRecognised(t *testing.T) {
	ids := FlexVPNVendorIDs()
	if len(ids) != 4 {
		t.Fatalf("%d vendor IDs, want 4 as IOS sends", len(ids))
	}
	for _, id := range ids {
		if Recognise(id) == "" {
			t.Errorf("sent vendor ID %q is not recognised", id)
		}
	}
	ids[0][0] = 'X'
	if Recognise(FlexVPNVendorIDs()[0]) == "" {
		t.Error("FlexVPNVendorIDs shares memory with the package's values")
	}
}
