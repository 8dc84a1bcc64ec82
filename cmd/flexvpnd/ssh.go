package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/flexvpnd/flexvpnd/modes"
	sshsrv "github.com/flexvpnd/flexvpnd/modes/ssh"
)

// sshOptions are the SSH flags: no SSH server when Addr is "".
type sshOptions struct {
	// Addr is the listen address (host:port; ":22" for every address).
	Addr string
	// StateDir keeps the host key.
	StateDir string
}

// sshService is the SSH server of the running appliance.
type sshService struct {
	srv  *sshsrv.Server
	log  *slog.Logger
	done chan error
}

// startSSH serves the CLI over SSH, sharing sys with the console: the
// host key is loaded from (or generated in) the state directory.
func startSSH(sys *modes.System, opts sshOptions, stderr io.Writer) (*sshService, error) {
	key, err := sshsrv.LoadHostKey(opts.StateDir)
	if err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	l, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	s := &sshService{srv: &sshsrv.Server{Sys: sys, HostKey: key, Log: log}, log: log, done: make(chan error, 1)}
	log.Info("ssh server listening", "addr", l.Addr().String())
	go func() { s.done <- s.srv.Serve(l) }()
	return s, nil
}

// serveUntilSignal keeps serving SSH after the console ended (a daemon's
// console reads nothing) until SIGINT or SIGTERM, then stops the server.
// It returns the exit status.
func (s *sshService) serveUntilSignal() int {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	s.log.Info("console ended; serving ssh until SIGINT or SIGTERM")
	status := 0
	select {
	case got := <-sig:
		s.log.Info("stopping", "signal", got.String())
	case err := <-s.done:
		s.log.Error("ssh server stopped", "err", err)
		status = 1
	}
	s.close()
	return status
}

// close stops the server and ends its sessions.
func (s *sshService) close() {
	s.srv.Close()
	select {
	case err := <-s.done:
		if err != nil && !errors.Is(err, sshsrv.ErrServerClosed) {
			s.log.Error("ssh server", "err", err)
		}
	default:
	}
}
