package userspace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawSocket is a raw IP socket for protocol 50: plain ESP (RFC 4303 section
// 3.1.2 with the outer header built by the kernel). It is non-blocking and
// driven by the Go runtime's poller, so that Close wakes its reader.
type rawSocket struct {
	f      *os.File
	rc     syscall.RawConn
	v6     bool
	closed atomic.Bool
}

// rawRcvBuf is the receive buffer asked for the raw ESP sockets.
const rawRcvBuf = 4 << 20

// openRaw opens the raw ESP socket of one address family.
func openRaw(v6 bool) (*rawSocket, error) {
	family, name := unix.AF_INET, "raw ESP socket (IPv4)"
	if v6 {
		family, name = unix.AF_INET6, "raw ESP socket (IPv6)"
	}
	fd, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_ESP)
	if err != nil {
		return nil, fmt.Errorf("userspace: %s: %w", name, err)
	}
	// A burst of ESP packets (a TCP window sent at once through a TUN
	// with segmentation offload) overflows the default receive buffer;
	// root may exceed net.core.rmem_max.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rawRcvBuf) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rawRcvBuf)
	}
	f := os.NewFile(uintptr(fd), name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("userspace: %s: %w", name, err)
	}
	return &rawSocket{f: f, rc: rc, v6: v6}, nil
}

// close closes the socket, which ends its reader.
func (s *rawSocket) close() error {
	s.closed.Store(true)
	return s.f.Close()
}

// sockaddr is a destination of raw sends in the kernel's layout, built once
// per SA so that sending does not allocate.
type sockaddr struct {
	v4  unix.RawSockaddrInet4
	v6  unix.RawSockaddrInet6
	is6 bool
}

// newSockaddr returns the raw-socket destination a (the port is unused).
func newSockaddr(a netip.Addr) *sockaddr {
	sa := &sockaddr{is6: !a.Unmap().Is4()}
	if sa.is6 {
		sa.v6 = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: a.As16()}
	} else {
		sa.v4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.Unmap().As4()}
	}
	return sa
}

// ptr returns the address and length of the kernel sockaddr.
func (sa *sockaddr) ptr() (*byte, uint32) {
	if sa.is6 {
		return (*byte)(unsafe.Pointer(&sa.v6)), unix.SizeofSockaddrInet6
	}
	return (*byte)(unsafe.Pointer(&sa.v4)), unix.SizeofSockaddrInet4
}

// mmsghdr is the kernel's struct mmsghdr of recvmmsg(2) and sendmmsg(2);
// Go's alignment rules pad it as C does.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// batchIO holds one goroutine's preallocated state for moving batches of
// datagrams with recvmmsg(2) and sendmmsg(2). Its poller callbacks are bound
// once to method values, so that a batch allocates nothing.
type batchIO struct {
	msgs   []mmsghdr
	iovs   []unix.Iovec
	n      int // datagrams to send, or received
	sent   int
	failed int // datagrams the kernel refused to send
	err    error
	recvFn func(fd uintptr) bool
	sendFn func(fd uintptr) bool
}

// newBatchIO returns state for batches of up to size datagrams.
func newBatchIO(size int) *batchIO {
	m := &batchIO{msgs: make([]mmsghdr, size), iovs: make([]unix.Iovec, size)}
	for i := range m.msgs {
		m.msgs[i].hdr.Iov = &m.iovs[i]
		m.msgs[i].hdr.SetIovlen(1)
	}
	m.recvFn, m.sendFn = m.recv, m.send
	return m
}

// setBuf points message i at b.
func (m *batchIO) setBuf(i int, b []byte) {
	m.iovs[i].Base = unsafe.SliceData(b)
	m.iovs[i].SetLen(len(b))
}

// recv is the poller callback of a batch read: false asks to wait for
// readiness.
func (m *batchIO) recv(fd uintptr) bool {
	for i := range m.msgs {
		m.msgs[i].hdr.Flags, m.msgs[i].len = 0, 0
	}
	r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&m.msgs[0])), uintptr(len(m.msgs)), 0, 0, 0)
	if e == unix.EAGAIN {
		return false
	}
	m.n, m.err = int(r), nil
	if e != 0 {
		m.n, m.err = 0, e
	}
	return true
}

// send is the poller callback of a batch write. sendmmsg(2) reports an
// error only for the first datagram it could not send; that datagram is
// skipped and counted, and the rest of the batch goes on.
func (m *batchIO) send(fd uintptr) bool {
	for m.sent < m.n {
		r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&m.msgs[m.sent])), uintptr(m.n-m.sent), 0, 0, 0)
		switch {
		case e == unix.EAGAIN:
			return false
		case e != 0:
			m.sent++
			m.failed++
		default:
			m.sent += int(r)
		}
	}
	return true
}

// read receives a batch of datagrams into bufs (one per message, as many
// as there are messages) and returns how many arrived; datagram i is
// bufs[i][:m.length(i)].
func (s *rawSocket) read(m *batchIO, bufs [][]byte) (int, error) {
	for i := range m.msgs {
		m.setBuf(i, bufs[i])
	}
	if err := s.rc.Read(m.recvFn); err != nil {
		return 0, err
	}
	return m.n, m.err
}

// length returns the length of received datagram i, or -1 if it was
// truncated.
func (m *batchIO) length(i int) int {
	if m.msgs[i].hdr.Flags&unix.MSG_TRUNC != 0 {
		return -1
	}
	return int(m.msgs[i].len)
}

// write sends the first n datagrams set with setBuf to dst and returns how
// many the kernel refused.
func (s *rawSocket) write(m *batchIO, n int, dst *sockaddr) (failed int, err error) {
	name, namelen := dst.ptr()
	for i := range n {
		m.msgs[i].hdr.Name, m.msgs[i].hdr.Namelen = name, namelen
	}
	m.n, m.sent, m.failed = n, 0, 0
	err = s.rc.Write(m.sendFn)
	for i := range n {
		m.msgs[i].hdr.Name = nil
	}
	if err != nil {
		return n - m.sent + m.failed, err
	}
	return m.failed, nil
}

// errOuterHeader reports a raw IPv4 datagram whose header is inconsistent.
var errOuterHeader = errors.New("userspace: malformed outer IPv4 header")

// stripIPv4 returns the payload of an IPv4 datagram as a raw socket
// receives it (RFC 791 section 3.1; Linux keeps the header fields in
// network order).
func stripIPv4(pkt []byte) ([]byte, error) {
	if len(pkt) < 20 || pkt[0]>>4 != 4 {
		return nil, errOuterHeader
	}
	ihl, total := int(pkt[0]&0x0F)*4, int(binary.BigEndian.Uint16(pkt[2:]))
	if ihl < 20 || total < ihl || total > len(pkt) {
		return nil, errOuterHeader
	}
	return pkt[ihl:total], nil
}
