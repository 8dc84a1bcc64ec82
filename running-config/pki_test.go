package runningconfig

import "testing"

func TestPKIRender(t *testing.T) {
	var p PKI
	tp := p.Trustpoint("TP", true)
	tp.Lines.Set(11, "enrollment", "enrollment selfsigned")
	p.CertMap("M", 10, true).Lines.Set(0, "subject-name co x", "subject-name co x")
	p.CertMap("M", 20, true)
	ch := p.Chain("TP", true)
	ch.Certificate("self-signed", "01", true).Hex = []string{"3082 0101"}
	ch.Certificate("ca", "02", true)
	ch.Certificate("", "01", true).Hex = []string{"AB"} // entered again: replaced
	var w writer
	p.render(&w)
	want := "crypto pki trustpoint TP\n enrollment selfsigned\n!\n" +
		"crypto pki certificate map M 10\n subject-name co x\n!\ncrypto pki certificate map M 20\n!\n" +
		"crypto pki certificate chain TP\n certificate 01\n  AB\n        quit\n certificate ca 02\n        quit\n!\n"
	if w.b.String() != want {
		t.Errorf("render:\n%s\nwant:\n%s", w.b.String(), want)
	}
	if !p.DeleteCertMap("M", 0) || p.Maps.Len() != 0 {
		t.Error("DeleteCertMap all sequences")
	}
	if !ch.DeleteCertificate("02") || ch.DeleteCertificate("02") || len(ch.Certs) != 1 {
		t.Error("DeleteCertificate")
	}
}
