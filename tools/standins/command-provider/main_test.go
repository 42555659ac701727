package main

// Unit tests of the pure parts (Check, Diff, error messages, retry limits, host keys) and of
// cancellation. tools/standins/gotest.sh runs them in place (smoke.sh through it); the toolchain
// build leaves them out.

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func props(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func TestCheckDefaultsAndFailures(t *testing.T) {
	tests := []struct {
		name     string
		kind     string
		in       map[string]any
		failures []string
		conn     map[string]any // expected connection after defaults (nil: not checked)
	}{
		{
			name: "defaults applied to connection and proxy",
			kind: remoteCommand,
			in: map[string]any{"create": "true", "connection": map[string]any{
				"host": "h", "proxy": map[string]any{"host": "p", "port": 2222.0}}},
			conn: map[string]any{"host": "h", "user": "root", "port": 22.0, "dialErrorLimit": 10.0, "perDialTimeout": 15.0,
				"proxy": map[string]any{"host": "p", "user": "root", "port": 2222.0, "dialErrorLimit": 10.0, "perDialTimeout": 15.0}},
		},
		{
			name:     "missing connection",
			kind:     remoteCommand,
			in:       map[string]any{"create": "true"},
			failures: []string{"connection: missing (set connection.host and the credentials)"},
		},
		{
			name:     "missing host, bad port, bad logging",
			kind:     remoteCommand,
			in:       map[string]any{"logging": "all", "connection": map[string]any{"port": 70000.0}},
			failures: []string{"logging: must be one of stdout, stderr, stdoutAndStderr, none, not \"all\"", "connection.host: missing (set the address of the SSH server)", "connection.port: must be a whole number from 1 to 65535, not 70000"},
		},
		{
			name: "no create is allowed",
			kind: remoteCommand,
			in:   map[string]any{"connection": map[string]any{"host": "h"}},
		},
		{
			name:     "local assets rejected",
			kind:     localCommand,
			in:       map[string]any{"create": "true", "assetPaths": []any{"*.txt"}},
			failures: []string{"assetPaths: not supported by vk8s's command provider stand-in (collect files with a separate command)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, failures := check(tt.kind, props(tt.in))
			var got []string
			for _, f := range failures {
				got = append(got, f.Reason)
			}
			if !reflect.DeepEqual(got, tt.failures) {
				t.Fatalf("failures:\n got  %q\n want %q", got, tt.failures)
			}
			if !out["addPreviousOutputInEnv"].BoolValue() {
				t.Errorf("addPreviousOutputInEnv: want default true, got %v", out["addPreviousOutputInEnv"])
			}
			if _, ok := out["logging"]; ok && tt.in["logging"] == nil {
				t.Errorf("logging: want no default (as the real schema), got %v", out["logging"])
			}
			if tt.conn != nil && !out["connection"].DeepEquals(resource.NewObjectProperty(props(tt.conn))) {
				t.Errorf("connection:\n got  %v\n want %v", out["connection"], props(tt.conn))
			}
		})
	}
}

func TestDiff(t *testing.T) {
	conn := map[string]any{"host": "h", "port": 22.0}
	olds := map[string]any{"create": "a", "connection": conn, "triggers": []any{"t1"}, "stdout": "x", "stderr": ""}
	with := func(k string, v any) map[string]any {
		m := map[string]any{"create": "a", "connection": conn, "triggers": []any{"t1"}}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name            string
		news            resource.PropertyMap
		ignore          []string
		changes         pulumirpc.DiffResponse_DiffChanges
		diffs, replaces []string
	}{
		{"no change (stdout/stderr ignored)", props(with("create", "a")), nil, pulumirpc.DiffResponse_DIFF_NONE, nil, nil},
		{"create changed: update", props(with("create", "b")), nil, pulumirpc.DiffResponse_DIFF_SOME, []string{"create"}, []string{}},
		{"delete added: update", props(with("delete", "d")), nil, pulumirpc.DiffResponse_DIFF_SOME, []string{"delete"}, []string{}},
		{"port changed: update", props(with("connection", map[string]any{"host": "h", "port": 2222.0})), nil, pulumirpc.DiffResponse_DIFF_SOME, []string{"connection"}, []string{}},
		{"triggers changed: replace", props(with("triggers", []any{"t2"})), nil, pulumirpc.DiffResponse_DIFF_SOME, []string{"triggers"}, []string{"triggers"}},
		{"triggers removed: replace", props(with("triggers", nil)), nil, pulumirpc.DiffResponse_DIFF_SOME, []string{"triggers"}, []string{"triggers"}},
		{"ignored change", props(with("create", "b")), []string{"create"}, pulumirpc.DiffResponse_DIFF_NONE, nil, nil},
		{"unknown create: update", func() resource.PropertyMap {
			m := props(with("create", "a"))
			m["create"] = resource.MakeComputed(resource.NewStringProperty(""))
			return m
		}(), nil, pulumirpc.DiffResponse_DIFF_SOME, []string{"create"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := diff(remoteCommand, props(olds), tt.news, tt.ignore)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Changes != tt.changes || !reflect.DeepEqual(resp.Diffs, tt.diffs) || !reflect.DeepEqual(resp.Replaces, tt.replaces) {
				t.Fatalf("got changes=%v diffs=%q replaces=%q, want %v %q %q", resp.Changes, resp.Diffs, resp.Replaces, tt.changes, tt.diffs, tt.replaces)
			}
		})
	}
}

func TestExitErrorShowsOnlyLoggedStreams(t *testing.T) {
	script := "echo out; echo err >&2; exit 3\nsecond line"
	tests := []struct{ logging, want string }{
		{"", "Process exited with status 3: running \"echo out; echo err >&2; exit 3...\":\nout\nerr"},
		{"stdoutAndStderr", "Process exited with status 3: running \"echo out; echo err >&2; exit 3...\":\nout\nerr"},
		{"stdout", "Process exited with status 3: running \"echo out; echo err >&2; exit 3...\" (stderr not shown: logging is \"stdout\"):\nout"},
		{"stderr", "Process exited with status 3: running \"echo out; echo err >&2; exit 3...\" (stdout not shown: logging is \"stderr\"):\nerr"},
		{"none", "Process exited with status 3: running \"echo out; echo err >&2; exit 3...\" (output not shown: logging is \"none\")"},
	}
	for _, tt := range tests {
		t.Run("logging="+tt.logging, func(t *testing.T) {
			// "; sleep" orders the two streams in the interleaved buffer.
			c := &command{kind: localCommand, logging: tt.logging}
			_, _, err := c.run(context.Background(), strings.Replace(script, "; echo err", "; sleep 0.2; echo err", 1))
			if err == nil {
				t.Fatal("want an error")
			}
			got := strings.Replace(err.Error(), "; sleep 0.2; echo err", "; echo err", 1)
			if got != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestLocalRunTrimsOneNewlineAndPassesPreviousOutput(t *testing.T) {
	stdin := "in"
	c := &command{kind: localCommand, stdin: &stdin, addPreviousOutputInEnv: true, stdout: "old",
		environment: map[string]string{"A": "1"}}
	out, errOut, err := c.run(context.Background(), `printf '%s %s %s\n\n' "$(cat)" "$PULUMI_COMMAND_STDOUT" "$A"; printf 'e\n' >&2`)
	if err != nil {
		t.Fatal(err)
	}
	if out != "in old 1\n" || errOut != "e" {
		t.Fatalf("got stdout %q stderr %q", out, errOut)
	}
}

func TestCancellationStopsARunningCommand(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := (&command{kind: localCommand}).run(ctx, "sleep 30")
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("got %v after %s", err, time.Since(start))
	}
}

// silentListener accepts TCP connections and never speaks.
func silentListener(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

func TestDialRetriesThenFailsWithinTheBound(t *testing.T) {
	port := silentListener(t)
	e := endpoint{path: "connection", host: "127.0.0.1", port: port, user: "root", dialErrorLimit: 1, perDialTimeout: 1}
	start := time.Now()
	_, _, err := dial(context.Background(), connection{target: e})
	took := time.Since(start)
	want := "remote.Command: unable to reach root@127.0.0.1:" + strconv.Itoa(port) +
		" after 2 attempts (perDialTimeout 1s): ssh handshake with 127.0.0.1:" + strconv.Itoa(port) + " did not complete within 1s"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if took < 2*time.Second || took > 4*time.Second {
		t.Fatalf("took %s, want about 2.1s (2 attempts of 1s + 100ms)", took)
	}
}

func TestDialCanceled(t *testing.T) {
	port := silentListener(t)
	e := endpoint{path: "connection", host: "127.0.0.1", port: port, user: "root", dialErrorLimit: -1, perDialTimeout: 0}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := dial(ctx, connection{target: e})
	if err == nil || !strings.Contains(err.Error(), "canceled") || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %s", err, time.Since(start))
	}
}

func TestHostKeyAndPrivateKeyErrors(t *testing.T) {
	if _, err := parseHostKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOoiTbloVTBjuQpd5h1nEKf4NqenKphIlHNGsKC5tuH5 x"); err != nil {
		t.Errorf("authorized_keys line: %v", err)
	}
	if _, err := parseHostKey("[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOoiTbloVTBjuQpd5h1nEKf4NqenKphIlHNGsKC5tuH5"); err != nil {
		t.Errorf("known_hosts line: %v", err)
	}
	key := "not a key"
	_, _, err := endpoint{path: "connection", privateKey: &key}.clientConfig()
	want := "connection.privateKey: cannot be parsed: ssh: no key found (give a PEM or OpenSSH private key, and privateKeyPassword when it is encrypted)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestKindOfRejectsOtherTypes(t *testing.T) {
	_, err := kindOf("command:remote:CopyToRemote", "")
	if err == nil || !strings.Contains(err.Error(), "command:remote:CopyToRemote: resource type not implemented by vk8s's command provider stand-in") {
		t.Fatalf("got %v", err)
	}
}
