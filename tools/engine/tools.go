//go:build tools

// Package engine pins the Pulumi CLI this checkout's real-engine suite builds: `go build` of
// github.com/pulumi/pulumi/pkg/v3/cmd/pulumi from this module uses exactly the versions in go.sum.
package engine

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
