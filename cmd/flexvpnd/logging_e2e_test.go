package main

import (
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/modes"
	sshsrv "github.com/flexvpnd/flexvpnd/modes/ssh"
)

// waitFor waits until the buffer holds every one of want, in order.
func (s *lockedBuffer) waitFor(t *testing.T, what string, want ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		text, ok := s.String(), true
		at := 0
		for _, w := range want {
			i := strings.Index(text[at:], w)
			if i < 0 {
				ok = false
				break
			}
			at += i + len(w)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %q in order in:\n%s", what, want, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startLoggedAppliance starts an appliance as runAppliance does, its
// engine log at debug level on stderr and its IOS logger fed by the
// engine, and pastes config into it.
func startLoggedAppliance(t *testing.T, addr string, ikePort, natPort uint16, config string, stderr io.Writer) *testAppliance {
	t.Helper()
	sys := modes.NewSystem()
	t.Cleanup(sys.Log.Close)
	ae, err := startEngine(sys, engineOptions{Listen: []netip.Addr{netip.MustParseAddr(addr)}, IKEPort: ikePort, NATPort: natPort, Dataplane: "none"},
		applianceLogger(sys.Log, stderr, slog.LevelDebug))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ae.stop)
	a := &testAppliance{sys: sys, ae: ae}
	a.paste(t, config)
	return a
}

const (
	e2ePSK      = "Log-Test-PSK!93"
	e2ePassword = "Vty-Pa55word"
)

// TestLoggingEndToEnd brings a static VTI up while an operator watches
// over SSH (the real OpenSSH client, `terminal monitor`, `debug crypto
// ikev2 [packet]`): the tunnel's %CRYPTO and %LINEPROTO messages and
// the debug lines reach the monitoring session, the log buffer and a
// collector on 127.0.0.1 (RFC 5424 over UDP); a clear brings the DOWN
// messages; logins, logouts and `end` are logged too. No
// log, debug line or datagram carries the pre-shared key or the
// password.
func TestLoggingEndToEnd(t *testing.T) {
	sshBin, err1 := exec.LookPath("ssh")
	sshpass, err2 := exec.LookPath("sshpass")
	if err1 != nil || err2 != nil {
		t.Skip("ssh or sshpass missing (apt-get install openssh-client sshpass)")
	}
	collector, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer collector.Close()
	var datagrams lockedBuffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := collector.Read(buf)
			if err != nil {
				return
			}
			datagrams.Write(append(buf[:n:n], '\n'))
		}
	}()

	ikePort, natPort := testPorts(t)
	extra := "username admin privilege 15 secret " + e2ePassword + "\n" +
		"service timestamps log datetime msec\nservice timestamps debug datetime msec\n" +
		"logging host 127.0.0.1 transport udp port " + strconv.Itoa(collector.LocalAddr().(*net.UDPAddr).Port) + "\n"
	var leftLog, rightLog lockedBuffer
	left := startLoggedAppliance(t, "127.0.0.1", ikePort, natPort,
		strings.Replace(siteConfig("LEFT", "127.0.0.1", "127.0.0.2", "172.31.0.1", e2ePSK), "end\n", extra+"end\n", 1), &leftLog)

	key, err := sshsrv.LoadHostKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &sshsrv.Server{Sys: left.sys, HostKey: key, Log: slog.New(slog.NewTextHandler(&leftLog, nil))}
	go srv.Serve(l)
	defer srv.Close()

	ssh := func(password string, args ...string) *exec.Cmd {
		return exec.Command(sshpass, append([]string{"-p", password, sshBin, "-F", "/dev/null", "-p", strconv.Itoa(l.Addr().(*net.TCPAddr).Port),
			"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "PubkeyAuthentication=no",
			"-o", "NumberOfPasswordPrompts=1", "admin@127.0.0.1"}, args...)...)
	}
	if out, err := ssh("wrong-password", "show clock").CombinedOutput(); err == nil {
		t.Fatalf("login with a wrong password: %s", out)
	}
	datagrams.waitFor(t, "the failed login", "%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: admin] [Source: 127.0.0.1] [localport: ")

	var screen lockedBuffer
	cmd := ssh(e2ePassword, "-tt")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = &screen, &screen
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	type_ := func(line string) { io.WriteString(stdin, line+"\r") }
	screen.waitFor(t, "the prompt", "LEFT#")
	type_("terminal monitor")
	type_("debug crypto ikev2")
	type_("debug crypto ikev2 packet")
	screen.waitFor(t, "debug on", "IKEv2 default debugging is on", "IKEv2 packet debugging is on")

	startLoggedAppliance(t, "127.0.0.2", ikePort, natPort, siteConfig("RIGHT", "127.0.0.2", "127.0.0.1", "172.31.0.2", e2ePSK), &rightLog)
	up := []string{
		"):Received Packet [From 127.0.0.2:",
		"IKEv2 IKE_SA_INIT Exchange REQUEST \r\nPayload contents: \r\n SA KE N ",
		"IKEv2 IKE_AUTH Exchange RESPONSE \r\nPayload contents: \r\n ENCR \r\n",
		"IKEv2:(SESSION ID = ",
		"%CRYPTO-5-IKEV2_SESSION_STATUS: Crypto tunnel v2 is UP.  Peer 127.0.0.2:",
		"       Id: 127.0.0.2",
		"%LINEPROTO-5-UPDOWN: Line protocol on Interface Tunnel0, changed state to up",
	}
	screen.waitFor(t, "the tunnel's messages on the monitoring session", up...)
	left.waitUp(t, "LEFT Tunnel0 up", readyOn(1, "Tunnel0"))
	datagrams.waitFor(t, "the collector's messages", "%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: admin] [Source: 127.0.0.1]",
		"%CRYPTO-5-IKEV2_SESSION_STATUS: Crypto tunnel v2 is UP.", "%LINEPROTO-5-UPDOWN: Line protocol on Interface Tunnel0, changed state to up")
	for d := range strings.Lines(datagrams.String()) {
		if !rfc5424RE.MatchString(d) {
			t.Errorf("not RFC 5424: %q", d)
		}
	}

	left.show(t, "clear crypto session remote 127.0.0.2")
	screen.waitFor(t, "the DOWN messages", "%CRYPTO-5-IKEV2_SESSION_STATUS: Crypto tunnel v2 is DOWN.  Peer 127.0.0.2:",
		"%LINEPROTO-5-UPDOWN: Line protocol on Interface Tunnel0, changed state to down")
	type_("undebug all")
	type_("show logging | include UPDOWN|SESSION_STATUS")
	screen.waitFor(t, "show logging", "All possible debugging has been turned off", "Line protocol on Interface Tunnel0, changed state to up")
	type_("configure terminal")
	type_("end")
	screen.waitFor(t, "the configuration message", "%SYS-5-CONFIG_I: Configured from console by admin on vty0 (127.0.0.1)")
	type_("exit")
	datagrams.waitFor(t, "the logout", "%SYS-6-LOGOUT: User admin has exited tty session 2(127.0.0.1)")

	logged := strings.Join([]string{leftLog.String(), rightLog.String(), screen.String(), datagrams.String(), left.show(t, "show logging")}, "\n")
	for _, secret := range []string{e2ePSK, e2ePassword, hex.EncodeToString([]byte(e2ePSK)), strings.ToUpper(hex.EncodeToString([]byte(e2ePSK)))} {
		if strings.Contains(logged, secret) {
			t.Errorf("the logs carry the secret %q", secret)
		}
	}
	if !strings.Contains(leftLog.String(), "level=DEBUG") {
		t.Error("the engine's debug log is empty: the secret check saw nothing")
	}
}

// rfc5424RE matches a message of the IOS logger as RFC 5424 (section
// 6): <189>1 TIMESTAMP HOSTNAME flexvpnd PROCID MSGID - %MSG.
var rfc5424RE = regexp.MustCompile(`^<\d{1,3}>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [!-~]+ flexvpnd [!-~]+ [!-~]+ - .+\n$`)
