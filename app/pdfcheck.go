package app

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
)

// The project renders PDFs (go-pdf/fpdf) but has no PDF reader, so an
// uploaded PDF is checked here, with the standard library, by walking the
// structure a reader needs to open it (ISO 32000-1 §7.5): the startxref
// pointer at the end, the cross-reference section it points to (a table or
// a stream), the trailer's /Root, and that the objects the table lists are
// where it says. A file with only a PDF header and an %%EOF, or a
// cross-reference that points nowhere, is refused.

var (
	reStartXref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	reObjHead   = regexp.MustCompile(`^\s*\d+\s+\d+\s+obj\b`)
	reSubsect   = regexp.MustCompile(`^xref\s+(\d+)\s+(\d+)\s`)
	reEntry     = regexp.MustCompile(`^(\d{10}) (\d{5}) ([nf])`)
)

// pdfStructured reports whether the PDF's cross-reference structure holds.
func pdfStructured(r io.ReaderAt, size int64) bool {
	tail := readAt(r, max(0, size-2048), int(min(size, 2048)))
	m := reStartXref.FindSubmatch(bytes.TrimRight(tail, "\x00"))
	if m == nil {
		return false
	}
	off, err := strconv.ParseInt(string(m[1]), 10, 64)
	if err != nil || off <= 0 || off >= size {
		return false
	}
	sect := readAt(r, off, int(min(size-off, 4096)))
	if reObjHead.Match(sect) { // a cross-reference stream (PDF 1.5+)
		return bytes.Contains(sect, []byte("/XRef")) && bytes.Contains(sect, []byte("/Root"))
	}
	sm := reSubsect.FindSubmatchIndex(sect)
	if sm == nil {
		return false
	}
	first, _ := strconv.Atoi(string(sect[sm[2]:sm[3]]))
	count, _ := strconv.Atoi(string(sect[sm[4]:sm[5]]))
	if count < 1 {
		return false
	}
	// The trailer follows the table: it must name the document catalogue.
	trailer := readAt(r, off, int(min(size-off, int64(64+20*count+2048))))
	if i := bytes.Index(trailer, []byte("trailer")); i < 0 || !bytes.Contains(trailer[i:], []byte("/Root")) {
		return false
	}
	// Check the first few objects in use lie where the table says.
	entries := bytes.TrimLeft(sect[sm[1]:], " \r\n")
	checked := 0
	for i := 0; i < count && checked < 8 && len(entries) >= 18; i++ {
		e := reEntry.FindSubmatch(entries)
		if e == nil {
			return false
		}
		entries = bytes.TrimLeft(entries[len(e[0]):], " \r\n")
		if string(e[3]) != "n" {
			continue
		}
		at, _ := strconv.ParseInt(string(e[1]), 10, 64)
		if at <= 0 || at >= size {
			return false
		}
		head := readAt(r, at, 32)
		want := strconv.Itoa(first+i) + " "
		if !reObjHead.Match(head) || !bytes.HasPrefix(bytes.TrimLeft(head, " \r\n"), []byte(want)) {
			return false
		}
		checked++
	}
	return true
}

func readAt(r io.ReaderAt, off int64, n int) []byte {
	b := make([]byte, n)
	m, _ := r.ReadAt(b, off)
	return b[:m]
}
