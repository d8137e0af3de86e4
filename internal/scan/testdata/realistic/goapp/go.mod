module example.com/goapp

go 1.20

require (
	github.com/gin-gonic/gin v1.6.0
	golang.org/x/text v0.3.5
)

require golang.org/x/net v0.0.0-20210226172049-e18ecbb05110 // indirect
