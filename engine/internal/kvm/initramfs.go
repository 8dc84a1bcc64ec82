package kvm

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// applets are the busybox applets /init uses, linked in /bin.
var applets = []string{"sh", "mount", "insmod", "ip", "poweroff", "reboot", "cat", "sleep"}

// buildInitramfs writes the cpio archive: busybox, /init, the payload as
// /work/payload and the module closure in /lib/modules.
func buildInitramfs(path string, h host, p Payload) error {
	mods, err := moduleClosure(h.modDir, Modules)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create initramfs: %w", err)
	}
	defer f.Close()
	c := newCPIOWriter(f)
	for _, d := range []string{"bin", "dev", "proc", "sys", "tmp", "run", "work", "lib", "lib/modules"} {
		c.Dir(d)
	}
	bb, err := os.ReadFile(h.busybox)
	if err != nil {
		return fmt.Errorf("read busybox: %w", err)
	}
	c.File("bin/busybox", 0o755, bb)
	for _, a := range applets {
		c.Symlink("bin/"+a, "busybox")
	}
	var names []string
	for _, m := range mods {
		data, err := readModule(m)
		if err != nil {
			return err
		}
		name := moduleName(m)
		names = append(names, name)
		c.File("lib/modules/"+name+".ko", 0o644, data)
	}
	payload, err := os.ReadFile(p.Binary)
	if err != nil {
		return fmt.Errorf("read payload: %w", err)
	}
	c.File("work/payload", 0o755, payload)
	c.File("init", 0o755, []byte(initScript(names, p)))
	if err := c.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close initramfs: %w", err)
	}
	return nil
}

// initScript is the guest's /init: mount the pseudo file systems, load the
// modules in dependency order, run the payload between the markers and
// power off (-no-reboot turns a reboot into a qemu exit as well).
func initScript(modules []string, p Payload) string {
	var b strings.Builder
	b.WriteString(`#!/bin/sh
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
for m in`)
	for _, m := range modules {
		b.WriteString(" " + m)
	}
	b.WriteString(`; do insmod /lib/modules/$m.ko || echo "kvm: insmod $m failed"; done
ip link set lo up
cd /work
`)
	for _, kv := range p.Env {
		b.WriteString("export " + shellQuote(kv) + "\n")
	}
	b.WriteString("echo " + startMarker + "\n/work/payload")
	for _, a := range p.Args {
		b.WriteString(" " + shellQuote(a))
	}
	b.WriteString("\nrc=$?\necho\necho \"" + exitMarker + " $rc\"\npoweroff -f\nreboot -f\n")
	return b.String()
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// moduleName turns a modules.dep path into the module's name.
func moduleName(path string) string {
	base := filepath.Base(path)
	return strings.ReplaceAll(base[:strings.Index(base, ".ko")], "-", "_")
}

// moduleClosure returns the absolute paths of the named modules and their
// dependencies, dependencies first, from modDir/modules.dep. Modules built
// into the kernel (listed in modules.builtin) are left out.
func moduleClosure(modDir string, want []string) ([]string, error) {
	deps, err := readModulesDep(modDir)
	if err != nil {
		return nil, err
	}
	builtin := map[string]bool{}
	if data, err := os.ReadFile(filepath.Join(modDir, "modules.builtin")); err == nil {
		for _, l := range strings.Fields(string(data)) {
			builtin[moduleName(l)] = true
		}
	}
	byName := map[string]string{}
	for path := range deps {
		byName[moduleName(path)] = path
	}
	var order []string
	seen := map[string]bool{}
	var visit func(path string)
	visit = func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		for _, d := range deps[path] {
			visit(d)
		}
		order = append(order, filepath.Join(modDir, path))
	}
	for _, w := range want {
		name := strings.ReplaceAll(w, "-", "_")
		path, ok := byName[name]
		if !ok {
			if builtin[name] {
				continue
			}
			return nil, fmt.Errorf("module %s not in %s/modules.dep", w, modDir)
		}
		visit(path)
	}
	return order, nil
}

// readModulesDep parses modules.dep: "path: dep dep ...", paths relative to
// the module directory.
func readModulesDep(modDir string) (map[string][]string, error) {
	f, err := os.Open(filepath.Join(modDir, "modules.dep"))
	if err != nil {
		return nil, fmt.Errorf("modules.dep: %w", err)
	}
	defer f.Close()
	deps := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		mod, rest, ok := strings.Cut(sc.Text(), ":")
		if ok {
			deps[mod] = strings.Fields(rest)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("modules.dep: %w", err)
	}
	return deps, nil
}

// readModule returns a module's contents, gunzipped for .ko.gz; xz and zstd
// compressed modules (Debian trixie and later) are not supported yet.
func readModule(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read module: %w", err)
	}
	switch {
	case strings.HasSuffix(path, ".ko"):
		return data, nil
	case strings.HasSuffix(path, ".ko.gz"):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", path, err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", path, err)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("module %s: unsupported compression", path)
	}
}
