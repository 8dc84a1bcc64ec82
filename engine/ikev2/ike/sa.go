package ike

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	ikecrypto "github.com/flexvpnd/flexvpnd/engine/ikev2/crypto"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// State is the state of an IKE SA.
type State uint8

// States of an IKE SA.
const (
	StateIdle        State = iota // created, nothing sent or received
	StateConnecting               // IKE_SA_INIT or IKE_AUTH under way
	StateEstablished              // IKE_AUTH completed: authenticated and keyed
	StateFailed                   // negotiation failed; see SA.Err
	StateDeleting                 // our IKE SA Delete request is outstanding
	StateDeleted                  // deleted by either side (RFC 7296 section 1.4.1)
)

// String returns the state name in capitals, as strongSwan prints it.
func (s State) String() string {
	switch s {
	case StateIdle:
		return "IDLE"
	case StateConnecting:
		return "CONNECTING"
	case StateEstablished:
		return "ESTABLISHED"
	case StateFailed:
		return "FAILED"
	case StateDeleting:
		return "DELETING"
	case StateDeleted:
		return "DELETED"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Datagram is a UDP datagram to send.
type Datagram struct {
	From, To netip.AddrPort
	Data     []byte
}

// SA is one IKE SA, initiator or responder, and the actor that runs it:
// when the IKE SA is rekeyed (RFC 7296 section 2.18) the SA switches to the
// new keys, SPIs and role, and keeps the replaced IKE SA beside it until
// that one is deleted. Its methods must be called from one goroutine at a
// time.
type SA struct {
	cfg *Config
	env Env
	// keyset is the current IKE SA: SPIs, role, keys, message IDs.
	keyset

	local, remote netip.AddrPort // the IKE endpoints, floated by NAT-T
	peerID        Identity
	// state is the SA's state, next to the other small fields.
	state State
	// initialContact records INITIAL_CONTACT in the peer's IKE_AUTH
	// request (RFC 7296 section 2.4; task_auth.go).
	initialContact bool
	// natLocal and natRemote record a NAT in front of us or of the peer
	// (RFC 7296 section 2.23).
	natLocal, natRemote bool
	// frag is IKE fragmentation (frag.go) and vendor what the peer's
	// vendor IDs said (vendor.go); both belong to the actor.
	frag   fragState
	vendor vendorState
	// cp is what the configuration exchange learnt (task_cp.go).
	cp cpState

	// hs holds what only the IKE_SA_INIT and IKE_AUTH exchanges need; it
	// is dropped once the SA is established.
	hs *handshake

	children []*child

	// timers holds the lifetimes and dead peer detection.
	timers
	// rekeying is our IKE SA rekey exchange, queued or outstanding.
	rekeying *ikeRekey

	// ext is what only a failed SA, or one that deletes CHILD SAs or
	// rekeys, needs; nil otherwise (see extra).
	ext *extra
}

// extra is the state of an SA that fails, deletes CHILD SAs or rekeys: it
// is allocated when first needed and dropped once empty again (tidy), so
// that the idle SAs of a hub, tens of thousands, do not carry it.
type extra struct {
	// err is why the SA failed; childErr why the CHILD SA of IKE_AUTH
	// was not created while the IKE SA was (RFC 7296 section 1.2).
	err, childErr error
	// deleting holds the inbound SPIs of the CHILD SAs whose Delete
	// request is queued or outstanding (RFC 7296 section 1.4.1).
	deleting []uint32
	// after holds what must run once the current exchange is complete,
	// its message ID counted (the switch to a rekeyed IKE SA).
	after []func()
	// others are IKE SAs beside the current one: those replaced by a
	// rekey, and those a simultaneous rekey created (section 2.8.1), each
	// kept until it is deleted. retired are the SPIs of those that ended,
	// until RetiredSPIs reports them.
	others  []*SA
	retired []SPISet
	// parent is, for one of the others, the SA that runs it; until is
	// when it stops waiting for the peer to delete it.
	parent *SA
	until  time.Time
}

// extra returns the SA's extra state, allocating it if need be.
func (sa *SA) extra() *extra {
	if sa.ext == nil {
		sa.ext = &extra{}
	}
	return sa.ext
}

// tidy drops the extra state once nothing is left in it.
func (sa *SA) tidy() {
	x := sa.ext
	if x != nil && x.err == nil && x.childErr == nil && len(x.deleting) == 0 && len(x.after) == 0 &&
		len(x.others) == 0 && len(x.retired) == 0 && x.parent == nil {
		sa.ext = nil
	}
}

// others returns the IKE SAs beside the current one (see extra).
func (sa *SA) others() []*SA {
	if sa.ext == nil {
		return nil
	}
	return sa.ext.others
}

// parent returns, for one of the others, the SA that runs it; nil for an
// actor.
func (sa *SA) parent() *SA {
	if sa.ext == nil {
		return nil
	}
	return sa.ext.parent
}

// keyset is one IKE SA as the wire sees it: its SPIs, our role in it, its
// keys and its message IDs (RFC 7296 sections 2.2, 2.14 and 2.18).
type keyset struct {
	initiator  bool
	spiI, spiR uint64
	suite      negotiated // the IKE SA's transforms (status.go)
	skd        []byte
	out, in    *ikecrypto.SKCipher
	mgr        manager
}

// prf returns the IKE SA's PRF (RFC 7296 section 2.13), checked when its
// keys were derived.
func (k *keyset) prf() ikecrypto.PRF {
	p, _ := ikecrypto.NewPRF(k.suite.prf)
	return p
}

// compact drops the expanded SK ciphers of an established IKE SA, which
// protects a message every few minutes at most (ikecrypto.SKCipher).
func (k *keyset) compact() {
	if k.out != nil {
		k.out.Compact()
		k.in.Compact()
	}
}

// SPISet identifies one IKE SA that an SA runs: its SPIs and whether we
// are its original initiator (RFC 7296 section 2.2).
type SPISet struct {
	SPIi, SPIr uint64
	Initiator  bool
}

// handshake is the state of the initial exchanges (RFC 7296 sections 1.2,
// 2.14, 2.15).
type handshake struct {
	group             wire.DHGroup // of our KE payload
	dh                *ikecrypto.PrivateKey
	ni, nr            []byte
	initReq, initResp []byte // the IKE_SA_INIT request and response as sent
	skpi, skpr        []byte
}

// NewInitiator returns an IKE SA that will initiate to cfg.Remote when
// Initiate is called. cfg must not be changed afterwards.
func NewInitiator(cfg *Config, env Env) (*SA, error) {
	return newSA(cfg, env, true)
}

// NewResponder returns an IKE SA that answers an IKE_SA_INIT request given
// to HandleDatagram. cfg must not be changed afterwards.
func NewResponder(cfg *Config, env Env) (*SA, error) {
	return newSA(cfg, env, false)
}

func newSA(cfg *Config, env Env, initiator bool) (*SA, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("ike: config: %w", err)
	}
	return &SA{cfg: cfg, env: env, keyset: keyset{initiator: initiator}, local: cfg.Local, remote: cfg.Remote, hs: &handshake{group: firstGroup(cfg.Proposals)}}, nil
}

// State returns the state of the SA.
func (sa *SA) State() State { return sa.state }

// Err returns why the SA failed, or nil.
func (sa *SA) Err() error {
	if sa.ext == nil {
		return nil
	}
	return sa.ext.err
}

// ChildErr returns why the CHILD SA of IKE_AUTH was not created while the
// IKE SA was (RFC 7296 section 1.2), or nil.
func (sa *SA) ChildErr() error {
	if sa.ext == nil {
		return nil
	}
	return sa.ext.childErr
}

// SPIs returns the initiator's and the responder's IKE SPIs.
func (sa *SA) SPIs() (spiI, spiR uint64) { return sa.spiI, sa.spiR }

// PeerID returns the authenticated identity of the peer.
func (sa *SA) PeerID() Identity { return sa.peerID }

// Endpoints returns the current local and remote IKE endpoints: the
// configured ones, or the NAT-T ports once the SA floated (RFC 7296 section
// 2.23).
func (sa *SA) Endpoints() (local, remote netip.AddrPort) { return sa.local, sa.remote }

// NAT reports whether IKE_SA_INIT detected a NAT in front of this side
// (local) or of the peer (remote), RFC 7296 section 2.23.
func (sa *SA) NAT() (local, remote bool) { return sa.natLocal, sa.natRemote }

// ChildSAs returns the CHILD SAs installed by this IKE SA, those replaced
// by a rekey included until they are deleted.
func (sa *SA) ChildSAs() []dataplane.ChildSAID {
	ids := make([]dataplane.ChildSAID, len(sa.children))
	for i, c := range sa.children {
		ids[i] = c.id
	}
	return ids
}

// LiveSPIs returns the SPIs of the IKE SAs the SA runs: first the current
// one (with our current role), then those replaced by a rekey or created
// by a simultaneous rekey whose deletion is pending (RFC 7296 sections
// 2.8.1 and 2.18). Messages for any of them belong to this SA.
func (sa *SA) LiveSPIs() []SPISet {
	out := []SPISet{sa.spiSet()}
	for _, o := range sa.others() {
		out = append(out, o.spiSet())
	}
	return out
}

// RetiredSPIs returns the SPIs of the IKE SAs that the SA stopped running
// since the last call (replaced IKE SAs once deleted), so that a router
// can forget them.
func (sa *SA) RetiredSPIs() []SPISet {
	if sa.ext == nil {
		return nil
	}
	r := sa.ext.retired
	sa.ext.retired = nil
	sa.tidy()
	return r
}

func (sa *SA) spiSet() SPISet { return SPISet{SPIi: sa.spiI, SPIr: sa.spiR, Initiator: sa.initiator} }

// Initiate starts the IKE_SA_INIT exchange and queues IKE_AUTH with the
// CHILD SA after it (RFC 7296 section 1.2).
func (sa *SA) Initiate() ([]Datagram, error) {
	if !sa.initiator || sa.state != StateIdle {
		return nil, fmt.Errorf("ike: initiate in state %v", sa.state)
	}
	spi, err := randomSPI(sa.env.Rand)
	if err != nil {
		return nil, err
	}
	sa.spiI, sa.state = spi, StateConnecting
	sa.mgr.queue = []*exchange{
		{typ: wire.IKESAInit, tasks: []task{&ikeInit{sa: sa}}},
		{typ: wire.IKEAuth, tasks: []task{&ikeAuth{sa: sa}, authChildCreate(sa)}},
	}
	return sa.startNext(), sa.Err()
}

// fail records the failure of the SA and stops its exchanges.
func (sa *SA) fail(err error) {
	sa.state, sa.extra().err = StateFailed, err
	sa.mgr.active, sa.mgr.queue = nil, nil
	sa.hs, sa.rekeying, sa.ext.after = nil, nil, nil
	sa.dropOthers()
	sa.Close()
}

// establish marks the SA established after IKE_AUTH, drops the handshake
// state and starts the IKE SA's lifetime and dead peer detection.
func (sa *SA) establish() {
	sa.state, sa.hs = StateEstablished, nil
	sa.compact()
	sa.startIKELifetime()
	sa.lastRecv = sa.env.Now()
}

// send wraps the packets of a message for the peer.
func (sa *SA) send(pkts [][]byte) []Datagram {
	return datagrams(sa.local, sa.remote, pkts)
}

// reply wraps the packets of a response to the request m: they go back
// from the address and port the request came to, to those it came from
// (RFC 7296 section 2.11).
func reply(m *message, pkts [][]byte) []Datagram {
	return datagrams(m.local, m.remote, pkts)
}

func datagrams(from, to netip.AddrPort, pkts [][]byte) []Datagram {
	out := make([]Datagram, len(pkts))
	for i, p := range pkts {
		out[i] = Datagram{From: from, To: to, Data: p}
	}
	return out
}

// randomSPI returns a random non-zero IKE SPI (RFC 7296 section 3.1).
func randomSPI(r io.Reader) (uint64, error) {
	var b [8]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, fmt.Errorf("ike: random SPI: %w", err)
		}
		if spi := binary.BigEndian.Uint64(b[:]); spi != 0 {
			return spi, nil
		}
	}
}

// randomESPSPI returns a random ESP SPI outside the range 0-255 that RFC
// 4303 section 2.1 reserves.
func randomESPSPI(r io.Reader) (uint32, error) {
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, fmt.Errorf("ike: random ESP SPI: %w", err)
		}
		if spi := binary.BigEndian.Uint32(b[:]); spi > 255 {
			return spi, nil
		}
	}
}

// nonceLen is the length of our nonces: at least half the PRF key size and
// at least 128 bits (RFC 7296 section 2.10); 32 covers every PRF we offer.
const nonceLen = 32

// randomNonce returns a fresh nonce.
func randomNonce(r io.Reader) ([]byte, error) {
	n := make([]byte, nonceLen)
	if _, err := io.ReadFull(r, n); err != nil {
		return nil, fmt.Errorf("ike: random nonce: %w", err)
	}
	return n, nil
}

// errDrop marks a message dropped without an answer.
var errDrop = errors.New("message dropped")

// checkHeader applies the SPI and flag rules to a received message
// (RFC 7296 sections 2.2 and 3.1): the I flag says who sent it, the SPIs
// must be ours.
func (sa *SA) checkHeader(h *wire.Header) error {
	if h.IsInitiator() == sa.initiator {
		return fmt.Errorf("%w: I flag %v", errDrop, h.IsInitiator())
	}
	if sa.spiI != 0 && h.SPIi != sa.spiI {
		return fmt.Errorf("%w: unknown initiator SPI %#x", errDrop, h.SPIi)
	}
	if h.Exchange != wire.IKESAInit && h.SPIr != sa.spiR {
		return fmt.Errorf("%w: unknown responder SPI %#x", errDrop, h.SPIr)
	}
	return nil
}

// HandleDatagram processes one datagram that the peer sent from the address
// from to our address local, and returns what to send back. The addresses
// feed NAT detection (RFC 7296 section 2.23) and the answers. Messages that do not belong to the SA, fail their
// integrity check or are not expected are dropped silently (RFC 7296
// sections 2.1 and 2.21.2).
// A message for an IKE SA replaced by a rekey goes to that one.
func (sa *SA) HandleDatagram(b []byte, local, from netip.AddrPort) []Datagram {
	var out []Datagram
	if o := sa.otherFor(b); o != nil {
		out = append(o.HandleDatagram(b, local, from), sa.startNext()...)
		sa.pruneOthers(sa.env.Now())
	} else {
		out = sa.handle(b, local, from)
	}
	out = append(out, sa.startOthers()...)
	sa.tidy()
	return out
}

// handle processes a datagram for the current IKE SA.
func (sa *SA) handle(b []byte, local, from netip.AddrPort) []Datagram {
	if sa.state == StateFailed && sa.mgr.active == nil {
		return nil
	}
	raw := bytes.Clone(b) // decoded payloads alias it and outlive the call
	m, err := wire.Decode(raw)
	if err != nil || wire.Check(m) != nil || sa.checkHeader(&m.Header) != nil {
		return nil
	}
	rx := &message{hdr: m.Header, payloads: m.Payloads, local: local, remote: from}
	if m.Header.IsResponse() {
		return sa.handleResponse(m, raw, rx)
	}
	return sa.handleRequest(m, raw, rx)
}

// encode encodes an outgoing message: IKE_SA_INIT in the clear, the other
// exchanges inside an Encrypted payload (RFC 7296 section 3.14), whose
// associated data is the message up to the end of the SK payload header.
// Messages larger than a datagram of the path are fragmented by encodeFor
// (frag.go).
func (sa *SA) encode(m *message) ([]byte, error) {
	if m.hdr.Exchange == wire.IKESAInit {
		wm := wire.Message{Header: m.hdr, Payloads: m.payloads}
		return wm.Append(nil)
	}
	first, inner, err := plaintext(m)
	if err != nil {
		return nil, err
	}
	return sa.seal(m.hdr, first, inner)
}

// plaintext returns the type of the first payload of m and the encoded
// payload chain, the plaintext of its Encrypted payload.
func plaintext(m *message) (wire.PayloadType, []byte, error) {
	inner, err := wire.AppendPayloads(nil, m.payloads)
	if err != nil {
		return 0, nil, fmt.Errorf("ike: encode %v: %w", &m.hdr, err)
	}
	first := wire.NoNextPayload
	if len(m.payloads) > 0 {
		first = m.payloads[0].Type()
	}
	return first, inner, nil
}

// seal encodes the message of header hdr whose Encrypted payload protects
// inner, which starts with a payload of type first.
func (sa *SA) seal(hdr wire.Header, first wire.PayloadType, inner []byte) ([]byte, error) {
	n := sa.out.BodyLen(len(inner))
	wm := wire.Message{Header: hdr, Payloads: []wire.Payload{&wire.SK{Inner: first, Body: make([]byte, n)}}}
	raw, err := wm.Append(nil)
	if err != nil {
		return nil, fmt.Errorf("ike: encode %v: %w", &hdr, err)
	}
	body, err := sa.out.Seal(raw[:len(raw)-n], inner)
	if err != nil {
		return nil, fmt.Errorf("ike: encrypt %v: %w", &hdr, err)
	}
	copy(raw[len(raw)-n:], body)
	return raw, nil
}

// decrypt opens the Encrypted payload of a received protected message, or
// adds its Encrypted Fragment to the message in reassembly (frag.go), and
// checks the inner payloads against the exchange's rules. Integrity
// failures, and fragments that do not complete their message, are errDrop
// (RFC 7296 section 2.21.2, RFC 7383 section 2.6); malformed inner
// payloads wrap wire.ErrSyntax. The vendor IDs are recorded. The result
// keeps the addresses of rx, the message as received.
func (sa *SA) decrypt(m *wire.Message, raw []byte, rx *message) (*message, error) {
	first, plain, err := sa.open(m, raw)
	if err != nil {
		return nil, err
	}
	inner, err := wire.DecodePayloads(first, plain)
	if err != nil {
		return nil, err
	}
	if err := wire.CheckInner(&m.Header, inner); err != nil {
		return nil, err
	}
	sa.noteVendorIDs(inner)
	return &message{hdr: m.Header, payloads: inner, local: rx.local, remote: rx.remote}, nil
}

// open returns the first inner payload type and the plaintext of a
// received protected message: its Encrypted payload opened, or the
// message reassembled from its fragments.
func (sa *SA) open(m *wire.Message, raw []byte) (wire.PayloadType, []byte, error) {
	if sa.in == nil {
		return 0, nil, fmt.Errorf("%w: %v without keys", errDrop, &m.Header)
	}
	if fragment(m) != nil {
		return sa.reassemble(m, raw)
	}
	sk := m.Encrypted()
	if sk == nil {
		return 0, nil, fmt.Errorf("%w: %v without SK payload", errDrop, &m.Header)
	}
	ad, body, err := wire.EncryptedSpan(raw)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errDrop, err)
	}
	plain, err := sa.in.Open(ad, body)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errDrop, err)
	}
	sa.owner().lastRecv = sa.env.Now() // the peer is alive (section 2.4)
	return sk.Inner, plain, nil
}
