//go:build !desktop

package desktop

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/fstest"
)

// A binary built without the desktop tags must say so instead of failing
// obscurely, so `xaso` without arguments can point the user to `xaso serve`.
func TestRunWithoutWindowSupport(t *testing.T) {
	err := Run(context.Background(), Config{Handler: http.NotFoundHandler(), Assets: fstest.MapFS{}})
	if !errors.Is(err, ErrNoWindow) {
		t.Fatalf("Run = %v, want ErrNoWindow", err)
	}
}
