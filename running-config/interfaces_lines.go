package runningconfig

import (
	"sort"
	"strings"
)

// KeptLine is one configuration line of a block that flexvpnd stores
// verbatim (canonical keywords, values as typed) inside a typed object, such
// as `ip nhrp network-id 1` in an interface or `enrollment url ...` in a
// trustpoint.
type KeptLine struct {
	// Rank places the line among the block's lines (IOS order).
	Rank int
	// Key identifies the setting: a new line with the same key replaces the
	// old one (a single-valued setting such as `load-interval`); for
	// multi-valued settings the key is the whole text.
	Key string
	// Text is the line without its indentation.
	Text string
}

// KeptLines is a set of verbatim lines kept in IOS order.
type KeptLines []KeptLine

// Set adds a line, replacing any line with the same key.
func (k *KeptLines) Set(rank int, key, text string) {
	for i := range *k {
		if (*k)[i].Key == key {
			(*k)[i] = KeptLine{Rank: rank, Key: key, Text: text}
			return
		}
	}
	*k = append(*k, KeptLine{Rank: rank, Key: key, Text: text})
	sort.SliceStable(*k, func(a, b int) bool { return (*k)[a].Rank < (*k)[b].Rank })
}

// Delete removes the lines whose text is prefix or starts with prefix
// followed by a space, and reports whether any was removed.
func (k *KeptLines) Delete(prefix string) bool {
	out := (*k)[:0]
	removed := false
	for _, l := range *k {
		if l.Text == prefix || strings.HasPrefix(l.Text, prefix+" ") {
			removed = true
			continue
		}
		out = append(out, l)
	}
	*k = out
	return removed
}

// DeleteKey removes the line with this key and reports whether it existed.
func (k *KeptLines) DeleteKey(key string) bool {
	for i, l := range *k {
		if l.Key == key {
			*k = append((*k)[:i:i], (*k)[i+1:]...)
			return true
		}
	}
	return false
}

// Has reports whether a line with exactly this text is kept.
func (k KeptLines) Has(text string) bool {
	for _, l := range k {
		if l.Text == text {
			return true
		}
	}
	return false
}

// renderRange writes the lines with lo <= Rank < hi at the given indent.
func (k KeptLines) renderRange(w *writer, indent string, lo, hi int) {
	for _, l := range k {
		if l.Rank >= lo && l.Rank < hi {
			w.line("%s%s", indent, l.Text)
		}
	}
}
