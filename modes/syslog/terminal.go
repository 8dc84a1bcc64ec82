package syslog

import (
	"sync"
	"sync/atomic"
	"time"
)

// terminalQueue is how many messages wait for a slow terminal before
// newer ones are dropped: the logger never blocks on a terminal.
const terminalQueue = 256

// Terminal is a screen that receives log messages asynchronously: the
// console (messages at the `logging console` level) or a vty session
// (at the `logging monitor` level, while `terminal monitor` is on).
type Terminal struct {
	console bool
	monitor atomic.Bool
	queue   chan string
	stopped chan struct{}
	exited  chan struct{} // closed when the writer goroutine returned
	once    sync.Once
	dropped atomic.Int64
}

// detachWait bounds how long Detach waits for a write in progress.
const detachWait = 2 * time.Second

// Attach registers a terminal whose screen write prints a message (lines
// ending in "\n"), from a goroutine of its own. Detach ends it.
func (l *Logger) Attach(console bool, write func(text string)) *Terminal {
	t := &Terminal{console: console, queue: make(chan string, terminalQueue), stopped: make(chan struct{}), exited: make(chan struct{})}
	go func() {
		defer close(t.exited)
		for {
			select {
			case s := <-t.queue:
				write(s)
			case <-t.stopped:
				return
			}
		}
	}()
	l.mu.Lock()
	l.terms = append(l.terms, t)
	l.mu.Unlock()
	return t
}

// Detach stops sending messages to t and waits (a bounded time) for the
// write in progress, after which the screen may go.
func (l *Logger) Detach(t *Terminal) {
	l.mu.Lock()
	if i := indexOf(l.terms, t); i >= 0 {
		l.terms = append(l.terms[:i], l.terms[i+1:]...)
	}
	l.mu.Unlock()
	t.stop()
	select {
	case <-t.exited:
	case <-time.After(detachWait):
	}
}

func indexOf[T comparable](s []T, x T) int {
	for i, y := range s {
		if y == x {
			return i
		}
	}
	return -1
}

// SetMonitor turns `terminal monitor` on or off for a vty session.
func (t *Terminal) SetMonitor(on bool) { t.monitor.Store(on) }

// Monitor reports whether `terminal monitor` is on.
func (t *Terminal) Monitor() bool { return t.monitor.Load() }

// takes reports whether the terminal shows a message of severity s.
func (t *Terminal) takes(cfg *Config, s Severity) bool {
	if t.console {
		return cfg.Console.takes(s)
	}
	return t.monitor.Load() && cfg.Monitor.takes(s)
}

// send queues text for the screen, or drops it when the screen is
// behind.
func (t *Terminal) send(text string) {
	select {
	case t.queue <- text:
	case <-t.stopped:
	default:
		t.dropped.Add(1)
	}
}

func (t *Terminal) stop() { t.once.Do(func() { close(t.stopped) }) }
