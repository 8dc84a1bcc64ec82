package runningconfig

import (
	"bufio"
	"os"
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
