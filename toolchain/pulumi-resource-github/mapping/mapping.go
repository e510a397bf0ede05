// Package mapping is OUR stand-in for pulumi-github's provider/resources.go.
//
// The module github.com/pulumi/pulumi-github/provider/v6 is not served by the Go module proxy this
// project can reach, so scripts/toolchain.sh bridges the same upstream Terraform provider
// (github.com/integrations/terraform-provider-github/v6) with the same bridge
// (github.com/pulumi/pulumi-terraform-bridge/v3) itself. The mapping below uses the bridge's
// standard token rules, which is what pulumi-github does too (tokens.SingleModule + MakeStandard),
// plus the few explicit settings the published SDK needs (see docs/toolchain.md).
package mapping

import (
	"github.com/integrations/terraform-provider-github/v6/github"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
)

const (
	pkg = "github"
	mod = "index"
)

// Provider returns the bridge mapping for the GitHub Terraform provider.
func Provider(version string) tfbridge.ProviderInfo {
	p := shimv2.NewProvider(github.NewProvider(version, "")())

	info := tfbridge.ProviderInfo{
		P:                       p,
		Name:                    pkg,
		Version:                 version,
		Description:             "A Pulumi package for creating and managing github cloud resources.",
		Keywords:                []string{"pulumi", "github"},
		License:                 "Apache-2.0",
		Homepage:                "https://pulumi.io",
		Repository:              "https://github.com/pulumi/pulumi-github",
		GitHubOrg:               "integrations",
		TFProviderModuleVersion: "v6",
		Config: map[string]*tfbridge.SchemaInfo{
			"base_url": {Default: &tfbridge.DefaultInfo{
				EnvVars: []string{"GITHUB_BASE_URL"},
				Value:   "https://api.github.com/",
			}},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			// Resources whose replacement must delete first (same as the published provider).
			"github_actions_environment_secret":    {DeleteBeforeReplace: true},
			"github_repository_deploy_key":         {DeleteBeforeReplace: true},
			"github_repository_autolink_reference": {DeleteBeforeReplace: true},
			// The published SDK keeps this block a list (upstream later added MaxItems: 1; the
			// published provider pins the old shape through its bridge-metadata.json history).
			"github_repository_environment": {Fields: map[string]*tfbridge.SchemaInfo{
				"reviewers": {MaxItemsOne: tfbridge.False()},
			}},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			// The one token that does not follow the standard rule (getApp -> getGithubApp).
			"github_app": {Tok: tfbridge.MakeDataSource(pkg, mod, "getGithubApp")},
		},
	}

	info.MustComputeTokens(tokens.SingleModule("github_", mod, tokens.MakeStandard(pkg)))
	info.SetAutonaming(255, "-")
	return info
}
