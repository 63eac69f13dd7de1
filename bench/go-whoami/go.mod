module whoami-go-reference

go 1.19
