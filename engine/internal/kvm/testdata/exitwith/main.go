// Command exitwith prints its arguments and the value of KVM_GREETING, then
// exits with the status given as its first argument: the payload of the kvm
// package's own tests.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	fmt.Printf("args=%q greeting=%q\n", os.Args[1:], os.Getenv("KVM_GREETING"))
	code, _ := strconv.Atoi(os.Args[1])
	os.Exit(code)
}
