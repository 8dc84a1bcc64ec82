package modes

import (
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// RawInput is implemented by the object of a frame that reads the next
// input lines as text rather than commands (a banner until its delimiter).
// The session hands it every line, blank and `!` lines included, until it
// leaves its frame.
type RawInput interface {
	RawLine(c *Ctx, line string) error
}

// execRaw gives a line to the RawInput of the current frame.
func (s *Session) execRaw(r RawInput, line string, out *strings.Builder) error {
	s.Sys.mu.Lock()
	defer s.Sys.mu.Unlock()
	level := len(s.stack) - 1
	c := &Ctx{S: s, Cfg: s.Sys.config, Frame: s.stack[level], Line: line, Out: out, level: level}
	return r.RawLine(c, line)
}

// vbBannerMode is the frame of a banner whose text goes on over several
// lines. UNCONFIRMED: IOS prints no prompt while the text is typed; the
// session shows the global configuration prompt.
var vbBannerMode = &Mode{Name: "config", Title: "banner text", Parent: ConfigMode}

// vbBanner is a banner being read: its block, kind and delimiter.
type vbBanner struct {
	k     *runningconfig.Kept
	kind  string
	delim string
	text  string
}

// render stores the banner as show running-config prints it: the
// delimiter always shown as ^C. Text after a "^C" inside the text is
// dropped, so that the rendering loads back to the same banner.
func (b *vbBanner) render() {
	text, _, _ := strings.Cut(b.text, "^C")
	b.k.Lines = strings.Split("banner "+b.kind+" ^C"+text+"^C", "\n")
}

// RawLine adds a line of banner text; the line holding the delimiter ends
// the banner (what follows the delimiter on that line is ignored).
func (b *vbBanner) RawLine(c *Ctx, line string) error {
	if i := strings.Index(line, b.delim); i >= 0 {
		b.text += "\n" + line[:i]
		b.render()
		c.S.stack = c.S.stack[:c.level]
		return nil
	}
	b.text += "\n" + line
	b.render()
	return nil
}

// vbBannerRun runs `banner KIND dTEXTd`: d is the first character after the
// kind, or "^C" as show running-config prints it (so a pasted capture
// loads). Text that does not end on the same line is read by RawLine.
func vbBannerRun(c *Ctx, f *vbFamily, a parser.Args) error {
	kind := a[1].Value
	rest := a.Get("LINE")
	delim := rest[:1]
	if strings.HasPrefix(rest, "^C") {
		delim = "^C"
	}
	header := "banner " + kind
	vbRemoveBlocks(c.Cfg, f.Name, header)
	b := &vbBanner{kind: kind, delim: delim, k: vbNewBlock(c, f, nil)}
	body := rest[len(delim):]
	if i := strings.Index(body, delim); i >= 0 {
		b.text = body[:i]
		b.render()
		return nil
	}
	b.text = body
	b.render()
	c.Printf("Enter TEXT message.  End with the character '%s'.\n", delim)
	c.Enter(vbBannerMode, b)
	return nil
}
