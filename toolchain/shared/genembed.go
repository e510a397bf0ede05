//go:build ignore

// genembed writes the JSON files that upstream's Makefile generates (and gitignores) for a
// provider's main package, so that its //go:embed directives can be satisfied. It is run by
// scripts/toolchain.sh inside the cache build directory, never in the repository:
//
//	go run genembed.go -version 1.2.3 -schema in/schema.json -out schema-embed.json \
//	    [-minify in/terraform-mapping.json -minify-out terraform-mapping-embed.json]
//
// The schema is copied with its top-level "version" set (what upstream's generate.go does); the
// optional second file is only re-serialized.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"os"
)

func main() {
	version := flag.String("version", "", "provider version to record in the schema")
	schemaIn := flag.String("schema", "", "committed schema.json")
	schemaOut := flag.String("out", "", "schema-embed.json to write")
	minifyIn := flag.String("minify", "", "optional JSON file to re-serialize")
	minifyOut := flag.String("minify-out", "", "where to write the re-serialized file")
	flag.Parse()
	if *version == "" || *schemaIn == "" || *schemaOut == "" || (*minifyIn == "") != (*minifyOut == "") {
		flag.Usage()
		os.Exit(2)
	}

	var schema map[string]json.RawMessage
	readJSON(*schemaIn, &schema)
	v, err := json.Marshal(*version)
	check(err)
	schema["version"] = v
	writeJSON(*schemaOut, schema)

	if *minifyIn != "" {
		var doc any
		readJSON(*minifyIn, &doc)
		writeJSON(*minifyOut, doc)
	}
}

func readJSON(path string, v any) {
	b, err := os.ReadFile(path)
	check(err)
	check(json.Unmarshal(b, v))
}

func writeJSON(path string, v any) {
	b, err := json.Marshal(v)
	check(err)
	check(os.WriteFile(path, b, 0o644))
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
