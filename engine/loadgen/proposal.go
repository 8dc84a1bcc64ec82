package loadgen

import (
	"fmt"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// algorithms are the strongSwan proposal keywords the load generator
// understands (the names of strongSwan's IKEv2 cipher suites), so that one
// string configures both the generator and the charon it is compared with.
var algorithms = map[string]ike.Transform{
	"aes128":           {Type: wire.TransformENCR, ID: uint16(wire.EncrAESCBC), KeyBits: 128},
	"aes192":           {Type: wire.TransformENCR, ID: uint16(wire.EncrAESCBC), KeyBits: 192},
	"aes256":           {Type: wire.TransformENCR, ID: uint16(wire.EncrAESCBC), KeyBits: 256},
	"aes128gcm16":      {Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 128},
	"aes256gcm16":      {Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 256},
	"chacha20poly1305": {Type: wire.TransformENCR, ID: uint16(wire.EncrChaCha20Poly1305)},
	"sha1":             {Type: wire.TransformINTEG, ID: uint16(wire.IntegHMACSHA196)},
	"sha256":           {Type: wire.TransformINTEG, ID: uint16(wire.IntegHMACSHA2256128)},
	"sha384":           {Type: wire.TransformINTEG, ID: uint16(wire.IntegHMACSHA2384192)},
	"sha512":           {Type: wire.TransformINTEG, ID: uint16(wire.IntegHMACSHA2512256)},
	"prfsha1":          {Type: wire.TransformPRF, ID: uint16(wire.PRFHMACSHA1)},
	"prfsha256":        {Type: wire.TransformPRF, ID: uint16(wire.PRFHMACSHA2256)},
	"prfsha384":        {Type: wire.TransformPRF, ID: uint16(wire.PRFHMACSHA2384)},
	"prfsha512":        {Type: wire.TransformPRF, ID: uint16(wire.PRFHMACSHA2512)},
	"modp2048":         {Type: wire.TransformDH, ID: uint16(wire.DHModp2048)},
	"modp3072":         {Type: wire.TransformDH, ID: uint16(wire.DHModp3072)},
	"modp4096":         {Type: wire.TransformDH, ID: uint16(wire.DHModp4096)},
	"ecp256":           {Type: wire.TransformDH, ID: uint16(wire.DHECP256)},
	"ecp384":           {Type: wire.TransformDH, ID: uint16(wire.DHECP384)},
	"ecp521":           {Type: wire.TransformDH, ID: uint16(wire.DHECP521)},
	"curve25519":       {Type: wire.TransformDH, ID: uint16(wire.DHCurve25519)},
}

// prfOfInteg is the PRF strongSwan derives from an integrity keyword when
// a proposal names no PRF.
var prfOfInteg = map[wire.IntegID]wire.PRFID{
	wire.IntegHMACSHA196: wire.PRFHMACSHA1, wire.IntegHMACSHA2256128: wire.PRFHMACSHA2256,
	wire.IntegHMACSHA2384192: wire.PRFHMACSHA2384, wire.IntegHMACSHA2512256: wire.PRFHMACSHA2512,
}

// ParseProposal reads an IKE proposal in strongSwan's notation
// ("aes256gcm16-prfsha256-ecp256", "aes256-sha256-modp2048"): an AEAD
// cipher needs a PRF; a CBC cipher takes an integrity algorithm, from
// which the PRF follows when none is named; a DH group is required.
func ParseProposal(s string) (ike.Proposal, error) {
	var p ike.Proposal
	have := map[wire.TransformType]bool{}
	for _, kw := range strings.Split(s, "-") {
		t, ok := algorithms[kw]
		if !ok {
			return nil, fmt.Errorf("proposal %q: unknown algorithm %q", s, kw)
		}
		if have[t.Type] {
			return nil, fmt.Errorf("proposal %q: two %v algorithms", s, t.Type)
		}
		have[t.Type] = true
		p = append(p, t)
	}
	aead := false
	for _, t := range p {
		if t.Type == wire.TransformENCR {
			aead = t.ID == uint16(wire.EncrAESGCM16) || t.ID == uint16(wire.EncrChaCha20Poly1305)
		}
		if t.Type == wire.TransformINTEG && !have[wire.TransformPRF] {
			p = append(p, ike.Transform{Type: wire.TransformPRF, ID: uint16(prfOfInteg[wire.IntegID(t.ID)])})
			have[wire.TransformPRF] = true
		}
	}
	switch {
	case !have[wire.TransformENCR]:
		return nil, fmt.Errorf("proposal %q: no encryption algorithm", s)
	case aead && have[wire.TransformINTEG]:
		return nil, fmt.Errorf("proposal %q: an AEAD cipher takes no integrity algorithm", s)
	case !aead && !have[wire.TransformINTEG]:
		return nil, fmt.Errorf("proposal %q: no integrity algorithm", s)
	case !have[wire.TransformPRF]:
		return nil, fmt.Errorf("proposal %q: no PRF", s)
	case !have[wire.TransformDH]:
		return nil, fmt.Errorf("proposal %q: no DH group", s)
	}
	return p, nil
}

// ESPProposal returns the ESP proposal with the IKE proposal's cipher (and
// integrity algorithm), no PFS and no ESN.
func ESPProposal(p ike.Proposal) ike.Proposal {
	var esp ike.Proposal
	for _, t := range p {
		if t.Type == wire.TransformENCR || t.Type == wire.TransformINTEG {
			esp = append(esp, t)
		}
	}
	return append(esp, ike.Transform{Type: wire.TransformESN, ID: uint16(wire.ESNNo)})
}
