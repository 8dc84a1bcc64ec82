package kvm

// TB is the part of testing.TB the runner uses. Tests pass their
// *testing.T; the package itself does not import testing, so it stays a
// plain library (the project keeps the testing package to _test.go files).
type TB interface {
	Helper()
	Log(args ...any)
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	TempDir() string
}
