// pulumi-resource-github built by scripts/toolchain.sh (see toolchain/pulumi-resource-github/mapping).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"promotion-as-code/toolchain/pulumi-resource-github/mapping"
)

// Version is set with -ldflags "-X main.Version=...".
var Version = "0.0.0-dev"

// schema-embed.json is generated at build time by cmd/pulumi-tfgen-github (in the cache build dir).
//
//go:embed schema-embed.json
var pulumiSchema []byte

func main() {
	tfbridge.Main("github", Version, mapping.Provider(Version), pulumiSchema)
}
