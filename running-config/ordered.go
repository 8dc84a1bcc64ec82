package runningconfig

// Ordered is a map from IOS object name to object that keeps the order in
// which names were first added (the order IOS renders them in).
type Ordered[T any] struct {
	keys []string
	m    map[string]T
}

// Get returns the object named name.
func (o *Ordered[T]) Get(name string) (T, bool) {
	v, ok := o.m[name]
	return v, ok
}

// Set adds or replaces the object named name; a new name goes last.
func (o *Ordered[T]) Set(name string, v T) {
	if o.m == nil {
		o.m = map[string]T{}
	}
	if _, ok := o.m[name]; !ok {
		o.keys = append(o.keys, name)
	}
	o.m[name] = v
}

// Delete removes the object named name, reporting whether it existed.
func (o *Ordered[T]) Delete(name string) bool {
	if _, ok := o.m[name]; !ok {
		return false
	}
	delete(o.m, name)
	for i, k := range o.keys {
		if k == name {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
	return true
}

// Len is the number of objects.
func (o *Ordered[T]) Len() int { return len(o.keys) }

// Keys returns the names in order (a copy).
func (o *Ordered[T]) Keys() []string { return append([]string(nil), o.keys...) }

// Each calls f for every object in order.
func (o *Ordered[T]) Each(f func(name string, v T)) {
	for _, k := range o.keys {
		f(k, o.m[k])
	}
}
