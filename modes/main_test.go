package modes

import (
	"os"
	"testing"

	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// patternReader is a stateless stand-in for crypto/rand: every Read gives
// the same bytes, so hashed secrets and type 7 offsets are stable in the
// goldens whatever the order of the tests.
type patternReader struct{}

func (patternReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*37 + 11)
	}
	return len(p), nil
}

func TestMain(m *testing.M) {
	runningconfig.Rand = patternReader{}
	os.Exit(m.Run())
}
