module github.com/flexvpnd/flexvpnd

go 1.26
