package xfrm

import (
	"errors"
	"fmt"
	"net/netip"
	"os"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Scratch objects of Probe. The SA's endpoints are from TEST-NET-1 (RFC
// 5737): adding an SA sends nothing, and no route leads there.
var (
	probeLocal  = netip.MustParseAddr("192.0.2.1")
	probeRemote = netip.MustParseAddr("192.0.2.2")
)

// probeIfID is the if_id of the scratch interface and SA, at the top of the
// range so that it does not meet a tunnel ID.
const probeIfID = 0xfffffff0

// Probe reports whether this backend can work in the network namespace at
// netns (empty for the caller's): it creates and deletes a scratch xfrm
// interface and a scratch AES-GCM ESP tunnel-mode SA. The error says what
// is missing, wrapping errors.ErrUnsupported when the kernel lacks a
// feature (module or config option), or the netlink error otherwise (such
// as a missing CAP_NET_ADMIN).
func Probe(netns string) error {
	b, err := open(Config{Netns: netns})
	if err != nil {
		return explain(err, "netlink XFRM sockets (CONFIG_XFRM_USER, module xfrm_user)")
	}
	defer b.Close()
	pid := os.Getpid()
	name := fmt.Sprintf("xfrmprobe%d", pid%1000000)
	attrs := netlink.NewLinkAttrs()
	attrs.Name = name
	if err := b.nl.LinkAdd(&netlink.Xfrmi{LinkAttrs: attrs, Ifid: probeIfID}); err != nil {
		return explain(fmt.Errorf("xfrm: create a scratch xfrm interface: %w", err),
			"xfrm interfaces (CONFIG_XFRM_INTERFACE, module xfrm_interface)")
	}
	if err := b.nl.LinkDel(&netlink.Xfrmi{LinkAttrs: attrs}); err != nil {
		return fmt.Errorf("xfrm: delete the scratch xfrm interface %s: %w", name, err)
	}
	key := make([]byte, 32+saltLen)
	spi := uint32(0xf0000000 | pid&0xfffffff)
	_, out, err := states(dataplane.ChildSA{
		TunnelID: probeIfID, Local: probeLocal, Remote: probeRemote,
		Algorithms: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 256},
		In:         dataplane.Direction{SPI: spi, EncrKey: key},
		Out:        dataplane.Direction{SPI: spi, EncrKey: key},
	})
	if err != nil {
		return fmt.Errorf("xfrm: probe SA: %w", err)
	}
	if err := b.addSA(out, 0, 0); err != nil {
		return explain(fmt.Errorf("xfrm: scratch ESP SA (rfc4106(gcm(aes))): %w", err),
			"ESP (CONFIG_INET_ESP, module esp4) or AES-GCM (modules gcm, ghash, seqiv)")
	}
	if err := b.nl.XfrmStateDel(out); err != nil {
		return fmt.Errorf("xfrm: delete the scratch ESP SA %08x: %w", uint32(out.Spi), err)
	}
	return nil
}

// explain adds to err, when its errno means that the kernel lacks what the
// probe asked for, which feature is missing.
func explain(err error, feature string) error {
	for _, missing := range []error{unix.EOPNOTSUPP, unix.EPROTONOSUPPORT, unix.EAFNOSUPPORT, unix.ENOENT, unix.ENOPROTOOPT} {
		if errors.Is(err, missing) {
			return fmt.Errorf("%w: the kernel lacks %s: %w", err, feature, errors.ErrUnsupported)
		}
	}
	return err
}
