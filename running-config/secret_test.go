package runningconfig

import (
	"bufio"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSecretVerify checks the published examples of testdata/secrets.txt
// and that a wrong password fails each of them.
func TestSecretVerify(t *testing.T) {
	f, err := os.Open("testdata/secrets.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) != 3 {
			t.Fatalf("bad line %q", sc.Text())
		}
		s := Secret{Type: fields[0], Text: fields[1]}
		if !s.Verify(fields[2]) {
			t.Errorf("%v does not verify %q", s, fields[2])
		}
		if s.Verify(fields[2] + "x") {
			t.Errorf("%v verifies a wrong password", s)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no examples")
	}
}

func TestSecretVerifyForms(t *testing.T) {
	h8, err := HashSecret("8", "s3cret", "abcdefghijklmn")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		s    Secret
		pw   string
		want bool
	}{
		{Secret{Text: "plain"}, "plain", true},
		{Secret{Type: "0", Text: "plain"}, "plain", true},
		{Secret{Type: "0", Text: "plain"}, "Plain", false},
		{Secret{Type: "8", Text: h8}, "s3cret", true},
		{Secret{Type: "8", Text: h8}, "s3cre", false},
		{Secret{Type: "5", Text: "garbage"}, "", false},
		{Secret{Type: "7", Text: "9"}, "", false},
		{Secret{Type: "7", Text: "99AB"}, "", false},
		{Secret{Type: "9", Text: "$9$nosalt"}, "", false},
		{Secret{Type: "4", Text: "x"}, "x", false},
	}
	for _, tt := range tests {
		if got := tt.s.Verify(tt.pw); got != tt.want {
			t.Errorf("%v.Verify(%q) = %v, want %v", tt.s, tt.pw, got, tt.want)
		}
	}
	if len(h8) != len("$8$")+14+1+43 {
		t.Errorf("type 8 hash %q has the wrong length", h8)
	}
}

// byteReader stands in for crypto/rand: it gives the same byte forever.
type byteReader byte

func (b byteReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// withRand replaces Rand for one test.
func withRand(t *testing.T, r io.Reader) {
	t.Helper()
	old := Rand
	Rand = r
	t.Cleanup(func() { Rand = old })
}

// TestNewSecret checks that new hashed secrets have the IOS shape and
// verify the password they were made from, with fresh salts each time.
func TestNewSecret(t *testing.T) {
	shapes := map[string]*regexp.Regexp{
		"5": regexp.MustCompile(`^\$1\$[./0-9A-Za-z]{4}\$[./0-9A-Za-z]{22}$`),
		"8": regexp.MustCompile(`^\$8\$[./0-9A-Za-z]{14}\$[./0-9A-Za-z]{43}$`),
		"9": regexp.MustCompile(`^\$9\$[./0-9A-Za-z]{14}\$[./0-9A-Za-z]{43}$`),
	}
	for typ, re := range shapes {
		s, err := NewSecret(typ, "cisco")
		if err != nil {
			t.Fatal(err)
		}
		again, err := NewSecret(typ, "cisco")
		if err != nil {
			t.Fatal(err)
		}
		if s.Type != typ || !re.MatchString(s.Text) || !s.Verify("cisco") || s.Verify("cisc0") || s.Text == again.Text {
			t.Errorf("type %s: %+v (again %+v)", typ, s, again)
		}
	}
	if _, err := NewSecret("7", "cisco"); err == nil {
		t.Error("NewSecret made a type 7 secret")
	}
}

// TestEncodeType7 checks the type 7 encoding against known examples and
// that the offset stays within 00-15.
func TestEncodeType7(t *testing.T) {
	for _, tt := range []struct {
		seed byte
		in   string
		want string
	}{
		{8, "cisco", "0822455D0A16"},
		{2, "cisco", "02050D480809"},
		{0x1f, "", "15"},
		{0xf0, "pw", "001404"},
	} {
		withRand(t, byteReader(tt.seed))
		got, err := EncodeType7(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if plain, ok := DecodeType7(got); got != tt.want || !ok || plain != tt.in {
			t.Errorf("EncodeType7(%q) with seed %d = %q (decodes %q %v), want %q", tt.in, tt.seed, got, plain, ok, tt.want)
		}
	}
}

// TestEncrypt checks that only plain-text secrets become type 7.
func TestEncrypt(t *testing.T) {
	withRand(t, byteReader(8))
	for _, tt := range []struct{ in, want Secret }{
		{Secret{Text: "cisco"}, Secret{Type: "7", Text: "0822455D0A16"}},
		{Secret{Type: "0", Text: "cisco"}, Secret{Type: "7", Text: "0822455D0A16"}},
		{Secret{Type: "7", Text: "02050D480809"}, Secret{Type: "7", Text: "02050D480809"}},
		{Secret{Type: "5", Text: "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"}, Secret{Type: "5", Text: "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"}},
	} {
		got := tt.in
		if err := got.Encrypt(); err != nil || got != tt.want {
			t.Errorf("%+v.Encrypt() = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}
