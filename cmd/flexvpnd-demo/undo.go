package main

import (
	"errors"
	"fmt"
	"sync"
)

// undoStack holds what removes each thing the demo created, run in
// reverse order exactly once. Something created after the stack ran (a
// step racing with an interrupt) is removed at once.
type undoStack struct {
	mu    sync.Mutex
	steps []undoStep
	done  bool
}

type undoStep struct {
	what string
	fn   func() error
}

// push records how to remove what, or removes it now when the stack has
// already run.
func (u *undoStack) push(what string, fn func() error) {
	u.mu.Lock()
	if !u.done {
		u.steps = append(u.steps, undoStep{what, fn})
		u.mu.Unlock()
		return
	}
	u.mu.Unlock()
	fn()
}

// run removes everything in reverse order of creation and returns the
// failures.
func (u *undoStack) run() error {
	u.mu.Lock()
	steps := u.steps
	u.steps, u.done = nil, true
	u.mu.Unlock()
	var errs []error
	for i := len(steps) - 1; i >= 0; i-- {
		if err := steps[i].fn(); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", steps[i].what, err))
		}
	}
	return errors.Join(errs...)
}
