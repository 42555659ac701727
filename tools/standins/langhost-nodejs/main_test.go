// Tests of the stand-in language host's plugin support (RunPlugin, InstallDependencies), run by
// test.sh in a copy of the build module (node must be on PATH); the e2e tier runs test.sh.
package main

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestPluginCommand(t *testing.T) {
	resolve := func(m string) (string, error) { return "/nm/" + m, nil }
	cases := []struct {
		name, kind string
		engine     []string
		nodeargs   string
		want       []string
		err        string
	}{
		{"policy pack", "analyzer", []string{"127.0.0.1:4000"}, "",
			[]string{"/nm/@pulumi/pulumi/cmd/run-policy-pack", "127.0.0.1:4000", "/pack"}, ""},
		{"policy pack with nodeargs", "analyzer", []string{"127.0.0.1:4000"}, "--max-old-space-size=512",
			[]string{"--max-old-space-size=512", "/nm/@pulumi/pulumi/cmd/run-policy-pack", "127.0.0.1:4000", "/pack"}, ""},
		{"component provider", "resource", []string{"127.0.0.1:4000"}, "",
			[]string{"/nm/@pulumi/pulumi/cmd/run-plugin", "/pack", "127.0.0.1:4000"}, ""},
		{"analyzer without engine", "analyzer", nil, "", nil, "needs the engine address"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := pluginCommand(c.kind, "/pack", c.engine, runOptions{nodeargs: c.nodeargs}, resolve)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error = %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("pluginCommand = %q, %v; want %q", got, err, c.want)
			}
		})
	}
	if _, err := pluginCommand("analyzer", "/pack", []string{"e"}, runOptions{}, func(string) (string, error) {
		return "", errors.New("Cannot find module")
	}); err == nil {
		t.Fatal("a module that does not resolve must be an error")
	}
}

// client starts the host on a local port and returns a client of it.
func client(t *testing.T) pulumirpc.LanguageRuntimeClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	pulumirpc.RegisterLanguageRuntimeServer(srv, h)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return pulumirpc.NewLanguageRuntimeClient(conn)
}

// runPlugin calls RunPlugin and collects stdout, stderr and the exit code.
func runPlugin(t *testing.T, req *pulumirpc.RunPluginRequest) (string, string, int32) {
	t.Helper()
	stream, err := client(t).RunPlugin(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	code := int32(-1)
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch o := msg.Output.(type) {
		case *pulumirpc.RunPluginResponse_Stdout:
			out.Write(o.Stdout)
		case *pulumirpc.RunPluginResponse_Stderr:
			errOut.Write(o.Stderr)
		case *pulumirpc.RunPluginResponse_Exitcode:
			code = o.Exitcode
		}
	}
	return out.String(), errOut.String(), code
}

// fakePulumi writes node_modules/@pulumi/pulumi/cmd/NAME/index.js under dir: a script that prints
// its arguments and working folder and exits 3.
func fakePulumi(t *testing.T, dir, name string) {
	t.Helper()
	mod := filepath.Join(dir, "node_modules", "@pulumi", "pulumi")
	if err := os.MkdirAll(filepath.Join(mod, "cmd", name), 0o755); err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(mod, "package.json"), []byte(`{"name":"@pulumi/pulumi","version":"0.0.0"}`), 0o644))
	must(t, os.WriteFile(filepath.Join(mod, "cmd", name, "index.js"), []byte(
		`console.log(JSON.stringify({args: process.argv.slice(2), cwd: process.cwd(), ts: process.env.PULUMI_NODEJS_TYPESCRIPT}));`+
			`console.error("to stderr"); process.exit(3);`), 0o644))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRunPluginStreamsOutputAndExitCode(t *testing.T) {
	root := t.TempDir()
	pack := filepath.Join(root, "policy")
	must(t, os.MkdirAll(pack, 0o755))
	fakePulumi(t, root, "run-policy-pack") // resolved from a parent folder, as in a workspace
	out, errOut, code := runPlugin(t, &pulumirpc.RunPluginRequest{
		Pwd: t.TempDir(), Args: []string{"127.0.0.1:4000"}, Kind: "analyzer",
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: pack, RootDirectory: pack, EntryPoint: "."},
	})
	want := `{"args":["127.0.0.1:4000","` + pack + `"],"cwd":"` + pack + `","ts":"true"}` + "\n"
	if out != want || errOut != "to stderr\n" || code != 3 {
		t.Fatalf("RunPlugin = stdout %q, stderr %q, exit %d; want %q, %q, 3", out, errOut, code, want, "to stderr\n")
	}
}

func TestRunPluginComponentProvider(t *testing.T) {
	dir := t.TempDir()
	fakePulumi(t, dir, "run-plugin")
	out, _, code := runPlugin(t, &pulumirpc.RunPluginRequest{
		Args: []string{"127.0.0.1:4000"}, Kind: "resource",
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: dir, RootDirectory: dir, EntryPoint: "."},
	})
	want := `{"args":["` + dir + `","127.0.0.1:4000"],"cwd":"` + dir + `","ts":"true"}` + "\n"
	if out != want || code != 3 {
		t.Fatalf("RunPlugin = stdout %q, exit %d; want %q, 3", out, code, want)
	}
}

func TestRunPluginWithoutPulumiInstalled(t *testing.T) {
	dir := t.TempDir()
	_, errOut, code := runPlugin(t, &pulumirpc.RunPluginRequest{
		Args: []string{"127.0.0.1:4000"}, Kind: "analyzer",
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: dir, RootDirectory: dir, EntryPoint: "."},
	})
	// The engine turns this wording into "try running npm install or yarn install in <pack>".
	if code != 1 || !strings.Contains(errOut, "Cannot find module '@pulumi/pulumi/cmd/run-policy-pack'") {
		t.Fatalf("RunPlugin = stderr %q, exit %d; want the Cannot find module message and exit 1", errOut, code)
	}
}

func TestMissingDependencies(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "plugin")
	must(t, os.MkdirAll(filepath.Join(root, "node_modules", "present"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "node_modules", "present", "package.json"), []byte(`{}`), 0o644))
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"dependencies":{"present":"1","absent-b":"1","absent-a":"1"}}`), 0o644))
	got, err := missingDependencies(dir)
	if err != nil || !reflect.DeepEqual(got, []string{"absent-a", "absent-b"}) {
		t.Fatalf("missingDependencies = %q, %v; want [absent-a absent-b]", got, err)
	}
	if _, err := missingDependencies(t.TempDir()); err == nil {
		t.Fatal("a folder without package.json must be an error")
	}
}

// The obsolete runtime-option flags (passed by older SDKs' plugin loaders, e.g. pulumi-language-yaml's)
// are accepted and become the defaults of the request's options, which still win.
func TestRuntimeOptionFlags(t *testing.T) {
	h, showVersion, err := parseFlags([]string{"-typescript=false", "-tsconfig", "tsconfig.build.json",
		"-nodeargs", "--max-old-space-size=512", "-packagemanager", "npm", "-root", "/x", "127.0.0.1:5000"})
	if err != nil || showVersion {
		t.Fatalf("parseFlags: %v %v", err, showVersion)
	}
	want := runOptions{typescript: false, tsconfig: "tsconfig.build.json", nodeargs: "--max-old-space-size=512"}
	if h.defaults != want || h.engineAddress != "127.0.0.1:5000" {
		t.Fatalf("host %+v, want defaults %+v and engine 127.0.0.1:5000", h, want)
	}
	if got := optionsOf(&pulumirpc.ProgramInfo{}, h.defaults); got != want {
		t.Fatalf("no request options: got %+v, want the flags' %+v", got, want)
	}
	opts, err := structpb.NewStruct(map[string]any{"typescript": true, "tsconfig": ""})
	if err != nil {
		t.Fatal(err)
	}
	got := optionsOf(&pulumirpc.ProgramInfo{Options: opts}, h.defaults)
	if wantReq := (runOptions{typescript: true, tsconfig: "", nodeargs: "--max-old-space-size=512"}); got != wantReq {
		t.Fatalf("request options: got %+v, want %+v", got, wantReq)
	}
	plain, _, err := parseFlags(nil)
	if err != nil || plain.defaults != (runOptions{typescript: true}) {
		t.Fatalf("without flags: %+v %v, want typescript true only", plain, err)
	}
	if _, _, err := parseFlags([]string{"-unknown"}); err == nil {
		t.Fatal("an unknown flag must still be an error")
	}
}
