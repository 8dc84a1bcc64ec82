package parser

import "strings"

// ErrKind classifies a parse error.
type ErrKind int

// The IOS parse errors.
const (
	// ErrInvalid is "% Invalid input detected at '^' marker.".
	ErrInvalid ErrKind = iota
	// ErrIncomplete is "% Incomplete command.".
	ErrIncomplete
	// ErrAmbiguous is `% Ambiguous command:  "..."`.
	ErrAmbiguous
	// ErrUnrecognized is "% Unrecognized command" (`?` after a word that
	// abbreviates nothing).
	ErrUnrecognized
)

// Error is an IOS parse error with the byte position in the line where the
// parse failed.
type Error struct {
	Kind ErrKind
	// Line is the input line.
	Line string
	// Pos is the byte offset of the failing word (len(Line) for
	// ErrIncomplete); End is the end of that word.
	Pos, End int
}

// Error returns the IOS message, without the caret line.
func (e *Error) Error() string {
	switch e.Kind {
	case ErrInvalid:
		return "% Invalid input detected at '^' marker."
	case ErrIncomplete:
		return "% Incomplete command."
	case ErrAmbiguous:
		return `% Ambiguous command:  "` + strings.TrimLeft(e.Line[:min(max(e.End, 0), len(e.Line))], " \t") + `"`
	case ErrUnrecognized:
		return "% Unrecognized command"
	}
	return "% Unknown error"
}

// Caret returns the caret line for an ErrInvalid error when the line was
// echoed after a prompt of promptLen characters ("" for other kinds).
func (e *Error) Caret(promptLen int) string {
	if e.Kind != ErrInvalid {
		return ""
	}
	col := promptLen
	for _, c := range e.Line[:min(max(e.Pos, 0), len(e.Line))] {
		if c == '\t' {
			col += 8 - col%8
			continue
		}
		col++
	}
	return strings.Repeat(" ", col) + "^"
}

// Format returns the complete IOS report for the error after a prompt of
// promptLen characters: the caret line (for invalid input) and the message,
// each ending in a newline.
func (e *Error) Format(promptLen int) string {
	if c := e.Caret(promptLen); c != "" {
		return c + "\n" + e.Error() + "\n"
	}
	return e.Error() + "\n"
}
