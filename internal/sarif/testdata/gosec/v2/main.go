// Command demo is a small program with problems gosec finds.
package main

import (
	"crypto/md5"
	"fmt"
	"os"
	"os/exec"
)

// The password is used below; these comment lines only move the code.
// One more line.
// And another.

const password = "hunter2-very-secret-password"

// checksum hashes data.
func checksum(data []byte) string {
	return fmt.Sprintf("%x", md5.Sum(data))
}

// run runs a tool.
func run(tool string) error {
	return exec.Command(tool, "--version").Run()
}

func main() {
	fmt.Println(checksum([]byte(password)))
	if err := run(os.Args[1]); err != nil {
		fmt.Println(err)
	}
}
