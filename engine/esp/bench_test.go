package esp

import "testing"

const benchPayload = 1400

// BenchmarkEncap measures in-place encapsulation of 1400-octet payloads.
func BenchmarkEncap(b *testing.B) {
	for _, a := range algos {
		b.Run(a.name, func(b *testing.B) {
			o, _ := a.pair(b, true, 1024)
			buf := make([]byte, benchPayload+o.Overhead())
			h := o.HeaderLen()
			b.SetBytes(benchPayload)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := o.Encap(buf[:0], buf[h:h+benchPayload], 4); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecap measures decapsulation with the replay window on (1024).
// Each iteration copies a pre-built packet into the work buffer (Decap
// decrypts in place), so the figure includes one 1.4 kB copy.
func BenchmarkDecap(b *testing.B) {
	for _, a := range algos {
		b.Run(a.name, func(b *testing.B) {
			o, in := a.pair(b, true, 1024)
			pkts := make([][]byte, 1024)
			for i := range pkts {
				pkts[i] = packetAt(b, o, uint64(i+1), pattern(byte(i), benchPayload))
			}
			buf := make([]byte, len(pkts[0]))
			b.SetBytes(benchPayload)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i == len(pkts) {
					i = 0
					in.replay.top = 0
					clear(in.replay.ring)
				}
				copy(buf, pkts[i])
				if _, _, err := in.Decap(buf); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
