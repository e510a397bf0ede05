package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// runPolicyPack is the entry point @pulumi/pulumi ships for policy packs; it is resolved from the
// pack's own directory, so the pack runs with the @pulumi/pulumi of its own node_modules.
const runPolicyPack = "@pulumi/pulumi/cmd/run-policy-pack"

type runPluginHost struct{}

// RunPlugin starts a policy pack the way newer Node.js hosts do (sdk/nodejs/cmd/pulumi-language-nodejs
// RunPlugin): node <run-policy-pack> [nodeargs] <engine args> <pack dir>, in the pack's directory,
// after the engine has sent the stack's configuration (received by sdk.PolicyProxy, which then
// forwards every analyzer call to the pack). Other plugin kinds (Node.js providers, tools) are not
// supported, as with the v3.68.0 host.
func (h *runPluginHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	if req.GetKind() != string(apitype.AnalyzerPlugin) {
		return status.Errorf(codes.Unimplemented,
			"RunPlugin: this Node.js language host (v3.68.0 behind promotion-as-code's wrapper) runs "+
				"policy packs only, not %q plugins", req.GetKind())
	}
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	dir := req.GetInfo().GetProgramDirectory()
	opts, err := parseOptions(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return err
	}

	env := append([]string{}, req.GetEnv()...)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	runPath, err := locateModule(ctx, runPolicyPack, dir, nodeBin)
	if err != nil {
		return err
	}
	args := append([]string{runPath}, strings.Fields(opts.nodeargs)...)
	// For policy packs the pack directory comes last, after the engine's arguments.
	args = append(args, req.GetArgs()...)
	args = append(args, dir)

	// The engine sends the stack's configuration in an Analyzer call (ConfigureStack) once it can
	// reach the plugin; the proxy prints its port, waits for that call, and later forwards
	// everything to the pack, which reads the configuration from its environment at start-up.
	proxy, stdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("could not start policy pack proxy: %w", err)
	}
	config, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("could not get stack configuration: %w", err)
	}
	if config != nil {
		add := func(k, v string) {
			if v != "" {
				env = append(env, k+"="+v)
			}
		}
		add("PULUMI_NODEJS_ORGANIZATION", config.GetOrganization())
		add("PULUMI_NODEJS_PROJECT", config.GetProject())
		add("PULUMI_NODEJS_STACK", config.GetStack())
		add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(config.GetDryRun()))
		if config.GetConfig() != nil {
			values, err := json.Marshal(config.GetConfig())
			if err != nil {
				return fmt.Errorf("could not marshal stack configuration: %w", err)
			}
			add("PULUMI_CONFIG", string(values))
		}
		// Newer hosts stop at PULUMI_CONFIG. The secret keys let a pack tell a value set with
		// `pulumi config set --secret` from one in plain text (pulumi.Config's isSecret does).
		secretKeys, err := json.Marshal(append([]string{}, config.GetConfigSecretKeys()...))
		if err != nil {
			return fmt.Errorf("could not marshal the secret configuration keys: %w", err)
		}
		add("PULUMI_CONFIG_SECRET_KEYS", string(secretKeys))
	}

	cmd := exec.CommandContext(ctx, nodeBin, args...)
	// Node.js policy packs have always run in the pack's directory.
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not run the policy pack with %s: %w", nodeBin, err)
	}
	if err := proxy.Attach(ctx, cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok {
				return fmt.Errorf("Program exited with non-zero exit code: %d", ws.ExitStatus())
			}
			return fmt.Errorf("Program exited unexpectedly: %w", exitErr)
		}
		return err
	}
	return closer.Close()
}

type nodeOptions struct {
	typescript bool
	tsconfig   string
	nodeargs   string
}

// parseOptions reads the runtime options of PulumiPolicy.yaml as newer hosts do (typescript
// defaults to true). nodeargs is split on white space (no shell quoting).
func parseOptions(options map[string]any) (nodeOptions, error) {
	opts := nodeOptions{typescript: true}
	if v, ok := options["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return opts, errors.New("typescript option must be a boolean")
		}
		opts.typescript = b
	}
	if v, ok := options["tsconfig"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("tsconfig option must be a string")
		}
		opts.tsconfig = s
	}
	if v, ok := options["nodeargs"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("nodeargs option must be a string")
		}
		opts.nodeargs = s
	}
	return opts, nil
}

// locateModule resolves mod from dir with node's own resolution, like newer hosts.
func locateModule(ctx context.Context, mod, dir, nodeBin string) (string, error) {
	script := fmt.Sprintf(`try { console.log(require.resolve(%q)); } catch (error) { `+
		`if (error.code === "MODULE_NOT_FOUND") { console.error("It looks like the Pulumi SDK has not `+
		`been installed. Have you run npm install in %s?"); } else { console.error(error.message); } `+
		`process.exit(1); }`, mod, dir)
	cmd := exec.CommandContext(ctx, nodeBin, "-e", script)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return "", errors.New(strings.TrimSpace(string(exitErr.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
