package transport

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// batchSize is how many datagrams one recvmmsg(2) or sendmmsg(2) call
// moves at most. A socket's receive buffers take batchSize × 64 KiB of
// address space, of which only the pages datagrams were written to are
// resident.
const batchSize = 16

// Both calls are made with MSG_DONTWAIT, so they never block, and as raw
// system calls: the runtime does not mark the goroutine as in a system
// call, so its monitor does not take the processor away for a call that
// runs long (on a virtual machine, sending a datagram through the local
// network stack can take tens of microseconds), which would wake another
// thread to run it; waiting for the socket is left to the runtime's poller
// (RawConn.Read and Write).

// mmsghdr is struct mmsghdr of recvmmsg(2) and sendmmsg(2): a msghdr and
// the number of octets the call moved for it.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

// recvBatch is one socket's state for receiving datagrams in batches with
// recvmmsg(2): the message headers point into its buffers once and for
// all, so a receive allocates nothing.
type recvBatch struct {
	conn  syscall.RawConn
	hdrs  [batchSize]mmsghdr
	iovs  [batchSize]unix.Iovec
	names [batchSize]unix.RawSockaddrInet6 // large enough for either family
	oob   []byte                           // batchSize × oobSize
	buf   []byte                           // batchSize × maxDatagram
	// read is the closure given to RawConn.Read, made once; count and
	// err are its results.
	read  func(fd uintptr) bool
	count int
	err   error
}

// newRecvBatch prepares batched receives on s.
func newRecvBatch(s *socket) *recvBatch {
	b := &recvBatch{conn: s.raw, oob: make([]byte, batchSize*oobSize), buf: make([]byte, batchSize*maxDatagram)}
	for i := range b.hdrs {
		b.iovs[i].Base = &b.buf[i*maxDatagram]
		b.iovs[i].SetLen(maxDatagram)
		h := &b.hdrs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&b.names[i]))
		h.Iov = &b.iovs[i]
		h.SetIovlen(1)
		h.Control = &b.oob[i*oobSize]
	}
	b.read = b.recvmmsg
	return b
}

// recvmmsg is the body of one RawConn.Read: false (wait for the socket to
// become readable) when nothing is queued.
func (b *recvBatch) recvmmsg(fd uintptr) bool {
	for i := range b.hdrs {
		h := &b.hdrs[i].hdr
		h.Namelen = unix.SizeofSockaddrInet6
		h.SetControllen(oobSize)
		h.Flags = 0
	}
	n, ready, err := mmsg(unix.SYS_RECVMMSG, fd, unsafe.Pointer(&b.hdrs[0]), batchSize)
	b.count, b.err = n, err
	return ready
}

// mmsg makes one non-blocking recvmmsg or sendmmsg call (trap) over n
// message headers, retried on EINTR. ready is false when the socket would
// block (EAGAIN): the caller waits through the runtime's poller. A raw
// syscall, so the runtime does not hand the processor to another thread
// for a call that does not block.
func mmsg(trap, fd uintptr, hdrs unsafe.Pointer, n int) (count int, ready bool, err error) {
	for {
		r, _, e := unix.RawSyscall6(trap, fd, uintptr(hdrs), uintptr(n), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
			return int(r), true, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, false, nil
		default:
			return 0, true, e
		}
	}
}

// receive waits for at least one datagram and returns how many the batch
// holds.
func (b *recvBatch) receive() (int, error) {
	if err := b.conn.Read(b.read); err != nil {
		return 0, err
	}
	return b.count, b.err
}

// datagram returns the i-th datagram of the last receive: its payload,
// the control messages, the sender, and whether it was truncated.
func (b *recvBatch) datagram(i int) (data, oob []byte, remote netip.AddrPort, trunc bool) {
	m := &b.hdrs[i]
	data = b.buf[i*maxDatagram : i*maxDatagram+int(m.n)]
	oob = b.oob[i*oobSize : i*oobSize+int(m.hdr.Controllen)]
	return data, oob, sockaddrAddrPort(&b.names[i]), m.hdr.Flags&msgTrunc != 0
}

// sockaddrAddrPort decodes a sockaddr_in or sockaddr_in6 (an IPv4-mapped
// address as IPv4, a link-local IPv6 address with its scope ID as a
// numeric zone, as localAddr does); anything else gives the zero
// AddrPort.
func sockaddrAddrPort(sa *unix.RawSockaddrInet6) netip.AddrPort {
	port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:])
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	case unix.AF_INET6:
		a := netip.AddrFrom16(sa.Addr).Unmap()
		if a.Is6() && a.IsLinkLocalUnicast() && sa.Scope_id != 0 {
			a = a.WithZone(strconv.FormatUint(uint64(sa.Scope_id), 10))
		}
		return netip.AddrPortFrom(a, port)
	}
	return netip.AddrPort{}
}

// zoneIndex returns the interface index a zone names: a number, or an
// interface name; 0 when it names none.
func zoneIndex(zone string) uint32 {
	if zone == "" {
		return 0
	}
	if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
		return uint32(n)
	}
	if ifi, err := net.InterfaceByName(zone); err == nil {
		return uint32(ifi.Index)
	}
	return 0
}

// sendBatch holds the headers of one sendmmsg(2) call; the buffers are
// pooled (see sendBatches).
type sendBatch struct {
	hdrs  [batchSize]mmsghdr
	iovs  [batchSize][2]unix.Iovec
	names [batchSize]unix.RawSockaddrInet6
	oob   [batchSize][]byte
	count int // headers filled
	// write is the closure given to RawConn.Write, made once; it sends
	// the headers from first to count, and sent and err are its results.
	write       func(fd uintptr) bool
	first, sent int
	err         error
}

// newSendBatch returns an empty sendBatch.
func newSendBatch() *sendBatch {
	b := new(sendBatch)
	for i := range b.oob {
		b.oob[i] = make([]byte, 0, oobSize)
	}
	b.write = b.sendmmsg
	return b
}

// sendmmsg is the body of one RawConn.Write: false (wait for the socket to
// become writable) when its send buffer is full.
func (b *sendBatch) sendmmsg(fd uintptr) bool {
	n, ready, err := mmsg(unix.SYS_SENDMMSG, fd, unsafe.Pointer(&b.hdrs[b.first]), b.count-b.first)
	b.sent, b.err = n, err
	return ready
}

// send sends the count messages filled in b out of s; msgs are the
// messages they came from, for their errors. It returns how many failed
// and leaves b empty.
func (b *sendBatch) send(s *socket, msgs []Message) int {
	defer b.clear()
	failed := 0
	for b.first = 0; b.first < b.count; b.first += b.sent {
		if err := s.raw.Write(b.write); err != nil {
			return failed + failAll(msgs[b.first:], err)
		}
		if b.err != nil {
			// sendmmsg(2) reports an error only for the first
			// message of the call: skip it and go on.
			m := &msgs[b.first]
			m.Err = fmt.Errorf("transport: send from %v to %v: %w", m.Local, m.Remote, b.err)
			failed++
			b.sent = 1
		}
	}
	return failed
}

// failAll sets err on every message and returns how many there are.
func failAll(msgs []Message, err error) int {
	for i := range msgs {
		msgs[i].Err = fmt.Errorf("transport: send from %v to %v: %w", msgs[i].Local, msgs[i].Remote, err)
	}
	return len(msgs)
}

// set fills header i to send data (after prefix, if any) to dst, with the
// control message oob.
func (b *sendBatch) set(i int, prefix, data []byte, dst netip.AddrPort, oob []byte) {
	h := &b.hdrs[i].hdr
	*h = unix.Msghdr{}
	iov := b.iovs[i][:0]
	for _, part := range [][]byte{prefix, data} {
		if len(part) > 0 {
			iov = append(iov, unix.Iovec{Base: &part[0]})
			iov[len(iov)-1].SetLen(len(part))
		}
	}
	if len(iov) > 0 {
		h.Iov = &iov[0]
		h.SetIovlen(len(iov))
	}
	h.Name, h.Namelen = sockaddr(&b.names[i], dst)
	if len(oob) > 0 {
		h.Control = &oob[0]
		h.SetControllen(len(oob))
	}
}

// clear drops the references the headers hold to the caller's data,
// including a header filled for a message that then went to another
// socket.
func (b *sendBatch) clear() {
	b.hdrs = [batchSize]mmsghdr{}
	b.iovs = [batchSize][2]unix.Iovec{}
	b.count = 0
}

// sockaddr encodes dst into sa as a sockaddr_in or sockaddr_in6 and
// returns the pointer and length sendmmsg(2) takes. A numeric zone is the
// scope ID of a link-local IPv6 address.
func sockaddr(sa *unix.RawSockaddrInet6, dst netip.AddrPort) (*byte, uint32) {
	*sa = unix.RawSockaddrInet6{}
	binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:], dst.Port())
	if a := dst.Addr(); a.Is4() {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		sa4.Family = unix.AF_INET
		sa4.Addr = a.As4()
		return (*byte)(unsafe.Pointer(sa4)), unix.SizeofSockaddrInet4
	}
	sa.Family = unix.AF_INET6
	sa.Addr = dst.Addr().As16()
	sa.Scope_id = zoneIndex(dst.Addr().Zone())
	return (*byte)(unsafe.Pointer(sa)), unix.SizeofSockaddrInet6
}
