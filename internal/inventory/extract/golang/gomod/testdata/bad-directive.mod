module example.com/app

go 1.22

require github.com/x/y v1.0.0
frobnicate all the things
