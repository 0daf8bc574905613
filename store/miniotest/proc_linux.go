package miniotest

import (
	"os/exec"
	"syscall"
)

// setProcAttr has the kernel kill the server when the test process dies
// without running its cleanups (a panic, a timeout, a signal).
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
