module github.com/flexvpnd/flexvpnd

go 1.26

require (
	github.com/chzyer/readline v1.5.1
	github.com/google/go-cmp v0.7.0
	github.com/vishvananda/netlink v1.3.1
	github.com/vishvananda/netns v0.0.5
	golang.org/x/crypto v0.45.0
	golang.org/x/sys v0.38.0
)
