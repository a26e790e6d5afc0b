//go:build desktop

package desktop

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"sync"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/logger"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/options/windows"
	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// icon is the window icon on Linux (a copy of build/appicon.png at 256 px).
//
//go:embed icon.png
var icon []byte

func run(ctx context.Context, cfg Config) error {
	if err := hasDisplay(); err != nil {
		return err
	}
	log := cfg.logger()

	// The goroutine below owns nothing but the quit signal: it ends when the
	// window closes (done) or after it asked the window to close.
	done := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(done)

	err := wails.Run(&options.App{
		Title:            cfg.title(),
		Width:            width,
		Height:           height,
		MinWidth:         minWidth,
		MinHeight:        minHeight,
		BackgroundColour: &options.RGBA{R: 244, G: 246, B: 248, A: 255},
		AssetServer: &assetserver.Options{
			Assets:     cfg.Assets,
			Middleware: windowMiddleware(cfg),
		},
		Logger:             slogLogger{log},
		LogLevel:           logger.INFO,
		LogLevelProduction: logger.WARNING,
		OnStartup: func(wctx context.Context) {
			log.Info("window opened")
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case <-ctx.Done():
					log.Info("closing window", "reason", context.Cause(ctx))
					runtime.Quit(wctx)
				case <-done:
				}
			}()
		},
		OnShutdown: func(context.Context) { log.Info("window closed") },
		Linux: &linux.Options{
			Icon:        icon,
			ProgramName: "xaso",
			// Old office PCs have weak or broken GPU drivers, and a form UI
			// needs no compositing: without GPU acceleration WebKit's web
			// process took ≈85 MB less PSS (≈99 against ≈183 MB under Xvfb,
			// make bench-ui). XASO_WEBVIEW_GPU=ondemand turns it back on.
			WebviewGpuPolicy: gpuPolicy(os.Getenv("XASO_WEBVIEW_GPU")),
		},
		Windows: &windows.Options{
			// Windows 7/8 era PCs: keep the classic frame, no translucency.
			WebviewIsTransparent: false,
			WindowIsTranslucent:  false,
		},
	})
	if err != nil {
		return fmt.Errorf("desktop: run window: %w", err)
	}
	return nil
}

// gpuPolicy reads XASO_WEBVIEW_GPU: "ondemand" or "always"; anything else
// (and unset) draws without the GPU.
func gpuPolicy(s string) linux.WebviewGpuPolicy {
	switch s {
	case "ondemand":
		return linux.WebviewGpuPolicyOnDemand
	case "always":
		return linux.WebviewGpuPolicyAlways
	}
	return linux.WebviewGpuPolicyNever
}
