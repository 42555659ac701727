// Command pulumi-language-nodejs is vk8s's stand-in for Pulumi's Node.js language host, built by
// scripts/toolchain.sh only because the real one (module
// github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not served by the Go
// module proxy reachable here. It implements the part of the LanguageRuntime gRPC service that
// `pulumi preview/up/refresh/destroy` needs for an installed Node.js project:
//
//   - Run starts `node [nodeargs] <@pulumi/pulumi>/cmd/run <flags> <program> [args]` in the
//     program folder, with PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS and the TypeScript options in
//     the environment, exactly the contract of @pulumi/pulumi's run script; exit code 32 means the
//     program already reported its error (Bail).
//   - GetRequiredPackages/Plugins return nothing: plugins load on demand from the plugin cache
//     (install them first; automatic acquisition is meant to be disabled).
//   - About and GetProgramDependencies give the node executable/version and no dependency list.
//   - RunPlugin starts a plugin written in Node.js, which is how Pulumi 3.274 runs a Node.js policy
//     pack (`pulumi preview --policy-pack DIR`: kind "analyzer", `node <@pulumi/pulumi>/cmd/
//     run-policy-pack <engine> DIR`) and a component package folder with a PulumiPlugin.yaml
//     (kind "resource": `node <@pulumi/pulumi>/cmd/run-plugin DIR <engine>`), in DIR, with
//     @pulumi/pulumi resolved from DIR upward. Its output and exit code are streamed back.
//   - InstallDependencies (for plugin folders) runs `npm install` in the folder unless every
//     dependency of its package.json already resolves from there.
//
// Not implemented (Unimplemented): code generation, templates, packing and linking.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is the Pulumi release whose language host this stands in for (set by -ldflags -X).
var version = "0.0.0"

// bailExitCode is the run script's exit code for "error already reported to the user".
const bailExitCode = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	tracing       string
	// defaults are the runtime options given as flags, used where the request's ProgramInfo has
	// none (see parseFlags).
	defaults runOptions
}

// parseFlags reads the host's command line. Besides the engine's launcher flags it accepts the
// real host's obsolete runtime-option flags (-typescript, -tsconfig, -nodeargs, -packagemanager):
// plugin loaders of older Pulumi SDKs, such as pulumi-language-yaml v1.25.0's (pkg/v3 v3.206.0)
// loading a component package's schema, still pass a plugin's runtime options that way. They
// become the defaults of the request's options; -packagemanager is ignored.
func parseFlags(args []string) (h *host, showVersion bool, err error) {
	flags := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	version := flags.Bool("version", false, "print the version and exit")
	tracing := flags.String("tracing", "", "emit tracing to a Zipkin-compatible endpoint")
	// Accepted for compatibility with the engine's plugin launcher; ignored.
	flags.Bool("logtostderr", false, "log to stderr (ignored)")
	flags.Bool("logflow", false, "flow log settings to child processes (ignored)")
	flags.Int("v", 0, "log verbosity (ignored)")
	flags.String("root", "", "project root (ignored)")
	typescript := flags.Bool("typescript", true, "[obsolete] default of runtime option typescript")
	tsconfig := flags.String("tsconfig", "", "[obsolete] default of runtime option tsconfig")
	nodeargs := flags.String("nodeargs", "", "[obsolete] default of runtime option nodeargs")
	flags.String("packagemanager", "", "[obsolete] runtime option packagemanager (ignored)")
	if err := flags.Parse(args); err != nil {
		return nil, false, err
	}
	return &host{
		engineAddress: flags.Arg(0),
		tracing:       *tracing,
		defaults:      runOptions{typescript: *typescript, tsconfig: *tsconfig, nodeargs: *nodeargs},
	}, *version, nil
}

func main() {
	h, showVersion, err := parseFlags(os.Args[1:])
	if err != nil {
		os.Exit(2)
	}
	if showVersion {
		fmt.Printf("%s (vk8s stand-in)\n", version)
		return
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the language host: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node: not found on PATH (install Node.js or source scripts/node22.sh)")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"languageHost": "vk8s stand-in"},
	}, nil
}

// runOptions are the nodejs runtime options of Pulumi.yaml that the run script understands.
type runOptions struct {
	typescript bool   // runtime.options.typescript (default true)
	nodeargs   string // runtime.options.nodeargs (default none)
	tsconfig   string // runtime.options.tsconfig (default: the run script's choice)
}

// optionsOf gives the runtime options of info, each defaulting to defaults' (the host's flags).
func optionsOf(info *pulumirpc.ProgramInfo, defaults runOptions) runOptions {
	opts := defaults
	fields := info.GetOptions().GetFields()
	if v, ok := fields["typescript"]; ok {
		opts.typescript = v.GetBoolValue()
	}
	if v, ok := fields["nodeargs"]; ok {
		opts.nodeargs = v.GetStringValue()
	}
	if v, ok := fields["tsconfig"]; ok {
		opts.tsconfig = v.GetStringValue()
	}
	return opts
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "node: not found on PATH (install Node.js or source scripts/node22.sh)"}, nil
	}
	pwd := req.GetPwd()
	if dir := req.GetInfo().GetProgramDirectory(); dir != "" {
		pwd = dir
	}
	runScript, err := resolveModule(node, pwd, "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts := optionsOf(req.GetInfo(), h.defaults)
	args := append(strings.Fields(opts.nodeargs), runScript)
	flagsFor := map[string]string{
		"organization":   req.GetOrganization(),
		"project":        req.GetProject(),
		"stack":          req.GetStack(),
		"pwd":            pwd,
		"monitor":        req.GetMonitorAddress(),
		"engine":         h.engineAddress,
		"root-directory": req.GetInfo().GetRootDirectory(),
		"tracing":        h.tracing,
	}
	for _, name := range []string{"organization", "project", "stack", "pwd", "monitor", "engine", "root-directory", "tracing"} {
		if v := flagsFor[name]; v != "" {
			args = append(args, "--"+name+"="+v)
		}
	}
	if req.GetParallel() > 0 {
		args = append(args, "--parallel="+strconv.Itoa(int(req.GetParallel())))
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	program := req.GetInfo().GetEntryPoint()
	if program == "" {
		program = "."
	}
	// `main: some/dir/` in Pulumi.yaml: name the folder, as the real host does, so that run.js
	// does not fall back to the "main" of an enclosing package.json (a library's dist/).
	if program == "." && pwd != req.GetInfo().GetRootDirectory() {
		program = pwd
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(append([]string{}, req.GetConfigSecretKeys()...))
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = pwd
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript))
	if opts.tsconfig != "" {
		cmd.Env = append(cmd.Env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exit) && exit.ExitCode() == bailExitCode:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exit):
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run %s: %v", node, err)}, nil
	}
}

// resolveModule finds the folder of a @pulumi/pulumi command module (e.g. "@pulumi/pulumi/cmd/run")
// the way Node resolves it from dir.
func resolveModule(node, dir, module string) (string, error) {
	cmd := exec.Command(node, "-e",
		`process.stdout.write(require.resolve(process.argv[2], {paths: [process.argv[1]]}))`, dir, module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		// The engine recognises this wording ("Cannot find module '@pulumi/pulumi/cmd/run-policy-pack'")
		// and answers with its own "try running npm install" advice.
		return "", fmt.Errorf("Cannot find module '%s' from %s: @pulumi/pulumi is not installed there (run npm install there)", module, dir)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// pluginCommand is the node command line of RunPlugin for a plugin of kind in dir: policy packs
// (kind "analyzer") get run-policy-pack with the engine address and the pack folder, any other
// plugin (a component provider: kind "resource") run-plugin with the folder and the engine's
// arguments. resolve finds a module folder from dir.
func pluginCommand(kind, dir string, engineArgs []string, opts runOptions,
	resolve func(module string) (string, error),
) ([]string, error) {
	args := strings.Fields(opts.nodeargs)
	if kind == "analyzer" {
		if len(engineArgs) == 0 {
			return nil, errors.New("RunPlugin: an analyzer needs the engine address as its first argument")
		}
		script, err := resolve("@pulumi/pulumi/cmd/run-policy-pack")
		if err != nil {
			return nil, err
		}
		return append(args, script, engineArgs[0], dir), nil
	}
	script, err := resolve("@pulumi/pulumi/cmd/run-plugin")
	if err != nil {
		return nil, err
	}
	return append(append(args, script, dir), engineArgs...), nil
}

func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("node: not found on PATH (install Node.js or source scripts/node22.sh)")
	}
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	opts := optionsOf(req.GetInfo(), h.defaults)
	exitCode := int32(0)
	args, err := pluginCommand(req.GetKind(), dir, req.GetArgs(), opts, func(m string) (string, error) { return resolveModule(node, dir, m) })
	if err != nil {
		fmt.Fprintln(stderr, err)
		exitCode = 1
	} else {
		cmd := exec.CommandContext(server.Context(), node, args...)
		cmd.Dir = dir
		cmd.Env = req.GetEnv()
		if len(cmd.Env) == 0 {
			cmd.Env = os.Environ()
		}
		cmd.Env = append(cmd.Env, "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript))
		if opts.tsconfig != "" {
			cmd.Env = append(cmd.Env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
		}
		cmd.Stdout, cmd.Stderr = stdout, stderr
		var exit *exec.ExitError
		switch err := cmd.Run(); {
		case err == nil:
		case errors.As(err, &exit):
			exitCode = int32(exit.ExitCode())
		default:
			return fmt.Errorf("could not run %s: %w", node, err)
		}
	}
	if err := closer.Close(); err != nil {
		return err
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: exitCode}})
}

// missingDependencies lists the dependencies of dir/package.json that do not resolve from dir
// (no node_modules/<name>/package.json in dir or a parent folder).
func missingDependencies(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "package.json"), err)
	}
	var missing []string
	for name := range manifest.Dependencies {
		found := false
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "node_modules", name, "package.json")); err == nil {
				found = true
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
		if !found {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	return missing, nil
}

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	missing, err := missingDependencies(dir)
	if err != nil {
		return err
	}
	if len(missing) == 0 {
		fmt.Fprintf(stdout, "every dependency of %s/package.json is installed\n", dir)
		return closer.Close()
	}
	fmt.Fprintf(stdout, "npm install in %s (missing: %s)\n", dir, strings.Join(missing, ", "))
	cmd := exec.CommandContext(server.Context(), "npm", "install", "--no-audit", "--no-fund")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install in %s: %w", dir, err)
	}
	return closer.Close()
}
