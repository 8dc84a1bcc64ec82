package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Resolver looks up host names: FlexVPN client peers given as `peer N
// fqdn NAME` and `tunnel destination HOSTNAME` that no `ip host` entry
// names. *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// resolveTimeout bounds one lookup.
const resolveTimeout = 5 * time.Second

// resolver returns the resolver of a lookup: Config.Resolver when set,
// else one asking the `ip name-server` servers of the spec in order, else
// the host's.
func (e *Engine) resolver() Resolver {
	if e.cfg.Resolver != nil {
		return e.cfg.Resolver
	}
	var servers []netip.AddrPort
	for _, a := range e.spec.Load().NameServers {
		servers = append(servers, netip.AddrPortFrom(a, 53))
	}
	if len(servers) == 0 {
		return net.DefaultResolver
	}
	return nameServers(servers)
}

// nameServers resolves through the `ip name-server` servers in order, as
// IOS does: the next server is asked when one does not answer, not when
// it says the name does not exist.
type nameServers []netip.AddrPort

// LookupNetIP asks each server in turn with Go's DNS client.
func (ns nameServers) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	var errs []error
	for _, s := range ns {
		addrs, err := viaServer(s).LookupNetIP(ctx, network, host)
		if err == nil {
			return addrs, nil
		}
		errs = append(errs, err)
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// viaServer is Go's DNS client sending its queries to server only.
func viaServer(server netip.AddrPort) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server.String())
		},
	}
}

// lookup resolves host to one address of the wanted family in the
// background and calls then with it, or with the error, under Engine.mu,
// unless the tunnel was torn down meanwhile (forget cancels the lookup).
// While it runs, the tunnel initiates nothing else.
func (e *Engine) lookup(t *svti, host string, ipv6 bool, then func(netip.Addr, error)) {
	network := "ip4"
	if ipv6 {
		network = "ip6"
	}
	t.lookups++
	t.resolving = t.lookups
	id, name, res := t.lookups, t.t.Name, e.resolver()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
		addrs, err := res.LookupNetIP(ctx, network, host)
		cancel()
		if err == nil && len(addrs) == 0 {
			err = errors.New("no address")
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.closed || e.svti[name] != t || t.resolving != id {
			return
		}
		t.resolving = 0
		if err != nil {
			then(netip.Addr{}, fmt.Errorf("resolve %s: %w", host, err))
			return
		}
		e.log.Debug("host name resolved", "interface", name, "host", host, "addr", addrs[0])
		then(addrs[0].Unmap(), nil)
	}()
}
