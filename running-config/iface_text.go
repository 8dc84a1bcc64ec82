package runningconfig

// Text renders the interface's block as show running-config prints it,
// from the `interface` line to its last sub-line, without the closing
// "!".
func (x *Interface) Text() string {
	var w writer
	x.render(&w)
	return w.b.String()
}
