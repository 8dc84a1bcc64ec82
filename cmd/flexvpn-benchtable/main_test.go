package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{
			name: "side by side, median of three",
			in: `goos: linux
BenchmarkSetupRate-2   	       1	17653483017 ns/op	      700 fx-SAs/s	  200 sw-SAs/s	  3.5 rate-ratio
    bench_test.go:1: a log line
BenchmarkSetupRate-2   	       1	17653483017 ns/op	      900 fx-SAs/s	  300 sw-SAs/s	  3.0 rate-ratio
BenchmarkSetupRate-2   	       1	17653483017 ns/op	      800 fx-SAs/s	  100 sw-SAs/s	  8.0 rate-ratio
PASS
`,
			want: `
SetupRate (median of 3 run(s))

| metric | flexvpnd | charon | flexvpnd/charon |
| --- | ---: | ---: | ---: |
| SAs/s | 800 | 200 | 4.00 |

| metric | value |
| --- | ---: |
| rate-ratio | 3.50 |
`,
		},
		{
			name: "single metrics",
			in:   "BenchmarkSessionsHeld 1 5 ns/op 3120 RSS-B/SA 12.25 show-remote-ms\n",
			want: `
SessionsHeld (median of 1 run(s))

| metric | value |
| --- | ---: |
| RSS-B/SA | 3120 |
| show-remote-ms | 12.2 |
`,
		},
		{
			name: "throughput and CPU per Gbit/s",
			in: `BenchmarkIperf-2 1 0 ns/op 724.6 fx-Mbit/s 1.146 fx-cpu-s/Gbit 152.8 sw-Mbit/s 6.091 sw-cpu-s/Gbit 4.742 x-strongswan
`,
			want: `
Iperf (median of 1 run(s))

| metric | flexvpnd | charon | flexvpnd/charon |
| --- | ---: | ---: | ---: |
| Mbit/s | 725 | 153 | 4.74 |
| cpu-s/Gbit | 1.15 | 6.09 | 0.19 |

| metric | value |
| --- | ---: |
| x-strongswan | 4.74 |
`,
		},
		{name: "no results", in: "PASS\nok x 1s\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			err := run(strings.NewReader(tt.in), &out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, out.String()); diff != "" {
				t.Errorf("table (-want +got):\n%s", diff)
			}
		})
	}
}
