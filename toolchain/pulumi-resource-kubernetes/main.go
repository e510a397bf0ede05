// Wrapper main for pulumi-resource-kubernetes.
//
// Upstream's cmd/pulumi-resource-kubernetes embeds files that its Makefile generates and that are
// gitignored (so they are missing from the Go module zip). scripts/toolchain.sh generates them from the
// committed schema.json / terraform-mapping.json into the build directory next to this file.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
