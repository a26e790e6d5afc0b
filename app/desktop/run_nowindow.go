//go:build !desktop

package desktop

import "context"

// run in a build without the desktop tags: there is no WebView to open.
func run(context.Context, Config) error { return ErrNoWindow }
