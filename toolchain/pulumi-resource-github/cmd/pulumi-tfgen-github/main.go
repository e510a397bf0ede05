// pulumi-tfgen-github generates the Pulumi schema for the stand-in GitHub provider:
//
//	pulumi-tfgen-github schema --out DIR --skip-docs --skip-examples
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"promotion-as-code/toolchain/pulumi-resource-github/mapping"
)

// Version is set with -ldflags "-X main.Version=...".
var Version = "0.0.0-dev"

func main() {
	tfgen.Main("github", Version, mapping.Provider(Version))
}
