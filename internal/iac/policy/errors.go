package policy

import "errors"

// ErrNoTests is returned by Test when the directories hold no test rules.
var ErrNoTests = errors.New("no policy tests found")

// ErrTestsFailed is returned by Test when at least one test fails.
var ErrTestsFailed = errors.New("policy tests failed")
