// Command pulumi-resource-command is vk8s's STAND-IN for Pulumi's command provider plugin
// (pulumi-command v1.2.1, the provider behind npm @pulumi/command 1.2.1). It exists only because
// the real provider cannot be built here: the Go module proxy refuses its module
// (github.com/pulumi/pulumi-command/provider@v0.0.0-20260304002345-f0839b236d7b: "403 Forbidden:
// This module version is not available"; listing and other versions are refused too).
// scripts/toolchain.sh builds it and installs it as plugin resource-command-v1.2.1 only when the
// real one is unavailable, and env.sh then says VK8S_COMMAND_PROVIDER=vk8s-stand-in.
//
// It implements, over the ResourceProvider gRPC protocol, what vk8s uses:
//
//   - command:remote:Command: create/update/delete run over SSH (golang.org/x/crypto/ssh) with
//     connection.host/port/user, privateKey (PEM: PKCS#8, PKCS#1, SEC1, OpenSSH; with
//     privateKeyPassword), password (+ keyboard-interactive), an SSH agent (agentSocketPath or
//     SSH_AUTH_SOCK), hostKey pinning (an authorized_keys or known_hosts line; none = accept any),
//     one proxy/bastion hop, dialErrorLimit/perDialTimeout retries, environment (session Setenv;
//     a refusal is an error), stdin, logging, addPreviousOutputInEnv, triggers (replace).
//     Dialing retries like the real provider: dialErrorLimit failures are tolerated (10 = at most
//     11 attempts; -1 = unlimited), 100 ms between attempts growing x1.5 up to 5 s. Unlike the real
//     one, perDialTimeout bounds TCP connect and SSH handshake together (the real one bounds only
//     the TCP connect, so a server that accepts but never answers hangs it).
//   - command:local:Command: the same lifecycle with `interpreter` (default /bin/sh -c), dir,
//     environment (added to the provider's own), stdin. assetPaths/archivePaths are rejected.
//   - Check applies the schema defaults (connection/proxy user root, port 22, dialErrorLimit 10,
//     perDialTimeout 15; addPreviousOutputInEnv true; logging has no default, as in the real
//     schema, and means stdout and stderr); Diff compares the old inputs kept in the state with the
//     new inputs (triggers -> replace, other inputs -> update, stdout/stderr ignored); Read returns
//     the state unchanged.
//   - Secrets: the provider declares AcceptSecrets=false, so the engine strips secrets before
//     calling it and re-marks outputs whose same-named input was secret (and applies
//     additionalSecretOutputs itself). Command output is never streamed to the engine log; on a
//     non-zero exit the error carries the first line of the command and only the streams that
//     `logging` allows.
//
// Not implemented (a clear error): the types command:remote:CopyToRemote and
// command:remote:CopyFile, the command:local:run invoke, local assetPaths/archivePaths, and the
// real provider's streaming of output lines to the engine log (here the output is only captured).
// Tests: main_test.go (unit) and smoke.sh (through the Pulumi CLI against a throwaway sshd).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is the pulumi-command release this stands in for (set by -ldflags -X main.version=).
var version = "1.2.1"

// standInMarker is printed by -version; scripts/toolchain.sh greps installed plugins for it to
// tell this stand-in from a real provider.
const standInMarker = "vk8s-command-provider-stand-in"

const (
	remoteCommand = "command:remote:Command"
	localCommand  = "command:local:Command"
)

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	// cancel ends every running operation (Cancel RPC: the engine is shutting down).
	mu       sync.Mutex
	canceled chan struct{}
}

func main() {
	flags := flag.NewFlagSet("pulumi-resource-command", flag.ContinueOnError)
	showVersion := flags.Bool("version", false, "print the version and exit")
	// Accepted for compatibility with the engine's plugin launcher; ignored.
	flags.Bool("logtostderr", false, "log to stderr (ignored)")
	flags.Bool("logflow", false, "flow log settings to child processes (ignored)")
	flags.Int("v", 0, "log verbosity (ignored)")
	flags.String("tracing", "", "emit tracing to a Zipkin-compatible endpoint (ignored)")
	flags.String("root", "", "project root (ignored)")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *showVersion {
		fmt.Printf("%s (%s)\n", version, standInMarker)
		return
	}
	p := &provider{canceled: make(chan struct{})}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, p)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: could not start the provider: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
}

// opContext is ctx, also canceled when the engine calls Cancel.
func (p *provider) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	p.mu.Lock()
	canceled := p.canceled
	p.mu.Unlock()
	go func() {
		select {
		case <-canceled:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

func (p *provider) Handshake(context.Context, *pulumirpc.ProviderHandshakeRequest,
) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: false, AcceptResources: false}, nil
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"command","version":%q}`, version)}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: false, AcceptResources: false, SupportsPreview: true}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	p.mu.Lock()
	close(p.canceled)
	p.canceled = make(chan struct{})
	p.mu.Unlock()
	return &emptypb.Empty{}, nil
}

func (p *provider) GetMapping(context.Context, *pulumirpc.GetMappingRequest) (*pulumirpc.GetMappingResponse, error) {
	return &pulumirpc.GetMappingResponse{}, nil
}

func (p *provider) GetMappings(context.Context, *pulumirpc.GetMappingsRequest) (*pulumirpc.GetMappingsResponse, error) {
	return &pulumirpc.GetMappingsResponse{}, nil
}

func (p *provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	return nil, status.Errorf(codes.Unimplemented,
		"%s: not implemented by vk8s's command provider stand-in (use command:local:Command)", req.GetTok())
}

// kindOf returns the resource type or an error for types the stand-in does not implement.
func kindOf(typ, urn string) (string, error) {
	if typ == "" {
		typ = urnType(urn)
	}
	switch typ {
	case remoteCommand, localCommand:
		return typ, nil
	}
	return "", status.Errorf(codes.InvalidArgument,
		"%s: resource type not implemented by vk8s's command provider stand-in "+
			"(only %s and %s; the real pulumi-command is not available on this machine)",
		typ, remoteCommand, localCommand)
}
