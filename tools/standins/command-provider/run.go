package main

// Running a Command's create/update/delete script, remotely over SSH or locally, and capturing
// its output the way pulumi-command does (one trailing newline trimmed from stdout and stderr).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

const (
	envPreviousStdout = "PULUMI_COMMAND_STDOUT"
	envPreviousStderr = "PULUMI_COMMAND_STDERR"
)

// command is one Command resource: its inputs and the outputs of its previous create/update.
type command struct {
	kind                   string
	create, update, delete *string
	stdin                  *string
	environment            map[string]string
	logging                string // "" (= stdout and stderr), stdout, stderr, stdoutAndStderr, none
	addPreviousOutputInEnv bool
	conn                   connection // remote only
	interpreter            []string   // local only
	dir                    string     // local only
	stdout, stderr         string     // previous outputs (state), "" on create
}

func (c *command) logsStdout() bool {
	return c.logging == "" || c.logging == "stdout" || c.logging == "stdoutAndStderr"
}

func (c *command) logsStderr() bool {
	return c.logging == "" || c.logging == "stderr" || c.logging == "stdoutAndStderr"
}

// lockedBuffer is the interleaved output of the streams `logging` allows; written from the
// stdout and stderr copiers concurrently.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type capture struct {
	stdout, stderr bytes.Buffer
	logged         lockedBuffer
}

func (c *command) writers(cp *capture) (stdout, stderr io.Writer) {
	stdout, stderr = &cp.stdout, &cp.stderr
	if c.logsStdout() {
		stdout = io.MultiWriter(&cp.stdout, &cp.logged)
	}
	if c.logsStderr() {
		stderr = io.MultiWriter(&cp.stderr, &cp.logged)
	}
	return stdout, stderr
}

// run executes script and returns its trimmed stdout and stderr.
func (c *command) run(ctx context.Context, script string) (stdout, stderr string, err error) {
	var cp capture
	if c.kind == remoteCommand {
		err = c.runRemote(ctx, script, &cp)
	} else {
		err = c.runLocal(ctx, script, &cp)
	}
	if err != nil {
		return "", "", err
	}
	return strings.TrimSuffix(cp.stdout.String(), "\n"), strings.TrimSuffix(cp.stderr.String(), "\n"), nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (c *command) runRemote(ctx context.Context, script string, cp *capture) error {
	client, closeAll, err := dial(ctx, c.conn)
	if err != nil {
		return err
	}
	defer closeAll()
	session, err := client.NewSession()
	if err != nil {
		return fmt.Errorf("remote.Command: cannot open a session on %s: %w", c.conn.target, err)
	}
	defer session.Close()
	for _, k := range sortedKeys(c.environment) {
		if err := session.Setenv(k, c.environment[k]); err != nil {
			return fmt.Errorf("environment.%s: the SSH server refused to set it: %v "+
				"(allow it with AcceptEnv in the server's sshd_config, or prefix the command with %s=...)", k, err, k)
		}
	}
	if c.addPreviousOutputInEnv {
		// As in the real provider, a refusal of these two is not an error (it only warns).
		if c.stdout != "" {
			_ = session.Setenv(envPreviousStdout, c.stdout)
		}
		if c.stderr != "" {
			_ = session.Setenv(envPreviousStderr, c.stderr)
		}
	}
	if c.stdin != nil && *c.stdin != "" {
		session.Stdin = strings.NewReader(*c.stdin)
	}
	session.Stdout, session.Stderr = c.writers(cp)
	done := make(chan error, 1)
	go func() { done <- session.Run(script) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = session.Signal(ssh.SIGKILL)
		closeAll()
		<-done
		return fmt.Errorf("remote.Command: %q on %s canceled: %w", summary(script), c.conn.target, ctx.Err())
	}
	if err != nil {
		return c.exitError(err, script, cp)
	}
	return nil
}

func (c *command) runLocal(ctx context.Context, script string, cp *capture) error {
	interpreter := c.interpreter
	if len(interpreter) == 0 {
		interpreter = []string{"/bin/sh", "-c"}
	}
	args := append(append([]string{}, interpreter[1:]...), script)
	cmd := exec.CommandContext(ctx, interpreter[0], args...)
	cmd.Dir = c.dir
	// The script runs in its own process group, killed as a whole on cancellation, so that its
	// children do not keep running (or hold the output pipes open).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = os.Environ()
	for _, k := range sortedKeys(c.environment) {
		cmd.Env = append(cmd.Env, k+"="+c.environment[k])
	}
	if c.addPreviousOutputInEnv {
		if c.stdout != "" {
			cmd.Env = append(cmd.Env, envPreviousStdout+"="+c.stdout)
		}
		if c.stderr != "" {
			cmd.Env = append(cmd.Env, envPreviousStderr+"="+c.stderr)
		}
	}
	if c.stdin != nil && *c.stdin != "" {
		cmd.Stdin = strings.NewReader(*c.stdin)
	}
	cmd.Stdout, cmd.Stderr = c.writers(cp)
	err := cmd.Run()
	if ctx.Err() != nil {
		return fmt.Errorf("local.Command: %q canceled: %w", summary(script), ctx.Err())
	}
	if err != nil {
		return c.exitError(err, script, cp)
	}
	return nil
}

// summary is the first line of a script, with "..." when there is more.
func summary(script string) string {
	first, _, more := strings.Cut(strings.TrimSpace(script), "\n")
	if more {
		return first + "..."
	}
	return first
}

// exitError reports a failed script: the exit status, the first line of the script, and the
// output of the streams that `logging` allows (never the others).
func (c *command) exitError(err error, script string, cp *capture) error {
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() >= 0 {
		err = fmt.Errorf("Process exited with status %d", exit.ExitCode())
	}
	msg := fmt.Sprintf("%v: running %q", err, summary(script))
	switch {
	case c.logging == "none":
		return errors.New(msg + " (output not shown: logging is \"none\")")
	case c.logging == "stdout":
		msg += " (stderr not shown: logging is \"stdout\")"
	case c.logging == "stderr":
		msg += " (stdout not shown: logging is \"stderr\")"
	}
	if out := cp.logged.String(); out != "" {
		msg += ":\n" + strings.TrimSuffix(out, "\n")
	}
	return errors.New(msg)
}
