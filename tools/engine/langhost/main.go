// Command pulumi-language-nodejs is a minimal Node.js language host for the real Pulumi engine in this
// checkout's real-engine suite.
//
// Why it exists: the real host is its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), and the Go module proxy this machine
// reaches refuses every version of it ("403 Forbidden: This module version is not available"). The newest real
// host the proxy serves is the one inside sdk/v3@v3.68.0, which cannot run policy packs (its RunPlugin answers
// "not supported"), and the engine runs a PulumiPolicy.yaml pack only through the language host's RunPlugin.
//
// What it does is what the language-host protocol (sdk/v3/proto/language.proto) asks of a host; the work is
// done by the program's own @pulumi/pulumi: Run starts `node <@pulumi/pulumi>/cmd/run` with the flags that
// entry point parses (--monitor, --engine, --project, --stack, --pwd, --dry-run, --parallel, --organization,
// --root-directory) and the config in PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS; RunPlugin starts
// `cmd/run-policy-pack` (analyzers) or `cmd/run-plugin` (providers) and streams their output back;
// GetRequiredPackages lists the resource plugins named in the `pulumi` field of the program's node_modules.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// exitAfterLoggedError is the exit code @pulumi/pulumi's cmd/run uses when it already reported the error
// to the engine, so the engine must not print a second, generic one (a RunResponse with bail set).
const exitAfterLoggedError = 32

func main() {
	flag.String("tracing", "", "tracing endpoint (accepted for compatibility, unused)")
	flag.Parse()
	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[len(args)-1]
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancelChannel := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancelChannel)
	}()
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, cancel); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check: %w", err))
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelChannel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &host{engineAddress: engineAddress})
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host stopped: %w", err))
	}
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(version.Version, "v")}, nil
}

// programDir is where the program (or plugin) lives: the ProgramInfo's directory, else the legacy pwd.
func programDir(info *pulumirpc.ProgramInfo, pwd string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	return pwd
}

// resolveSDKEntry finds `@pulumi/pulumi/<sub>` the way Node resolves a package: in node_modules of dir or
// of any parent directory.
func resolveSDKEntry(dir, sub string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi", filepath.FromSlash(sub))
		if _, err := os.Stat(filepath.Join(candidate, "index.js")); err == nil {
			return candidate, nil
		}
		if parent := filepath.Dir(d); parent == d {
			break
		}
	}
	return "", fmt.Errorf("could not find @pulumi/pulumi/%s from %s: run `npm ci` there first", sub, abs)
}

// runtimeOptions reads the Pulumi.yaml `runtime.options` the engine forwards in ProgramInfo.
func runtimeOptions(info *pulumirpc.ProgramInfo) map[string]any {
	if info == nil || info.GetOptions() == nil {
		return map[string]any{}
	}
	return info.GetOptions().AsMap()
}

func optionString(opts map[string]any, key string) string {
	if v, ok := opts[key]; ok && v != nil {
		return fmt.Sprintf("%v", v)
	}
	return ""
}

// nodeEnv is the environment cmd/run reads: TypeScript on unless `typescript: false`, the tsconfig path.
func nodeEnv(opts map[string]any) []string {
	env := os.Environ()
	if ts, ok := opts["typescript"].(bool); !ok || ts {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if p := optionString(opts, "tsconfig"); p != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+p)
	}
	return env
}

func nodeArgs(opts map[string]any) []string {
	return strings.Fields(optionString(opts, "nodeargs"))
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	dir := programDir(req.GetInfo(), req.GetPwd())
	runPath, err := resolveSDKEntry(dir, "cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts := runtimeOptions(req.GetInfo())

	args := append(nodeArgs(opts), runPath, "--monitor", req.GetMonitorAddress())
	add := func(flagName, value string) {
		if value != "" {
			args = append(args, "--"+flagName, value)
		}
	}
	add("engine", h.engineAddress)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("organization", req.GetOrganization())
	if req.GetInfo() != nil {
		add("root-directory", req.GetInfo().GetRootDirectory())
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		add("parallel", strconv.Itoa(int(req.GetParallel())))
	}
	entry := req.GetProgram()
	if req.GetInfo() != nil && req.GetInfo().GetEntryPoint() != "" {
		entry = req.GetInfo().GetEntryPoint()
	}
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(nodeEnv(opts),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		_ = os.Stdout.Sync()
		_ = os.Stderr.Sync()
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAfterLoggedError {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a policy pack (kind analyzer) or a Node.js provider (kind resource) from its folder and
// streams its stdout, on which the plugin prints its port, and stderr back to the engine.
func (h *host) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	dir := programDir(req.GetInfo(), req.GetPwd())
	opts := runtimeOptions(req.GetInfo())
	var args []string
	switch req.GetKind() {
	case "analyzer":
		entry, err := resolveSDKEntry(dir, "cmd/run-policy-pack")
		if err != nil {
			return err
		}
		args = append(append(nodeArgs(opts), entry), req.GetArgs()...)
		args = append(args, ".")
	default:
		entry, err := resolveSDKEntry(dir, "cmd/run-plugin")
		if err != nil {
			return err
		}
		args = append(append(nodeArgs(opts), entry, "."), req.GetArgs()...)
	}

	cmd := exec.CommandContext(server.Context(), "node", args...)
	cmd.Dir = dir
	cmd.Env = append(nodeEnv(opts), req.GetEnv()...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}

	var sendMu sync.Mutex
	send := func(resp *pulumirpc.RunPluginResponse) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return server.Send(resp)
	}
	var wg sync.WaitGroup
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		for {
			n, readErr := r.Read(buf)
			if n > 0 {
				chunk := append([]byte(nil), buf[:n]...)
				if sendErr := send(wrap(chunk)); sendErr != nil {
					return
				}
			}
			if readErr != nil {
				return
			}
		}
	}
	wg.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	wg.Wait()

	code := int32(0)
	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		code = int32(exitErr.ExitCode())
	}
	return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

// GetRequiredPackages lists the resource plugins the program's installed packages declare in the `pulumi`
// field of their package.json (name, version, download server), as the engine asks before running it.
func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := pluginDependencies(programDir(req.GetInfo(), ""))
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, d := range deps {
		resp.Packages = append(resp.Packages, &pulumirpc.PackageDependency{
			Kind: "resource", Name: d.name, Version: d.version, Server: d.server,
		})
	}
	return resp, nil
}

func (h *host) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	deps, err := pluginDependencies(programDir(req.GetInfo(), req.GetPwd()))
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, d := range deps {
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{
			Kind: "resource", Name: d.name, Version: d.version, Server: d.server,
		})
	}
	return resp, nil
}

type pluginDep struct{ name, version, server string }

// pluginDependencies reads node_modules/<pkg>/package.json and node_modules/@scope/<pkg>/package.json.
func pluginDependencies(dir string) ([]pluginDep, error) {
	if dir == "" {
		return nil, nil
	}
	var found []pluginDep
	seen := map[string]bool{}
	visit := func(pkgJSON string) {
		raw, err := os.ReadFile(pkgJSON)
		if err != nil {
			return
		}
		var pkg struct {
			Name   string `json:"name"`
			Pulumi *struct {
				Resource bool   `json:"resource"`
				Name     string `json:"name"`
				Version  string `json:"version"`
				Server   string `json:"server"`
			} `json:"pulumi"`
		}
		if json.Unmarshal(raw, &pkg) != nil || pkg.Pulumi == nil || !pkg.Pulumi.Resource {
			return
		}
		name := pkg.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(filepath.Base(filepath.Dir(pkgJSON)), "pulumi-")
		}
		key := name + "@" + pkg.Pulumi.Version
		if !seen[key] {
			seen[key] = true
			found = append(found, pluginDep{name: name, version: pkg.Pulumi.Version, server: pkg.Pulumi.Server})
		}
	}
	nm := filepath.Join(dir, "node_modules")
	entries, err := os.ReadDir(nm)
	if err != nil {
		return nil, nil //nolint:nilerr // no node_modules: nothing required yet
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "@") {
			scoped, _ := os.ReadDir(filepath.Join(nm, e.Name()))
			for _, s := range scoped {
				visit(filepath.Join(nm, e.Name(), s.Name(), "package.json"))
			}
			continue
		}
		visit(filepath.Join(nm, e.Name(), "package.json"))
	}
	sort.Slice(found, func(i, j int) bool { return found[i].name < found[j].name })
	return found, nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: "node",
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"host": "webapp-platform minimal language host"},
	}, nil
}

func (h *host) GetProgramDependencies(
	context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

