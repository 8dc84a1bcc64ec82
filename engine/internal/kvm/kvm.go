// Package kvm runs a static test binary as the payload of a throw-away
// virtual machine booting a stock distribution kernel under qemu, so that
// tests can exercise kernel features the host kernel lacks (ESP, XFRM
// interfaces). The machine has no network (-nic none); the payload's exit
// status and console output come back to the calling test.
//
// Configuration comes from the environment: VM_KERNEL (a bzImage; default the
// last /boot/vmlinuz-* in lexical order), VM_MODDIR (its modules; default
// /lib/modules/<release>), VM_BUSYBOX (a static busybox; default from PATH),
// VM_ACCEL (auto, kvm or tcg) and VM_TIMEOUT (a Go duration bounding the
// whole run). Missing qemu, kernel or busybox skips the test, unless
// FLEXVPND_REQUIRE_VM=1, which makes it fail.
package kvm

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Markers printed by /init around the payload.
const (
	startMarker = "@@KVM-START@@"
	exitMarker  = "@@KVM-EXIT@@"
)

// Modules are loaded into the guest kernel before the payload starts,
// together with their dependencies: XFRM netlink, xfrm interfaces, VTI,
// ESP, veth and the AEAD and RNG algorithms ESP needs (kernel-vm.md).
// sha512_generic backs the DRBG once crypto self-tests are off; vrf serves
// tunnels in a VRF.
var Modules = []string{
	"xfrm_user", "xfrm_interface", "ip_vti", "esp4", "esp6", "veth", "vrf",
	"gcm", "ghash_generic", "ctr", "seqiv", "echainiv", "authenc",
	"chacha20poly1305", "chacha_generic", "poly1305_generic", "drbg", "sha512_generic",
}

// Payload is what runs inside the machine.
type Payload struct {
	// Binary is a statically linked executable, typically a test binary
	// built with CGO_ENABLED=0 go test -c.
	Binary string
	// Args are passed to Binary.
	Args []string
	// Env holds KEY=VALUE pairs exported to Binary.
	Env []string
}

// Result is the outcome of one run.
type Result struct {
	// ExitCode is the payload's exit status.
	ExitCode int
	// Output is what the payload printed on the console.
	Output string
	// Accel is the qemu accelerator used (tcg or kvm).
	Accel string
	// Boot is the time from starting qemu to the payload starting;
	// Total is the time until qemu exited.
	Boot, Total time.Duration
}

// host is the discovered host setup.
type host struct {
	qemu, kernel, modDir, busybox string
}

// Run boots the machine with p as its payload and returns the result. It
// skips t when the host lacks qemu, a kernel or busybox (fails instead with
// FLEXVPND_REQUIRE_VM=1), and fails t when the machine does not report the
// payload's exit within the timeout.
func Run(t TB, p Payload) Result {
	t.Helper()
	h, err := discover()
	if err != nil {
		if os.Getenv("FLEXVPND_REQUIRE_VM") == "1" {
			t.Fatalf("kvm: %v (FLEXVPND_REQUIRE_VM=1)", err)
		}
		t.Skipf("kvm: %v", err)
	}
	if err := checkStatic(p.Binary); err != nil {
		t.Fatalf("kvm: payload: %v", err)
	}
	initrd := filepath.Join(t.TempDir(), "initramfs.cpio")
	if err := buildInitramfs(initrd, h, p); err != nil {
		t.Fatalf("kvm: %v", err)
	}
	timeout := runTimeout(t)
	accel := chooseAccel()
	res, err := boot(t, h, initrd, accel, timeout)
	if err != nil && accel == "kvm" && os.Getenv("VM_ACCEL") != "kvm" {
		t.Logf("kvm: KVM run failed (%v), retrying with TCG", err)
		res, err = boot(t, h, initrd, "tcg", timeout)
	}
	if err != nil {
		t.Fatalf("kvm: %v", err)
	}
	return res
}

// discover finds qemu, the kernel, its modules and busybox.
func discover() (host, error) {
	var h host
	var err error
	if h.qemu, err = exec.LookPath("qemu-system-x86_64"); err != nil {
		return h, errors.New("qemu-system-x86_64 not found (apt-get install qemu-system-x86)")
	}
	h.kernel = os.Getenv("VM_KERNEL")
	if h.kernel == "" {
		k, _ := filepath.Glob("/boot/vmlinuz-*")
		if len(k) == 0 {
			return h, errors.New("no kernel in /boot and VM_KERNEL unset (apt-get install linux-image-amd64)")
		}
		h.kernel = k[len(k)-1]
	}
	if f, err := os.Open(h.kernel); err != nil {
		return h, fmt.Errorf("kernel not readable: %w", err)
	} else {
		f.Close()
	}
	h.modDir = os.Getenv("VM_MODDIR")
	if h.modDir == "" {
		release := strings.TrimPrefix(filepath.Base(h.kernel), "vmlinuz-")
		h.modDir = filepath.Join("/lib/modules", release)
	}
	if _, err := os.Stat(filepath.Join(h.modDir, "modules.dep")); err != nil {
		return h, fmt.Errorf("kernel modules: %w (set VM_MODDIR)", err)
	}
	h.busybox = os.Getenv("VM_BUSYBOX")
	if h.busybox == "" {
		if h.busybox, err = exec.LookPath("busybox"); err != nil {
			return h, errors.New("busybox not found (apt-get install busybox-static)")
		}
	}
	if err := checkStatic(h.busybox); err != nil {
		return h, fmt.Errorf("busybox: %w (apt-get install busybox-static)", err)
	}
	return h, nil
}

// checkStatic reports an error unless path is an ELF executable without an
// interpreter: the guest has no C library.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked (build it with CGO_ENABLED=0)", path)
		}
	}
	return nil
}

// runTimeout bounds the whole run: VM_TIMEOUT, else 120 s, and never past
// the test deadline less a margin for reporting.
func runTimeout(t TB) time.Duration {
	d := 120 * time.Second
	if s := os.Getenv("VM_TIMEOUT"); s != "" {
		if v, err := time.ParseDuration(s); err == nil {
			d = v
		}
	}
	if tt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := tt.Deadline(); ok && time.Until(dl)-5*time.Second < d {
			d = max(time.Until(dl)-5*time.Second, time.Second)
		}
	}
	return d
}

// chooseAccel picks kvm when /dev/kvm opens and is not PVM (which only runs
// PVM-aware guests and hangs a stock kernel, kernel-vm.md), else tcg.
func chooseAccel() string {
	switch a := os.Getenv("VM_ACCEL"); a {
	case "kvm", "tcg":
		return a
	}
	if _, err := os.Stat("/sys/module/kvm_pvm"); err == nil {
		return "tcg"
	}
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return "tcg"
	}
	f.Close()
	return "kvm"
}

// boot runs qemu once and parses the console. Only the qemu process started
// here is killed, on timeout or when the test process dies (Pdeathsig).
func boot(t TB, h host, initrd, accel string, timeout time.Duration) (Result, error) {
	t.Helper()
	res := Result{Accel: accel}
	cpu := "max"
	accelArg := "tcg,thread=multi"
	bootTimeout := timeout
	if accel == "kvm" {
		cpu, accelArg = "host", "kvm"
		bootTimeout = min(timeout, 30*time.Second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.qemu,
		"-nodefaults", "-no-user-config", "-display", "none",
		"-accel", accelArg, "-cpu", cpu, "-M", "pc", "-m", "512", "-smp", "2",
		"-no-reboot", "-nic", "none", "-serial", "stdio",
		"-kernel", h.kernel, "-initrd", initrd,
		// no_timer_check: under TCG on a loaded host the kernel's IO-APIC
		// timer check can fail and panic the boot.
		"-append", "console=ttyS0 panic=-1 oops=panic quiet loglevel=1 cryptomgr.notests=1 no_timer_check rdinit=/init")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return res, fmt.Errorf("qemu stdout: %w", err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("start qemu: %w", err)
	}
	started := make(chan struct{})
	go func() {
		select {
		case <-started:
		case <-time.After(bootTimeout):
			cancel()
		case <-ctx.Done():
		}
	}()
	var out, tail strings.Builder
	inPayload, exited := false, false
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		t.Log("vm: " + line)
		switch {
		case strings.Contains(line, startMarker):
			if !inPayload && res.Boot == 0 {
				res.Boot = time.Since(began)
				close(started)
			}
			inPayload = true
		case strings.Contains(line, exitMarker):
			f := strings.Fields(line[strings.Index(line, exitMarker)+len(exitMarker):])
			if len(f) > 0 {
				if code, err := strconv.Atoi(f[0]); err == nil {
					res.ExitCode, exited = code, true
				}
			}
			inPayload = false
		case inPayload:
			out.WriteString(line + "\n")
		default:
			tail.WriteString(line + "\n")
		}
	}
	werr := cmd.Wait()
	res.Total = time.Since(began)
	res.Output = out.String()
	switch {
	case exited:
		return res, nil
	case ctx.Err() != nil && res.Boot == 0:
		return res, fmt.Errorf("payload not started within %v (%s accel)", bootTimeout, accel)
	case ctx.Err() != nil:
		return res, fmt.Errorf("timed out after %v; payload output:\n%s", timeout, res.Output)
	default:
		return res, fmt.Errorf("no exit status from the machine (qemu: %v, %s); console:\n%s%s",
			werr, strings.TrimSpace(stderr.String()), tail.String(), res.Output)
	}
}
