module example.com/app

go 1.22.1

require (
	github.com/old/mod v1.0.0
	github.com/pinned/mod v1.1.0
	github.com/other/mod v2.0.0+incompatible
	example.com/local v0.0.0
)

replace github.com/old/mod => github.com/new/mod v1.5.0

replace github.com/pinned/mod v1.0.0 => github.com/never/used v9.9.9

replace (
	github.com/other/mod v2.0.0+incompatible => github.com/fork/mod v2.1.0+incompatible
	example.com/local => ../local
)
