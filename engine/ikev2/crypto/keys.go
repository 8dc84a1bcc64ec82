package ikecrypto

import (
	"crypto/subtle"
	"fmt"
)

// SPI is an 8-octet IKE SA Security Parameter Index, in network byte order as
// it appears in the IKE header (RFC 7296 section 3.1).
type SPI [8]byte

// Suite is the set of transforms negotiated for an IKE SA. Integ is
// IntegNone when Encr is a combined-mode cipher.
type Suite struct {
	Encr  Encr
	Integ IntegID
	PRF   PRFID
}

// Check verifies that the suite is implemented and coherent.
func (s Suite) Check() error {
	if _, err := NewPRF(s.PRF); err != nil {
		return err
	}
	return checkPair(s.Encr, s.Integ)
}

// IKEKeys are the seven secrets of an IKE SA (RFC 7296 section 2.14). SK_ai
// and SK_ar are empty with a combined-mode cipher; SK_ei and SK_er then end
// with the 4-octet salt.
type IKEKeys struct {
	SKd, SKai, SKar, SKei, SKer, SKpi, SKpr []byte
}

// SKEYSEED returns prf(Ni | Nr, g^ir) (RFC 7296 section 2.14), where g^ir is
// the shared secret as returned by PrivateKey.SharedSecret.
func SKEYSEED(p PRF, ni, nr, gir []byte) []byte {
	key := make([]byte, 0, len(ni)+len(nr))
	key = append(append(key, ni...), nr...)
	return p.Compute(key, gir)
}

// RekeySKEYSEED returns the SKEYSEED of an IKE SA created by rekeying
// (RFC 7296 section 2.18): prf(SK_d (old), g^ir (new) | Ni | Nr), computed
// with the PRF of the old IKE SA and the nonces of the CREATE_CHILD_SA
// exchange.
func RekeySKEYSEED(oldPRF PRF, oldSKd, girNew, ni, nr []byte) []byte {
	return oldPRF.Compute(oldSKd, girNew, ni, nr)
}

// DeriveIKEKeys splits prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) into
// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} with the key lengths
// of the suite (RFC 7296 section 2.14). For a rekeyed IKE SA, skeyseed comes
// from RekeySKEYSEED and the SPIs are the new SA's.
func DeriveIKEKeys(s Suite, skeyseed, ni, nr []byte, spii, spir SPI) (*IKEKeys, error) {
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("deriving IKE SA keys: %w", err)
	}
	p, _ := NewPRF(s.PRF) // checked above
	encrLen, _ := s.Encr.KeyLen()
	integLen, _ := s.Integ.KeyLen()
	lens := [7]int{p.Size(), integLen, integLen, encrLen, encrLen, p.Size(), p.Size()}
	total := 0
	for _, n := range lens {
		total += n
	}
	km, err := p.Plus(skeyseed, total, ni, nr, spii[:], spir[:])
	if err != nil {
		return nil, fmt.Errorf("deriving IKE SA keys: %w", err)
	}
	var parts [7][]byte
	for i, n := range lens {
		parts[i], km = km[:n:n], km[n:]
	}
	return &IKEKeys{
		SKd: parts[0], SKai: parts[1], SKar: parts[2],
		SKei: parts[3], SKer: parts[4], SKpi: parts[5], SKpr: parts[6],
	}, nil
}

// Retained returns SK_d and the SK_a and SK_e keys of k copied into one
// allocation, without SK_pi and SK_pr: what an IKE SA keeps once IKE_AUTH
// is over, since those two only compute the AUTH payloads (RFC 7296
// section 2.15). A hub holds tens of thousands of IKE SAs.
func (k *IKEKeys) Retained() *IKEKeys {
	parts := []*[]byte{&k.SKd, &k.SKai, &k.SKar, &k.SKei, &k.SKer}
	n := 0
	for _, p := range parts {
		n += len(*p)
	}
	buf := make([]byte, 0, n)
	var r IKEKeys
	for i, dst := range []*[]byte{&r.SKd, &r.SKai, &r.SKar, &r.SKei, &r.SKer} {
		start := len(buf)
		buf = append(buf, *parts[i]...)
		*dst = buf[start:len(buf):len(buf)]
	}
	return &r
}

// ESPKeys are the keys of one direction of a CHILD SA: the encryption key
// (with its trailing 4-octet salt for AES-GCM and ChaCha20-Poly1305, as
// RFC 4106 section 8.1 and RFC 7634 section 4 expect) and the integrity key,
// empty with a combined-mode cipher.
type ESPKeys struct {
	Encr, Integ []byte
}

// ChildKeys are the keys of a CHILD SA, one set per direction.
type ChildKeys struct {
	InitiatorToResponder, ResponderToInitiator ESPKeys
}

// DeriveChildKeys computes KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) and
// splits it (RFC 7296 section 2.17): first the keys of the SA carrying data
// from the initiator to the responder, then those of the reverse SA, each as
// encryption key then integrity key. girNew is nil without PFS. Ni and Nr are
// the nonces of the exchange that creates the CHILD SA (those of IKE_SA_INIT
// for the CHILD SA of IKE_AUTH); "initiator" is the initiator of that
// exchange.
func DeriveChildKeys(p PRF, skd []byte, e Encr, integ IntegID, girNew, ni, nr []byte) (*ChildKeys, error) {
	if err := checkPair(e, integ); err != nil {
		return nil, fmt.Errorf("deriving CHILD SA keys: %w", err)
	}
	encrLen, _ := e.KeyLen()
	integLen, _ := integ.KeyLen()
	km, err := p.Plus(skd, 2*(encrLen+integLen), girNew, ni, nr)
	if err != nil {
		return nil, fmt.Errorf("deriving CHILD SA keys: %w", err)
	}
	take := func(n int) []byte {
		part := km[:n:n]
		km = km[n:]
		return part
	}
	var k ChildKeys
	k.InitiatorToResponder.Encr = take(encrLen)
	k.InitiatorToResponder.Integ = take(integLen)
	k.ResponderToInitiator.Encr = take(encrLen)
	k.ResponderToInitiator.Integ = take(integLen)
	return &k, nil
}

// keyPad is the constant of the pre-shared-key AUTH computation, 17 ASCII
// octets without terminator (RFC 7296 section 2.15).
const keyPad = "Key Pad for IKEv2"

// SignedOctets builds the octets that the AUTH payload covers (RFC 7296
// section 2.15):
//
//	InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
//	MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
//
// and symmetrically for the responder (RealMessage2 | NonceIData |
// prf(SK_pr, RestOfRespIDPayload)). realMessage is the signer's first message
// (IKE_SA_INIT request or response) exactly as sent, from the first octet of
// the IKE header; peerNonce is the body of the peer's Nonce payload;
// skp is SK_pi or SK_pr; idBody is the signer's ID payload from the ID Type
// octet on (its generic payload header excluded).
func SignedOctets(p PRF, realMessage, peerNonce, skp, idBody []byte) []byte {
	mac := p.Compute(skp, idBody)
	out := make([]byte, 0, len(realMessage)+len(peerNonce)+len(mac))
	return append(append(append(out, realMessage...), peerNonce...), mac...)
}

// PSKAuth returns the AUTH data for shared key authentication (RFC 7296
// section 2.15): prf(prf(Shared Secret, "Key Pad for IKEv2"), signedOctets).
func PSKAuth(p PRF, psk, signedOctets []byte) []byte {
	return p.Compute(p.Compute(psk, []byte(keyPad)), signedOctets)
}

// VerifyPSKAuth reports, in constant time, whether auth is the AUTH data for
// psk over signedOctets.
func VerifyPSKAuth(p PRF, psk, signedOctets, auth []byte) bool {
	return subtle.ConstantTimeCompare(PSKAuth(p, psk, signedOctets), auth) == 1
}
