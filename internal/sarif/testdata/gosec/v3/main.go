// Command demo is a small program with problems gosec finds.
package main

import (
	"crypto/md5"
	"fmt"
	"os"
)

// The password is used below; these comment lines only move the code.
// One more line.
// And another.

const password = "hunter2-very-secret-password"

// checksum hashes data.
func checksum(data []byte) string {
	return fmt.Sprintf("%x", md5.Sum(data))
}

func main() {
	fmt.Println(checksum([]byte(password)), len(os.Args))
}
