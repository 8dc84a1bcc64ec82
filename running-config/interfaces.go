package runningconfig

// Interfaces holds every `interface` block.
type Interfaces struct {
	byName Ordered[*Interface]
}

// Interface is one `interface NAME` block.
type Interface struct {
	Name string
}

func (i *Interfaces) render(w *writer) {}
