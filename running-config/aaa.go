package runningconfig

import "strings"

// AAA is the `aaa ...` configuration and the RADIUS servers it refers to.
type AAA struct {
	// NewModel is `aaa new-model`; IOS prints `no aaa new-model` when off.
	NewModel bool
	// Groups are the `aaa group server radius|tacacs+ NAME` blocks.
	Groups Ordered[*ServerGroup]
	// Authentication and Authorization are the method lists in the order
	// they were first configured.
	Authentication, Authorization []*MethodList
	// Accounting holds the `aaa accounting ...` lines verbatim (the text
	// after "aaa accounting").
	Accounting []string
	// AttrLists are the `aaa attribute list NAME` blocks.
	AttrLists Ordered[*AttrList]
	// SessionID is `aaa session-id common|unique` ("" is the default,
	// common, which IOS prints when new-model is on).
	SessionID string
	// RadiusServers are the `radius server NAME` blocks (kept, not applied).
	RadiusServers Ordered[*RadiusServer]
}

// MethodList is one `aaa authentication|authorization TYPE LIST METHODS`.
type MethodList struct {
	// Type is the service: "login", "network", "exec", ...
	Type string
	// Name is the list name ("default" or a WORD).
	Name string
	// Methods are the methods in order: "local", "none", "group NAME", ...
	Methods []string
}

// ServerGroup is an `aaa group server radius|tacacs+ NAME` block; its
// sub-lines are kept verbatim.
type ServerGroup struct {
	Protocol string
	Name     string
	Lines    KeptLines
}

// RadiusServer is a `radius server NAME` block; its sub-lines are kept
// verbatim.
type RadiusServer struct {
	Name  string
	Lines KeptLines
}

// AttrList is an `aaa attribute list NAME` block.
type AttrList struct {
	Name string
	// Attrs are the `attribute type ...` lines (text after "attribute
	// type ").
	Attrs []string
}

// SetList adds or replaces (in place) the method list of the same type and
// name in lists.
func SetList(lists *[]*MethodList, m *MethodList) {
	for i, l := range *lists {
		if l.Type == m.Type && l.Name == m.Name {
			(*lists)[i] = m
			return
		}
	}
	*lists = append(*lists, m)
}

// DeleteList removes the method list of that type and name, reporting
// whether it existed.
func DeleteList(lists *[]*MethodList, typ, name string) bool {
	for i, l := range *lists {
		if l.Type == typ && l.Name == name {
			*lists = append((*lists)[:i:i], (*lists)[i+1:]...)
			return true
		}
	}
	return false
}

// FindList returns the method list of that type and name, or nil.
func FindList(lists []*MethodList, typ, name string) *MethodList {
	for _, l := range lists {
		if l.Type == typ && l.Name == name {
			return l
		}
	}
	return nil
}

// renderAAA writes the AAA section: new-model, server groups, method
// lists, attribute lists and the session id, with `!` separators as
// IOS-XE 17 prints them (the exact count of bare `!` lines is UNCONFIRMED).
func (g *Global) renderAAA(w *writer) {
	a := &g.AAA
	if !a.NewModel {
		w.line("no aaa new-model")
		w.bang()
		return
	}
	w.line("aaa new-model")
	w.bang()
	w.bang()
	a.Groups.Each(func(_ string, sg *ServerGroup) {
		w.line("aaa group server %s %s", sg.Protocol, sg.Name)
		sg.Lines.renderRange(w, " ", 0, maxRank)
		w.bang()
	})
	for _, m := range a.Authentication {
		w.line("aaa authentication %s %s %s", m.Type, m.Name, strings.Join(m.Methods, " "))
	}
	// IOS prints a space after every authorization method: the corpus's
	// show-run derived config has "aaa authorization network default
	// local " (UNCONFIRMED for group methods).
	for _, m := range a.Authorization {
		w.line("aaa authorization %s %s %s ", m.Type, m.Name, strings.Join(m.Methods, " "))
	}
	for _, l := range a.Accounting {
		w.line("aaa accounting %s", l)
	}
	w.bang()
	a.AttrLists.Each(func(_ string, l *AttrList) {
		w.line("aaa attribute list %s", l.Name)
		for _, t := range l.Attrs {
			w.line(" attribute type %s", t)
		}
		w.bang()
	})
	w.bang()
	id := a.SessionID
	if id == "" {
		id = "common"
	}
	w.line("aaa session-id %s", id)
	w.bang()
}

// renderRadius writes the `radius server` blocks (IOS-XE prints them after
// the access lists, before control-plane).
func (a *AAA) renderRadius(w *writer) {
	a.RadiusServers.Each(func(_ string, r *RadiusServer) {
		w.line("radius server %s", r.Name)
		r.Lines.renderRange(w, " ", 0, maxRank)
		w.bang()
	})
}

// maxRank bounds the ranks of kept lines.
const maxRank = 1 << 30
