package modes

import (
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// This file is the machinery for valid IOS configuration that flexvpnd
// accepts, stores verbatim in running-config (runningconfig.Kept blocks) and
// renders back at its IOS place, but does not act on: routing protocols,
// IKEv1, crypto maps, ntp, banners and so on. The families themselves are
// declared in kept_families.go.

// vbFamily is one global-mode command family that is kept verbatim.
type vbFamily struct {
	// Name identifies the family (runningconfig.Kept.Family). Entries with
	// the same Name share their block and their place in the slot.
	Name string
	// Spec and Help are the global-mode grammar of the command; No and
	// NoHelp its `no` form as in Command.
	Spec   string
	Help   []string
	No     string
	NoHelp []string
	// Slot and Group place the blocks in show running-config.
	Slot  runningconfig.Slot
	Group string
	// Reason is reported once per block through Ctx.NotApplied.
	Reason string
	// Block makes each command its own block, named by its vbText text
	// (`router bgp 1`); otherwise the lines of the family collect in one
	// block (`ntp ...`).
	Block bool
	// Sub is the sub-mode a block command enters (nil: none).
	Sub *vbMode
	// NoKept stores a `no` line of a one-line family that removes nothing:
	// IOS prints such lines (`no platform punt-keepalive ...`).
	NoKept bool
	// Trail renders the header with the trailing space IOS prints after
	// some headers (`crypto map M 10 ipsec-isakmp `).
	Trail bool
	// Canon builds the vbText text of the line (default: the matched
	// tokens joined by spaces).
	Canon func(a parser.Args) string
	// Note is printed when a new block is created.
	Note string
	// Run replaces the default handler (banners).
	Run func(c *Ctx, f *vbFamily, a parser.Args) error
}

// vbMode is the sub-mode of a kept block: a grammar of the keywords that
// occur inside such blocks. Lines that are not in it fall through to the
// parent modes as usual.
type vbMode struct {
	mode *Mode
	subs []*vbSub
}

// vbSub is one command of a kept sub-mode.
type vbSub struct {
	Spec string
	Help []string
	// Enter is the nested sub-mode the command opens (address-family).
	Enter *vbMode
	// Close is the line IOS prints at the end of the nested block
	// (exit-address-family); typing it leaves the nested mode.
	Close string
	// Bang renders a "!" line before the nested block, as IOS does before
	// each address-family of a router.
	Bang bool
	// Trail renders the line with a trailing space (` set transform-set X `).
	Trail bool
	// Show is the keyword IOS prints for the command when it differs from
	// the one typed in full (`encryption` shows as `encr`).
	Show string
	// Check validates the line before it is stored.
	Check func(c *Ctx, f *vbFrame, a parser.Args) error
}

// vbArgHelp is the help of the free-text argument of a kept command.
const vbArgHelp = "Command arguments"

// vbArgs declares a kept sub-mode command taking arguments ("neighbor LINE").
func vbArgs(keyword, help string) *vbSub {
	return &vbSub{Spec: keyword + " LINE", Help: []string{help, vbArgHelp}}
}

// vbWord declares a kept sub-mode command without arguments.
func vbWord(keyword, help string) *vbSub {
	return &vbSub{Spec: keyword, Help: []string{help}}
}

// vbNest declares a kept sub-mode command that opens a nested sub-mode.
func vbNest(s *vbSub, m *vbMode, closeLine string, bang bool) *vbSub {
	s.Enter, s.Close, s.Bang = m, closeLine, bang
	return s
}

// newVBMode declares a kept sub-mode with its prompt name and title.
func newVBMode(name, title string, subs ...*vbSub) *vbMode {
	km := &vbMode{mode: NewConfigMode(name, title, ConfigMode), subs: subs}
	for _, s := range subs {
		km.add(s)
	}
	return km
}

func (km *vbMode) add(s *vbSub) {
	if s.Enter != nil {
		s.Enter.mode.Parent = km.mode
	}
	km.mode.Add(&Command{
		Spec: s.Spec, Help: s.Help,
		Run:   func(c *Ctx, a parser.Args) error { return vbSubSet(c, s, a) },
		Unset: func(c *Ctx, a parser.Args) error { return vbSubUnset(c, s, a) },
	})
	if s.Close != "" {
		s.Enter.mode.Add(&Command{
			Spec: s.Close, Help: []string{"Exit from " + s.Enter.mode.Title + " mode"}, No: "-",
			Run: func(c *Ctx, a parser.Args) error {
				c.S.stack = c.S.stack[:c.level]
				return nil
			},
		})
	}
}

// vbRank orders the families inside a slot (IOS order): the index of
// the first declaration of each family name.
var vbRank = map[string]int{}

// keepVerbatim registers kept families in global configuration mode, in
// IOS order.
func keepVerbatim(fams ...*vbFamily) {
	for _, f := range fams {
		if _, ok := vbRank[f.Name]; !ok {
			vbRank[f.Name] = len(vbRank)
		}
		f := f
		run := func(c *Ctx, a parser.Args) error { return vbSet(c, f, a) }
		if f.Run != nil {
			run = func(c *Ctx, a parser.Args) error { return f.Run(c, f, a) }
		}
		ConfigMode.Add(&Command{
			Spec: f.Spec, Help: f.Help, No: f.No, NoHelp: f.NoHelp,
			Run:   run,
			Unset: func(c *Ctx, a parser.Args) error { return vbUnset(c, f, a) },
		})
	}
}

// vbText is the text of a matched line as IOS shows it: keywords in
// full, values normalized, free text as typed.
func vbText(a parser.Args) string {
	parts := make([]string, len(a))
	for i, x := range a {
		parts[i] = x.Value
	}
	return strings.Join(parts, " ")
}

// vbNegated returns the arguments of a `no` form without the `no`.
func vbNegated(a parser.Args) parser.Args {
	if len(a) > 0 && a[0].Name == "no" {
		return a[1:]
	}
	return a
}

// text is the canonical text of a line of the family.
func (f *vbFamily) text(a parser.Args) string {
	if f.Canon != nil {
		return f.Canon(a)
	}
	return vbText(a)
}

// vbSet runs a kept global command.
func vbSet(c *Ctx, f *vbFamily, a parser.Args) error {
	text := f.text(a)
	if !f.Block {
		k := vbFind(c.Cfg, f.Name, "")
		if k == nil {
			k = vbNewBlock(c, f, nil)
		}
		vbAddFlat(k, text)
		return nil
	}
	k := vbFind(c.Cfg, f.Name, text)
	if k == nil {
		header := text
		if f.Trail {
			header += " "
		}
		k = vbNewBlock(c, f, []string{header})
	}
	if f.Sub != nil {
		c.Enter(f.Sub.mode, &vbFrame{k: k})
	}
	return nil
}

// vbUnset runs the `no` form of a kept global command: it removes the
// block(s) or lines it names.
func vbUnset(c *Ctx, f *vbFamily, a parser.Args) error {
	text := vbText(vbNegated(a))
	if f.Block {
		vbRemoveBlocks(c.Cfg, f.Name, text)
		return nil
	}
	k := vbFind(c.Cfg, f.Name, "")
	if k != nil && vbRemoveFlat(k, text) {
		if len(k.Lines) == 0 {
			vbRemoveBlock(c.Cfg, k)
		}
		return nil
	}
	if f.NoKept {
		if k == nil {
			k = vbNewBlock(c, f, nil)
		}
		vbAddFlat(k, "no "+text)
	}
	return nil
}

// vbNewBlock adds a block of family f with the given lines at its place
// and reports it as not applied, once per group of blocks rendered
// together (the boot markers are reported once).
func vbNewBlock(c *Ctx, f *vbFamily, lines []string) *runningconfig.Kept {
	report := true
	for _, o := range c.Cfg.Kept {
		if f.Group != "" && o.Slot == f.Slot && o.Group == f.Group {
			report = false
		}
	}
	k := vbInsertBlock(c, f, lines)
	if report {
		c.NotApplied(f.Reason)
	}
	return k
}

// vbInsertBlock adds a block of family f with the given lines at its place
// in the slot, without reporting it.
func vbInsertBlock(c *Ctx, f *vbFamily, lines []string) *runningconfig.Kept {
	k := &runningconfig.Kept{Slot: f.Slot, Lines: lines, Reason: f.Reason, Family: f.Name, Group: f.Group}
	rank := vbRank[f.Name]
	at := len(c.Cfg.Kept)
	for i, o := range c.Cfg.Kept {
		if r, ok := vbRank[o.Family]; o.Slot == f.Slot && (!ok || r > rank) {
			at = i
			break
		}
	}
	c.Cfg.Kept = append(c.Cfg.Kept, nil)
	copy(c.Cfg.Kept[at+1:], c.Cfg.Kept[at:])
	c.Cfg.Kept[at] = k
	if f.Note != "" {
		c.Printf("%s", f.Note)
	}
	return k
}

// vbFind returns the block of a family, the one whose header is header
// when header is not "".
func vbFind(cfg *runningconfig.Config, family, header string) *runningconfig.Kept {
	for _, k := range cfg.Kept {
		if k.Family == family && (header == "" || len(k.Lines) > 0 && strings.TrimRight(k.Lines[0], " ") == header) {
			return k
		}
	}
	return nil
}

// vbRemoveBlocks removes the blocks of a family whose header is text or
// starts with text and a space (`no route-map NAME` removes every entry).
func vbRemoveBlocks(cfg *runningconfig.Config, family, text string) {
	kept := cfg.Kept[:0]
	for _, k := range cfg.Kept {
		if k.Family == family && len(k.Lines) > 0 && vbPrefix(strings.TrimRight(k.Lines[0], " "), text) {
			continue
		}
		kept = append(kept, k)
	}
	clear(cfg.Kept[len(kept):])
	cfg.Kept = kept
}

func vbRemoveBlock(cfg *runningconfig.Config, k *runningconfig.Kept) {
	for i, o := range cfg.Kept {
		if o == k {
			cfg.Kept = append(cfg.Kept[:i], cfg.Kept[i+1:]...)
			return
		}
	}
}

// vbPrefix reports whether line is text or text followed by more words.
func vbPrefix(line, text string) bool {
	return line == text || strings.HasPrefix(line, text+" ")
}

// vbAddFlat adds a line to a one-line family's block unless it is there; a
// line replaces its negation (`cdp run` removes `no cdp run`).
func vbAddFlat(k *runningconfig.Kept, text string) {
	for i, l := range k.Lines {
		if l == text {
			return
		}
		if l == "no "+text || "no "+l == text {
			k.Lines[i] = text
			return
		}
	}
	k.Lines = append(k.Lines, text)
}

// vbRemoveFlat removes the lines that text names; it reports whether any was.
func vbRemoveFlat(k *runningconfig.Kept, text string) bool {
	n := len(k.Lines)
	out := k.Lines[:0]
	for _, l := range k.Lines {
		if !vbPrefix(l, text) {
			out = append(out, l)
		}
	}
	k.Lines = out
	return len(out) < n
}

// vbFrame is the object of a kept sub-mode frame: the block and the index
// of the header line of the (possibly nested) block being edited.
type vbFrame struct {
	k   *runningconfig.Kept
	hdr int
}

// vbIndent is the nesting depth of a stored line (one space per level).
func vbIndent(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }

// depth is the depth of the frame's children.
func (f *vbFrame) depth() int { return vbIndent(f.k.Lines[f.hdr]) + 1 }

// end is the index where the frame's children end: the first line after
// the header that is not deeper than it.
func (f *vbFrame) end() int {
	d := f.depth()
	for i := f.hdr + 1; i < len(f.k.Lines); i++ {
		if vbIndent(f.k.Lines[i]) < d {
			return i
		}
	}
	return len(f.k.Lines)
}

// child returns the index of the child line equal to text, or -1.
func (f *vbFrame) child(text string) int {
	d := f.depth()
	for i := f.hdr + 1; i < f.end(); i++ {
		l := f.k.Lines[i]
		if vbIndent(l) == d && strings.TrimRight(l[d:], " ") == text {
			return i
		}
	}
	return -1
}

// insert inserts lines at index i.
func (f *vbFrame) insert(i int, lines ...string) {
	k := f.k
	k.Lines = append(k.Lines[:i], append(append([]string(nil), lines...), k.Lines[i:]...)...)
}

// extent returns the range of lines that the child line at i stands for:
// itself, its nested lines, the "!" before it and its closing line.
func (f *vbFrame) extent(i int) (from, to int) {
	d := f.depth()
	from, to = i, i+1
	for to < len(f.k.Lines) && vbIndent(f.k.Lines[to]) > d {
		to++
	}
	if to < len(f.k.Lines) && vbIndent(f.k.Lines[to]) == d && strings.HasPrefix(f.k.Lines[to][d:], "exit-") {
		to++
	}
	if from > f.hdr+1 && strings.TrimSpace(f.k.Lines[from-1]) == "!" && vbIndent(f.k.Lines[from-1]) == d {
		from--
	}
	return from, to
}

// text is the canonical text of a sub-mode line.
func (s *vbSub) text(a parser.Args) string {
	text := vbText(a)
	if s.Show != "" {
		_, rest, _ := strings.Cut(text, " ")
		text = strings.TrimRight(s.Show+" "+rest, " ")
	}
	return text
}

// vbSubSet stores a line typed in a kept sub-mode, or enters the nested
// block it opens.
func vbSubSet(c *Ctx, s *vbSub, a parser.Args) error {
	f := c.Frame.Obj.(*vbFrame)
	if s.Check != nil {
		if err := s.Check(c, f, a); err != nil {
			return err
		}
	}
	text := s.text(a)
	at := f.child(text)
	if at < 0 {
		if neg := f.child("no " + text); neg >= 0 {
			from, to := f.extent(neg)
			f.k.Lines = append(f.k.Lines[:from], f.k.Lines[to:]...)
		}
		pad := strings.Repeat(" ", f.depth())
		line := pad + text
		if s.Trail {
			line += " "
		}
		lines := []string{line}
		if s.Bang {
			lines = append([]string{pad + "!"}, lines...)
		}
		if s.Close != "" {
			lines = append(lines, pad+s.Close)
		}
		f.insert(f.end(), lines...)
		at = f.child(text)
	}
	if s.Enter != nil {
		c.Enter(s.Enter.mode, &vbFrame{k: f.k, hdr: at})
	}
	return nil
}

// vbSubUnset runs `no LINE` in a kept sub-mode: it removes the lines (and
// nested blocks) that LINE names, or stores `no LINE` when there are none
// (`no split-horizon`).
func vbSubUnset(c *Ctx, s *vbSub, a parser.Args) error {
	f := c.Frame.Obj.(*vbFrame)
	text := s.text(vbNegated(a))
	d := f.depth()
	removed := false
	for i := f.hdr + 1; i < f.end(); {
		l := f.k.Lines[i]
		if vbIndent(l) == d && vbPrefix(strings.TrimRight(l[d:], " "), text) {
			from, to := f.extent(i)
			f.k.Lines = append(f.k.Lines[:from], f.k.Lines[to:]...)
			removed = true
			i = from
			continue
		}
		i++
	}
	if !removed && f.child("no "+text) < 0 {
		f.insert(f.end(), strings.Repeat(" ", d)+"no "+text)
	}
	return nil
}
