package kvm

import (
	"bufio"
	"fmt"
	"io"
)

// cpioWriter writes a "newc" (SVR4, no CRC) cpio archive, the format the
// Linux kernel unpacks as an initramfs (Documentation/driver-api/
// early-userspace/buffer-format.rst). Every entry is owned by root.
type cpioWriter struct {
	w   *bufio.Writer
	ino uint32
	err error
}

// newCPIOWriter returns a writer appending entries to w.
func newCPIOWriter(w io.Writer) *cpioWriter {
	return &cpioWriter{w: bufio.NewWriter(w), ino: 1}
}

// Mode bits of the entry types used here.
const (
	modeDir     = 0o040000
	modeRegular = 0o100000
	modeSymlink = 0o120000
)

// entry writes one header, the name and the data, each padded to 4 octets.
func (c *cpioWriter) entry(name string, mode uint32, data []byte) {
	if c.err != nil {
		return
	}
	c.ino++
	nlink := 1
	if mode&0o170000 == modeDir {
		nlink = 2
	}
	// Fields: magic, ino, mode, uid, gid, nlink, mtime, filesize,
	// devmajor, devminor, rdevmajor, rdevminor, namesize, check.
	hdr := fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		c.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write([]byte(name + "\x00"))
	c.pad(len(hdr) + len(name) + 1)
	c.write(data)
	c.pad(len(data))
}

func (c *cpioWriter) write(b []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(b)
	}
}

func (c *cpioWriter) pad(n int) {
	c.write(make([]byte, (4-n%4)%4))
}

// Dir adds a directory with mode 0755.
func (c *cpioWriter) Dir(name string) { c.entry(name, modeDir|0o755, nil) }

// File adds a regular file with the given permission bits.
func (c *cpioWriter) File(name string, perm uint32, data []byte) {
	c.entry(name, modeRegular|perm, data)
}

// Symlink adds a symbolic link name pointing at target.
func (c *cpioWriter) Symlink(name, target string) {
	c.entry(name, modeSymlink|0o777, []byte(target))
}

// Close writes the trailer entry and flushes.
func (c *cpioWriter) Close() error {
	c.entry("TRAILER!!!", 0, nil)
	if c.err != nil {
		return fmt.Errorf("write cpio: %w", c.err)
	}
	if err := c.w.Flush(); err != nil {
		return fmt.Errorf("write cpio: %w", err)
	}
	return nil
}
