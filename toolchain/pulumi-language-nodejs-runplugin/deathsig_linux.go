package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel stop the old host when this wrapper dies, however it dies.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
