package runningconfig

import (
	"strconv"
	"strings"
	"time"
)

// LoginBlockFor is the global `login block-for SECONDS attempts TRIES
// within SECONDS`: after Attempts failed logins within Within, the router
// enters quiet mode and refuses every login for BlockFor.
type LoginBlockFor struct {
	BlockFor, Within time.Duration
	Attempts         int
}

// LoginBlockFor returns the configured `login block-for`, if any. The line
// is kept in the block of the global `login` lines (IOS renders them
// together), so it is read back from there.
func (c *Config) LoginBlockFor() (LoginBlockFor, bool) {
	for _, k := range c.Kept {
		if k.Family != "login" {
			continue
		}
		for _, l := range k.Lines {
			f := strings.Fields(l)
			if len(f) != 7 || f[1] != "block-for" || f[3] != "attempts" || f[5] != "within" {
				continue
			}
			blockFor, err1 := strconv.Atoi(f[2])
			attempts, err2 := strconv.Atoi(f[4])
			within, err3 := strconv.Atoi(f[6])
			if err1 == nil && err2 == nil && err3 == nil {
				return LoginBlockFor{BlockFor: time.Duration(blockFor) * time.Second, Within: time.Duration(within) * time.Second, Attempts: attempts}, true
			}
		}
	}
	return LoginBlockFor{}, false
}
