module example.com/app

go 1.21

toolchain go1.22.3

require github.com/google/uuid v1.6.0
