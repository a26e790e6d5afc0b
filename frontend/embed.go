// Package frontend holds the built web UI (Svelte + TypeScript, built by Vite
// into dist/). The API package serves it at "/" in `xaso serve` and the Wails
// window serves the same files through its AssetServer.
//
// dist/ keeps a committed .gitkeep so that `go build` works on a fresh clone
// before `make frontend` has run; the served UI is then empty.
package frontend

import "embed"

// Dist is the Vite output. Use fs.Sub(Dist, "dist") to get the site root.
//
//go:embed all:dist
var Dist embed.FS
