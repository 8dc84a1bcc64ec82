package wire

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrSyntax is wrapped by every error that reports malformed octets or a
// payload set that breaks the exchange rules; a responder answers it with
// INVALID_SYNTAX (RFC 7296 section 3.10.1) once the message is authenticated,
// and drops the message silently before that.
var ErrSyntax = errors.New("invalid syntax")

// syntaxErr builds an error that wraps ErrSyntax.
func syntaxErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrSyntax}, args...)...)
}

// UnsupportedCriticalError reports a payload of an unknown type whose
// critical bit is set. RFC 7296 section 2.5 requires the whole message to be
// rejected and answered with UNSUPPORTED_CRITICAL_PAYLOAD carrying the
// payload type ([UnsupportedCriticalError.NotifyData]).
type UnsupportedCriticalError struct {
	Type PayloadType
}

func (e *UnsupportedCriticalError) Error() string {
	return "unsupported critical payload type " + strconv.Itoa(int(e.Type))
}

// NotifyData returns the Notification Data of the UNSUPPORTED_CRITICAL_PAYLOAD
// answer: the one-octet payload type (RFC 7296 section 3.10.1).
func (e *UnsupportedCriticalError) NotifyData() []byte { return []byte{byte(e.Type)} }

// VersionError reports an IKE header whose major version is not 2. A higher
// major version is answered with INVALID_MAJOR_VERSION (RFC 7296 section
// 2.5); a lower one (IKEv1) is dropped.
type VersionError struct {
	Major uint8
}

func (e *VersionError) Error() string {
	return "unsupported IKE major version " + strconv.Itoa(int(e.Major))
}
