//go:build !linux

package main

import "os/exec"

// dieWithParent: elsewhere the engine's process-group kill stops the old host with the wrapper.
func dieWithParent(*exec.Cmd) {}
