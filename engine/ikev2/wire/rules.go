package wire

import (
	"fmt"
	"strings"
)

// many is the upper bound of "any number of" in the rules table.
const many = 0xFF

// card says how many payloads of one type a form allows.
type card struct {
	t        PayloadType
	min, max uint8
}

// form is one shape a message of an exchange may take. Payload types not
// listed must not appear; unknown non-critical payloads are always allowed
// (RFC 7296 section 2.5). All or none of the types in together must appear.
type form struct {
	name     string
	payloads []card
	together []PayloadType
}

// rule lists the forms of the requests or of the responses of one exchange.
type rule struct {
	exchange ExchangeType
	response bool
	forms    []form
}

// childTriple is "SA, TSi, TSr": they create a CHILD SA together or are all
// absent (RFC 7296 sections 1.2 and 1.3; a childless IKE_AUTH per RFC 6023,
// or an IKE_AUTH response whose CHILD SA failed).
var childTriple = []PayloadType{PayloadSA, PayloadTSi, PayloadTSr}

// notifyOnly is the form of an error response: one or more Notify payloads
// (RFC 7296 sections 1.2, 1.3, 2.6, 2.21).
var notifyOnly = form{name: "error notification", payloads: []card{{PayloadN, 1, many}, {PayloadV, 0, many}}}

// rules is the table of payloads per exchange, from the message diagrams of
// RFC 7296 sections 1.2 to 1.5 and 2.16 (EAP); for the protected exchanges
// it describes the payloads inside the Encrypted payload.
var rules = []rule{
	{IKESAInit, false, []form{
		// 1.2: HDR, SAi1, KEi, Ni (with N(COOKIE) first on a retry, 2.6)
		{name: "IKE_SA_INIT request", payloads: []card{{PayloadSA, 1, 1}, {PayloadKE, 1, 1}, {PayloadNonce, 1, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
	}},
	{IKESAInit, true, []form{
		// 1.2: HDR, SAr1, KEr, Nr, [CERTREQ]
		{name: "IKE_SA_INIT response", payloads: []card{{PayloadSA, 1, 1}, {PayloadKE, 1, 1}, {PayloadNonce, 1, 1}, {PayloadCERTREQ, 0, many}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
		// 2.6 N(COOKIE), 1.3 N(INVALID_KE_PAYLOAD), N(NO_PROPOSAL_CHOSEN)
		notifyOnly,
	}},
	{IKEAuth, false, []form{
		// 1.2: SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, [CP,] SAi2, TSi, TSr}
		{name: "IKE_AUTH request", together: childTriple, payloads: []card{
			{PayloadIDi, 1, 1}, {PayloadAUTH, 1, 1}, {PayloadIDr, 0, 1}, {PayloadCERT, 0, many}, {PayloadCERTREQ, 0, many},
			{PayloadCP, 0, 1}, {PayloadSA, 0, 1}, {PayloadTSi, 0, 1}, {PayloadTSr, 0, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
		// 2.16: SK {IDi, [CERTREQ,] [IDr,] SAi2, TSi, TSr}: no AUTH asks for EAP
		{name: "IKE_AUTH request starting EAP", together: childTriple, payloads: []card{
			{PayloadIDi, 1, 1}, {PayloadIDr, 0, 1}, {PayloadCERTREQ, 0, many},
			{PayloadCP, 0, 1}, {PayloadSA, 0, 1}, {PayloadTSi, 0, 1}, {PayloadTSr, 0, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
		// 2.16: SK {EAP}
		{name: "IKE_AUTH EAP request", payloads: []card{{PayloadEAP, 1, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
		// 2.16: SK {AUTH} after EAP succeeded
		{name: "IKE_AUTH request after EAP", payloads: []card{{PayloadAUTH, 1, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
	}},
	{IKEAuth, true, []form{
		// 1.2: SK {IDr, [CERT,] AUTH, [CP,] SAr2, TSi, TSr}; 2.16: + EAP
		{name: "IKE_AUTH response", together: childTriple, payloads: []card{
			{PayloadIDr, 1, 1}, {PayloadAUTH, 1, 1}, {PayloadCERT, 0, many}, {PayloadEAP, 0, 1},
			{PayloadCP, 0, 1}, {PayloadSA, 0, 1}, {PayloadTSi, 0, 1}, {PayloadTSr, 0, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
		// RFC 5998 section 4: SK {IDr, [CERT,] EAP} without AUTH
		{name: "IKE_AUTH EAP-only response", payloads: []card{
			{PayloadIDr, 1, 1}, {PayloadCERT, 0, many}, {PayloadEAP, 1, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
		// 2.16: SK {EAP}
		{name: "IKE_AUTH EAP response", payloads: []card{{PayloadEAP, 1, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
		// 2.16: SK {AUTH, SAr2, TSi, TSr}
		{name: "IKE_AUTH response after EAP", together: childTriple, payloads: []card{
			{PayloadAUTH, 1, 1}, {PayloadCP, 0, 1}, {PayloadSA, 0, 1}, {PayloadTSi, 0, 1}, {PayloadTSr, 0, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
		// 2.21.2: SK {N(AUTHENTICATION_FAILED)}
		notifyOnly,
	}},
	{CreateChildSA, false, []form{
		// 1.3.1, 1.3.3: SK {[N(REKEY_SA)], SA, Ni, [KEi], TSi, TSr}
		{name: "CREATE_CHILD_SA request", payloads: []card{
			{PayloadSA, 1, 1}, {PayloadNonce, 1, 1}, {PayloadKE, 0, 1}, {PayloadTSi, 1, 1}, {PayloadTSr, 1, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
		// 1.3.2: SK {SA, Ni, KEi}
		{name: "CREATE_CHILD_SA request rekeying the IKE SA", payloads: []card{
			{PayloadSA, 1, 1}, {PayloadNonce, 1, 1}, {PayloadKE, 1, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
	}},
	{CreateChildSA, true, []form{
		{name: "CREATE_CHILD_SA response", payloads: []card{
			{PayloadSA, 1, 1}, {PayloadNonce, 1, 1}, {PayloadKE, 0, 1}, {PayloadTSi, 1, 1}, {PayloadTSr, 1, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
		{name: "CREATE_CHILD_SA response rekeying the IKE SA", payloads: []card{
			{PayloadSA, 1, 1}, {PayloadNonce, 1, 1}, {PayloadKE, 1, 1}, {PayloadN, 0, many}, {PayloadV, 0, many}}},
		// 1.3: N(NO_PROPOSAL_CHOSEN), N(INVALID_KE_PAYLOAD), N(TEMPORARY_FAILURE) ...
		notifyOnly,
	}},
	{Informational, false, []form{
		// 1.4: SK {[N,] [D,] [CP,] ...}; may be empty (liveness check, 2.4)
		{name: "INFORMATIONAL request", payloads: []card{{PayloadN, 0, many}, {PayloadD, 0, many}, {PayloadCP, 0, 1}, {PayloadV, 0, many}}},
	}},
	{Informational, true, []form{
		{name: "INFORMATIONAL response", payloads: []card{{PayloadN, 0, many}, {PayloadD, 0, many}, {PayloadCP, 0, 1}, {PayloadV, 0, many}}},
	}},
}

// Check applies the rules to a decoded message as received: the header
// (RFC 7296 section 3.1) and, for IKE_SA_INIT, the payload table. The other
// exchanges must carry an Encrypted or Encrypted Fragment payload as their
// only payload (section 3.14); their inner payloads are checked with
// CheckInner after decryption. An INFORMATIONAL message may instead be an
// unprotected one made of Notify payloads only (section 1.5), which the
// caller must not trust. Errors wrap ErrSyntax.
func Check(m *Message) error {
	h := &m.Header
	if h.SPIi == 0 {
		return syntaxErr("%v: initiator SPI is zero", h)
	}
	if h.Exchange == IKESAInit {
		if !h.IsResponse() && (h.MessageID != 0 || h.SPIr != 0) {
			return syntaxErr("%v: IKE_SA_INIT request with message ID %d and responder SPI %#x, both must be zero", h, h.MessageID, h.SPIr)
		}
		return checkPayloads(h, m.Payloads)
	}
	if _, ok := findRule(h); !ok {
		return syntaxErr("%v: unknown exchange type %d", h, h.Exchange)
	}
	if len(m.Payloads) == 1 {
		switch m.Payloads[0].(type) {
		case *SK, *SKF:
			return nil
		}
	}
	if h.Exchange == Informational && len(m.Payloads) > 0 && onlyNotify(m.Payloads) {
		return nil
	}
	return syntaxErr("%v: payloads [%s], want one encrypted payload", h, summary(m.Payloads))
}

// CheckInner applies the payload table to the decrypted inner payloads of a
// message with header h.
func CheckInner(h *Header, inner []Payload) error {
	if h.Exchange == IKESAInit {
		return syntaxErr("%v: IKE_SA_INIT is never encrypted", h)
	}
	return checkPayloads(h, inner)
}

func onlyNotify(ps []Payload) bool {
	for _, p := range ps {
		if p.Type() != PayloadN {
			return false
		}
	}
	return true
}

func findRule(h *Header) (*rule, bool) {
	for i := range rules {
		if rules[i].exchange == h.Exchange && rules[i].response == h.IsResponse() {
			return &rules[i], true
		}
	}
	return nil, false
}

func checkPayloads(h *Header, ps []Payload) error {
	r, ok := findRule(h)
	if !ok {
		return syntaxErr("%v: unknown exchange type %d", h, h.Exchange)
	}
	var counts [256]uint8
	for _, p := range ps {
		if _, unknown := p.(*Unknown); !unknown && counts[p.Type()] < many {
			counts[p.Type()]++
		}
	}
	var why []string
	matched := false
	for i := range r.forms {
		err := r.forms[i].match(&counts)
		if err == nil {
			matched = true
			break
		}
		why = append(why, r.forms[i].name+": "+err.Error())
	}
	if !matched {
		return syntaxErr("%v [%s]: %s", h, summary(ps), strings.Join(why, "; "))
	}
	if h.Exchange == IKESAInit && !h.IsResponse() {
		for i, p := range ps {
			if n, ok := p.(*Notify); ok && n.NotifyType == Cookie && i != 0 {
				return syntaxErr("%v: N(COOKIE) is payload %d, must be the first (RFC 7296 section 2.6)", h, i+1)
			}
		}
	}
	for _, p := range ps {
		if sa, ok := p.(*SA); ok {
			if err := checkProposals(sa, h); err != nil {
				return fmt.Errorf("%v: %w", h, err)
			}
		}
	}
	return nil
}

// match checks the payload counts against the form.
func (f *form) match(counts *[256]uint8) error {
	var allowed [256]bool
	for _, c := range f.payloads {
		allowed[c.t] = true
		if n := counts[c.t]; n < c.min || n > c.max {
			if n < c.min {
				return fmt.Errorf("missing %v", c.t)
			}
			return fmt.Errorf("%d %v payloads, at most %d allowed", n, c.t, c.max)
		}
	}
	for t, n := range counts {
		if n > 0 && !allowed[t] {
			return fmt.Errorf("unexpected %v", PayloadType(t))
		}
	}
	present := 0
	for _, t := range f.together {
		if counts[t] > 0 {
			present++
		}
	}
	if present != 0 && present != len(f.together) {
		return fmt.Errorf("%v must come together or not at all", f.together)
	}
	return nil
}

// checkProposals applies RFC 7296 section 3.3.1: proposals in a request are
// numbered from 1 up by one and a response carries exactly one (with the
// number of the accepted proposal); the SPI is absent in IKE_SA_INIT, which
// negotiates only the IKE SA, and otherwise 8 octets for IKE and 4 for ESP
// and AH.
func checkProposals(sa *SA, h *Header) error {
	if h.IsResponse() && len(sa.Proposals) != 1 {
		return syntaxErr("SA in a response with %d proposals, want 1", len(sa.Proposals))
	}
	for i := range sa.Proposals {
		p := &sa.Proposals[i]
		if !h.IsResponse() && int(p.Number) != i+1 {
			return syntaxErr("proposal %d numbered %d", i+1, p.Number)
		}
		want := -1
		switch {
		case h.Exchange == IKESAInit && p.Protocol == ProtocolIKE:
			want = 0
		case h.Exchange == IKESAInit:
		case p.Protocol == ProtocolIKE:
			want = 8
		case p.Protocol == ProtocolESP || p.Protocol == ProtocolAH:
			want = 4
		}
		if want < 0 {
			return syntaxErr("proposal %d for protocol %v in %v", p.Number, p.Protocol, h.Exchange)
		}
		if len(p.SPI) != want {
			return syntaxErr("proposal %d: %v SPI of %d octets, want %d", p.Number, p.Protocol, len(p.SPI), want)
		}
	}
	return nil
}

// summary lists payload types the way strongSwan logs a message:
// "SA KE No N(NAT_DETECTION_SOURCE_IP)".
func summary(ps []Payload) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		if n, ok := p.(*Notify); ok {
			parts[i] = "N(" + n.NotifyType.String() + ")"
		} else {
			parts[i] = p.Type().String()
		}
	}
	return strings.Join(parts, " ")
}
