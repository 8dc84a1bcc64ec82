package ssh

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/flexvpnd/flexvpnd/modes"
)

// heldEngine serves a snapshot of n READY IKE SAs from 198.18.0.2 and one
// from 198.18.0.3, as a hub holding them does.
type heldEngine struct{ snap status.Snapshot }

func newHeldEngine(n int) *heldEngine {
	now := time.Now()
	e := &heldEngine{snap: status.Snapshot{Time: now, IKESAs: make([]status.IKESA, n+1)}}
	for i := range e.snap.IKESAs {
		remote := netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), uint16(10000+i%4))
		if i == n {
			remote = netip.MustParseAddrPort("198.18.0.3:500")
		}
		e.snap.IKESAs[i] = status.IKESA{
			ConnID: i + 1, SessionID: i + 1, Local: netip.MustParseAddrPort("198.18.0.1:500"), Remote: remote,
			State: "READY", Encr: "AES-GCM", KeyBits: 256, PRF: "SHA256", Hash: "None", DHGroup: 19,
			AuthSign: "PSK", AuthVerify: "PSK", Lifetime: 24 * time.Hour, Established: now.Add(-time.Duration(i%3600) * time.Second),
		}
	}
	return e
}

func (e *heldEngine) Snapshot() status.Snapshot    { return e.snap }
func (e *heldEngine) ClearIKESAs(netip.Addr) int   { return 0 }
func (e *heldEngine) ClearChildSAs(netip.Addr) int { return 0 }

// Query selects the SAs of q.Remote, as the engine does.
func (e *heldEngine) Query(q status.Query) status.Snapshot {
	if !q.Remote.IsValid() {
		return e.snap
	}
	snap := status.Snapshot{Time: e.snap.Time}
	for _, sa := range e.snap.IKESAs {
		if sa.Remote.Addr() == q.Remote {
			snap.IKESAs = append(snap.IKESAs, sa)
		}
	}
	return snap
}

// processCPU returns the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// openSSHCiphers is OpenSSH's default client cipher preference.
var openSSHCiphers = []string{
	gossh.CipherChaCha20Poly1305, gossh.CipherAES128CTR, gossh.CipherAES192CTR,
	gossh.CipherAES256CTR, gossh.CipherAES128GCM, gossh.CipherAES256GCM,
}

// BenchmarkExecShow runs `show crypto ikev2 sa` as an SSH exec request on
// an appliance whose engine holds 50,000 SAs, with an x/crypto/ssh client
// in the same process offering OpenSSH's ciphers in OpenSSH's order (so it
// gets what an OpenSSH client gets from this server): the wall and CPU
// time of the command through SSH,
// login excepted, client's decryption included.
func BenchmarkExecShow(b *testing.B) {
	const n = 50000
	sys := modes.NewSystem()
	con := modes.NewSession(sys, "console")
	for _, line := range []string{"configure terminal", "username admin privilege 15 secret benchpw", "end"} {
		if r := con.Exec(line); r.Err != nil {
			b.Fatalf("%s: %v", line, r.Err)
		}
	}
	sys.Engine = newHeldEngine(n)
	key, err := LoadHostKey(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	srv := &Server{Sys: sys, HostKey: key, Log: slog.New(slog.DiscardHandler)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	for _, cmd := range []string{"show crypto ikev2 sa", "show crypto ikev2 sa remote 198.18.0.3", "show users"} {
		b.Run(cmd, func(b *testing.B) {
			c, err := gossh.Dial("tcp", l.Addr().String(), &gossh.ClientConfig{
				User: "admin", Auth: []gossh.AuthMethod{gossh.Password("benchpw")},
				HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: testTimeout,
				Config: gossh.Config{Ciphers: openSSHCiphers},
			})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			var bytes int64
			cpu := processCPU()
			for b.Loop() {
				bytes += execCount(b, c, cmd)
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "bytes/op")
			b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// execCount runs command in a new session of c and returns how many
// bytes it printed.
func execCount(b *testing.B, c *gossh.Client, command string) int64 {
	s, err := c.NewSession()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	out, err := s.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(command); err != nil {
		b.Fatal(err)
	}
	got, err := io.Copy(io.Discard, out)
	if err != nil {
		b.Fatal(fmt.Errorf("read %q: %w", command, err))
	}
	if err := s.Wait(); err != nil {
		b.Fatal(err)
	}
	return got
}
