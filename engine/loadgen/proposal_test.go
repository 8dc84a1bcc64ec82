package loadgen

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

func TestParseProposal(t *testing.T) {
	gcm := algorithms["aes256gcm16"]
	tests := []struct {
		in      string
		want    ike.Proposal
		wantErr bool
	}{
		{in: "aes256gcm16-prfsha256-ecp256", want: ike.Proposal{gcm, algorithms["prfsha256"], algorithms["ecp256"]}},
		{in: "aes256-sha256-modp2048", want: ike.Proposal{algorithms["aes256"], algorithms["sha256"], algorithms["modp2048"], algorithms["prfsha256"]}},
		{in: "aes128-sha1-prfsha384-curve25519", want: ike.Proposal{algorithms["aes128"], algorithms["sha1"], algorithms["prfsha384"], algorithms["curve25519"]}},
		{in: "aes256gcm16-ecp256", wantErr: true},                  // no PRF
		{in: "aes256gcm16-sha256-prfsha256-ecp256", wantErr: true}, // AEAD with integrity
		{in: "aes256-prfsha256-ecp256", wantErr: true},             // CBC without integrity
		{in: "aes256-sha256", wantErr: true},                       // no group
		{in: "aes256-sha256-ecp256-ecp384", wantErr: true},         // two groups
		{in: "3des-sha1-modp1024", wantErr: true},                  // unknown
	}
	for _, tc := range tests {
		got, err := ParseProposal(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseProposal(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseProposal(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
	esp := ESPProposal(ike.Proposal{gcm, algorithms["prfsha256"], algorithms["ecp256"]})
	if want := (ike.Proposal{gcm, {Type: wire.TransformESN, ID: uint16(wire.ESNNo)}}); !cmp.Equal(esp, want) {
		t.Errorf("ESPProposal = %v, want %v", esp, want)
	}
}
