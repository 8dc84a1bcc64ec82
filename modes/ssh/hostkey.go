package ssh

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"

	"github.com/flexvpnd/flexvpnd/modes"
)

// HostKeyFile is the name of the host key in the state directory.
const HostKeyFile = "ssh_host_ed25519_key"

// LoadHostKey returns the ed25519 host key kept in the state directory
// dir, generating it (mode 0600, written atomically) on first start.
func LoadHostKey(dir string) (gossh.Signer, error) {
	path := filepath.Join(dir, HostKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		s, err := gossh.ParsePrivateKey(b)
		if err != nil {
			return nil, fmt.Errorf("host key %s: %w", path, err)
		}
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("host key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "flexvpnd host key")
	if err != nil {
		return nil, fmt.Errorf("encode host key: %w", err)
	}
	if err := modes.WriteFileAtomic(path, pem.EncodeToMemory(block)); err != nil {
		return nil, fmt.Errorf("save host key: %w", err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	return s, nil
}
