# UI recipes: the web frontend, the desktop window, their tests and figures.
# Included by the Makefile (which defines $(call apt,…), LDFLAGS and
# DESKTOP_BIN). Each target installs what it misses, so repeated runs are fast.
#
#   make frontend       npm ci (only when the lock file changed) + vite build → frontend/dist
#   make desktop        the window-capable binary $(DESKTOP_BIN) (GTK 3 + WebKitGTK 4.1)
#   make test-frontend  Vitest unit tests and svelte-check
#   make test-ui        headless chromium end-to-end against a real `xaso serve`,
#                       and the desktop window under Xvfb; screenshots in $(UI_ARTIFACTS)
#   make bench-ui       gzipped JS+CSS, time until the desk is usable with a 4× slower
#                       CPU (warm and cold cache), bytes over the wire for a cold desk load,
#                       keys/clicks/stray tabs for one receipt from an empty desk to the
#                       printer, memory of the desktop process tree
#   make installer-windows  xaso.exe (WebView2 needs no cgo: cross-built here, with
#                       icon, manifest and version from build/windows) and its NSIS installer

DESKTOP_BIN  ?= build/bin/xaso-desktop
DESKTOP_TAGS := desktop,production,webkit2_41
UI_ARTIFACTS ?= $(CURDIR)/build/artifacts/ui
UI_SOURCES   := $(shell find frontend/src -type f 2>/dev/null) \
                frontend/index.html frontend/hub.html frontend/vite.config.ts frontend/vite.hub.config.ts frontend/svelte.config.js frontend/tsconfig.json

.PHONY: frontend deps-node deps-desktop deps-ui desktop test-frontend test-ui bench-ui \
        deps-windows desktop-windows installer-windows

WINDOWS_EXE   ?= build/bin/xaso.exe
WINDOWS_SETUP ?= build/bin/xaso-setup.exe
# NSIS wants a numeric version: the last vX.Y.Z tag, else 0.1.0.
WIN_VERSION   ?= $(or $(shell git describe --tags --abbrev=0 2>/dev/null | sed 's/^v//' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$$'),0.1.0)

# Vite 7 needs Node ≥ 20.19; the machine image brings Node 20 (Debian's own
# nodejs is the fallback and may be too old, which the check below reports).
deps-node:
	$(if $(shell command -v npm),,$(call apt,nodejs npm))
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node "+process.versions.node+" is too old for Vite 7: install Node 20.19 or newer"); process.exit(1) }'

frontend/node_modules/.package-lock.json: frontend/package-lock.json frontend/package.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(UI_SOURCES)
	cd frontend && npm run --silent build

frontend: deps-node frontend/dist/index.html

deps-desktop:
	$(call apt,gcc libc6-dev pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev)

# The Wails CLI does not build on this Go; plain go build with Wails' tags
# does the same job once the frontend is built (it is embedded).
desktop: deps-go deps-desktop frontend
	CGO_ENABLED=1 go build -trimpath -tags $(DESKTOP_TAGS) -ldflags '$(LDFLAGS)' -o $(DESKTOP_BIN) .
	@echo "built $(DESKTOP_BIN)"

deps-ui:
	$(call apt,chromium xvfb xauth imagemagick xdotool fonts-dejavu-core)

deps-windows:
	$(call apt,binutils-mingw-w64-x86-64 nsis cpp)

# The .syso (icon, manifest, version) exists only during the build; its
# _windows_amd64 suffix keeps it out of every Linux build meanwhile.
desktop-windows: deps-go deps-windows frontend
	cd build/windows && x86_64-w64-mingw32-windres --preprocessor=cpp --codepage=65001 -I. -O coff \
	  -i xaso.rc -o $(CURDIR)/rsrc_windows_amd64.syso
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -tags desktop,production \
	  -ldflags '$(LDFLAGS) -H windowsgui' -o $(WINDOWS_EXE) .; s=$$?; rm -f rsrc_windows_amd64.syso; exit $$s
	@echo "built $(WINDOWS_EXE)"

installer-windows: desktop-windows
	makensis -V2 -DVERSION=$(WIN_VERSION) -DBINARY=$(CURDIR)/$(WINDOWS_EXE) -DOUTFILE=$(CURDIR)/$(WINDOWS_SETUP) \
	  build/windows/installer/project.nsi
	@echo "built $(WINDOWS_SETUP)"

test-frontend: deps-node frontend/node_modules/.package-lock.json
	cd frontend && npx vitest run
	cd frontend && npx svelte-check --tsconfig ./tsconfig.json --threshold error

test-ui: deps-go deps-ui desktop installer-windows
	go vet -tags e2e ./frontend/e2e
	ARTIFACTS=$(UI_ARTIFACTS) XASO_DESKTOP_BIN=$(CURDIR)/$(DESKTOP_BIN) \
	  XASO_WINDOWS_EXE=$(CURDIR)/$(WINDOWS_EXE) XASO_WINDOWS_SETUP=$(CURDIR)/$(WINDOWS_SETUP) \
	  go test -tags e2e -count=1 -timeout 10m -v ./frontend/e2e 2>&1 | grep -vE '^=== (RUN|PAUSE|CONT)'; exit $${PIPESTATUS[0]}
	@echo "screenshots: $(UI_ARTIFACTS)"

bench-ui: deps-go deps-ui desktop
	ARTIFACTS=$(UI_ARTIFACTS) XASO_DESKTOP_BIN=$(CURDIR)/$(DESKTOP_BIN) \
	  go test -tags e2e -run '^$$' -bench . -benchtime 5x -count=1 -timeout 15m ./frontend/e2e
