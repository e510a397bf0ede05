//go:build ignore

// checksdk compares the schema generated for the stand-in GitHub provider with the published npm
// package @pulumi/github, to catch mapping differences (token names, input property names,
// list-vs-object shapes) when a pin changes. It reads only the package's .js/.d.ts files:
//
//	go run checksdk.go -schema <cache>/build/pulumi-resource-github/schema/schema.json \
//	    -sdk node_modules/@pulumi/github
//
// It exits 1 when it finds a difference. Multi-line property declarations in the .d.ts files are
// not parsed (they are skipped, not reported).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

type property struct {
	Type  string          `json:"type"`
	Ref   string          `json:"$ref"`
	Items json.RawMessage `json:"items"`
}

type schema struct {
	Resources map[string]struct {
		InputProperties map[string]property `json:"inputProperties"`
	} `json:"resources"`
	Functions map[string]json.RawMessage `json:"functions"`
	Types     map[string]struct {
		Properties map[string]property `json:"properties"`
	} `json:"types"`
}

var (
	reResType = regexp.MustCompile(`__pulumiType = '([^']+)'`)
	reInvoke  = regexp.MustCompile(`invoke(?:Output|SingleOutput|Single)?\("([^"]+)"`)
	reIface   = regexp.MustCompile(`(?s)export interface (\w+) \{(.*?)\n\}`)
	reProp    = regexp.MustCompile(`(?m)^ {4}(\w+)\??: (.*);$`)
	reArray   = regexp.MustCompile(`\[\]( \| undefined)?>?$`)
)

func main() {
	schemaPath := flag.String("schema", "", "generated schema.json")
	sdkDir := flag.String("sdk", "", "directory of the installed npm package @pulumi/github")
	flag.Parse()
	if *schemaPath == "" || *sdkDir == "" {
		flag.Usage()
		os.Exit(2)
	}
	var s schema
	b, err := os.ReadFile(*schemaPath)
	must(err)
	must(json.Unmarshal(b, &s))

	problems := 0
	report := func(format string, args ...any) {
		problems++
		fmt.Printf("  "+format+"\n", args...)
	}

	// Tokens.
	sdkRes, sdkFn := map[string]string{}, map[string]bool{}
	files, err := filepath.Glob(filepath.Join(*sdkDir, "*.js"))
	must(err)
	for _, f := range files {
		src, err := os.ReadFile(f)
		must(err)
		if m := reResType.FindSubmatch(src); m != nil && strings.Contains(string(m[1]), ":") {
			sdkRes[string(m[1])] = strings.TrimSuffix(filepath.Base(f), ".js")
		}
		for _, m := range reInvoke.FindAllSubmatch(src, -1) {
			sdkFn[string(m[1])] = true
		}
	}
	for tok := range sdkRes {
		if _, ok := s.Resources[tok]; !ok {
			report("resource only in the npm package: %s", tok)
		}
	}
	for tok := range s.Resources {
		if _, ok := sdkRes[tok]; !ok {
			report("resource only in the schema: %s", tok)
		}
	}
	for tok := range sdkFn {
		if _, ok := s.Functions[tok]; !ok {
			report("function only in the npm package: %s", tok)
		}
	}
	for tok := range s.Functions {
		if !sdkFn[tok] && !strings.HasPrefix(tok, "pulumi:providers:") {
			report("function only in the schema: %s", tok)
		}
	}

	compare := func(where string, sdkProps map[string]string, schProps map[string]property) int {
		n := 0
		for _, k := range union(sdkProps, schProps) {
			n++
			t, inSDK := sdkProps[k]
			p, inSchema := schProps[k]
			switch {
			case !inSDK:
				report("%s.%s: only in the schema", where, k)
			case !inSchema:
				report("%s.%s: only in the npm package", where, k)
			case reArray.MatchString(t) != (p.Type == "array"):
				report("%s.%s: npm %q vs schema type %q", where, k, t, p.Type)
			}
		}
		return n
	}

	// Top-level resource inputs: <Class>Args in <file>.d.ts.
	checked := 0
	for tok, file := range sdkRes {
		res, ok := s.Resources[tok]
		if !ok {
			continue
		}
		dts, err := os.ReadFile(filepath.Join(*sdkDir, file+".d.ts"))
		must(err)
		class := tok[strings.LastIndex(tok, ":")+1:]
		props := map[string]string{}
		for _, m := range reIface.FindAllStringSubmatch(string(dts), -1) {
			if m[1] == class+"Args" {
				props = parseProps(m[2])
			}
		}
		checked += compare(class, props, res.InputProperties)
	}

	// Nested input types: types/input.d.ts.
	byName := map[string]string{}
	for tok := range s.Types {
		byName[tok[strings.LastIndex(tok, ":")+1:]] = tok
	}
	in, err := os.ReadFile(filepath.Join(*sdkDir, "types", "input.d.ts"))
	must(err)
	nested, types := 0, 0
	for _, m := range reIface.FindAllStringSubmatch(string(in), -1) {
		tok, ok := byName[m[1]]
		if !ok {
			if !strings.HasSuffix(m[1], "Args") {
				report("type only in the npm package: %s", m[1])
			}
			continue
		}
		types++
		nested += compare(m[1], parseProps(m[2]), s.Types[tok].Properties)
	}

	fmt.Printf("resources %d, functions %d; resource inputs checked %d; nested input types %d with %d properties; differences: %d\n",
		len(s.Resources), len(s.Functions), checked, types, nested, problems)
	if problems > 0 {
		os.Exit(1)
	}
}

func parseProps(body string) map[string]string {
	props := map[string]string{}
	for _, m := range reProp.FindAllStringSubmatch(body, -1) {
		props[m[1]] = m[2]
	}
	return props
}

func union(a map[string]string, b map[string]property) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
