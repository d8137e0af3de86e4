module example.com/old

require github.com/pkg/errors v0.9.1
