package parser

import "strconv"

// Arg is one matched token of a command line.
type Arg struct {
	// Name is the token's argument name (the keyword, the type text, or the
	// $name given in the spec).
	Name string
	// Kind is the token's kind.
	Kind Kind
	// Value is the normalized value: the full keyword for an abbreviation,
	// the canonical address, number or interface name, the raw text for
	// WORD and LINE.
	Value string
}

// Args are the matched tokens of a line, in order.
type Args []Arg

// Has reports whether a token named name was matched.
func (a Args) Has(name string) bool {
	for _, x := range a {
		if x.Name == name {
			return true
		}
	}
	return false
}

// Get returns the value of the first token named name, or "".
func (a Args) Get(name string) string {
	for _, x := range a {
		if x.Name == name {
			return x.Value
		}
	}
	return ""
}

// All returns the values of every token named name, in order.
func (a Args) All(name string) []string {
	var out []string
	for _, x := range a {
		if x.Name == name {
			out = append(out, x.Value)
		}
	}
	return out
}

// Int returns the value of the first token named name as an integer (0 if
// absent or not a number).
func (a Args) Int(name string) int {
	n, _ := strconv.Atoi(a.Get(name))
	return n
}

// After returns the tokens that follow the first token named name.
func (a Args) After(name string) Args {
	for i, x := range a {
		if x.Name == name {
			return a[i+1:]
		}
	}
	return nil
}
