// Command vigil is security as code: vulnerabilities, misconfigurations and
// secrets from commit to production. All logic lives in internal/.
package main

import (
	"github.com/vigil-sec/vigil/internal/cli"
	// Huge pages for the heap, advised before the libraries' init runs.
	_ "github.com/vigil-sec/vigil/internal/hugepages"
)

func main() { cli.Main() }
