package swanlab

// TB is the part of testing.TB the lab uses. Tests pass their *testing.T;
// the package itself does not import testing, so it stays a plain library
// (the project keeps the testing package to _test.go files).
type TB interface {
	Helper()
	Cleanup(func())
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
	Failed() bool
	TempDir() string
}
