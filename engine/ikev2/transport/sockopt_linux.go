package transport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// msgTrunc is the recvmsg flag for a datagram longer than the buffer.
const msgTrunc = unix.MSG_TRUNC

// oobSize holds the one packet-info control message a socket receives.
var oobSize = unix.CmsgSpace(unix.SizeofInet6Pktinfo)

// enablePktinfo asks the kernel for the destination address of every
// received datagram: IP_PKTINFO (ip(7)) or IPV6_RECVPKTINFO (RFC 3542
// section 6.1).
func enablePktinfo(conn *net.UDPConn, v6 bool) error {
	level, opt := unix.IPPROTO_IP, unix.IP_PKTINFO
	if v6 {
		level, opt = unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO
	}
	if err := setsockoptInt(conn, level, opt, 1); err != nil {
		return fmt.Errorf("enable packet info: %w", err)
	}
	return nil
}

// rcvBuf is the receive buffer of the IKE sockets, which is the queue of
// the datagrams the node has not handled yet (it handles them on the
// receive goroutine, without a queue of its own): a TCP window of ESP-in-UDP
// packets for the userspace data plane arrives in one burst, and so do the
// IKE_SA_INIT requests of thousands of spokes after a hub restart, or a
// flood. The kernel counts each small datagram at about 2 KiB of buffer
// (and doubles the value set), so 16 MiB hold some 16,000 of them.
const rcvBuf = 16 << 20

// growReceiveBuffer enlarges the receive buffer of conn to rcvBuf, best
// effort: SO_RCVBUFFORCE where the process may (CAP_NET_ADMIN), otherwise
// SO_RCVBUF within net.core.rmem_max.
func growReceiveBuffer(conn *net.UDPConn) {
	if setsockoptInt(conn, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBuf) != nil {
		_ = conn.SetReadBuffer(rcvBuf)
	}
}

// setsockoptInt sets an integer socket option on conn.
func setsockoptInt(conn *net.UDPConn, level, opt, value int) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), level, opt, value)
	}); err != nil {
		return err
	}
	return serr
}

// localAddr returns the destination address and port of a datagram received
// on s, from its packet-info control message. A link-local IPv6 address gets
// the interface index as its zone, so that an answer leaves by the same link.
func localAddr(oob []byte, s *socket) (netip.AddrPort, bool) {
	for len(oob) > 0 {
		hdr, data, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			break
		}
		oob = rest
		switch {
		case !s.v6 && hdr.Level == unix.IPPROTO_IP && hdr.Type == unix.IP_PKTINFO && len(data) >= unix.SizeofInet4Pktinfo:
			// struct in_pktinfo: ifindex, spec_dst, addr (the header
			// destination address).
			return netip.AddrPortFrom(netip.AddrFrom4([4]byte(data[8:12])), s.addr.Port()), true
		case s.v6 && hdr.Level == unix.IPPROTO_IPV6 && hdr.Type == unix.IPV6_PKTINFO && len(data) >= unix.SizeofInet6Pktinfo:
			// struct in6_pktinfo: addr, ifindex.
			a := netip.AddrFrom16([16]byte(data[:16])).Unmap()
			if a.Is6() && a.IsLinkLocalUnicast() {
				a = a.WithZone(strconv.FormatUint(uint64(binary.NativeEndian.Uint32(data[16:20])), 10))
			}
			return netip.AddrPortFrom(a, s.addr.Port()), true
		}
	}
	if !s.addr.Addr().IsUnspecified() {
		return s.addr, true
	}
	return netip.AddrPort{}, false
}

// appendPktinfo appends to oob the control message that makes the kernel
// send from local (IP_PKTINFO with ipi_spec_dst, or IPV6_PKTINFO per
// RFC 3542 section 6.2); a numeric zone selects the outgoing interface.
func appendPktinfo(oob []byte, local netip.Addr) ([]byte, error) {
	var ifindex uint32
	if z := local.Zone(); z != "" {
		n, err := strconv.ParseUint(z, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("local address %v: zone must be an interface index", local)
		}
		ifindex = uint32(n)
	}
	level, typ, datalen := unix.IPPROTO_IP, unix.IP_PKTINFO, unix.SizeofInet4Pktinfo
	if local.Is6() {
		level, typ, datalen = unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, unix.SizeofInet6Pktinfo
	}
	start := len(oob)
	oob = append(oob, make([]byte, unix.CmsgSpace(datalen))...)
	msg := oob[start:]
	h := (*unix.Cmsghdr)(unsafe.Pointer(&msg[0]))
	h.Level, h.Type = int32(level), int32(typ)
	h.SetLen(unix.CmsgLen(datalen))
	data := msg[unix.CmsgLen(0):]
	if local.Is6() {
		a := local.As16()
		copy(data[:16], a[:])
		binary.NativeEndian.PutUint32(data[16:20], ifindex)
	} else {
		a := local.As4()
		binary.NativeEndian.PutUint32(data[0:4], ifindex)
		copy(data[4:8], a[:]) // ipi_spec_dst: the source address to use
	}
	return oob, nil
}

// EnableESPInUDP turns on UDP encapsulation of ESP (UDP_ENCAP with
// UDP_ENCAP_ESPINUDP, RFC 3948) on every NAT-T socket, so that the Linux
// kernel decapsulates ESP arriving there for its own SAs and passes only IKE
// and unknown traffic up. The kernel data plane turns it on; an error that
// wraps [errors.ErrUnsupported] means this kernel cannot do it.
func (l *Listener) EnableESPInUDP() error {
	for _, s := range l.socks {
		if !s.natt {
			continue
		}
		err := setsockoptInt(s.conn, unix.IPPROTO_UDP, unix.UDP_ENCAP, unix.UDP_ENCAP_ESPINUDP)
		switch {
		case errors.Is(err, unix.ENOPROTOOPT), errors.Is(err, unix.EOPNOTSUPP):
			return fmt.Errorf("transport: UDP_ENCAP on %v: %w (%v)", s.addr, errors.ErrUnsupported, err)
		case err != nil:
			return fmt.Errorf("transport: UDP_ENCAP on %v: %w", s.addr, err)
		}
	}
	return nil
}
