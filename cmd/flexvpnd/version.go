package main

import (
	"runtime/debug"
	"strings"
)

// version is the release version, set at link time by the Makefile
// (`-ldflags "-X main.version=$(git describe)"`); "devel" otherwise.
var version = "devel"

// Version returns the version of this binary: the one set at link time,
// else the module version recorded by `go install module@version`, else
// "devel" with the VCS revision the go command stamped (a "+dirty" suffix
// when the tree had changes).
func Version() string {
	if version != "devel" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	return version + buildRevision(info.Settings)
}

// buildRevision returns " (REV)" or " (REV+dirty)" from the build
// settings, "" when they carry no revision.
func buildRevision(settings []debug.BuildSetting) string {
	var rev, dirty string
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value[:min(len(s.Value), 12)]
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return " (" + strings.TrimSpace(rev) + dirty + ")"
}
