// Command vigil is security as code: vulnerabilities, misconfigurations and
// secrets from commit to production. All logic lives in internal/.
package main

import "github.com/vigil-sec/vigil/internal/cli"

func main() { cli.Main() }
