package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// module is the module path; the layering rules name packages relative to it.
const module = "github.com/flexvpnd/flexvpnd"

// listedPackage is the part of `go list -json` output the rules read.
type listedPackage struct {
	ImportPath   string
	Standard     bool
	Imports      []string // direct imports of the non-test files
	Deps         []string // transitive imports of the non-test files
	TestImports  []string
	XTestImports []string
}

// listPackages runs `go list -json` over every package of the module.
func listPackages(t *testing.T) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// rel returns a package path relative to the module ("parser",
// "engine/dataplane/xfrm"), or "" for a package outside it.
func rel(path string) string {
	if path == module {
		return "."
	}
	r, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return ""
	}
	return r
}

// under reports whether the module package r is dir or inside it.
func under(r, dir string) bool { return r == dir || strings.HasPrefix(r, dir+"/") }

// isStd reports whether an import path is in the standard library (its
// first element has no dot).
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// within reports whether path is the package prefix or below it.
func within(path, prefix string) bool { return path == prefix || strings.HasPrefix(path, prefix+"/") }

// isTerminal reports whether a module package is terminal code: the
// console package and the SSH server package.
func isTerminal(r string) bool {
	return under(r, "modes/console") || under(r, "modes/ssh")
}

// layerRule is one import rule of docs/ARCHITECTURE.md ("Import direction").
type layerRule struct {
	name string
	// applies selects the module packages the rule constrains.
	applies func(r string) bool
	// transitive checks Deps instead of the direct Imports.
	transitive bool
	// forbidden reports whether the package may not import path.
	forbidden func(path string) bool
}

var layerRules = []layerRule{
	{
		name:       "parser imports only the standard library",
		applies:    func(r string) bool { return under(r, "parser") },
		transitive: true,
		forbidden:  func(p string) bool { return !isStd(p) },
	},
	{
		name:       "running-config never imports parser or modes",
		applies:    func(r string) bool { return under(r, "running-config") },
		transitive: true,
		forbidden: func(p string) bool {
			return within(p, module+"/parser") || within(p, module+"/modes")
		},
	},
	{
		name:       "engine never imports modes, parser or running-config",
		applies:    func(r string) bool { return under(r, "engine") },
		transitive: true,
		forbidden: func(p string) bool {
			return within(p, module+"/parser") || within(p, module+"/modes") || within(p, module+"/running-config")
		},
	},
	{
		name:      "only engine/dataplane/xfrm and engine/dataplane/netdev import netlink",
		applies:   func(r string) bool { return !under(r, "engine/dataplane/xfrm") && !under(r, "engine/dataplane/netdev") },
		forbidden: func(p string) bool { return within(p, "github.com/vishvananda/netlink") },
	},
	{
		name:    "only terminal code imports readline and ssh",
		applies: func(r string) bool { return !isTerminal(r) },
		forbidden: func(p string) bool {
			return within(p, "github.com/chzyer/readline") || within(p, "golang.org/x/crypto/ssh")
		},
	},
	{
		name:      "testing and go-cmp only in _test.go files",
		applies:   func(r string) bool { return true },
		forbidden: func(p string) bool { return p == "testing" || within(p, "github.com/google/go-cmp") },
	},
}

// violations lists "package imports path" for every broken rule.
func violations(pkgs []listedPackage) []string {
	var out []string
	for _, p := range pkgs {
		r := rel(p.ImportPath)
		if r == "" {
			continue
		}
		for _, rule := range layerRules {
			if !rule.applies(r) {
				continue
			}
			imports := p.Imports
			if rule.transitive {
				imports = p.Deps
			}
			for _, imp := range imports {
				if rule.forbidden(imp) {
					out = append(out, rule.name+": "+p.ImportPath+" imports "+imp)
				}
			}
		}
	}
	return out
}

// TestLayering enforces the import direction of the design: a package that
// imports across a layer boundary fails the build's tests.
func TestLayering(t *testing.T) {
	pkgs := listPackages(t)
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[rel(p.ImportPath)] = true
	}
	for _, want := range []string{"parser", "modes", "running-config", "cmd/flexvpnd"} {
		if !seen[want] {
			t.Errorf("go list did not report package %s", want)
		}
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// TestLayeringRules checks that each rule catches what it must, on made-up
// package lists (the real tree is expected to have no violation).
func TestLayeringRules(t *testing.T) {
	m := func(r string) string { return module + "/" + r }
	bad := []listedPackage{
		{ImportPath: m("parser"), Deps: []string{"fmt", m("modes")}},
		{ImportPath: m("running-config"), Deps: []string{m("parser")}},
		{ImportPath: m("engine/ikev2"), Deps: []string{m("running-config")}},
		{ImportPath: m("engine/dataplane/userspace"), Imports: []string{"github.com/vishvananda/netlink"}},
		{ImportPath: m("modes"), Imports: []string{"github.com/chzyer/readline"}},
		{ImportPath: m("cmd/flexvpnd"), Imports: []string{"golang.org/x/crypto/ssh"}},
		{ImportPath: m("running-config"), Imports: []string{"github.com/google/go-cmp/cmp"}},
		{ImportPath: m("modes"), Imports: []string{"testing"}},
	}
	if got := violations(bad); len(got) != len(bad) {
		t.Errorf("violations found %d of %d:\n%s", len(got), len(bad), strings.Join(got, "\n"))
	}
	good := []listedPackage{
		{ImportPath: m("parser"), Deps: []string{"fmt", "net/netip"}, TestImports: []string{"testing", "github.com/google/go-cmp/cmp"}},
		{ImportPath: m("modes"), Deps: []string{m("parser"), m("running-config")}},
		{ImportPath: m("engine/dataplane/xfrm"), Imports: []string{"github.com/vishvananda/netlink"}},
		{ImportPath: m("engine/dataplane/netdev"), Imports: []string{"github.com/vishvananda/netlink"}},
		{ImportPath: m("modes/console"), Imports: []string{"github.com/chzyer/readline"}},
		{ImportPath: m("modes/ssh"), Imports: []string{"golang.org/x/crypto/ssh"}},
		{ImportPath: "golang.org/x/crypto/ssh", Imports: []string{"testing"}},
	}
	if got := violations(good); len(got) != 0 {
		t.Errorf("false violations:\n%s", strings.Join(got, "\n"))
	}
}
