// pulumi-language-nodejs (RunPlugin wrapper): the Node.js language host the engine talks to.
//
// The newest Node.js language host the Go module proxy serves is the one in sdk/v3 v3.68.0
// (docs/toolchain.md). It runs programs fine, but its RunPlugin answers "not supported", and
// pulumi 3.248 starts a TypeScript policy pack (`--policy-pack DIR`) through exactly that call
// whenever a Node.js language host exists. This wrapper sits in front of the old host:
//
//   - it starts the v3.68.0 host (langhost/pulumi-language-nodejs next to this binary) with the
//     arguments the engine gave us, reads the port it prints, and forwards every gRPC call of the
//     LanguageRuntime service to it byte for byte (proxy.go), so programs run exactly as before;
//   - it answers RunPlugin for policy packs itself (runplugin.go), the way newer hosts do.
//
// It prints its own port on stdout, like any plugin, and exits when the old host exits.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// innerRelPath is where the old host lives, relative to this binary (set by scripts/toolchain.sh).
var innerRelPath = "langhost/pulumi-language-nodejs"

// maxMessageSize matches what Pulumi's own plugins accept (400 MiB).
const maxMessageSize = 400 * 1024 * 1024

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-nodejs (RunPlugin wrapper): "+format+"\n", args...)
	os.Exit(1)
}

// innerHost is the path of the v3.68.0 host: PROMOTION_INNER_LANGHOST, else next to this binary.
func innerHost() string {
	if p := os.Getenv("PROMOTION_INNER_LANGHOST"); p != "" {
		return p
	}
	self, err := os.Executable()
	if err != nil {
		fail("cannot find my own path: %v", err)
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	return filepath.Join(filepath.Dir(self), filepath.FromSlash(innerRelPath))
}

func main() {
	inner := innerHost()
	if _, err := os.Stat(inner); err != nil {
		fail("the Node.js language host it wraps is missing: %v (rerun scripts/toolchain.sh)", err)
	}

	// The old host gets exactly our arguments and environment; its stderr is ours.
	cmd := exec.Command(inner, os.Args[1:]...)
	cmd.Stdin = os.Stdin
	cmd.Stderr = os.Stderr
	dieWithParent(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		fail("%v", err)
	}
	if err := cmd.Start(); err != nil {
		fail("cannot start %s: %v", inner, err)
	}
	exited := make(chan int, 1)
	go func() {
		_ = cmd.Wait()
		exited <- cmd.ProcessState.ExitCode()
	}()

	// Its first stdout line is its port; the rest of its stdout is ours.
	reader := bufio.NewReader(out)
	line, err := reader.ReadString('\n')
	port, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		// The old host failed before serving (it said why on stderr); exit as it did.
		fail("%s did not print its port (read %q): %v", inner, line, <-exited)
	}
	go func() { _, _ = io.Copy(os.Stdout, reader) }()

	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", port),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageSize), grpc.MaxCallSendMsgSize(maxMessageSize)))
	if err != nil {
		fail("cannot dial %s on port %d: %v", inner, port, err)
	}

	cancel := make(chan bool, 1)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			srv.RegisterService(&runPluginOnly, &runPluginHost{})
			return nil
		},
		Options: []grpc.ServerOption{
			grpc.ForceServerCodec(passthroughCodec{}),
			grpc.UnknownServiceHandler(forwardTo(conn)),
			grpc.MaxSendMsgSize(maxMessageSize),
		},
	})
	if err != nil {
		fail("cannot serve: %v", err)
	}
	fmt.Printf("%d\n", handle.Port)

	select {
	case code := <-exited:
		cancel <- true
		os.Exit(code)
	case err := <-handle.Done:
		if err != nil {
			fail("stopped serving: %v", err)
		}
	}
}

// runPluginOnly is the LanguageRuntime service with RunPlugin alone: every other method of the
// service is unknown to this server and goes to the UnknownServiceHandler, i.e. to the old host.
var runPluginOnly = grpc.ServiceDesc{
	ServiceName: "pulumirpc.LanguageRuntime",
	HandlerType: (*any)(nil),
	Streams: []grpc.StreamDesc{{
		StreamName:    "RunPlugin",
		ServerStreams: true,
		Handler: func(srv any, stream grpc.ServerStream) error {
			req := new(pulumirpc.RunPluginRequest)
			if err := stream.RecvMsg(req); err != nil {
				return err
			}
			return srv.(*runPluginHost).RunPlugin(req, &runPluginStream{stream})
		},
	}},
	Metadata: "pulumi/language.proto",
}

// runPluginStream adapts the raw server stream to pulumirpc.LanguageRuntime_RunPluginServer.
type runPluginStream struct{ grpc.ServerStream }

func (s *runPluginStream) Send(m *pulumirpc.RunPluginResponse) error { return s.SendMsg(m) }
