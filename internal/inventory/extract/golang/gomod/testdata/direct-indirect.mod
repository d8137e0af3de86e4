module example.com/app

go 1.22

require (
	github.com/google/uuid v1.6.0
	golang.org/x/text v0.14.0 // indirect
)

require github.com/spf13/cobra v1.8.0

exclude golang.org/x/net v0.1.0
