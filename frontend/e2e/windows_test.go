//go:build e2e

package e2e

import (
	"bytes"
	"debug/pe"
	"os"
	"testing"
)

// The Windows build cannot run here (WebView2 is Windows-only), so this
// checks what can be checked on Linux: xaso.exe is a 64-bit GUI program
// carrying its icon, manifest and version resources, and the installer is
// an NSIS executable that contains it. make test-ui builds both.
func TestWindowsPackage(t *testing.T) {
	exe, setup := os.Getenv("XASO_WINDOWS_EXE"), os.Getenv("XASO_WINDOWS_SETUP")
	if exe == "" || setup == "" {
		t.Skip("XASO_WINDOWS_EXE and XASO_WINDOWS_SETUP unset (make test-ui builds and sets them)")
	}
	f, err := pe.Open(exe)
	if err != nil {
		t.Fatalf("xaso.exe: %v", err)
	}
	defer f.Close()
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		t.Errorf("machine %#x, want amd64", f.Machine)
	}
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok || oh.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
		t.Errorf("not a 64-bit Windows GUI program (a console window would open beside the app)")
	}
	rsrc := f.Section(".rsrc")
	if rsrc == nil {
		t.Fatal("no .rsrc section: icon, manifest and version are missing")
	}
	data, err := rsrc.Data()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range [][]byte{[]byte("vn.xaso.desktop"), []byte("permonitorv2"), utf16le("Xã Số")} {
		if !bytes.Contains(data, want) {
			t.Errorf("resources lack %q", want)
		}
	}

	inst, err := os.ReadFile(setup)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(inst, []byte("MZ")) || !bytes.Contains(inst, []byte("Nullsoft")) {
		t.Errorf("%s is not an NSIS installer", setup)
	}
	if st, _ := os.Stat(exe); len(inst) < 1<<20 || int64(len(inst)) > st.Size() {
		t.Errorf("installer is %d bytes for a %d-byte program: it cannot hold it compressed", len(inst), st.Size())
	}
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}
