// Command flexvpn-benchtable reads `go test -bench` output on stdin and
// prints the medians of each benchmark's metrics over its runs (-count) as
// Markdown tables: metrics named fx-X and sw-X (flexvpnd and strongSwan's
// charon in the same run, see cmd/flexvpnd/bench_test.go and
// bench_iperf_test.go) side by side with their ratio, the others one per
// line. `make bench-table` runs it; docs/BENCHMARKS.md explains the
// figures.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "flexvpn-benchtable:", err)
		os.Exit(1)
	}
}

// bench is one benchmark's metrics: every run's value by unit, and the
// units in order of first appearance.
type bench struct {
	name   string
	units  []string
	values map[string][]float64
}

// run parses the benchmark lines of r and writes the tables to w.
func run(r io.Reader, w io.Writer) error {
	var order []*bench
	byName := map[string]*bench{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, metrics, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		b := byName[name]
		if b == nil {
			b = &bench{name: name, values: map[string][]float64{}}
			byName[name] = b
			order = append(order, b)
		}
		for _, m := range metrics {
			if _, seen := b.values[m.unit]; !seen {
				b.units = append(b.units, m.unit)
			}
			b.values[m.unit] = append(b.values[m.unit], m.value)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(order) == 0 {
		return fmt.Errorf("no benchmark results in the input")
	}
	for _, b := range order {
		writeBench(w, b)
	}
	return nil
}

// metric is one value of a result line.
type metric struct {
	value float64
	unit  string
}

// parseLine parses "BenchmarkX-2  1  123 ns/op  4.5 unit ..." into the
// benchmark's name (without the GOMAXPROCS suffix) and its metrics.
func parseLine(line string) (string, []metric, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
		return "", nil, false
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return "", nil, false
	}
	name := f[0]
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i]
		}
	}
	var ms []metric
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return "", nil, false
		}
		ms = append(ms, metric{v, f[i+1]})
	}
	return name, ms, true
}

// median returns the median of vs (the lower middle for an even count).
func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// writeBench writes one benchmark's table.
func writeBench(w io.Writer, b *bench) {
	runs := 0
	for _, vs := range b.values {
		runs = max(runs, len(vs))
	}
	fmt.Fprintf(w, "\n%s (median of %d run(s))\n\n", strings.TrimPrefix(b.name, "Benchmark"), runs)
	var pairs, single []string
	for _, u := range b.units {
		switch {
		case strings.HasPrefix(u, "fx-") && b.values["sw-"+u[3:]] != nil:
			pairs = append(pairs, u[3:])
		case strings.HasPrefix(u, "sw-") && b.values["fx-"+u[3:]] != nil:
		case u == "ns/op":
		default:
			single = append(single, u)
		}
	}
	if len(pairs) > 0 {
		fmt.Fprintln(w, "| metric | flexvpnd | charon | flexvpnd/charon |")
		fmt.Fprintln(w, "| --- | ---: | ---: | ---: |")
		for _, p := range pairs {
			fx, sw := median(b.values["fx-"+p]), median(b.values["sw-"+p])
			ratio := "-"
			if sw != 0 {
				ratio = fmt.Sprintf("%.2f", fx/sw)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", p, num(fx), num(sw), ratio)
		}
		if len(single) > 0 {
			fmt.Fprintln(w)
		}
	}
	if len(single) > 0 {
		fmt.Fprintln(w, "| metric | value |")
		fmt.Fprintln(w, "| --- | ---: |")
		for _, u := range single {
			fmt.Fprintf(w, "| %s | %s |\n", u, num(median(b.values[u])))
		}
	}
}

// num formats a value with a precision fitting its size.
func num(v float64) string {
	switch {
	case v >= 100 || v <= -100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10 || v <= -10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
