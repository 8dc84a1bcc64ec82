package esp

import (
	"errors"
	"fmt"
)

// Errors returned by Encap and Decap. Decap errors wrap exactly one of
// ErrReplay, ErrAuth or ErrMalformed; test them with errors.Is.
var (
	// ErrReplay reports a duplicate packet or one older than the replay
	// window (RFC 4303 section 3.4.3).
	ErrReplay = errors.New("esp: replayed or too old sequence number")
	// ErrAuth reports an integrity check value that does not verify
	// (RFC 4303 section 3.4.4).
	ErrAuth = errors.New("esp: integrity check failed")
	// ErrMalformed reports a packet whose layout is invalid: too short, a
	// ciphertext not aligned to the cipher block, a wrong SPI or padding
	// that is not 1, 2, 3, ... (RFC 4303 section 2.4).
	ErrMalformed = errors.New("esp: malformed packet")
	// ErrSequenceExhausted reports that the outbound sequence number space
	// is used up; the SA must be rekeyed, the counter never wraps
	// (RFC 4303 section 3.3.3).
	ErrSequenceExhausted = errors.New("esp: sequence number exhausted, rekey required")
)

// Malformed-packet reasons, allocated once so the drop path does not
// allocate.
var (
	errShort     = fmt.Errorf("%w: packet too short", ErrMalformed)
	errAlign     = fmt.Errorf("%w: ciphertext not a multiple of the block size", ErrMalformed)
	errSPI       = fmt.Errorf("%w: SPI does not belong to this SA", ErrMalformed)
	errPadLength = fmt.Errorf("%w: pad length exceeds payload", ErrMalformed)
	errPadBytes  = fmt.Errorf("%w: padding bytes are not the sequence 1, 2, 3 (RFC 4303 section 2.4)", ErrMalformed)
)
