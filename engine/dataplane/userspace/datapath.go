package userspace

import (
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/flexvpnd/flexvpnd/engine/esp"
	"golang.zx2c4.com/wireguard/tun"
)

// Packet buffer layout. An inner packet is read from the TUN device at
// headroom, so that the ESP header (SPI, sequence number and IV, at most 24
// octets) fits in front of it and Encap works in place; tailroom holds the
// padding, trailer and ICV (at most 15+2+32 octets).
const (
	headroom = 32
	tailroom = 64
)

// bufSizeFor is the size of the outbound buffers of a tunnel with the
// given MTU. They are sized to the MTU, not to MaxMTU, because a hub has a
// Virtual-Access, and so a batch of buffers, per spoke.
func bufSizeFor(mtu int) int { return headroom + mtu + tailroom }

// tunOffset is the offset of the packets handed to tun.Device.Write: the
// device writes its virtio-net header (10 octets) in front of the packet,
// over the ESP header of the decapsulated packet, which is at least 16
// octets long.
const tunOffset = 16

// ESP next-header values of inner packets in tunnel mode (IANA protocol
// numbers), and the dummy packet of RFC 4303 section 2.6.
const (
	nextIPv4  = 4
	nextIPv6  = 41
	nextDummy = 59
)

// transmit is the outbound goroutine of tunnel t: it reads batches of inner
// packets from the TUN device, encapsulates them with the tunnel's current
// SA and sends them, a batch of plain ESP packets in one sendmmsg(2).
func (b *Backend) transmit(t *tunnel) {
	defer t.wg.Done()
	batch := t.dev.BatchSize()
	bufs := make([][]byte, batch)
	sizes := make([]int, batch)
	bio, sc := newBatchIO(batch), new(esp.Scratch)
	for size := 0; ; {
		// The buffers follow the MTU; a packet read while they are too
		// small for a new, larger MTU is lost.
		if want := bufSizeFor(int(t.mtu.Load())); want != size {
			size = want
			for i := range bufs {
				bufs[i] = make([]byte, size)
			}
		}
		n, err := t.dev.Read(bufs, sizes, headroom)
		if err != nil && (t.closing.Load() || isClosed(err)) {
			return
		}
		if err != nil {
			// A read that fails (a GSO batch with too many segments, a
			// malformed virtio header) loses its packets, never the loop.
			b.stats.readErrors.Add(1)
			if !errors.Is(err, tun.ErrTooManySegments) {
				b.log.Debug("userspace data plane: TUN read", "tunnel", t.ifName, "err", err)
			}
		}
		b.encapSend(t.out.Load(), bufs[:n], sizes, bio, sc)
	}
}

// encapSend encapsulates with s, in place and with the caller's scratch
// sc, the inner packets of sizes[i] octets at bufs[i][headroom:], and
// sends them in UDP one by one or as plain ESP in one batch.
func (b *Backend) encapSend(s *childSA, bufs [][]byte, sizes []int, bio *batchIO, sc *esp.Scratch) {
	if s == nil {
		b.stats.noSA.Add(uint64(len(bufs)))
		return
	}
	h := s.out.HeaderLen()
	n := 0
	for i, buf := range bufs {
		pkt := buf[headroom : headroom+sizes[i]]
		nh, ok := innerNextHeader(pkt)
		if !ok {
			s.outDrops.Add(1)
			continue
		}
		p, err := s.out.EncapScratch(sc, buf[headroom-h:headroom-h], pkt, nh)
		if err != nil {
			s.outDrops.Add(1)
			continue
		}
		if s.encap.Enabled() {
			if b.cfg.SendUDP(s.udpLocal, s.udpRemote, p) != nil {
				s.outDrops.Add(1)
			}
			continue
		}
		bio.setBuf(n, p)
		n++
	}
	if n == 0 {
		return
	}
	raw := b.rawFor(s)
	if raw == nil {
		s.outDrops.Add(uint64(n))
		return
	}
	if failed, _ := raw.write(bio, n, s.rawDst); failed > 0 {
		s.outDrops.Add(uint64(failed))
	}
}

// innerNextHeader returns the ESP next-header value of an inner IP packet.
func innerNextHeader(pkt []byte) (byte, bool) {
	if len(pkt) == 0 {
		return 0, false
	}
	switch pkt[0] >> 4 {
	case 4:
		return nextIPv4, true
	case 6:
		return nextIPv6, true
	}
	return 0, false
}

// rx is the scratch state of one inbound path (a raw socket reader, or one
// HandleESP call): the decapsulated packets waiting to be written to their
// tunnel in one batch, and the scratch of their decapsulation.
type rx struct {
	t    *tunnel
	bufs [][]byte   // packets for tun.Device.Write, at tunOffset
	sas  []*childSA // the SA of each, for drop accounting
	sc   esp.Scratch
}

// newRx returns inbound scratch state for batches of up to size packets.
func newRx(size int) *rx {
	return &rx{bufs: make([][]byte, 0, size), sas: make([]*childSA, 0, size)}
}

// queue adds a packet for tunnel t, writing out the packets queued for
// another tunnel first.
func (r *rx) queue(t *tunnel, s *childSA, buf []byte) {
	if r.t != t || len(r.bufs) == cap(r.bufs) {
		r.flush()
	}
	r.t = t
	r.bufs = append(r.bufs, buf)
	r.sas = append(r.sas, s)
}

// flush writes the queued packets to their tunnel. A failed write counts
// every packet of the batch as dropped.
func (r *rx) flush() {
	if len(r.bufs) == 0 {
		return
	}
	if _, err := r.t.dev.Write(r.bufs, tunOffset); err != nil {
		for _, s := range r.sas {
			s.otherDrops.Add(1)
		}
	}
	clear(r.bufs)
	clear(r.sas)
	r.t, r.bufs, r.sas = nil, r.bufs[:0], r.sas[:0]
}

// HandleESP processes one UDP-encapsulated ESP packet (RFC 3948 section
// 2.1), starting at the SPI, that arrived on the NAT-T port from remote to
// local: it implements the IKE transport's ESPHandler. The packet is
// decrypted in place and not kept.
func (b *Backend) HandleESP(local, remote netip.AddrPort, packet []byte) {
	r := b.rxPool.Get().(*rx)
	b.receive(packet, r)
	r.flush()
	b.rxPool.Put(r)
}

// rawBatch is the number of datagrams a raw socket reader takes per
// recvmmsg(2), and rawSlot the size of each receive buffer: an outer IPv4
// header with options and an ESP packet of the largest MTU. A larger
// datagram is truncated and dropped. rawCap is the capacity of each
// buffer: room for the TUN device to coalesce the TCP segments that
// follow a packet into it (GRO), up to a 64 KiB super-packet rather than
// the 6 that rawSlot holds, so that the kernel handles one packet where
// the peer's TUN device split one. The pages past rawSlot are touched only
// when used.
const (
	rawBatch = 64
	rawSlot  = MaxMTU + 256
	rawCap   = 64 << 10
)

// readRaw is the reader goroutine of a raw ESP socket.
func (b *Backend) readRaw(s *rawSocket) {
	defer b.readers.Done()
	bio, r := newBatchIO(rawBatch), newRx(rawBatch)
	bufs := make([][]byte, rawBatch)
	for i := range bufs {
		bufs[i] = make([]byte, rawSlot, rawCap)
	}
	for {
		n, err := s.read(bio, bufs)
		if err != nil {
			if s.closed.Load() || isClosed(err) {
				return
			}
			b.stats.readErrors.Add(1)
			continue
		}
		for i := range n {
			b.receiveRaw(s, bufs[i], bio.length(i), r)
		}
		r.flush()
	}
}

// receiveRaw processes datagram buf[:n] of a raw socket (n < 0: truncated).
func (b *Backend) receiveRaw(s *rawSocket, buf []byte, n int, r *rx) {
	if n < 0 {
		b.stats.malformed.Add(1)
		return
	}
	pkt := buf[:n]
	if !s.v6 {
		var err error
		if pkt, err = stripIPv4(pkt); err != nil {
			b.stats.malformed.Add(1)
			return
		}
	}
	b.receive(pkt, r)
}

// receive processes one inbound ESP packet (RFC 4303 section 3.4): SA
// lookup by SPI, decapsulation in place, a check of the inner packet
// against the SA (RFC 4301 section 5.2), and queueing for the SA's tunnel.
func (b *Backend) receive(pkt []byte, r *rx) {
	spi, ok := esp.PeekSPI(pkt)
	if !ok || len(pkt) < 8 {
		b.stats.malformed.Add(1)
		return
	}
	s := b.sas.lookup(spi)
	if s == nil {
		b.stats.unknownSPI.Add(1)
		return
	}
	payload, nh, err := s.in.DecapScratch(&r.sc, pkt)
	if err != nil || nh == nextDummy {
		return // engine/esp counted the error; a dummy packet is dropped silently
	}
	inner, src, ok := innerPacket(payload, nh)
	t := s.tun.Load()
	if !ok || !s.allowsSource(src) || t == nil {
		s.otherDrops.Add(1)
		return
	}
	// payload aliases pkt after the ESP header, at least tunOffset octets
	// from its start. The capacity past the packet lets the device
	// coalesce the following packets of the batch into it (GRO).
	off := cap(pkt) - cap(payload)
	r.queue(t, s, pkt[off-tunOffset:off+len(inner)])
}

// innerPacket checks that payload holds an IP packet of the version that
// next header nh announces, and returns it without any TFC padding
// (RFC 4303 section 2.7) and its source address.
func innerPacket(payload []byte, nh byte) ([]byte, netip.Addr, bool) {
	switch {
	case nh == nextIPv4 && len(payload) >= 20 && payload[0]>>4 == 4:
		ihl, total := int(payload[0]&0x0F)*4, int(binary.BigEndian.Uint16(payload[2:]))
		if ihl < 20 || total < ihl || total > len(payload) {
			return nil, netip.Addr{}, false
		}
		return payload[:total], netip.AddrFrom4([4]byte(payload[12:16])), true
	case nh == nextIPv6 && len(payload) >= 40 && payload[0]>>4 == 6:
		total := 40 + int(binary.BigEndian.Uint16(payload[4:]))
		if total > len(payload) {
			return nil, netip.Addr{}, false
		}
		return payload[:total], netip.AddrFrom16([16]byte(payload[8:24])), true
	}
	return nil, netip.Addr{}, false
}
