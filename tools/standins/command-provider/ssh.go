package main

// SSH connections of command:remote:Command: connection (and its optional proxy) parsed from
// the inputs, client configuration, and dialing with bounded retries.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// endpoint is one SSH server of a connection (the target or its proxy).
type endpoint struct {
	path               string // input path, e.g. "connection" or "connection.proxy"
	host               string
	port               int
	user               string
	password           *string
	privateKey         *string
	privateKeyPassword *string
	hostKey            *string
	agentSocketPath    *string
	dialErrorLimit     int // failed dials tolerated before giving up; -1 = unlimited
	perDialTimeout     int // seconds per attempt (TCP connect + SSH handshake); 0 = no bound
}

type connection struct {
	target endpoint
	proxy  *endpoint
}

func (e endpoint) String() string {
	return e.user + "@" + net.JoinHostPort(e.host, strconv.Itoa(e.port))
}

func (e endpoint) timeout() time.Duration { return time.Duration(e.perDialTimeout) * time.Second }

// clientConfig builds the client configuration: private key (preferred), then password and
// keyboard-interactive with the password, then the SSH agent; hostKey pins the server key.
// close releases the agent connection.
func (e endpoint) clientConfig() (config *ssh.ClientConfig, close func(), err error) {
	config = &ssh.ClientConfig{User: e.user, HostKeyCallback: ssh.InsecureIgnoreHostKey()}
	close = func() {}
	if e.hostKey != nil && *e.hostKey != "" {
		key, err := parseHostKey(*e.hostKey)
		if err != nil {
			return nil, close, fmt.Errorf("%s.hostKey: %v (give the server's public key as an authorized_keys line, e.g. \"ssh-ed25519 AAAA...\")", e.path, err)
		}
		config.HostKeyCallback = ssh.FixedHostKey(key)
	}
	if e.privateKey != nil {
		signer, err := parsePrivateKey(*e.privateKey, e.privateKeyPassword)
		if err != nil {
			return nil, close, fmt.Errorf("%s.privateKey: cannot be parsed: %v (give a PEM or OpenSSH private key, and privateKeyPassword when it is encrypted)", e.path, err)
		}
		config.Auth = append(config.Auth, ssh.PublicKeys(signer))
	}
	if e.password != nil {
		password := *e.password
		config.Auth = append(config.Auth, ssh.Password(password),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = password
				}
				return answers, nil
			}))
	}
	socket := os.Getenv("SSH_AUTH_SOCK")
	if e.agentSocketPath != nil {
		socket = *e.agentSocketPath
	}
	if socket != "" {
		conn, err := net.Dial("unix", socket)
		if err != nil {
			return nil, close, fmt.Errorf("%s.agentSocketPath: cannot connect to the SSH agent at %s: %v (start the agent or unset SSH_AUTH_SOCK)", e.path, socket, err)
		}
		config.Auth = append(config.Auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
		close = func() { conn.Close() }
	}
	return config, close, nil
}

func parsePrivateKey(key string, password *string) (ssh.Signer, error) {
	if password == nil {
		return ssh.ParsePrivateKey([]byte(key))
	}
	signer, err := ssh.ParsePrivateKeyWithPassphrase([]byte(key), []byte(*password))
	if err != nil && !errors.As(err, new(*ssh.PassphraseMissingError)) {
		// A password given for an unencrypted key is not an error.
		if plain, plainErr := ssh.ParsePrivateKey([]byte(key)); plainErr == nil {
			return plain, nil
		}
	}
	return signer, err
}

func parseHostKey(line string) (ssh.PublicKey, error) {
	if key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err == nil {
		return key, nil
	}
	if _, _, key, _, _, err := ssh.ParseKnownHosts([]byte(line)); err == nil {
		return key, nil
	}
	return nil, errors.New("not an authorized_keys or known_hosts line")
}

// retryDelays mirrors the real provider's retry.Until: 100ms, x1.5 per attempt, at most 5s.
type retryDelays struct{ next time.Duration }

func (r *retryDelays) wait(ctx context.Context) error {
	if r.next == 0 {
		r.next = 100 * time.Millisecond
	}
	t := time.NewTimer(r.next)
	defer t.Stop()
	r.next = min(time.Duration(float64(r.next)*1.5), 5*time.Second)
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// exhausted: a dial has failed `failures` times against a limit (-1 = unlimited). As in the real
// provider, the limit counts tolerated failures: limit 10 makes at most 11 attempts.
func exhausted(failures, limit int) bool { return limit >= 0 && failures > limit }

// dial connects to the target, through the proxy when there is one. closeAll closes the
// target and proxy clients.
func dial(ctx context.Context, c connection) (client *ssh.Client, closeAll func(), err error) {
	config, closeAgent, err := c.target.clientConfig()
	if err != nil {
		return nil, nil, err
	}
	defer closeAgent()
	var proxyClient *ssh.Client
	closeProxy := func() {
		if proxyClient != nil {
			proxyClient.Close()
		}
	}
	via := ""
	if c.proxy != nil {
		proxyClient, err = dialDirect(ctx, *c.proxy)
		if err != nil {
			return nil, nil, err
		}
		via = " via " + c.proxy.String()
	}
	var delays retryDelays
	for failures := 0; ; {
		var client *ssh.Client
		if proxyClient != nil {
			client, err = dialThrough(ctx, proxyClient, c.target, config)
		} else {
			client, err = dialOnce(ctx, c.target, config)
		}
		if err == nil {
			return client, func() { client.Close(); closeProxy() }, nil
		}
		failures++
		if ctx.Err() != nil {
			closeProxy()
			return nil, nil, fmt.Errorf("remote.Command: connecting to %s%s canceled: %w", c.target, via, ctx.Err())
		}
		if exhausted(failures, c.target.dialErrorLimit) {
			closeProxy()
			return nil, nil, unreachable(c.target, via, failures, err)
		}
		if waitErr := delays.wait(ctx); waitErr != nil {
			closeProxy()
			return nil, nil, fmt.Errorf("remote.Command: connecting to %s%s canceled: %w", c.target, via, waitErr)
		}
	}
}

// dialDirect connects to e over TCP with retries (used for the proxy).
func dialDirect(ctx context.Context, e endpoint) (*ssh.Client, error) {
	config, closeAgent, err := e.clientConfig()
	if err != nil {
		return nil, err
	}
	defer closeAgent()
	var delays retryDelays
	for failures := 0; ; {
		client, err := dialOnce(ctx, e, config)
		if err == nil {
			return client, nil
		}
		failures++
		if ctx.Err() != nil {
			return nil, fmt.Errorf("remote.Command: connecting to the proxy %s canceled: %w", e, ctx.Err())
		}
		if exhausted(failures, e.dialErrorLimit) {
			return nil, unreachable(e, " (the proxy)", failures, err)
		}
		if waitErr := delays.wait(ctx); waitErr != nil {
			return nil, fmt.Errorf("remote.Command: connecting to the proxy %s canceled: %w", e, waitErr)
		}
	}
}

func unreachable(e endpoint, via string, attempts int, last error) error {
	plural := "s"
	if attempts == 1 {
		plural = ""
	}
	return fmt.Errorf("remote.Command: unable to reach %s%s after %d attempt%s (perDialTimeout %ds): %v",
		e, via, attempts, plural, e.perDialTimeout, last)
}

// dialOnce is one attempt: TCP connect and SSH handshake, together bounded by perDialTimeout.
func dialOnce(ctx context.Context, e endpoint, config *ssh.ClientConfig) (*ssh.Client, error) {
	addr := net.JoinHostPort(e.host, strconv.Itoa(e.port))
	attemptCtx, cancel := withTimeout(ctx, e.timeout())
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(attemptCtx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return handshake(attemptCtx, conn, addr, config, e.timeout())
}

// dialThrough is one attempt through the proxy: a direct-tcpip channel, then the handshake.
func dialThrough(ctx context.Context, proxy *ssh.Client, e endpoint, config *ssh.ClientConfig) (*ssh.Client, error) {
	addr := net.JoinHostPort(e.host, strconv.Itoa(e.port))
	attemptCtx, cancel := withTimeout(ctx, e.timeout())
	defer cancel()
	conn, err := proxy.DialContext(attemptCtx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return handshake(attemptCtx, conn, addr, config, e.timeout())
}

func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// handshake runs the SSH handshake on conn, closing conn when ctx ends (timeout or cancel):
// a server that accepts TCP but never speaks SSH cannot hang the attempt.
func handshake(ctx context.Context, conn net.Conn, addr string, config *ssh.ClientConfig, timeout time.Duration) (*ssh.Client, error) {
	var interrupted atomic.Bool
	stop := context.AfterFunc(ctx, func() {
		interrupted.Store(true)
		conn.Close()
	})
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, config)
	if !stop() || interrupted.Load() {
		if err == nil {
			c.Close()
		}
		conn.Close()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("ssh handshake with %s did not complete within %s", addr, timeout)
		}
		return nil, ctx.Err()
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return ssh.NewClient(c, chans, reqs), nil
}
